//! Whether the DR region offers what the recovery launches: `instance-type` (each EC2 instance
//! type offered in the zones the configuration uses, DescribeInstanceTypeOfferings) and `image`
//! (each AMI exists in the DR region). What a create needs comes from its resource type
//! ([`crate::resources::ResourceType::needs`]); types served through the provider are looked
//! at by their `instance_type` and `image_id` arguments.

use std::collections::{BTreeMap, BTreeSet};

use super::{Facts, Finding, RuleRun, Severity};
use crate::resources::{Need, StepView};

/// Each create's needs, by address.
pub fn needs(facts: &Facts) -> BTreeMap<String, Vec<Need>> {
    let mut out = BTreeMap::new();
    for c in facts.plan.resource_changes.iter().filter(|c| matches!(c.verb(), "create" | "replace")) {
        let view = StepView {
            address: &c.address,
            action: c.verb(),
            after: &c.change.after,
            changed: &[],
            region: &c.drplan.region,
        };
        let needs = match crate::resources::get(&c.ty) {
            Some(t) => t.needs(&view),
            None => {
                let known = |k: &str| c.change.after.get(k).and_then(|v| v.as_str()).map(str::to_string);
                let mut n: Vec<Need> = known("instance_type").map(Need::InstanceType).into_iter().collect();
                n.extend(known("image_id").map(Need::Image));
                n
            }
        };
        if !needs.is_empty() {
            out.insert(c.address.clone(), needs);
        }
    }
    out
}

/// The instance types and AMIs the plan needs.
pub fn wanted(facts: &Facts) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut types, mut images) = (BTreeSet::new(), BTreeSet::new());
    for need in needs(facts).into_values().flatten() {
        match need {
            Need::InstanceType(t) => types.insert(t),
            Need::Image(i) => images.insert(i),
        };
    }
    (types, images)
}

/// The zones the configuration launches into: its subnets' (planned or owned), as each type
/// says ([`crate::resources::ResourceType::placement_zone`]).
fn zones(facts: &Facts) -> BTreeSet<String> {
    let dr = &facts.plan.region;
    let zone = |ty: &str, attr: &dyn Fn(&str) -> Option<String>| crate::resources::get(ty)?.placement_zone(attr);
    let mut zones = BTreeSet::new();
    for c in facts.plan.resource_changes.iter().filter(|c| &c.drplan.region == dr && c.verb() != "delete") {
        let attr = |k: &str| c.change.after.get(k).and_then(|v| v.as_str()).map(str::to_string);
        zones.extend(zone(&c.ty, &attr));
    }
    for o in facts.inventory.owned(&facts.plan.stack).filter(|o| &o.region == dr) {
        let attr = |k: &str| o.attr_str(k).map(str::to_string);
        zones.extend(zone(&o.ty, &attr));
    }
    zones
}

pub fn instance_types(facts: &Facts, findings: &mut Vec<Finding>, rules: &mut Vec<RuleRun>) {
    let needs = needs(facts);
    let zones = zones(facts);
    let offerings = match &facts.offerings {
        None => {
            let scope = "not checked: offline (a recorded live state cannot say what AWS offers)".into();
            rules.push(RuleRun { rule: "instance-type".into(), scope });
            return;
        }
        Some(Err(e)) => {
            rules.push(RuleRun { rule: "instance-type".into(), scope: format!("not checked: {e}") });
            return;
        }
        Some(Ok(o)) => o,
    };
    let dr = &facts.plan.region;
    let mut types = BTreeSet::new();
    for (address, need) in &needs {
        for ty in need.iter().filter_map(|n| match n {
            Need::InstanceType(t) => Some(t),
            Need::Image(_) => None,
        }) {
            types.insert(ty.clone());
            let offered = offerings.get(ty).cloned().unwrap_or_default();
            let missing: Vec<&String> = zones.iter().filter(|z| !offered.contains(*z)).collect();
            let usable = zones.is_empty() || zones.iter().any(|z| offered.contains(z));
            let (severity, evidence) = if offered.is_empty() {
                (Severity::Blocker, format!("{ty} is not offered in any zone of {dr}"))
            } else if !usable {
                let had: Vec<&str> = offered.iter().map(String::as_str).collect();
                let used: Vec<&str> = zones.iter().map(String::as_str).collect();
                let evidence =
                    format!("{ty} is not offered in the zones used ({}), only in {}", used.join(", "), had.join(", "));
                (Severity::Blocker, evidence)
            } else if missing.is_empty() {
                continue;
            } else {
                let list: Vec<&str> = missing.iter().map(|z| z.as_str()).collect();
                let had: Vec<&str> = offered.iter().map(String::as_str).collect();
                (Severity::Warning, format!("{ty} is not offered in {} (only in {})", list.join(", "), had.join(", ")))
            };
            findings.push(Finding {
                severity,
                address: address.clone(),
                rule: "instance-type".into(),
                evidence,
                fix: format!("choose a type offered in every zone you use (aws ec2 describe-instance-type-offerings --location-type availability-zone --region {dr}), or use only the zones that offer it"),
            });
        }
    }
    let scope = format!("{} type(s) in {} zone(s)", types.len(), zones.len());
    rules.push(RuleRun { rule: "instance-type".into(), scope });
}

pub fn images(facts: &Facts, findings: &mut Vec<Finding>, rules: &mut Vec<RuleRun>) {
    let found = match &facts.images {
        None => {
            let scope = "not checked: offline (a recorded live state lists only this account's AMIs)".into();
            rules.push(RuleRun { rule: "image".into(), scope });
            return;
        }
        Some(Err(e)) => {
            rules.push(RuleRun { rule: "image".into(), scope: format!("not checked: {e}") });
            return;
        }
        Some(Ok(f)) => f,
    };
    let dr = &facts.plan.region;
    let mut looked = BTreeSet::new();
    for (address, need) in needs(facts) {
        for id in need.iter().filter_map(|n| match n {
            Need::Image(i) => Some(i),
            Need::InstanceType(_) => None,
        }) {
            looked.insert(id.clone());
            if found.contains(id) {
                continue;
            }
            findings.push(Finding {
                severity: Severity::Blocker,
                address: address.clone(),
                rule: "image".into(),
                evidence: format!("AMI {id} does not exist in {dr} (or this account cannot see it)"),
                fix: format!("copy it to {dr} before it is needed (aws ec2 copy-image --source-region <primary> --source-image-id <id> --region {dr}, or an aws_ami_copy in the standby)"),
            });
        }
    }
    rules.push(RuleRun { rule: "image".into(), scope: format!("{} AMI(s)", looked.len()) });
}
