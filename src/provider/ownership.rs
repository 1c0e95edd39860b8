//! drplan's ownership tags on objects of types served through the provider host: which types
//! can carry them (a `tags` map, or `tag` blocks of key and value as an Auto Scaling group has),
//! adding them to a configuration, reading them back from a state, and the configuration digest
//! tag that stands in for the state file Terraform would keep.

use std::collections::{BTreeMap, BTreeSet};

use super::schema::Block;
use crate::eval::Seq;
use crate::eval::Value;
use crate::live::{ADDRESS_TAG, STACK_TAG};

/// The tag holding a digest of the configuration an object was last written with.
pub const CONFIG_TAG: &str = "drplan:config";

/// How a type carries tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    /// A `tags` map.
    Map,
    /// `tag` blocks with `key` and `value` (and `propagate_at_launch`, left false so instances
    /// an Auto Scaling group launches are never taken for objects drplan manages).
    Blocks,
}

/// How objects of a type carry tags, if they can.
pub fn carrier(block: &Block) -> Option<Carrier> {
    if block.attributes.contains_key("tags") {
        return Some(Carrier::Map);
    }
    let tag = block.block_types.get("tag")?;
    (tag.block.attributes.contains_key("key") && tag.block.attributes.contains_key("value")).then_some(Carrier::Blocks)
}

/// A configuration with drplan's ownership tags added, for types that carry tags: the provider
/// writes them with the object, and they find it again on the next plan. A third tag,
/// [`CONFIG_TAG`], records a digest of the rest of the configuration (see [`restore_unread`]).
pub fn with_ownership_tags(config: Value, block: &Block, stack: &str, address: &str) -> Value {
    let Value::Map(mut fields) = config else { return config };
    let Some(carrier) = carrier(block) else { return Value::Map(fields) };
    let digest = config_digest(&fields).map_or(Value::Unknown, Value::String);
    let ours =
        [(STACK_TAG, Value::String(stack.into())), (ADDRESS_TAG, Value::String(address.into())), (CONFIG_TAG, digest)];
    match carrier {
        Carrier::Map => {
            let mut tags = match fields.remove("tags") {
                Some(Value::Map(tags)) => tags,
                Some(Value::Unknown) => {
                    fields.insert("tags".into(), Value::Unknown);
                    return Value::Map(fields);
                }
                _ => Default::default(),
            };
            tags.extend(ours.into_iter().map(|(k, v)| (k.to_string(), v)));
            fields.insert("tags".into(), Value::Map(tags));
        }
        Carrier::Blocks => {
            let mut blocks = match fields.remove("tag") {
                Some(Value::List(Seq { items, .. }) | Value::Set(items)) => items,
                Some(Value::Unknown) => {
                    fields.insert("tag".into(), Value::Unknown);
                    return Value::Map(fields);
                }
                _ => Vec::new(),
            };
            let theirs =
                |b: &Value| b.get("key").and_then(Value::as_str).is_some_and(|k| ours.iter().any(|(o, _)| *o == k));
            blocks.retain(|b| !theirs(b));
            for (key, value) in ours {
                let entry = [
                    ("key".to_string(), Value::String(key.into())),
                    ("value".to_string(), value),
                    ("propagate_at_launch".to_string(), Value::Bool(false)),
                ];
                blocks.push(Value::Map(entry.into()));
            }
            fields.insert("tag".into(), Value::set(blocks));
        }
    }
    Value::Map(fields)
}

/// `config` (with ownership tags) as planned while some of its arguments are unknown: its
/// [`CONFIG_TAG`] cannot be computed yet, and an unknown tag would make the provider plan the
/// whole `tags_all` unknown, where Terraform knows it. The tag keeps the value `prior` has (it
/// is written anew at apply, from the configuration then known), or is left out of the plan.
pub fn without_unknown_digest(config: Value, prior: &Value) -> Value {
    let Value::Map(mut fields) = config else { return config };
    let kept = tags_of(prior).get(CONFIG_TAG).cloned().map(Value::String);
    match fields.get_mut("tags") {
        Some(Value::Map(tags)) if tags.get(CONFIG_TAG) == Some(&Value::Unknown) => {
            match &kept {
                Some(digest) => tags.insert(CONFIG_TAG.into(), digest.clone()),
                None => tags.remove(CONFIG_TAG),
            };
        }
        _ => {}
    }
    if let Some(Value::Set(blocks) | Value::List(Seq { items: blocks, .. })) = fields.get_mut("tag") {
        let ours = |b: &Value| b.get("key").and_then(Value::as_str) == Some(CONFIG_TAG);
        if let Some(at) = blocks.iter().position(|b| ours(b) && b.get("value") == Some(&Value::Unknown)) {
            match (&kept, &mut blocks[at]) {
                (Some(digest), Value::Map(block)) => {
                    block.insert("value".into(), digest.clone());
                }
                _ => {
                    blocks.remove(at);
                }
            }
        }
    }
    Value::Map(fields)
}

