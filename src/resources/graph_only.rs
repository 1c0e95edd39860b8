//! `terraform_data` and `null_resource`: Terraform's graph-only resources. They own no cloud
//! object, so drplan serves them natively as nodes of the graph: their `depends_on`, `triggers`
//! and `triggers_replace` order what depends on them, references to them resolve at once
//! (`terraform_data.x.output` is its `input`), and a plan never creates, changes or deletes
//! anything for them. Their provisioners are not run (drplan runs no provisioners).
//!
//! This module owns which types these are and the values references see; `plan::build` skips
//! them and `plan::view` asks [`value`] for them.

use crate::eval::Value;

/// The graph-only types.
pub const TYPES: &[&str] = &["null_resource", "terraform_data"];

/// Whether `ty` is graph-only.
pub fn is(ty: &str) -> bool {
    TYPES.contains(&ty)
}

/// What references to the instance at `address`, configured as `config`, see: its arguments,
/// `output` equal to `input` (`terraform_data`), and an `id` that is the same on every plan (in
/// Terraform a random value kept in state; drplan has no state, so it derives one from the
/// address).
pub fn value(ty: &str, address: &str, config: &Value) -> Value {
    let Value::Map(fields) = config else { return config.clone() };
    let mut out = fields.clone();
    if ty == "terraform_data" {
        out.insert("output".into(), fields.get("input").cloned().unwrap_or(Value::Null));
    }
    out.insert("id".into(), Value::String(stable_id(address)));
    Value::Map(out)
}

/// Decimal digits from the address's digest, as `null_resource` ids are digits.
fn stable_id(address: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(address.as_bytes());
    let n = u64::from_be_bytes(digest[..8].try_into().unwrap_or_default());
    (n % 10u64.pow(18)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_input_and_the_id_is_stable() {
        let config = Value::Map([("input".to_string(), Value::from("10.9.0.0/16"))].into());
        let v = value("terraform_data", "terraform_data.cidr", &config);
        assert_eq!(v.get("output"), Some(&Value::from("10.9.0.0/16")));
        let id = v.get("id").and_then(Value::as_str).unwrap().to_string();
        assert!(id.chars().all(|c| c.is_ascii_digit()) && !id.is_empty());
        assert_eq!(value("terraform_data", "terraform_data.cidr", &config).get("id"), v.get("id"));
        assert_ne!(value("null_resource", "null_resource.other", &config).get("id"), v.get("id"));
        assert_eq!(value("null_resource", "null_resource.w", &config).get("output"), None);
        assert!(is("null_resource") && is("terraform_data") && !is("aws_vpc"));
    }
}
