//! `rpo`: how old the data a failover would recover is, against `recovery.rpo`. The figures
//! are the plan's own RPO estimates (replica lag, latest restorable time of replicated
//! backups, the newest snapshot copy; see docs/recovery.md). A database the failover would
//! create empty (the standby's replica is missing) is a blocker.

use super::{Facts, Finding, RuleRun, Severity};
use crate::timefmt::format_duration;

pub fn rpo(facts: &Facts, findings: &mut Vec<Finding>, rules: &mut Vec<RuleRun>) {
    let r = &facts.plan.recovery;
    let Some(objective) = r.rpo_objective_seconds else {
        rules.push(RuleRun { rule: "rpo".into(), scope: "not checked: the recovery block sets no rpo".into() });
        return;
    };
    for e in &r.rpo_estimates {
        if e.empty {
            findings.push(Finding {
                severity: Severity::Blocker,
                address: e.address.clone(),
                rule: "rpo".into(),
                evidence: format!("it would be {}: every row written before the failure is lost", e.source),
                fix: "build what it recovers from before it is needed (apply the standby: the replica, the snapshot copy, replicated automated backups), or give it a recovery source (replicate_source_db, snapshot_identifier, restore_to_point_in_time)".into(),
            });
            continue;
        }
        let (severity, evidence) = match e.seconds {
            Some(s) if s > objective => (
                Severity::Blocker,
                format!(
                    "the data it recovers is {} old ({}), over the {} RPO",
                    format_duration(s),
                    e.source,
                    format_duration(objective)
                ),
            ),
            Some(_) => continue,
            None => (Severity::Warning, format!("the age of the data it recovers is not known: {}", e.source)),
        };
        findings.push(Finding {
            severity,
            address: e.address.clone(),
            rule: "rpo".into(),
            evidence,
            fix: "replicate more often or closer (a read replica, replicated automated backups, a more frequent snapshot copy), or declare the lag (recovery.replica_lag)".into(),
        });
    }
    rules.push(RuleRun { rule: "rpo".into(), scope: format!("{} database(s)", r.rpo_estimates.len()) });
}
