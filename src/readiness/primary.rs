//! Rules about the region that failed: which steps of the recovery still need the primary
//! region (`primary-dependency`: they read a data source or a counterpart there;
//! `primary-source`: they copy from it), and which use regional artifacts of another region
//! (`regional-artifact`: a KMS key, a certificate, a topic by ARN).

use std::collections::{BTreeSet, HashMap};

use serde_json::Value as Json;

use super::{Facts, Finding, RuleRun, Severity};
use crate::config::Mode;
use crate::expand::Instance;
use crate::resources::StepAction;
use crate::resources::home_region;

/// `primary-dependency`: each step that reads a data source or counterpart outside the DR
/// region, directly or through data sources it reads. Returns every step that needs the
/// primary: these, `primary-source`'s, and every step after one of them.
pub fn dependencies(facts: &Facts, findings: &mut Vec<Finding>, rules: &mut Vec<RuleRun>) -> BTreeSet<String> {
    let (plan, exp) = (facts.plan, facts.exp);
    let dr = plan.region.as_str();
    let index: HashMap<&str, usize> = exp.instances.iter().enumerate().map(|(i, x)| (x.addr.as_str(), i)).collect();
    let elsewhere = |inst: &Instance| {
        (inst.mode == Mode::Data || inst.read_only)
            && inst.region.as_deref().is_some_and(|r| home_region(&inst.ty, r) != home_region(&inst.ty, dr))
    };
    let mut direct = BTreeSet::new();
    let steps = plan.execution.steps.iter().filter(|s| s.action != StepAction::Delete);
    for step in steps.clone() {
        let Some(&start) = index.get(step.address.as_str()) else { continue };
        // Data sources are read at every plan and apply; a resource's values come from what
        // exists (its own step is found on its own).
        let mut seen = BTreeSet::from([start]);
        let mut queue = vec![start];
        let mut read = BTreeSet::new();
        while let Some(i) = queue.pop() {
            let inst = &exp.instances[i];
            if elsewhere(inst) {
                read.insert(format!("{} ({})", inst.addr, inst.region.as_deref().unwrap_or_default()));
                continue;
            }
            if i != start && inst.mode == Mode::Managed {
                continue;
            }
            queue.extend(inst.deps.iter().copied().filter(|d| seen.insert(*d)));
        }
        if read.is_empty() {
            continue;
        }
        direct.insert(step.address.clone());
        findings.push(Finding {
            severity: Severity::Blocker,
            address: step.address.clone(),
            rule: "primary-dependency".into(),
            evidence: format!(
                "it reads {} in the primary region, at every plan and apply: were the primary down, this step (and every step after it) could not run",
                read.into_iter().collect::<Vec<_>>().join(", ")
            ),
            fix: "give it what it needs without the primary in this phase: a variable, a data source in the DR region, a copy kept there, or a count that drops the primary-side data source outside standby".into(),
        });
    }
    let n = steps.count();
    rules.push(RuleRun { rule: "primary-dependency".into(), scope: format!("{n} step(s)") });
    direct.extend(sources(facts, findings));
    crate::plan::gates::with_dependents(&plan.execution, direct)
}

/// `primary-source`: creates that copy from another region (a replica of the primary's
/// database, an AMI or snapshot copy): no DR-side copy exists yet, so the primary must answer.
fn sources(facts: &Facts, findings: &mut Vec<Finding>) -> BTreeSet<String> {
    let dr = facts.plan.region.as_str();
    let mut need = BTreeSet::new();
    for c in facts
        .plan
        .resource_changes
        .iter()
        .filter(|c| matches!(c.verb(), Some(StepAction::Create | StepAction::Replace)))
    {
        for (attr, value, region) in regional_values(&c.change.after.value(), dr) {
            if !is_source(&attr) {
                continue;
            }
            need.insert(c.address.clone());
            findings.push(Finding {
                severity: Severity::Blocker,
                address: c.address.clone(),
                rule: "primary-source".into(),
                evidence: format!(
                    "it is created from {region}: {attr} = {value}; no copy exists in {dr} yet, so creating it needs {region} to answer"
                ),
                fix: format!(
                    "keep the copy in {dr} before it is needed (apply the standby: a replica, a copied AMI or snapshot, replicated automated backups)"
                ),
            });
        }
    }
    need
}

/// `regional-artifact`: arguments naming a regional resource of another region by ARN (a KMS
/// key, a certificate, a topic). Copy sources are `primary-source`'s.
pub fn artifacts(facts: &Facts, findings: &mut Vec<Finding>, rules: &mut Vec<RuleRun>) {
    let dr = facts.plan.region.as_str();
    let mut looked = 0;
    for c in facts
        .plan
        .resource_changes
        .iter()
        .filter(|c| matches!(c.verb(), Some(StepAction::Create | StepAction::Replace | StepAction::Update)))
    {
        looked += 1;
        for (attr, value, region) in regional_values(&c.change.after.value(), dr) {
            if is_source(&attr) {
                continue;
            }
            findings.push(Finding {
                severity: Severity::Blocker,
                address: c.address.clone(),
                rule: "regional-artifact".into(),
                evidence: format!("{attr} = {value} is in {region}, not {dr}: a regional resource of another region cannot be used here (and may be down with it)"),
                fix: format!("use one in {dr}: a multi-Region KMS key replica, a certificate issued in {dr}, a topic or secret replicated there"),
            });
        }
    }
    rules.push(RuleRun { rule: "regional-artifact".into(), scope: format!("{looked} change(s)") });
}

/// Whether an argument names what a copy is made from.
fn is_source(attr: &str) -> bool {
    let top = attr.split(['.', '[']).next().unwrap_or(attr);
    top.contains("source") || top == "replicate_source_db"
}

/// (argument path, value, region) of every ARN (or `source_region`) in `after` naming a
/// region other than `dr`.
fn regional_values(after: &Json, dr: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    walk(after, String::new(), &mut |path, v| {
        let region = match v.split(':').collect::<Vec<_>>().as_slice() {
            ["arn", _, _, region, ..] if !region.is_empty() => Some(region.to_string()),
            _ if path.ends_with("source_region") && crate::expand::recovery::valid_region(v) => Some(v.to_string()),
            _ => None,
        };
        if let Some(region) = region.filter(|r| r != dr) {
            out.push((path.to_string(), v.to_string(), region));
        }
    });
    out
}

fn walk(v: &Json, path: String, f: &mut dyn FnMut(&str, &str)) {
    match v {
        Json::String(s) => f(&path, s),
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{i}]"), f);
            }
        }
        Json::Object(map) => {
            for (k, item) in map {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                walk(item, p, f);
            }
        }
        _ => {}
    }
}
