//! An object's state in the two forms drplan holds: the provider's (what `PlanResourceChange`
//! and `ReadResource` take and give) and drplan's live object (what inventories and plan files
//! keep, sensitive strings only as digests). Conversions only: no provider call.

use std::collections::{BTreeMap, BTreeSet};

use super::codec;
use super::schema::Block;
use crate::eval::Value;

/// A live object's state as the provider keeps it (null when there is no object).
pub fn object_state(block: &Block, live: Option<&crate::live::LiveObject>) -> Value {
    let Some(live) = live else { return Value::Null };
    let attributes: serde_json::Map<String, serde_json::Value> =
        live.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    codec::state_from_json(&attributes, block)
}

/// What a sensitive string attribute of a live object holds instead of its value: a digest,
/// so a recorded snapshot or an inventory never holds the secret, yet a plan can still tell
/// whether the configuration's value is the one AWS has ([`restore_sensitive`]).
pub(super) const SENSITIVE_PREFIX: &str = "drplan-sensitive:sha256:";

fn sensitive_digest(value: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(value.as_bytes());
    format!("{SENSITIVE_PREFIX}{}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// A state the provider returned as a live object: its `id`, its tags (`tags_all`, which holds
/// the ownership tags, else `tags`) and every attribute, sensitive strings as digests (other
/// sensitive values dropped).
pub fn live_object(ty: &str, region: &str, state: &Value, block: &Block) -> crate::live::LiveObject {
    let json = state.to_json().unwrap_or(serde_json::Value::Null);
    let mut attributes: BTreeMap<String, serde_json::Value> = match json {
        serde_json::Value::Object(m) => m.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => BTreeMap::new(),
    };
    for name in block.attributes.iter().filter(|(_, a)| a.sensitive).map(|(k, _)| k) {
        match attributes.remove(name) {
            // Nothing secret about nothing: kept, so an unset secret reads back as unset; and a
            // digest already (a recorded state upgraded) stays that digest.
            Some(serde_json::Value::String(secret)) if secret.is_empty() || secret.starts_with(SENSITIVE_PREFIX) => {
                attributes.insert(name.clone(), serde_json::Value::String(secret));
            }
            Some(serde_json::Value::String(secret)) => {
                attributes.insert(name.clone(), serde_json::Value::String(sensitive_digest(&secret)));
            }
            _ => continue,
        }
    }
    let tags = super::ownership::tags_of(state);
    crate::live::LiveObject {
        ty: ty.to_string(),
        region: region.to_string(),
        id: attributes.get("id").and_then(serde_json::Value::as_str).unwrap_or_default().to_string(),
        tags,
        attributes,
    }
}

/// The prior state a plan or a write of `live` starts from: its state as the provider keeps it,
/// with what AWS does not report back and unchanged secrets taken from `config` where they may
/// be (see [`super::ownership::restore_unread`] and [`restore_sensitive`]).
pub fn prior_state(block: &Block, live: Option<&crate::live::LiveObject>, config: &Value) -> Value {
    prior_from_state(block, object_state(block, live), config)
}

/// The arguments [`prior_state`] restores from `config` for an object of a type only the
/// provider serves ([`super::ownership::restored`]).
pub fn restored_args(
    block: &Block,
    ty: &str,
    live: Option<&crate::live::LiveObject>,
    config: &Value,
) -> BTreeSet<String> {
    match (live, crate::resources::get(ty)) {
        (Some(live), None) => super::ownership::restored(&object_state(block, Some(live)), config),
        _ => BTreeSet::new(),
    }
}

/// [`prior_state`] from a state the provider read.
pub fn prior_from_state(block: &Block, state: Value, config: &Value) -> Value {
    let state = super::ownership::restore_unread(state, config);
    restore_sensitive(state, config, block)
}

/// The prior state of an object a native type's read unit read, in the provider's form, as
/// read (no refresh): a native read keeps the id and the tags beside the attributes.
pub fn native_prior(block: &Block, live: &crate::live::LiveObject, config: &Value) -> Value {
    let mut attributes: serde_json::Map<String, serde_json::Value> =
        live.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    attributes.entry("id").or_insert_with(|| live.id.clone().into());
    if block.attributes.contains_key("tags") {
        attributes.entry("tags").or_insert_with(|| serde_json::json!(live.tags));
    }
    prior_from_state(block, codec::state_from_json(&attributes, block), config)
}

/// A prior state whose sensitive strings are digests ([`live_object`]) with the configured
/// value put back where it is the value AWS has (same digest), so an unchanged secret plans no
/// change; a differing one stays a digest and plans its update.
pub fn restore_sensitive(prior: Value, config: &Value, block: &Block) -> Value {
    let Value::Map(mut state) = prior else { return prior };
    for (name, _) in block.attributes.iter().filter(|(_, a)| a.sensitive) {
        let (Some(Value::String(held)), Some(Value::String(wanted))) = (state.get(name), config.get(name)) else {
            continue;
        };
        if held.starts_with(SENSITIVE_PREFIX) && *held == sensitive_digest(wanted) {
            state.insert(name.clone(), Value::String(wanted.clone()));
        }
    }
    Value::Map(state)
}
