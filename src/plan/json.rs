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
        Value::List(items) | Value::Set(items) => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_list_elements_stay_in_place() {
        let v = Value::Map([("ids".to_string(), Value::List(vec!["a".into(), Value::Unknown]))].into());
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
    }
}