/// SHA-256 of a configuration's arguments other than its tags; `None` while some are unknown.
fn config_digest(fields: &BTreeMap<String, Value>) -> Option<String> {
    use sha2::Digest;
    let rest: BTreeMap<String, Value> =
        fields.iter().filter(|(k, _)| *k != "tags" && *k != "tag").map(|(k, v)| (k.clone(), v.clone())).collect();
    let json = Value::Map(rest.into()).to_json().ok()?;
    let digest = sha2::Sha256::digest(json.to_string().as_bytes());
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// The tags a state or configuration holds: `tags_all` (which has the ownership tags), else
/// `tags`, else `tag` blocks.
pub fn tags_of(value: &Value) -> BTreeMap<String, String> {
    let strings = |m: &BTreeMap<String, Value>| -> BTreeMap<String, String> {
        m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect()
    };
    for key in ["tags_all", "tags"] {
        if let Some(Value::Map(m)) = value.get(key).filter(|m| m.as_map().is_some_and(|m| !m.is_empty())) {
            return strings(m);
        }
    }
    match value.get("tag") {
        Some(Value::List(Seq { items, .. }) | Value::Set(items)) => items
            .iter()
            .filter_map(|b| Some((b.get("key")?.as_str()?.to_string(), b.get("value")?.as_str()?.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// Drops [`CONFIG_TAG`] from what drplan knows of `object` (its tags and its state's `tags` and
/// `tags_all`), so nothing is taken as written with the configuration ([`restore_unread`]).
pub fn forget_config_tag(object: &mut crate::live::LiveObject) {
    object.tags.remove(CONFIG_TAG);
    for name in ["tags", "tags_all"] {
        if let Some(serde_json::Value::Object(tags)) = object.attributes.get_mut(name) {
            tags.remove(CONFIG_TAG);
        }
    }
}

/// AWS does not report every argument back (a KMS key's `deletion_window_in_days`), so an
/// object found again by import lacks them, where Terraform would have them from its state.
/// When the object's [`CONFIG_TAG`] says it was last written with exactly this configuration,
/// those arguments are as configured: they are filled in from `config` where the state read
/// back has nothing. Otherwise nothing is assumed and the plan shows them as changes.
pub fn restore_unread(prior: Value, config: &Value) -> Value {
    let names = restored(&prior, config);
    let Value::Map(mut state) = prior else { return prior };
    for name in names {
        if let Some(value) = config.get(&name) {
            state.insert(name, value.clone());
        }
    }
    Value::Map(state)
}

/// The arguments [`restore_unread`] takes from `config` into a prior state because `read_back`
/// lacks them. They are what this configuration wrote, whatever the provider now plans for
/// them (its own normalisation: a key pair's `public_key` trimmed), so they are no changes.
pub fn restored(read_back: &Value, config: &Value) -> BTreeSet<String> {
    let (Value::Map(state), Value::Map(fields)) = (read_back, config) else { return BTreeSet::new() };
    if !written_with(read_back, config) {
        return BTreeSet::new();
    }
    let restores = |name: &String, value: &Value| !value.is_null() && state.get(name).is_some_and(Value::is_null);
    fields.iter().filter(|(name, value)| restores(name, value)).map(|(name, _)| name.clone()).collect()
}

/// Whether the object (as read back) was last written with exactly this configuration.
fn written_with(prior: &Value, config: &Value) -> bool {
    let wanted = tags_of(config).get(CONFIG_TAG).cloned();
    wanted.is_some() && tags_of(prior).get(CONFIG_TAG) == wanted.as_ref()
}

/// The arguments the configuration leaves unset whose planned value only fills in what the
/// object read back lacks, on an object last written with exactly this configuration: AWS does
/// not report them (an Auto Scaling group's `force_delete`), so the provider plans its defaults
/// for them, which is what was written. They are not changes. An object of a type AWS cannot
/// tag (`untaggable`) carries no record of its configuration: its unset arguments are taken as
/// the provider's defaults (an SNS subscription's `confirmation_timeout_in_minutes`), as a plan
/// after `terraform import` would otherwise show them changing from nothing on every plan.
pub fn unread_defaults(prior: &Value, config: &Value, planned: &Value, untaggable: bool) -> BTreeSet<String> {
    let (Value::Map(state), Value::Map(fields), Value::Map(after)) = (prior, config, planned) else {
        return BTreeSet::new();
    };
    if !untaggable && !written_with(prior, config) {
        return BTreeSet::new();
    }
    let unset = |name: &String| fields.get(name).is_none_or(Value::is_null);
    let fills = |name: &String, before: &Value| after.get(name).is_some_and(|a| fills_nulls(before, a));
    state.iter().filter(|(name, before)| unset(name) && fills(name, before)).map(|(name, _)| name.clone()).collect()
}

/// Whether `after` equals `before` except where `before` has nothing (nested alike).
fn fills_nulls(before: &Value, after: &Value) -> bool {
    match (before, after) {
        (Value::Null, _) => true,
        (Value::Map(b), Value::Map(a)) => {
            b.len() == a.len() && b.iter().all(|(k, v)| a.get(k).is_some_and(|av| fills_nulls(v, av)))
        }
        (Value::List(Seq { items: b, .. }), Value::List(Seq { items: a, .. })) | (Value::Set(b), Value::Set(a)) => {
            b.len() == a.len() && b.iter().zip(a).all(|(bv, av)| fills_nulls(bv, av))
        }
        _ => before == after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::schema::{Attribute, BlockType};

    fn map_tagged() -> Block {
        let tags = Attribute { ty: serde_json::json!(["map", "string"]), optional: true, ..Attribute::default() };
        Block { attributes: [("tags".to_string(), tags)].into(), ..Block::default() }
    }

    fn block_tagged() -> Block {
        let attr = |ty: &str| Attribute { ty: ty.into(), optional: true, ..Attribute::default() };
        let tag = Block {
            attributes: [
                ("key".to_string(), attr("string")),
                ("value".to_string(), attr("string")),
                ("propagate_at_launch".to_string(), attr("bool")),
            ]
            .into(),
            ..Block::default()
        };
        let bt = BlockType { nesting_mode: "set".into(), block: tag, ..BlockType::default() };
        Block { block_types: [("tag".to_string(), bt)].into(), ..Block::default() }
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    /// Ownership tags join the configuration's tags; a type without tags is left as it is.
    #[test]
    fn ownership_tags_are_added_where_a_type_has_tags() {
        let config = Value::Map([("tags".to_string(), Value::Map([("team".to_string(), s("sre"))].into()))].into());
        let got = with_ownership_tags(config.clone(), &map_tagged(), "prod", "aws_sns_topic.alerts");
        let tags = tags_of(&got);
        assert_eq!(tags.get(STACK_TAG).map(String::as_str), Some("prod"));
        assert_eq!(tags.get(ADDRESS_TAG).map(String::as_str), Some("aws_sns_topic.alerts"));
        assert_eq!(tags.get("team").map(String::as_str), Some("sre"));
        assert!(tags.get(CONFIG_TAG).is_some_and(|d| d.len() == 64));
        assert_eq!(with_ownership_tags(config.clone(), &Block::default(), "prod", "x"), config);
        assert_eq!(carrier(&Block::default()), None);
    }

    /// An Auto Scaling group's `tag` blocks carry them, never propagated to its instances.
    #[test]
    fn tag_blocks_carry_ownership_too() {
        let user = Value::Map([("key".to_string(), s("team")), ("value".to_string(), s("sre"))].into());
        let stale = Value::Map([("key".to_string(), s(ADDRESS_TAG)), ("value".to_string(), s("old"))].into());
        let config = Value::Map([("tag".to_string(), Value::set(vec![user, stale]))].into());
        let got = with_ownership_tags(config, &block_tagged(), "prod", "aws_autoscaling_group.web");
        let tags = tags_of(&got);
        assert_eq!(tags.get(ADDRESS_TAG).map(String::as_str), Some("aws_autoscaling_group.web"));
        assert_eq!(tags.get("team").map(String::as_str), Some("sre"));
        let Some(Value::Set(blocks)) = got.get("tag") else { panic!("tag blocks") };
        assert_eq!(blocks.len(), 4);
        assert!(
            blocks
                .iter()
                .filter(|b| b.get("key") != Some(&s("team")))
                .all(|b| b.get("propagate_at_launch") == Some(&Value::Bool(false)))
        );
    }

    /// A digest that cannot be computed yet is no tag of the plan: the prior's is kept, or it
    /// is left out, so the provider still knows `tags_all`.
    #[test]
    fn an_unknown_digest_is_kept_from_the_prior_or_left_out() {
        let config = Value::Map([("name".to_string(), Value::Unknown)].into());
        for block in [map_tagged(), block_tagged()] {
            let planned = with_ownership_tags(config.clone(), &block, "prod", "aws_sns_topic.t");
            let tags = |v: &Value| v.get("tags").or_else(|| v.get("tag")).cloned().unwrap_or(Value::Null);
            assert!(!tags(&planned).is_wholly_known(), "the digest is unknown");
            let fresh = without_unknown_digest(planned.clone(), &Value::Null);
            assert!(tags(&fresh).is_wholly_known());
            assert_eq!(tags_of(&fresh).get(CONFIG_TAG), None);
            assert_eq!(tags_of(&fresh).get(ADDRESS_TAG).map(String::as_str), Some("aws_sns_topic.t"));
            let prior =
                Value::Map([("tags_all".to_string(), Value::Map([(CONFIG_TAG.to_string(), s("abc"))].into()))].into());
            let kept = without_unknown_digest(planned, &prior);
            assert_eq!(tags_of(&kept).get(CONFIG_TAG).map(String::as_str), Some("abc"));
        }
    }

    /// Arguments AWS does not report back are taken as configured only when the object was
    /// last written with this very configuration.
    #[test]
    fn unread_arguments_are_restored_only_for_the_same_configuration() {
        let config = |window: f64| {
            let c = Value::Map([("deletion_window_in_days".to_string(), Value::from(window))].into());
            with_ownership_tags(c, &map_tagged(), "prod", "aws_kms_key.k")
        };
        let written = config(7.0);
        let read_back = Value::Map(
            [
                ("deletion_window_in_days".to_string(), Value::Null),
                ("tags_all".to_string(), written.get("tags").unwrap().clone()),
            ]
            .into(),
        );
        let filled = restore_unread(read_back.clone(), &written);
        assert_eq!(filled.get("deletion_window_in_days"), Some(&Value::from(7.0)));
        assert_eq!(restore_unread(read_back.clone(), &config(10.0)), read_back, "a new configuration assumes nothing");
        // What was restored is settled, whatever the provider's normalisation plans for it.
        assert_eq!(restored(&read_back, &written), ["deletion_window_in_days".to_string()].into());
        assert!(restored(&read_back, &config(10.0)).is_empty());
        // Unset in both: the provider's default is what was written.
        let mut unset = read_back.clone();
        if let Value::Map(m) = &mut unset {
            m.insert("force_delete".into(), Value::Null);
        }
        let mut planned = unset.clone();
        if let Value::Map(m) = &mut planned {
            m.insert("force_delete".into(), Value::Bool(false));
        }
        assert!(unread_defaults(&unset, &written, &planned, false).contains("force_delete"));
        assert!(unread_defaults(&unset, &config(10.0), &planned, false).is_empty());
        assert!(unread_defaults(&unset, &config(10.0), &planned, true).contains("force_delete"), "untaggable");
        // A configured argument is never settled this way.
        assert!(!unread_defaults(&unset, &written, &planned, false).contains("deletion_window_in_days"));
        // Nested alike: a block read back with a null member, planned with the default.
        let block = |v: Value| Value::List(vec![Value::Map([("preference".to_string(), v)].into())].into());
        assert!(fills_nulls(&block(Value::Null), &block(s(""))));
        assert!(!fills_nulls(&block(s("open")), &block(s(""))));
    }
}
