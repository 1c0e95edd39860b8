//! Tags as Terraform shows them in a plan: `tags` is what the block itself sets and `tags_all`
//! every tag the configuration gives the object (the provider's `default_tags` under the block's
//! own). drplan's ownership tags (`drplan:*`) are on every object it owns but in neither map:
//! they are drplan's bookkeeping, not the configuration's, and policies written against
//! Terraform's plans must see the same maps.
//!
//! Not here: what writes send (the merged map with ownership tags, see
//! `crate::expand::Instance::own_tags` and `crate::provider::ownership`).

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Mode;
use crate::eval::Value;
use crate::expand::Instance;

const OWNERSHIP_PREFIX: &str = "drplan:";

fn without_ownership(tags: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    tags.iter().filter(|(k, _)| !k.starts_with(OWNERSHIP_PREFIX)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The keys `inst`'s configuration has only from the provider's default tags.
fn from_defaults(inst: &Instance) -> BTreeSet<&str> {
    let (Some(own), Some(Value::Map(all))) = (&inst.own_tags, inst.config.get("tags")) else {
        return BTreeSet::new();
    };
    all.keys().filter(|k| own.as_map().is_none_or(|o| !o.contains_key(*k))).map(String::as_str).collect()
}

/// The attributes a create shows: those the block sets, and `tags_all` when the provider's
/// default tags add to them (Terraform shows both).
pub(super) fn shown_on_create(inst: &Instance) -> Vec<String> {
    let mut shown: Vec<String> = inst.written.iter().cloned().collect();
    if inst.own_tags.is_some() && !shown.iter().any(|n| n == "tags_all") {
        let at = shown.partition_point(|n| n.as_str() < "tags_all");
        shown.insert(at, "tags_all".into());
    }
    shown
}

/// An update's changed attributes as a plan lists them: where default tags are merged, a change
/// of the merged map is a change of `tags_all`, and of `tags` only when the block's own tags
/// change (`before` and `after` are the change's values as shown).
pub(super) fn changed_attributes(
    inst: &Instance,
    diffs: &[crate::plan::diff::AttrDiff],
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> Vec<crate::plan::AttributeChange> {
    let mut out = Vec::new();
    for d in diffs {
        let change =
            |name: &str| crate::plan::AttributeChange { name: name.into(), forces_replacement: d.forces_replacement };
        if d.name != "tags" || inst.own_tags.is_none() {
            out.push(change(&d.name));
            continue;
        }
        if before.get("tags") != after.get("tags") {
            out.push(change("tags"));
        }
        out.push(change("tags_all"));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// [`as_terraform_shows`] for a value planned with no prior object (a create, or the create half
/// of a replacement), as provider-aws plans one: an empty `tags` map is null, and an empty
/// `tags_all` is unknown until AWS reports the tags the object got.
pub(super) fn as_terraform_plans_afresh(inst: &Instance, value: Value) -> Value {
    let shown = as_terraform_shows(inst, value);
    let Value::Map(mut fields) = shown else { return shown };
    if inst.mode == Mode::Managed {
        let empty = |v: Option<&Value>| v.and_then(Value::as_map).is_some_and(BTreeMap::is_empty);
        if empty(fields.get("tags")) {
            fields.insert("tags".into(), Value::Null);
        }
        if empty(fields.get("tags_all")) {
            fields.insert("tags_all".into(), Value::Unknown);
        }
    }
    Value::Map(fields)
}

/// `value` (a state of managed instance `inst`: planned, or as read) with `tags` and `tags_all`
/// (and `tag` blocks, as an Auto Scaling group has) as Terraform shows them. A native type's value without `tags_all` (no provider planned it)
/// gets it from the merged tags when they are known, and unknown otherwise, as the provider
/// plans it.
pub(super) fn as_terraform_shows(inst: &Instance, value: Value) -> Value {
    let Value::Map(mut fields) = value else { return value };
    if inst.mode != Mode::Managed {
        return Value::Map(fields);
    }
    if let Some(Value::Set(blocks) | Value::List(crate::eval::Seq { items: blocks, .. })) = fields.get_mut("tag") {
        let ours = |b: &Value| b.get("key").and_then(Value::as_str).is_some_and(|k| k.starts_with(OWNERSHIP_PREFIX));
        blocks.retain(|b| !ours(b));
    }
    if !fields.contains_key("tags") {
        return Value::Map(fields);
    }
    let tags = fields.remove("tags").unwrap_or(Value::Null);
    let all = match fields.remove("tags_all") {
        Some(Value::Map(m)) => Some(Value::Map(without_ownership(&m).into())),
        // drplan's own values never know `tags_all` better than the merged tags do.
        _ if crate::resources::get(&inst.ty).is_some() => Some(match &tags {
            Value::Map(m) => Value::Map(without_ownership(m).into()),
            _ => Value::Unknown,
        }),
        other => other,
    };
    let defaults = from_defaults(inst);
    let own = match tags {
        Value::Map(m) => {
            let mut own = without_ownership(&m);
            own.retain(|k, _| !defaults.contains(k.as_str()));
            match (&inst.own_tags, own.is_empty()) {
                (Some(Value::Null), true) => Value::Null,
                _ => Value::Map(own.into()),
            }
        }
        other => other,
    };
    fields.insert("tags".into(), own);
    if let Some(all) = all {
        fields.insert("tags_all".into(), all);
    }
    Value::Map(fields)
}
