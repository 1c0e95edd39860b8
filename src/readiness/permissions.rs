//! `permission`: whether the caller may make the recovery's writes, where AWS can say so
//! without doing anything (EC2's dry runs: RunInstances, AllocateAddress). A denial is a
//! warning: the failover may run with other credentials than the check. Which creates offer
//! a dry run is their resource type's to say ([`crate::resources::ResourceType::dry_run`]).

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::{Facts, Finding, RuleRun, Severity};
use crate::resources::StepAction;
use crate::resources::{DryRun, Permission, StepView};

/// One dry run per action: the first create (by address) that offers it.
pub fn dry_runs(facts: &Facts) -> Vec<(String, DryRun, Json)> {
    let dr = &facts.plan.region;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in
        facts.plan.resource_changes.iter().filter(|c| c.verb() == Some(StepAction::Create) && &c.drplan.region == dr)
    {
        let after = c.change.after.value();
        let view = StepView::create(&c.address, &after, dr);
        let Some(run) = crate::resources::get(&c.ty).and_then(|t| t.dry_run(&view)) else { continue };
        if seen.insert(run.action) {
            out.push((c.address.clone(), run, after));
        }
    }
    out
}

pub fn permissions(facts: &Facts, findings: &mut Vec<Finding>, rules: &mut Vec<RuleRun>) {
    let Some(answers) = &facts.answers else {
        let scope = "not checked: offline (dry runs ask AWS)".into();
        rules.push(RuleRun { rule: "permission".into(), scope });
        return;
    };
    let mut unknown = Vec::new();
    for (address, action, said) in &answers.permissions {
        match said {
            Permission::Allowed => {}
            Permission::Denied(message) => findings.push(Finding {
                severity: Severity::Warning,
                address: address.clone(),
                rule: "permission".into(),
                evidence: format!("a dry run of {action} was denied: {message}"),
                fix: format!(
                    "allow {action} to the role the failover runs as (and check it with the same credentials)"
                ),
            }),
            Permission::Unknown(why) => unknown.push(format!("{action}: {why}")),
        }
    }
    let mut scope = format!("{} action(s) dry-run", answers.permissions.len());
    if !unknown.is_empty() {
        scope.push_str(&format!("; inconclusive: {}", unknown.join("; ")));
    }
    rules.push(RuleRun { rule: "permission".into(), scope });
}
