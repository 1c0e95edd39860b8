//! `data "terraform_remote_state"`: another configuration's outputs, read from its state.
//!
//! The `local` backend is read here, from a path relative to the root module (as Terraform,
//! run in that directory, resolves it), for the default or a named workspace. Other backends
//! are refused with a clear error: the usual one, `s3`, keeps the state in a bucket that may
//! live in the failed region, and reading it is not built yet (pull a copy with `terraform
//! state pull` into a local file). Sensitive outputs are not read: they stay unknown, because
//! drplan does not yet carry sensitivity per value, and they must never reach a plan.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::eval::Value;

/// The data source's value and a key for the plan's fingerprint (the state file and a hash of
/// its content), so a saved plan goes stale when the state changes.
pub fn read(root: &Path, config: &Value) -> Result<(Value, String), String> {
    let backend = config.get("backend").and_then(Value::as_str).unwrap_or_default();
    let workspace = config.get("workspace").and_then(Value::as_str).unwrap_or("default");
    let settings = config.get("config").cloned().unwrap_or(Value::Null);
    if backend != "local" {
        return Err(format!(
            "the {backend:?} backend is not read yet; only \"local\" is. Pull a copy of the state (terraform state pull > primary.tfstate) and use backend = \"local\" with config = {{ path = \"primary.tfstate\" }}"
        ));
    }
    let path = settings.get("path").and_then(Value::as_str).unwrap_or("terraform.tfstate");
    let path = match (workspace, settings.get("workspace_dir").and_then(Value::as_str)) {
        ("default", _) => root.join(path),
        (ws, dir) => root.join(dir.unwrap_or("terraform.tfstate.d")).join(ws).join("terraform.tfstate"),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading state {}: {e}", path.display()))?;
    let state: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("state {} is not JSON: {e}", path.display()))?;
    if state.get("version").and_then(serde_json::Value::as_u64) != Some(4) {
        return Err(format!("state {} is not a Terraform state of format version 4", path.display()));
    }
    let mut outputs: BTreeMap<String, Value> =
        config.get("defaults").and_then(Value::as_map).cloned().unwrap_or_default();
    for (name, out) in state.get("outputs").and_then(serde_json::Value::as_object).into_iter().flatten() {
        let sensitive = out.get("sensitive").and_then(serde_json::Value::as_bool).unwrap_or(false);
        let value = if sensitive {
            Value::Unknown
        } else {
            Value::from_json(out.get("value").unwrap_or(&serde_json::Value::Null))
        };
        outputs.insert(name.clone(), value);
    }
    let mut result = config.as_map().cloned().unwrap_or_default();
    result.insert("outputs".into(), Value::Map(outputs));
    result.insert("id".into(), Value::from(format!("{}", path.display())));
    let digest: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    Ok((Value::Map(result), format!("local/terraform_remote_state/{}#{digest}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(backend: &str, pairs: &[(&str, Value)]) -> Value {
        let mut m: BTreeMap<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        m.insert("backend".into(), backend.into());
        Value::Map(m)
    }

    #[test]
    fn local_state_outputs_are_read_and_sensitive_ones_stay_unknown() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("terraform.tfstate"),
            r#"{"version":4,"terraform_version":"1.11.4","outputs":{"db_arn":{"value":"arn:aws:rds:us-east-1:1:db:orders","type":"string"},"password":{"value":"hunter2","type":"string","sensitive":true}}}"#,
        )
        .unwrap();
        let defaults = Value::Map(BTreeMap::from([("zone".to_string(), Value::from("Z1"))]));
        let (v, key) = read(tmp.path(), &config("local", &[("defaults", defaults)])).unwrap();
        let outputs = v.get("outputs").unwrap();
        assert_eq!(outputs.get("db_arn"), Some(&Value::from("arn:aws:rds:us-east-1:1:db:orders")));
        assert_eq!(outputs.get("password"), Some(&Value::Unknown));
        assert_eq!(outputs.get("zone"), Some(&Value::from("Z1")));
        assert!(key.starts_with("local/terraform_remote_state/"));
        assert!(!format!("{v:?}").contains("hunter2"));
    }

    #[test]
    fn other_backends_and_bad_states_are_clear_errors() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(read(tmp.path(), &config("s3", &[])).unwrap_err().contains("terraform state pull"));
        assert!(read(tmp.path(), &config("local", &[])).unwrap_err().contains("reading state"));
        std::fs::write(tmp.path().join("terraform.tfstate"), r#"{"version":3}"#).unwrap();
        assert!(read(tmp.path(), &config("local", &[])).unwrap_err().contains("format version 4"));
        let ws = config("local", &[("workspace", "dr".into())]);
        assert!(read(tmp.path(), &ws).unwrap_err().contains("terraform.tfstate.d/dr/terraform.tfstate"));
    }
}
