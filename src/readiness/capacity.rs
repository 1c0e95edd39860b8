//! Whether the DR region offers what the recovery launches: `instance-type` (each EC2 instance
//! type offered in the zones the configuration uses, DescribeInstanceTypeOfferings),
//! `db-class` (each DB instance class orderable for its engine there,
//! DescribeOrderableDBInstanceOptions) and `image` (each AMI exists in the DR region). What a
//! create needs comes from its resource type ([`crate::resources::ResourceType::needs`]);
//! types served through the provider are looked at by their `instance_type` and `image_id`
//! arguments.

use std::collections::{BTreeMap, BTreeSet};

use super::{Facts, Finding, RuleRun, Severity};
use crate::cloud::{Answers, DbOffer};
use crate::plan::Plan;
use crate::resources::StepAction;
use crate::resources::{Need, StepView};

/// Each create's needs, by address.
pub fn needs(plan: &Plan) -> BTreeMap<String, Vec<Need>> {
    let mut out = BTreeMap::new();
    let creates = plan.resource_changes.iter().filter_map(|c| c.verb().filter(|a| a.creates()).map(|a| (c, a)));
    for (c, action) in creates {
        let after = c.change.after.value();
        let view =
            StepView { address: &c.address, action, after: &after, changed: &[], region: &c.drplan.region, stack: "" };
        let needs = match crate::resources::get(&c.ty) {
            Some(t) => t.needs(&view),
            None => {
                let known = |k: &str| after.get(k).and_then(|v| v.as_str()).map(str::to_string);
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

/// The zones the configuration launches into: its subnets' (planned or owned), as each type
/// says ([`crate::resources::ResourceType::placement_zone`]).
pub fn zones(facts: &Facts) -> BTreeSet<String> {
    let dr = &facts.plan.region;
    let zone = |ty: &str, attr: &dyn Fn(&str) -> Option<String>| crate::resources::get(ty)?.placement_zone(attr);
    let mut zones = BTreeSet::new();
    for c in
        facts.plan.resource_changes.iter().filter(|c| &c.drplan.region == dr && c.verb() != Some(StepAction::Delete))
    {
        let after = c.change.after.value();
        let attr = |k: &str| after.get(k).and_then(|v| v.as_str()).map(str::to_string);
        zones.extend(zone(&c.ty, &attr));
    }
    for o in facts.inventory.owned(&facts.plan.stack).filter(|o| &o.region == dr) {
        let attr = |k: &str| o.attr_str(k).map(str::to_string);
        zones.extend(zone(&o.ty, &attr));
    }
    zones
}

/// The answers, or why a rule could not look (offline, or the call failed).
fn answered<'a, T>(
    facts: &'a Facts,
    rule: &str,
    pick: impl Fn(&'a Answers) -> &'a Result<T, String>,
    rules: &mut Vec<RuleRun>,
) -> Option<&'a T> {
    let scope = match facts.answers.as_ref().map(pick) {
        None => "not checked: offline (a recorded live state cannot say what AWS offers)".to_string(),
        Some(Err(e)) => format!("not checked: {e}"),
        Some(Ok(found)) => return Some(found),
    };
    rules.push(RuleRun { rule: rule.into(), scope });
    None
}

/// Whether `offered` covers the zones used: `None` when it does, else the severity and why.
fn short_of(what: &str, offered: &BTreeSet<String>, zones: &BTreeSet<String>, dr: &str) -> Option<(Severity, String)> {
    let had = || offered.iter().map(String::as_str).collect::<Vec<_>>().join(", ");
    let missing: Vec<&str> = zones.iter().filter(|z| !offered.contains(*z)).map(String::as_str).collect();
    if offered.is_empty() {
        Some((Severity::Blocker, format!("{what} is not offered in any zone of {dr}")))
    } else if !zones.is_empty() && missing.len() == zones.len() {
        let used = missing.join(", ");
        Some((Severity::Blocker, format!("{what} is not offered in the zones used ({used}), only in {}", had())))
    } else if missing.is_empty() {
        None
    } else {
        Some((Severity::Warning, format!("{what} is not offered in {} (only in {})", missing.join(", "), had())))
    }
}

pub fn instance_types(facts: &Facts, findings: &mut Vec<Finding>, rules: &mut Vec<RuleRun>) {
    let Some(offerings) = answered(facts, "instance-type", |a| &a.offerings, rules) else { return };
    let zones = zones(facts);
    let dr = &facts.plan.region;
    let mut types = BTreeSet::new();
    for (address, need) in &facts.needs {
        for ty in need.iter().filter_map(|n| if let Need::InstanceType(t) = n { Some(t) } else { None }) {
            types.insert(ty.clone());
            let Some((severity, evidence)) = short_of(ty, &offerings.get(ty).cloned().unwrap_or_default(), &zones, dr)
            else {
                continue;
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

pub fn db_classes(facts: &Facts, findings: &mut Vec<Finding>, rules: &mut Vec<RuleRun>) {
    let Some(offers) = answered(facts, "db-class", |a| &a.db_classes, rules) else { return };
    let zones = zones(facts);
    let dr = &facts.plan.region;
    let (mut looked, mut unlisted) = (BTreeSet::new(), BTreeSet::new());
    for (address, need) in &facts.needs {
        for (engine, class) in need.iter().filter_map(|n| match n {
            Need::DbClass { engine, class } => Some((engine, class)),
            _ => None,
        }) {
            let key = (engine.clone(), class.clone());
            let offered = match offers.get(&key) {
                Some(DbOffer::Zones(z)) => z,
                Some(DbOffer::EngineUnlisted) | None => {
                    unlisted.insert(engine.clone());
                    continue;
                }
            };
            looked.insert(key);
            let Some((severity, evidence)) = short_of(&format!("{class} ({engine})"), offered, &zones, dr) else {
                continue;
            };
            findings.push(Finding {
                severity,
                address: address.clone(),
                rule: "db-class".into(),
                evidence,
                fix: format!("choose a class orderable for {engine} in the zones you use (aws rds describe-orderable-db-instance-options --engine {engine} --db-instance-class {class} --region {dr})"),
            });
        }
    }
    let mut scope = format!("{} class(es) in {} zone(s)", looked.len(), zones.len());
    if !unlisted.is_empty() {
        let engines: Vec<&str> = unlisted.iter().map(String::as_str).collect();
        scope.push_str(&format!("; not checked for {}: {dr} lists no orderable options for it", engines.join(", ")));
    }
    rules.push(RuleRun { rule: "db-class".into(), scope });
}

pub fn images(facts: &Facts, findings: &mut Vec<Finding>, rules: &mut Vec<RuleRun>) {
    let Some(found) = answered(facts, "image", |a| &a.images, rules) else { return };
    let dr = &facts.plan.region;
    let mut looked = BTreeSet::new();
    for (address, need) in &facts.needs {
        for id in need.iter().filter_map(|n| if let Need::Image(i) = n { Some(i) } else { None }) {
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
