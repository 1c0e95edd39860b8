//! `data "terraform_remote_state"`: another configuration's outputs, read from its state.
//!
//! Two backends. `local` is read here, from a path relative to the root module (as Terraform,
//! run in that directory, resolves it), for the default or a named workspace. `s3` keeps the
//! state in a bucket that usually lives in the primary region, which may be the one that
//! failed: the cloud backend reads it (time-boxed, read-only) with the rest of the live state,
//! as a `terraform_remote_state` object in the snapshot ([`state_object`]), so offline plans see
//! exactly what was read; a bucket that did not answer leaves the outputs unknown, as any
//! unreadable region does. Other backends are refused with a clear error. Sensitive outputs are
//! never read into a value or a snapshot: they stay unknown.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{Inventory, LiveObject};
use crate::eval::Value;

/// The data source's type name.
pub const TYPE: &str = "terraform_remote_state";

/// The data source's value and a key for the plan's fingerprint (the state it came from), so a
/// saved plan goes stale when the state changes.
pub fn read(root: &Path, inventory: &Inventory, config: &Value) -> Result<(Value, String), String> {
    match config.get("backend").and_then(Value::as_str).unwrap_or_default() {
        "local" => read_local(root, config),
        "s3" => read_s3(inventory, config),
        other => Err(format!(
            "the {other:?} backend is not read; \"local\" and \"s3\" are. Pull a copy of the state (terraform state pull > primary.tfstate) and use backend = \"local\" with config = {{ path = \"primary.tfstate\" }}"
        )),
    }
}

fn read_local(root: &Path, config: &Value) -> Result<(Value, String), String> {
    let workspace = config.get("workspace").and_then(Value::as_str).unwrap_or("default");
    let settings = config.get("config").cloned().unwrap_or(Value::Null);
    let path = settings.get("path").and_then(Value::as_str).unwrap_or("terraform.tfstate");
    let path = match (workspace, settings.get("workspace_dir").and_then(Value::as_str)) {
        ("default", _) => root.join(path),
        (ws, dir) => root.join(dir.unwrap_or("terraform.tfstate.d")).join(ws).join("terraform.tfstate"),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading state {}: {e}", path.display()))?;
    let (outputs, sensitive) = outputs_of(&text).map_err(|e| format!("state {}: {e}", path.display()))?;
    let value = with_outputs(config, &outputs, &sensitive, &path.display().to_string());
    Ok((value, format!("local/{TYPE}/{}#{}", path.display(), digest(&text))))
}

/// Where an `s3` backend keeps a workspace's state.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
    pub region: String,
}

