//! Data sources the provider read, kept with the live state: `drplan snapshot` records what
//! each one read (under the type `data.<type>`, by a digest of its arguments), so a plan from
//! the recorded state reads the same values offline as it read online, and an online plan
//! reads each data source once (what the live read found is reused while planning; apply
//! always reads again).
//!
//! Secrets are never recorded: a sensitive attribute is kept as a digest, as in any live
//! object, and replayed as unknown.

use sha2::Digest;

use super::host::data_configuration;
use super::schema::Block;
use crate::eval::Value;
use crate::live::{Inventory, LiveObject};

pub use crate::live::data::recorded_type;

/// What a read of `ty` with `config` returned, as a live object of the snapshot.
pub fn record(ty: &str, region: &str, config: &Value, result: &Value, block: &Block) -> Option<LiveObject> {
    let mut object = super::state::live_object(ty, region, result, block);
    object.ty = recorded_type(ty);
    object.id = key(config, block)?;
    // The result's tags are an attribute of what was read, never a claim of ownership.
    object.tags.clear();
    Some(object)
}

/// The recorded result of reading `ty` with `config` in `region`, if the state holds one, and
/// the key a plan's fingerprint knows it by.
pub fn replay(inventory: &Inventory, ty: &str, region: &str, config: &Value, block: &Block) -> Option<(Value, String)> {
    let id = key(config, block)?;
    let recorded = recorded_type(ty);
    let object = inventory.of_type(&recorded, region).find(|o| o.id == id)?;
    Some((value_of(object, block), format!("{region}/{}/{id}", object.ty)))
}

/// What a recorded read gives: its result, secrets unknown.
pub fn value_of(object: &LiveObject, block: &Block) -> Value {
    let mut value = super::state::object_state(block, Some(object));
    if let Value::Map(fields) = &mut value {
        for (name, _) in block.attributes.iter().filter(|(_, a)| a.sensitive) {
            fields.insert(name.clone(), Value::Unknown);
        }
    }
    value
}

/// A digest of the arguments the provider reads with; `None` while one is not known.
pub fn key(config: &Value, block: &Block) -> Option<String> {
    let arguments = data_configuration(config, block)?.to_json().ok()?;
    let digest = sha2::Sha256::digest(arguments.to_string().as_bytes());
    Some(digest.iter().take(16).map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Fields;
    use crate::live::LiveSnapshot;

    fn block() -> Block {
        serde_json::from_value(serde_json::json!({
            "attributes": {
                "name": {"type": "string", "optional": true},
                "id": {"type": "string", "computed": true},
                "ids": {"type": ["set", "string"], "computed": true},
                "secret": {"type": "string", "computed": true, "sensitive": true}
            }
        }))
        .unwrap()
    }

    #[test]
    fn a_recorded_read_replays_with_its_types_and_without_its_secrets() {
        let config = Value::Map(Fields::from([("name".to_string(), Value::from("web"))]));
        let result = Value::Map(Fields::from([
            ("name".to_string(), Value::from("web")),
            ("id".to_string(), Value::from("r-1")),
            ("ids".to_string(), Value::Set(vec![Value::from("a"), Value::from("b")])),
            ("secret".to_string(), Value::from("hunter2")),
        ]));
        let object = record("aws_thing", "us-west-2", &config, &result, &block()).unwrap();
        assert_eq!(object.ty, "data.aws_thing");
        assert!(!serde_json::to_string(&object).unwrap().contains("hunter2"));
        let snapshot = LiveSnapshot { objects: vec![object], ..LiveSnapshot::empty() };
        let inventory = Inventory::new(snapshot, crate::live::no_natural_keys);
        let (value, key) = replay(&inventory, "aws_thing", "us-west-2", &config, &block()).unwrap();
        assert!(key.starts_with("us-west-2/data.aws_thing/"));
        assert_eq!(value.get("id"), Some(&Value::from("r-1")));
        assert_eq!(value.get("ids"), Some(&Value::Set(vec![Value::from("a"), Value::from("b")])));
        assert_eq!(value.get("secret"), Some(&Value::Unknown));
        let other = Value::Map(Fields::from([("name".to_string(), Value::from("db"))]));
        assert!(replay(&inventory, "aws_thing", "us-west-2", &other, &block()).is_none());
        assert!(replay(&inventory, "aws_thing", "us-east-1", &config, &block()).is_none());
    }
}
