//! `data-check`: whether the `sql` checks could log in when a failover runs them. A check whose
//! Secrets Manager secret does not exist in the DR region cannot connect, so the cutover would
//! wait out its timeout and not move traffic: a blocker. A check with no credentials at all is
//! a warning (they may be given only to the drill). Only the secret's metadata is read.

use std::collections::BTreeSet;

use super::{Facts, Finding, RuleRun, Severity};
use crate::eval::Value;

fn known(v: Option<&Value>) -> Option<String> {
    v.filter(|v| !v.is_null()).and_then(Value::to_template_string)
}

/// The secrets the `sql` checks name, when known before apply.
pub fn secrets(facts: &Facts) -> BTreeSet<String> {
    sql_checks(facts).filter_map(|c| known(c.args.get("secret_id"))).collect()
}

fn sql_checks<'f>(facts: &'f Facts) -> impl Iterator<Item = &'f crate::expand::CheckValue> {
    facts.exp.checks.iter().filter(|c| c.kind == "sql")
}

pub fn checks(facts: &Facts, findings: &mut Vec<Finding>, rules: &mut Vec<RuleRun>) {
    let rule = "data-check";
    let region = &facts.plan.region;
    let mut count = 0;
    for c in sql_checks(facts) {
        count += 1;
        let address = format!("check.{}", c.name);
        let unset = |k: &str| c.args.get(k).is_none_or(Value::is_null);
        if unset("password") && unset("secret_id") {
            findings.push(Finding {
                severity: Severity::Warning,
                address,
                rule: rule.into(),
                evidence: "the check has no credentials: password and secret_id are both null".into(),
                fix: "give the password when the check runs (-var, TF_VAR_...), or name a Secrets Manager secret replicated to the DR region (secret_id)".into(),
            });
            continue;
        }
        let Some(id) = known(c.args.get("secret_id")) else { continue };
        match facts.answers.as_ref().and_then(|a| a.secrets.get(&id)) {
            Some(Ok(true)) => {}
            Some(Ok(false)) => findings.push(Finding {
                severity: Severity::Blocker,
                address,
                rule: rule.into(),
                evidence: format!(
                    "its secret {id} does not exist in {region}: the check cannot log in, so a failover's cutover would wait out the check's timeout and not move traffic"
                ),
                fix: format!("replicate the secret to {region} (Secrets Manager replica regions), or point secret_id at the copy there"),
            }),
            Some(Err(e)) => findings.push(Finding {
                severity: Severity::Warning,
                address,
                rule: rule.into(),
                evidence: format!("whether its secret {id} exists in {region} is not known: {e}"),
                fix: "allow secretsmanager:DescribeSecret on the secret to the role drplan runs as".into(),
            }),
            None => {}
        }
    }
    let scope = match (count, facts.answers.is_some()) {
        (0, _) => "not checked: no sql check".to_string(),
        (n, true) => format!("{n} sql check(s)"),
        (n, false) => format!("{n} sql check(s); secrets not checked: offline"),
    };
    rules.push(RuleRun { rule: rule.into(), scope });
}
