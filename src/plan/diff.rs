//! Comparing one instance's configuration with its live object, attribute by attribute, the
//! way the schema says to: only what the configuration sets is compared (AWS fills in the rest),
//! sets compare without order, `tags` ignore drplan's ownership tags, `ignore_changes` is
//! honoured, and a difference in a force-new attribute or block means replacement.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Lifecycle;
use crate::eval::Seq;
use crate::eval::Value;
use crate::eval::types::{Type, convert};
use crate::live::LiveObject;
use crate::schema::{AttrSchema, BlockSchema};

/// One differing top-level attribute or block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrDiff {
    pub name: String,
    pub forces_replacement: bool,
}

/// The live object as a value of the schema's shape: attributes the object does not record are
/// absent (and so never compared); `tags` exclude `drplan:*` ownership tags.
pub fn normalize_live(schema: &BlockSchema, live: &LiveObject) -> Value {
    let mut out = normalize_block(schema, &live.attributes);
    if schema.attrs.contains_key("tags") {
        let user_tags = live
            .tags
            .iter()
            .filter(|(k, _)| !k.starts_with("drplan:"))
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())));
        out.insert("tags".into(), Value::Map(user_tags.collect()));
    }
    out.insert("id".into(), Value::from(live.id.as_str()));
    Value::Map(out.into())
}

