//! The one place a change to a kept object is decided: for an instance and its live object,
//! which attributes change and whether that replaces it, including the rules of its type
//! (a read replica whose configuration drops `replicate_source_db` is promoted). Planning
//! ([`super::build`]), the evaluator's view of planned values and apply all ask here, so a plan
//! and its execution cannot disagree.

use std::collections::BTreeSet;

use super::diff::{self, AttrDiff};
use crate::config::Lifecycle;
use crate::eval::Value;
use crate::live::LiveObject;
use crate::schema::BlockSchema;

/// What changes, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The live object in the schema's shape.
    pub before: Value,
    pub diffs: Vec<AttrDiff>,
    /// Type-specific changes, in words ("the read replica is promoted ...").
    pub reasons: Vec<String>,
    /// Attributes a type rule changes to what the configuration says, even when unset.
    pub set_by_rule: Vec<String>,
}

impl Decision {
    pub fn replace(&self) -> bool {
        self.diffs.iter().any(|d| d.forces_replacement)
    }

    pub fn is_empty(&self) -> bool {
        self.diffs.is_empty()
    }

    /// What references to the object see after an in-place update: the live object with the
    /// configuration's values where it sets them (and where a type rule changes them).
    pub fn planned(&self, config: &Value) -> Value {
        let mut after = diff::planned(&self.before, config);
        if let Value::Map(m) = &mut after {
            for name in &self.set_by_rule {
                m.insert(name.clone(), config.get(name).cloned().unwrap_or(Value::Null));
            }
        }
        after
    }
}

/// Decides the change from `live` to the instance's configuration.
pub fn decide(
    ty: &str,
    schema: &BlockSchema,
    config: &Value,
    written: &BTreeSet<String>,
    lifecycle: &Lifecycle,
    live: &LiveObject,
) -> Decision {
    let mut before = diff::normalize_live(schema, live);
    if let Value::Map(fields) = &mut before
        && let Some(Value::Map(tags)) = fields.get_mut("tags")
    {
        // Tags the provider configuration ignores are someone else's: never a change.
        tags.retain(|k, _| !lifecycle.ignored_tags.ignores(k));
    }
    let mut diffs = diff::diff(schema, config, &before, written, lifecycle);
    let mut reasons = Vec::new();
    let mut set_by_rule = Vec::new();
    if let Some(t) = crate::resources::get(ty).filter(|_| !lifecycle.ignore_all_changes) {
        for d in &mut diffs {
            if let Some(forces) = t.forces_replacement(&d.name, before.get(&d.name), config.get(&d.name)) {
                d.forces_replacement = forces;
            }
        }
        for extra in t.extra_changes(live, config, written, &lifecycle.ignore_changes) {
            if !diffs.iter().any(|d| d.name == extra.name) {
                diffs.push(AttrDiff { name: extra.name.clone(), forces_replacement: extra.replaces });
            }
            set_by_rule.push(extra.name);
            reasons.push(extra.reason);
        }
    }
    Decision { before, diffs, reasons, set_by_rule }
}

/// A change to an object of a type the provider serves, as the provider planned it
/// (`PlanResourceChange`): the top-level attributes whose planned value differs from the prior
/// state (unknown counts as different), and those of them the provider says force replacement.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServedDecision {
    pub changed: Vec<String>,
    pub replace_because: Vec<String>,
}

impl ServedDecision {
    pub fn replace(&self) -> bool {
        !self.replace_because.is_empty()
    }
}

/// Decides from the prior state and the provider's plan for it. `settled` attributes are not
/// changes whatever the plan says of them ([`crate::provider::ownership::unread_defaults`]).
pub fn decide_served(
    prior: &Value,
    planned: &Value,
    requires_replace: &[String],
    settled: &BTreeSet<String>,
) -> ServedDecision {
    let empty = crate::eval::Fields::default();
    let (before, after) = match (prior, planned) {
        (Value::Map(b), Value::Map(a)) => (b, a),
        (Value::Map(b), _) => (b, &empty),
        _ => return ServedDecision::default(),
    };
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let changed: Vec<String> = names
        .into_iter()
        .filter(|k| before.get(*k).unwrap_or(&Value::Null) != after.get(*k).unwrap_or(&Value::Null))
        .filter(|k| !settled.contains(*k))
        .cloned()
        .collect();
    let replace_because = requires_replace.iter().filter(|r| changed.contains(r)).cloned().collect();
    ServedDecision { changed, replace_because }
}

