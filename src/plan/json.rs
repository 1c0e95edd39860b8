//! Values as plan JSON: unknowns are left out of objects (and `null` in lists) with a `true` in
//! the `after_unknown` mask, as Terraform writes them; sensitive attributes become `null` with
//! a `true` in the sensitivity mask, so no secret is ever written to a plan file.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use crate::eval::Value;

/// (value with unknowns as null, unknown mask) for any value.
fn with_unknowns(v: &Value) -> (Json, Json) {
    match v {
        Value::Unknown => (Json::Null, Json::Bool(true)),
        Value::List(crate::eval::Seq { items, .. }) | Value::Set(items) => {
            let (vals, masks): (Vec<Json>, Vec<Json>) = items.iter().map(with_unknowns).unzip();
            (Json::Array(vals), Json::Array(masks))
        }
        Value::Map(m) => {
            let mut vals = Map::new();
            let mut masks = Map::new();
            for (k, item) in m {
                let (val, mask) = with_unknowns(item);
                if !matches!(item, Value::Unknown) {
                    vals.insert(k.clone(), val);
                }
                if mask != Json::Bool(false) {
                    masks.insert(k.clone(), mask);
                }
            }
            (Json::Object(vals), Json::Object(masks))
        }
        other => (other.to_json().unwrap_or(Json::Null), Json::Bool(false)),
    }
}

/// An object for `before`/`after`: (redacted value, unknown mask, sensitivity mask).
pub(crate) fn object(v: &Value, sensitive: &BTreeSet<String>) -> (Json, Json, Json) {
    let (mut val, unknown) = with_unknowns(v);
    let mut mask = Map::new();
    if let Json::Object(obj) = &mut val {
        for name in sensitive {
            if let Some(slot) = obj.get_mut(name) {
                *slot = Json::Null;
                mask.insert(name.clone(), Json::Bool(true));
            } else if matches!(v.get(name), Some(Value::Unknown)) {
                // Known only after apply and still sensitive: Terraform marks it in both masks
                // (and shows "(sensitive value)").
                mask.insert(name.clone(), Json::Bool(true));
            }
        }
    }
    (val, unknown, Json::Object(mask))
}

/// An output value: (redacted value, unknown, sensitive).
pub(crate) fn output(v: &Value, sensitive: bool) -> (Json, bool) {
    if sensitive {
        return (Json::Null, !v.is_wholly_known());
    }
    let (val, mask) = with_unknowns(v);
    (val, mask == Json::Bool(true) || !v.is_wholly_known())
}

/// `value` (a resource's state, its type's schema `block`) in the shape Terraform writes it:
/// drplan keeps a `single` or `group` nested block (`timeouts`) as a list of one, as it keeps
/// its own blocks; Terraform's JSON has the object itself.
pub(super) fn terraform_shape(value: Value, block: &crate::provider::schema::Block) -> Value {
    let Value::Map(mut fields) = value else { return value };
    for (name, bt) in &block.block_types {
        let Some(v) = fields.remove(name) else { continue };
        let shaped = match v {
            Value::List(mut items) if matches!(bt.nesting_mode.as_str(), "single" | "group") && items.len() == 1 => {
                terraform_shape(items.remove(0), &bt.block)
            }
            Value::List(items) => Value::List(items.into_iter().map(|i| terraform_shape(i, &bt.block)).collect()),
            Value::Set(items) => Value::set(items.into_iter().map(|i| terraform_shape(i, &bt.block)).collect()),
            other => other,
        };
        fields.insert(name.clone(), shaped);
    }
    Value::Map(fields)
}

/// The single nested blocks [`terraform_shape`] turned into objects in `value`.
pub(super) fn single_blocks(value: &Value, block: &crate::provider::schema::Block) -> Vec<String> {
    let single = |(name, bt): (&String, &crate::provider::schema::BlockType)| {
        let one = matches!(bt.nesting_mode.as_str(), "single" | "group");
        (one && matches!(value.get(name), Some(Value::Map(_)))).then(|| name.clone())
    };
    block.block_types.iter().filter_map(single).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_list_elements_stay_in_place() {
        let v = Value::Map([("ids".to_string(), Value::List(vec!["a".into(), Value::Unknown].into()))].into());
        let (val, unknown, _) = object(&v, &BTreeSet::new());
        assert_eq!(val, serde_json::json!({"ids": ["a", null]}));
        assert_eq!(unknown, serde_json::json!({"ids": [false, true]}));
    }

    #[test]
    fn unknowns_and_secrets_are_masked() {
        let v = Value::Map(
            [
                ("id".to_string(), Value::Unknown),
                ("password".to_string(), "hunter2".into()),
                ("name".to_string(), "db".into()),
            ]
            .into(),
        );
        let (val, unknown, sensitive) = object(&v, &["password".to_string()].into());
        assert_eq!(val, serde_json::json!({"password": null, "name": "db"}));
        assert_eq!(unknown, serde_json::json!({"id": true}));
        assert_eq!(sensitive, serde_json::json!({"password": true}));
        assert!(!val.to_string().contains("hunter2"));
        // Unknown and sensitive: in both masks, as terraform show -json writes a
        // secretsmanager_secret_version whose secret_string is known only after apply.
        let later = Value::Map([("secret_string".to_string(), Value::Unknown)].into());
        let (val, unknown, sensitive) = object(&later, &["secret_string".to_string()].into());
        assert_eq!(val, serde_json::json!({}));
        assert_eq!(unknown, serde_json::json!({"secret_string": true}));
        assert_eq!(sensitive, serde_json::json!({"secret_string": true}));
    }

    /// A `single` block (`timeouts`) is the object itself, as Terraform writes it; list blocks
    /// stay lists.
    #[test]
    fn single_blocks_are_objects() {
        use crate::provider::schema::{Block, BlockType};
        let nested = |mode: &str| BlockType { nesting_mode: mode.into(), ..BlockType::default() };
        let block = Block {
            block_types: [("timeouts".to_string(), nested("single")), ("ingress".to_string(), nested("list"))].into(),
            ..Block::default()
        };
        let one = Value::Map([("create".to_string(), "5m".into())].into());
        let state = Value::Map(
            [
                ("timeouts".to_string(), Value::List(vec![one.clone()].into())),
                ("ingress".to_string(), Value::List(vec![one.clone()].into())),
            ]
            .into(),
        );
        let shaped = terraform_shape(state, &block);
        assert_eq!(shaped.get("timeouts"), Some(&one));
        assert_eq!(shaped.get("ingress"), Some(&Value::List(vec![one].into())));
        assert_eq!(single_blocks(&shaped, &block), ["timeouts".to_string()]);
    }
}