impl S3Location {
    /// The location a data source's configuration names, if it uses the `s3` backend and its
    /// settings are known; an error for a setting that is missing.
    pub fn from_config(config: &Value) -> Result<Option<S3Location>, String> {
        let settings = config.get("config").cloned().unwrap_or(Value::Null);
        let workspace_known = config.get("workspace").is_none_or(Value::is_wholly_known);
        if config.get("backend").and_then(Value::as_str) != Some("s3")
            || !settings.is_wholly_known()
            || !workspace_known
        {
            return Ok(None);
        }
        let setting = |name: &str| -> Result<String, String> {
            settings
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("the s3 backend needs config.{name} (the state bucket's {name})"))
        };
        let (bucket, key, region) = (setting("bucket")?, setting("key")?, setting("region")?);
        // As the s3 backend validates them (an empty bucket would otherwise reach S3 as a
        // request that cannot be built).
        for (name, value) in [("bucket", &bucket), ("key", &key)] {
            if value.trim().is_empty() {
                return Err(format!("config.{name}: the value cannot be empty or all whitespace"));
            }
        }
        if key.starts_with('/') || key.ends_with('/') {
            return Err(format!("config.key: the value must not start or end with \"/\" (it is {key:?})"));
        }
        if key.contains("//") {
            return Err(format!("config.key: the value must not contain \"//\" (it is {key:?})"));
        }
        let key = match config.get("workspace").and_then(Value::as_str).unwrap_or("default") {
            "default" => key,
            ws => {
                let prefix = settings.get("workspace_key_prefix").and_then(Value::as_str).unwrap_or("env:");
                format!("{prefix}/{ws}/{key}")
            }
        };
        Ok(Some(S3Location { bucket, key, region }))
    }

    /// The snapshot object's id.
    pub fn id(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// A state read from S3 as a snapshot object: its non-sensitive outputs, the names of the
/// sensitive ones, and a digest of the whole state; or why it could not be read.
pub fn state_object(at: &S3Location, state: Result<String, String>) -> LiveObject {
    let attributes = match state.and_then(|text| Ok((outputs_of(&text)?, digest(&text)))) {
        Ok(((outputs, sensitive), digest)) => BTreeMap::from([
            ("outputs".to_string(), serde_json::Value::Object(outputs.into_iter().collect())),
            ("sensitive_outputs".to_string(), serde_json::json!(sensitive)),
            ("digest".to_string(), serde_json::Value::String(digest)),
        ]),
        Err(e) => BTreeMap::from([("error".to_string(), serde_json::Value::String(e))]),
    };
    LiveObject { ty: TYPE.into(), region: at.region.clone(), id: at.id(), tags: BTreeMap::new(), attributes }
}

fn read_s3(inventory: &Inventory, config: &Value) -> Result<(Value, String), String> {
    let Some(at) = S3Location::from_config(config)? else { return Err("the s3 backend's config is not known".into()) };
    let id = at.id();
    let object = inventory.of_type(TYPE, &at.region).find(|o| o.id == id);
    let key = format!("{}/{TYPE}/{id}", at.region);
    let unknown = || Ok((with_unknown_outputs(config, &id), key.clone()));
    let Some(object) = object else {
        // Nothing was read at all (--live empty), or the bucket's region is down: known later.
        return if inventory.is_empty() || inventory.region_unavailable(&at.region).is_some() {
            unknown()
        } else {
            Err(format!("the state {id} was not read with the live state (run drplan snapshot again)"))
        };
    };
    if let Some(error) = object.attr_str("error") {
        return if inventory.region_unavailable(&at.region).is_some() {
            unknown()
        } else {
            Err(format!("reading state {id}: {error}"))
        };
    }
    let outputs: BTreeMap<String, serde_json::Value> = object
        .attributes
        .get("outputs")
        .and_then(serde_json::Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let sensitive: Vec<String> = object
        .attributes
        .get("sensitive_outputs")
        .and_then(serde_json::Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    Ok((with_outputs(config, &outputs, &sensitive, &id), key))
}

/// A state's non-sensitive outputs and the names of its sensitive ones.
fn outputs_of(text: &str) -> Result<(BTreeMap<String, serde_json::Value>, Vec<String>), String> {
    let state: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if state.get("version").and_then(serde_json::Value::as_u64) != Some(4) {
        return Err("not a Terraform state of format version 4".into());
    }
    let mut outputs = BTreeMap::new();
    let mut sensitive = Vec::new();
    for (name, out) in state.get("outputs").and_then(serde_json::Value::as_object).into_iter().flatten() {
        if out.get("sensitive").and_then(serde_json::Value::as_bool).unwrap_or(false) {
            sensitive.push(name.clone());
        } else {
            outputs.insert(name.clone(), out.get("value").cloned().unwrap_or(serde_json::Value::Null));
        }
    }
    Ok((outputs, sensitive))
}

/// The data source's attributes: its arguments, `outputs` (over `defaults`), and `id`.
fn with_outputs(
    config: &Value,
    outputs: &BTreeMap<String, serde_json::Value>,
    sensitive: &[String],
    id: &str,
) -> Value {
    let mut all: BTreeMap<String, Value> = config.get("defaults").and_then(Value::as_map).cloned().unwrap_or_default();
    all.extend(outputs.iter().map(|(k, v)| (k.clone(), Value::from_json(v))));
    all.extend(sensitive.iter().map(|k| (k.clone(), Value::Unknown)));
    let mut result = config.as_map().cloned().unwrap_or_default();
    result.insert("outputs".into(), Value::Map(all.into()));
    result.insert("id".into(), Value::from(id));
    Value::Map(result.into())
}

fn with_unknown_outputs(config: &Value, id: &str) -> Value {
    let mut result = config.as_map().cloned().unwrap_or_default();
    result.insert("outputs".into(), Value::Unknown);
    result.insert("id".into(), Value::from(id));
    Value::Map(result.into())
}

fn digest(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Fields;
    use crate::live::{LiveSnapshot, UnavailableRegion};

    const STATE: &str = r#"{"version":4,"terraform_version":"1.11.4","outputs":{"db_arn":{"value":"arn:aws:rds:us-east-1:1:db:orders","type":"string"},"password":{"value":"hunter2","type":"string","sensitive":true}}}"#;

    fn config(backend: &str, pairs: &[(&str, Value)]) -> Value {
        let mut m: BTreeMap<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        m.insert("backend".into(), backend.into());
        Value::Map(m.into())
    }

    fn s3_config(workspace: &str) -> Value {
        let settings = Value::Map(Fields::from([
            ("bucket".to_string(), Value::from("tf-state")),
            ("key".to_string(), Value::from("app/terraform.tfstate")),
            ("region".to_string(), Value::from("us-east-1")),
        ]));
        config("s3", &[("config", settings), ("workspace", workspace.into())])
    }

    /// The s3 backend's own checks: a placeholder left empty is refused by name, not sent.
    #[test]
    fn an_empty_bucket_or_a_malformed_key_is_refused_as_the_backend_refuses_it() {
        let with = |bucket: &str, key: &str| {
            let settings = Value::Map(Fields::from([
                ("bucket".to_string(), Value::from(bucket)),
                ("key".to_string(), Value::from(key)),
                ("region".to_string(), Value::from("us-east-1")),
            ]));
            S3Location::from_config(&config("s3", &[("config", settings)]))
        };
        assert!(with(" ", "a.tfstate").unwrap_err().contains("config.bucket: the value cannot be empty"));
        assert!(with("b", "").unwrap_err().contains("config.key: the value cannot be empty"));
        assert!(with("b", "/a.tfstate").unwrap_err().contains("must not start or end with"));
        assert!(with("b", "a//b.tfstate").unwrap_err().contains("must not contain"));
        assert!(with("b", "global/iam/terraform.tfstate").is_ok());
    }

    fn empty() -> Inventory {
        Inventory::new(LiveSnapshot::empty(), crate::live::no_natural_keys)
    }

    #[test]
    fn local_state_outputs_are_read_and_sensitive_ones_stay_unknown() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("terraform.tfstate"), STATE).unwrap();
        let defaults = Value::Map(Fields::from([("zone".to_string(), Value::from("Z1"))]));
        let (v, key) = read(tmp.path(), &empty(), &config("local", &[("defaults", defaults)])).unwrap();
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
        let inv = empty();
        assert!(read(tmp.path(), &inv, &config("gcs", &[])).unwrap_err().contains("terraform state pull"));
        assert!(read(tmp.path(), &inv, &config("local", &[])).unwrap_err().contains("reading state"));
        std::fs::write(tmp.path().join("terraform.tfstate"), r#"{"version":3}"#).unwrap();
        assert!(read(tmp.path(), &inv, &config("local", &[])).unwrap_err().contains("format version 4"));
        let ws = config("local", &[("workspace", "dr".into())]);
        assert!(read(tmp.path(), &inv, &ws).unwrap_err().contains("terraform.tfstate.d/dr/terraform.tfstate"));
        let no_bucket = config("s3", &[("config", Value::Map(Default::default()))]);
        assert!(S3Location::from_config(&no_bucket).unwrap_err().contains("config.bucket"));
    }

    #[test]
    fn s3_states_come_from_the_snapshot_and_never_carry_secrets() {
        let at = S3Location::from_config(&s3_config("default")).unwrap().unwrap();
        assert_eq!(at.id(), "s3://tf-state/app/terraform.tfstate");
        let dr = S3Location::from_config(&s3_config("dr")).unwrap().unwrap();
        assert_eq!(dr.key, "env:/dr/app/terraform.tfstate");
        let object = state_object(&at, Ok(STATE.into()));
        assert!(!serde_json::to_string(&object).unwrap().contains("hunter2"));
        let inv = Inventory::new(
            LiveSnapshot { objects: vec![object], ..LiveSnapshot::empty() },
            crate::live::no_natural_keys,
        );
        let (v, key) = read(Path::new("."), &inv, &s3_config("default")).unwrap();
        assert_eq!(v.get("outputs").unwrap().get("db_arn"), Some(&Value::from("arn:aws:rds:us-east-1:1:db:orders")));
        assert_eq!(v.get("outputs").unwrap().get("password"), Some(&Value::Unknown));
        assert_eq!(key, "us-east-1/terraform_remote_state/s3://tf-state/app/terraform.tfstate");
    }

    #[test]
    fn an_s3_state_that_could_not_be_read_is_unknown_only_when_its_region_is_down() {
        let at = S3Location::from_config(&s3_config("default")).unwrap().unwrap();
        let failed = state_object(&at, Err("NoSuchKey".into()));
        let inv = Inventory::new(
            LiveSnapshot { objects: vec![failed.clone()], ..LiveSnapshot::empty() },
            crate::live::no_natural_keys,
        );
        assert!(read(Path::new("."), &inv, &s3_config("default")).unwrap_err().contains("NoSuchKey"));
        let down = UnavailableRegion { region: "us-east-1".into(), reason: "no answer within 20s".into() };
        let inv = Inventory::new(
            LiveSnapshot { objects: vec![failed], unavailable_regions: vec![down], ..LiveSnapshot::empty() },
            crate::live::no_natural_keys,
        );
        let (v, _) = read(Path::new("."), &inv, &s3_config("default")).unwrap();
        assert_eq!(v.get("outputs"), Some(&Value::Unknown));
        // --live empty: nothing was read, so the outputs are known only later.
        let (v, _) = read(Path::new("."), &empty(), &s3_config("default")).unwrap();
        assert_eq!(v.get("outputs"), Some(&Value::Unknown));
    }
}