fn normalize_block(schema: &BlockSchema, attrs: &BTreeMap<String, serde_json::Value>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (name, json) in attrs {
        if let Some(attr) = schema.attrs.get(name) {
            let raw = Value::from_json(json);
            out.insert(name.clone(), convert(&raw, &attr.ty).unwrap_or(raw));
        } else if let Some(nested) = schema.blocks.get(name) {
            let items = match json {
                serde_json::Value::Array(items) => items.as_slice(),
                serde_json::Value::Null => &[],
                other => std::slice::from_ref(other),
            };
            let items = items
                .iter()
                .filter_map(|i| i.as_object())
                .map(|o| {
                    let mut item =
                        normalize_block(&nested.block, &o.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
                    // The provider reads an unset nested argument as its default (`[]`, `""`).
                    for (k, attr) in &nested.block.attrs {
                        if let Some(d) = &attr.default
                            && item.get(k).is_none_or(|v| *v == Value::Null)
                        {
                            item.insert(k.clone(), d.clone());
                        }
                    }
                    Value::Map(item.into())
                })
                .collect();
            out.insert(name.clone(), Value::List(items));
        }
    }
    out
}

/// Differences between `config` and the normalized live object. `written` lists the top-level
/// arguments the configuration sets explicitly.
pub fn diff(
    schema: &BlockSchema,
    config: &Value,
    live: &Value,
    written: &BTreeSet<String>,
    lifecycle: &Lifecycle,
) -> Vec<AttrDiff> {
    if lifecycle.ignore_all_changes {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (name, attr) in &schema.attrs {
        if name == "id"
            || name == "tags_all"
            || (!attr.required && !attr.optional)
            || lifecycle.ignore_changes.contains(name)
        {
            continue;
        }
        let (Some(want), Some(have)) = (config.get(name), live.get(name)) else { continue };
        // An empty collection for an attribute AWS computes means "AWS decides", as in
        // terraform-provider-aws (vpc_security_group_ids = [] keeps the default group).
        if attr.computed && want.as_seq().is_some_and(<[Value]>::is_empty) {
            continue;
        }
        let set_by_user = written.contains(name) || attr.default.is_some();
        if attr_differs(attr, want, have, set_by_user) {
            out.push(AttrDiff { name: name.clone(), forces_replacement: attr.force_new });
        }
    }
    for (name, nested) in &schema.blocks {
        if lifecycle.ignore_changes.contains(name) {
            continue;
        }
        let (Some(want), Some(have)) = (config.get(name), live.get(name)) else { continue };
        // Blocks the configuration does not write are not managed here (rules may come from
        // separate resources, as with aws_vpc_security_group_ingress_rule).
        if !written.contains(name) && want.as_seq().is_some_and(<[Value]>::is_empty) {
            continue;
        }
        if let Some(forces) = block_differs(&nested.block, want, have) {
            out.push(AttrDiff { name: name.clone(), forces_replacement: forces || nested.force_new });
        }
    }
    out
}

fn attr_differs(attr: &AttrSchema, want: &Value, have: &Value, set_by_user: bool) -> bool {
    match want {
        // Unset: AWS decides, nothing to compare.
        Value::Null => false,
        // Unknown: either a reference to something not created yet (a change), or an unset
        // computed attribute (nothing to compare).
        Value::Unknown => set_by_user || !attr.computed,
        _ if !want.is_wholly_known() => true,
        _ => !same(want, have, &attr.ty),
    }
}

fn same(a: &Value, b: &Value, ty: &Type) -> bool {
    let a = convert(a, ty).unwrap_or_else(|_| a.clone());
    let b = convert(b, ty).unwrap_or_else(|_| b.clone());
    match (&a, &b) {
        // An empty collection and an absent one mean the same to AWS.
        (Value::Null, Value::List(Seq { items: v, .. }) | Value::Set(v))
        | (Value::List(Seq { items: v, .. }) | Value::Set(v), Value::Null) => v.is_empty(),
        (Value::Null, Value::Map(m)) | (Value::Map(m), Value::Null) => m.is_empty(),
        _ => a == b,
    }
}

/// `Some(forces_replacement)` when the configured blocks differ from the live ones. Each live
/// block is compared on the keys the configuration sets; blocks compare without order.
fn block_differs(schema: &BlockSchema, want: &Value, have: &Value) -> Option<bool> {
    let (Some(want), Some(have)) = (want.as_seq(), have.as_seq()) else {
        return (!want.is_wholly_known()).then_some(false);
    };
    // Keys that carry a user value: known and set, or unknown where the schema says the
    // value can only come from the configuration.
    let relevant = |item: &Value| -> BTreeMap<String, Value> {
        item.as_map()
            .map(|m| {
                m.iter()
                    .filter(|(k, v)| match v {
                        Value::Null => false,
                        Value::Unknown => schema.attrs.get(*k).is_some_and(|a| !a.computed),
                        Value::List(l) if l.is_empty() => false,
                        _ => true,
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let want_items: Vec<BTreeMap<String, Value>> = want.iter().map(relevant).collect();
    let keys: BTreeSet<&String> = want_items.iter().flat_map(|m| m.keys()).collect();
    let project = |item: &Value| -> BTreeMap<String, Value> {
        keys.iter()
            .filter_map(|k| {
                let v = item.get(k)?;
                let v = match schema.attrs.get(*k) {
                    Some(a) => convert(v, &a.ty).unwrap_or_else(|_| v.clone()),
                    None => v.clone(),
                };
                Some(((*k).clone(), v))
            })
            .collect()
    };
    let mut w: Vec<String> = want_items.iter().map(|m| Value::Map(m.clone().into()).to_string()).collect();
    let mut h: Vec<String> = have.iter().map(|i| Value::Map(project(i).into()).to_string()).collect();
    w.sort();
    h.sort();
    if w == h && want_items.iter().all(|m| m.values().all(Value::is_wholly_known)) {
        return None;
    }
    // Which keys differ decides whether the change forces replacement.
    let forces = keys.iter().any(|k| {
        let mut a: Vec<String> =
            want_items.iter().map(|m| m.get(*k).map(ToString::to_string).unwrap_or_default()).collect();
        let mut b: Vec<String> =
            have.iter().map(|i| project(i).get(*k).map(ToString::to_string).unwrap_or_default()).collect();
        a.sort();
        b.sort();
        (a != b || want_items.iter().any(|m| m.get(*k).is_some_and(|v| !v.is_wholly_known())))
            && schema.attrs.get(*k).is_some_and(|at| at.force_new)
    });
    Some(forces)
}

/// What references to a kept instance see: the live object, with the configuration's values
/// where it sets them (an in-place update makes them true).
pub fn planned(live: &Value, config: &Value) -> Value {
    let (Some(live), Some(config)) = (live.as_map(), config.as_map()) else { return config.clone() };
    let mut out = live.clone();
    for (k, v) in config {
        match v {
            Value::Null => {
                out.entry(k.clone()).or_insert(Value::Null);
            }
            Value::Unknown if live.contains_key(k) => {}
            Value::List(items) if items.is_empty() && live.contains_key(k) => {}
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Map(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::schema::lookup;

    fn live(ty: &str, attrs: serde_json::Value, tags: &[(&str, &str)]) -> LiveObject {
        LiveObject {
            ty: ty.into(),
            region: "us-west-2".into(),
            id: "x-1".into(),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            attributes: serde_json::from_value(attrs).unwrap(),
        }
    }

    fn cfg(json: serde_json::Value) -> Value {
        Value::from_json(&json)
    }

    fn names(d: &[AttrDiff]) -> Vec<(&str, bool)> {
        d.iter().map(|a| (a.name.as_str(), a.forces_replacement)).collect()
    }

    #[test]
    fn force_new_attributes_mean_replacement_and_ownership_tags_are_ignored() {
        let s = &lookup(Mode::Managed, "aws_vpc").unwrap().block;
        let l = normalize_live(
            s,
            &live(
                "aws_vpc",
                serde_json::json!({"cidr_block": "10.0.0.0/16", "enable_dns_support": true}),
                &[("drplan:stack", "s"), ("Name", "a")],
            ),
        );
        let c = cfg(
            serde_json::json!({"cidr_block": "10.1.0.0/16", "enable_dns_support": true, "tags": {"Name": "a"}, "arn": null}),
        );
        let written = ["cidr_block".to_string(), "tags".to_string()].into();
        assert_eq!(names(&diff(s, &c, &l, &written, &Lifecycle::default())), [("cidr_block", true)]);
        let lc = Lifecycle { ignore_changes: vec!["cidr_block".into()], ..Lifecycle::default() };
        assert!(diff(s, &c, &l, &written, &lc).is_empty());
    }

    #[test]
    fn sets_numbers_and_unset_values_do_not_make_spurious_diffs() {
        let s = &lookup(Mode::Managed, "aws_lb_target_group").unwrap().block;
        let l = normalize_live(
            s,
            &live(
                "aws_lb_target_group",
                serde_json::json!({"port": 8080, "deregistration_delay": 300, "health_check": [{"path": "/healthz", "matcher": "200", "interval": 30, "protocol": "HTTP"}]}),
                &[],
            ),
        );
        let c = cfg(
            serde_json::json!({"port": "8080", "deregistration_delay": "300", "vpc_id": null, "health_check": [{"path": "/healthz", "matcher": "200", "interval": 30, "protocol": "HTTP", "timeout": null}]}),
        );
        assert!(diff(s, &c, &l, &["port".to_string()].into(), &Lifecycle::default()).is_empty());
        let c2 = cfg(serde_json::json!({"health_check": [{"path": "/ready"}]}));
        assert_eq!(names(&diff(s, &c2, &l, &BTreeSet::new(), &Lifecycle::default())), [("health_check", false)]);
    }

    #[test]
    fn unknown_references_differ_but_unset_computed_values_do_not() {
        let s = &lookup(Mode::Managed, "aws_subnet").unwrap().block;
        let l = normalize_live(
            s,
            &live("aws_subnet", serde_json::json!({"vpc_id": "vpc-1", "availability_zone": "us-west-2a"}), &[]),
        );
        let c = Value::Map(
            [("vpc_id".to_string(), Value::Unknown), ("availability_zone".to_string(), Value::Unknown)].into(),
        );
        assert_eq!(names(&diff(s, &c, &l, &["vpc_id".to_string()].into(), &Lifecycle::default())), [("vpc_id", true)]);
    }
}