/// The configuration a provider plans with under `lifecycle`: attributes named in
/// `ignore_changes` keep their prior values (Terraform's rule), `ignore_changes = all` keeps
/// every configurable one.
pub fn served_config(config: Value, prior: &Value, lifecycle: &Lifecycle) -> Value {
    let (Value::Map(mut fields), Value::Map(before)) = (config.clone(), prior) else { return config };
    for (name, value) in fields.iter_mut() {
        if lifecycle.ignore_all_changes || lifecycle.ignore_changes.iter().any(|i| i == name) {
            *value = before.get(name).cloned().unwrap_or(Value::Null);
        }
    }
    // Named but not configured at all (no blocks of that kind): kept as they are too.
    for name in &lifecycle.ignore_changes {
        if let (false, Some(value)) = (fields.contains_key(name), before.get(name)) {
            fields.insert(name.clone(), value.clone());
        }
    }
    Value::Map(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;

    fn replica(source: Option<&str>) -> LiveObject {
        let mut attributes = std::collections::BTreeMap::new();
        attributes.insert("identifier".to_string(), serde_json::json!("app-db"));
        attributes.insert("instance_class".to_string(), serde_json::json!("db.t3.medium"));
        if let Some(s) = source {
            attributes.insert("replicate_source_db".to_string(), serde_json::json!(s));
        }
        LiveObject {
            ty: "aws_db_instance".into(),
            region: "us-west-2".into(),
            id: "db-1".into(),
            tags: Default::default(),
            attributes,
        }
    }

    fn config(source: Value) -> Value {
        Value::Map(
            [
                ("identifier".to_string(), Value::from("app-db")),
                ("instance_class".to_string(), Value::from("db.t3.medium")),
                ("replicate_source_db".to_string(), source),
            ]
            .into(),
        )
    }

    /// What differs is changed; a replacement needs a differing attribute the provider named.
    #[test]
    fn a_served_decision_follows_the_provider() {
        let map = |pairs: &[(&str, Value)]| Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect());
        let prior = map(&[("name", Value::from("a")), ("arn", Value::from("arn:1")), ("policy", Value::from("{}"))]);
        let none = BTreeSet::new();
        let same = decide_served(&prior, &prior, &["name".into()], &none);
        assert_eq!(same, ServedDecision::default());
        let renamed = map(&[("name", Value::from("b")), ("arn", Value::Unknown), ("policy", Value::from("{}"))]);
        let d = decide_served(&prior, &renamed, &["name".into(), "policy".into()], &none);
        assert_eq!(
            (d.changed, d.replace_because),
            (vec!["arn".to_string(), "name".to_string()], vec!["name".to_string()])
        );
        let ignore = Lifecycle { ignore_changes: vec!["name".into()], ..Lifecycle::default() };
        assert_eq!(served_config(renamed, &prior, &ignore).get("name"), Some(&Value::from("a")));
    }

    /// `ignore_changes` keeps the prior value, also of blocks the configuration has none of.
    #[test]
    fn ignored_changes_keep_the_prior_value() {
        let block = Value::List(vec![Value::Map([("resource_type".to_string(), Value::from("volume"))].into())].into());
        let prior = Value::Map(
            [("name".to_string(), Value::from("old")), ("tag_specifications".to_string(), block.clone())].into(),
        );
        let config = Value::Map([("name".to_string(), Value::from("new"))].into());
        let lifecycle =
            Lifecycle { ignore_changes: vec!["name".into(), "tag_specifications".into()], ..Lifecycle::default() };
        let kept = served_config(config, &prior, &lifecycle);
        assert_eq!(kept.get("name"), Some(&Value::from("old")));
        assert_eq!(kept.get("tag_specifications"), Some(&block));
    }

    #[test]
    fn a_replica_whose_source_is_dropped_is_promoted_in_place() {
        let schema = &crate::schema::lookup(Mode::Managed, "aws_db_instance").unwrap().block;
        let written: BTreeSet<String> = ["identifier".to_string(), "instance_class".to_string()].into();
        let live = replica(Some("arn:aws:rds:us-east-1:123456789012:db:app"));
        let d = decide("aws_db_instance", schema, &config(Value::Null), &written, &Lifecycle::default(), &live);
        assert_eq!(d.diffs, [AttrDiff { name: "replicate_source_db".into(), forces_replacement: false }]);
        assert!(!d.replace());
        assert!(d.reasons[0].contains("promoted"), "{:?}", d.reasons);
        assert_eq!(d.planned(&config(Value::Null)).get("replicate_source_db"), Some(&Value::Null));

        // Still named: nothing to do. Ignored: nothing to do. Never a replica: nothing to do.
        let kept = config(Value::from("arn:aws:rds:us-east-1:123456789012:db:app"));
        assert!(decide("aws_db_instance", schema, &kept, &written, &Lifecycle::default(), &live).is_empty());
        let ignore = Lifecycle { ignore_changes: vec!["replicate_source_db".into()], ..Lifecycle::default() };
        assert!(decide("aws_db_instance", schema, &config(Value::Null), &written, &ignore, &live).is_empty());
        let standalone = replica(None);
        assert!(
            decide("aws_db_instance", schema, &config(Value::Null), &written, &Lifecycle::default(), &standalone)
                .is_empty()
        );
        // An argument the configuration does not set is unknown only because AWS computes it:
        // an unwritten snapshot_identifier is no restore (it once hid the promotion).
        let mut computed = config(Value::Null);
        if let Value::Map(m) = &mut computed {
            m.insert("snapshot_identifier".into(), Value::Unknown);
        }
        let d = decide("aws_db_instance", schema, &computed, &written, &Lifecycle::default(), &live);
        assert_eq!(d.diffs, [AttrDiff { name: "replicate_source_db".into(), forces_replacement: false }]);
        let mut restoring = written.clone();
        restoring.insert("snapshot_identifier".into());
        assert!(decide("aws_db_instance", schema, &computed, &restoring, &Lifecycle::default(), &live).is_empty());
    }
}
