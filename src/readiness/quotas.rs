//! `quota`: whether the account's Service Quotas leave room, in the DR region, for what the
//! recovery creates: each create's quota and amount come from its resource type
//! ([`crate::resources::ResourceType::capacity`]); the limit (GetServiceQuota) and the region's
//! current use (every owner's objects) from AWS. Quotas counted per zone (NAT gateways) are
//! compared zone by zone, where the plan says which zone a create lands in.

use std::collections::BTreeMap;

use super::{Facts, Finding, RuleRun, Severity};
use crate::cloud::QuotaState;
use crate::plan::ResourceChange;
use crate::resources::StepAction;
use crate::resources::{Amount, Quota, StepView};

/// One quota's planned consumption: by zone (`None`: not known), with the steps consuming it.
#[derive(Default)]
struct Consumption {
    by_zone: BTreeMap<Option<String>, u64>,
    addresses: Vec<String>,
    /// Instance types whose vCPUs AWS did not say.
    unknown: Vec<String>,
}

/// The creates in the DR region with the quota each consumes.
pub fn consumers<'a>(facts: &Facts<'a>) -> Vec<(&'a ResourceChange, crate::resources::Capacity)> {
    let dr = &facts.plan.region;
    let creates =
        facts.plan.resource_changes.iter().filter(|c| c.verb() == Some(StepAction::Create) && &c.drplan.region == dr);
    creates
        .filter_map(|c| {
            let after = c.change.after.value();
            let view = StepView::create(&c.address, &after, dr);
            Some((c, crate::resources::get(&c.ty)?.capacity(&view)?))
        })
        .collect()
}

pub fn quotas(facts: &Facts, findings: &mut Vec<Finding>, rules: &mut Vec<RuleRun>) {
    let Some(answers) = &facts.answers else {
        let scope = "not checked: offline (Service Quotas and the region's use are read from AWS)".into();
        rules.push(RuleRun { rule: "quota".into(), scope });
        return;
    };
    let vcpus = answers.vcpus.as_ref().ok();
    let mut planned: BTreeMap<&str, (&'static Quota, Consumption)> = BTreeMap::new();
    for (c, capacity) in consumers(facts) {
        let (_, use_) =
            planned.entry(capacity.quota.quota_code).or_insert_with(|| (capacity.quota, Default::default()));
        let amount = match &capacity.amount {
            Amount::One => 1,
            Amount::VcpusOf(ty) => match vcpus.and_then(|v| v.get(ty.as_str())) {
                Some(n) => *n,
                None => {
                    use_.unknown.push(ty.clone());
                    0
                }
            },
        };
        let zone = if capacity.quota.per_zone { zone_of(facts, c) } else { None };
        *use_.by_zone.entry(zone).or_default() += amount;
        use_.addresses.push(c.address.clone());
    }
    // Quotas not checked, grouped by why (one unserved service fails every quota it has).
    let mut unchecked: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut notes = Vec::new();
    for (code, (quota, use_)) in &planned {
        match answers.quotas.get(code) {
            Some(Ok(state)) => judge(facts, quota, state, use_, findings),
            Some(Err(e)) => unchecked.entry(e.clone()).or_default().push(code),
            None => unchecked.entry("not asked".into()).or_default().push(code),
        }
        if !use_.unknown.is_empty() {
            notes.push(format!("{code}: vCPUs of {} not known", use_.unknown.join(", ")));
        }
    }
    let mut scope = format!("{} quota(s)", planned.len());
    for (why, codes) in unchecked {
        scope.push_str(&format!("; {} not checked: {why}", codes.join(", ")));
    }
    for n in notes {
        scope.push_str("; ");
        scope.push_str(&n);
    }
    rules.push(RuleRun { rule: "quota".into(), scope });
}

fn judge(facts: &Facts, quota: &Quota, state: &QuotaState, use_: &Consumption, findings: &mut Vec<Finding>) {
    let dr = &facts.plan.region;
    let limit = state.limit.floor() as u64;
    let first = use_.addresses.first().cloned().unwrap_or_default();
    let others = match use_.addresses.len() {
        0 | 1 => String::new(),
        n => format!(" (with {} other step(s))", n - 1),
    };
    let fix = format!(
        "request an increase before it is needed (aws service-quotas request-service-quota-increase --service-code {} --quota-code {} --desired-value <n> --region {dr}), or release what the region no longer needs",
        quota.service_code, quota.quota_code
    );
    let mut over = |severity, evidence: String| {
        findings.push(Finding { severity, address: first.clone(), rule: "quota".into(), evidence, fix: fix.clone() })
    };
    if !quota.per_zone {
        let adds: u64 = use_.by_zone.values().sum();
        if state.usage.region + adds > limit {
            over(
                Severity::Blocker,
                format!(
                    "{}{others} needs {adds} more of \"{}\" ({}): {dr} uses {} of {limit}",
                    first, quota.name, quota.quota_code, state.usage.region
                ),
            );
        }
        return;
    }
    let used = |z: &str| state.usage.by_zone.get(z).copied().unwrap_or(0);
    for (zone, adds) in &use_.by_zone {
        let (severity, at, now) = match zone {
            Some(z) => (Severity::Blocker, z.clone(), used(z)),
            // Not known where it lands: the fullest zone is the worst case.
            None => {
                let (z, n) = state
                    .usage
                    .by_zone
                    .iter()
                    .max_by_key(|(_, n)| **n)
                    .map(|(z, n)| (z.clone(), *n))
                    .unwrap_or_default();
                (
                    Severity::Warning,
                    if z.is_empty() { "any zone".into() } else { format!("{z} (if they land there)") },
                    n,
                )
            }
        };
        if now + adds > limit {
            let name = quota.name;
            let evidence = format!("{adds} more of \"{name}\" ({}) in {at}: it has {now} of {limit}", quota.quota_code);
            over(severity, evidence);
        }
    }
}

/// The zone a create lands in: its subnet's, through the subnet step it depends on or the
/// owned subnet it names.
fn zone_of(facts: &Facts, c: &ResourceChange) -> Option<String> {
    let zone = |ty: &str, attr: &dyn Fn(&str) -> Option<String>| crate::resources::get(ty)?.placement_zone(attr);
    let step = facts.plan.execution.steps.iter().find(|s| s.address == c.address)?;
    for dep in &step.depends_on {
        let Some(d) = facts.plan.resource_changes.iter().find(|r| &r.address == dep) else { continue };
        let after = d.change.after.value();
        let attr = |k: &str| after.get(k).and_then(|v| v.as_str()).map(str::to_string);
        if let Some(z) = zone(&d.ty, &attr) {
            return Some(z);
        }
    }
    let after = c.change.after.value();
    let subnet = after.get("subnet_id")?.as_str()?;
    let o = facts.inventory.objects().iter().find(|o| o.id == subnet)?;
    zone(&o.ty, &|k: &str| o.attr_str(k).map(str::to_string))
}
