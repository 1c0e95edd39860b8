//! `terraform_data` and `null_resource`: Terraform's graph-only resources, `random_id` and the
//! rest of hashicorp/random (`super::random`), whose values drplan derives rather than keeps,
//! and `cloudinit_config`, rendered from its arguments (`live::cloudinit`). They own no cloud
//! object, so drplan serves them natively as nodes of the graph: their `depends_on`, `triggers`
//! and `triggers_replace` order what depends on them, references to them resolve at once
//! (`terraform_data.x.output` is its `input`), and a plan never creates, changes or deletes
//! a cloud object for them. Their provisioners are not run (drplan runs no provisioners). Some
//! are still steps: `time_sleep` waits (`super::time_sleep`), `time_*` record a base time
//! (`super::time`) and `local_file` writes a file (`super::local_file`) when they are pending.
//!
//! This module owns which types these are and the values references see; `plan::build` skips
//! them (but for those steps) and `plan::view` asks [`value`] for them.

use crate::eval::Value;
use crate::live::LiveSnapshot;

/// The top-level arguments an instance's configuration writes.
type Written = std::collections::BTreeSet<String>;

/// The graph-only types (with [`super::random::TYPES`], [`super::tls::TYPE`], [`super::time::TYPES`]
/// and [`super::local_file::TYPES`]).
pub const TYPES: &[&str] = &["cloudinit_config", "null_resource", "random_id", "terraform_data", "time_sleep"];

/// Whether `ty` is graph-only.
pub fn is(ty: &str) -> bool {
    TYPES.contains(&ty)
        || super::random::TYPES.contains(&ty)
        || ty == super::tls::TYPE
        || super::time::is(ty)
        || super::local_file::is(ty)
        || super::tls::cert::is(ty)
}

/// Every graph-only type.
pub fn all() -> impl Iterator<Item = &'static str> {
    let stateless = super::time::TYPES.iter().chain(super::local_file::TYPES).chain(super::tls::cert::TYPES);
    TYPES.iter().chain(super::random::TYPES).chain(&[super::tls::TYPE]).chain(stateless).copied()
}

/// Whether values of `ty` need the stack's seed secret: derived from the seed (they are
/// secrets), or recorded on it (`time_*`'s base times).
pub fn derives_from_seed(ty: &str) -> bool {
    super::random::SEEDED.contains(&ty)
        || ty == super::tls::TYPE
        || records_time(ty)
        || super::tls::cert::needs_seed(ty)
}

/// Whether `ty` records a time on the stack seed's secret when it is created.
pub fn records_time(ty: &str) -> bool {
    super::time::is(ty) || super::tls::cert::needs_seed(ty)
}

/// Why the instance is a step of the plan although it owns no cloud object: a time to record
/// (`time_*`, a certificate's validity start) or a file to write (`local_file`). `None` when
/// nothing is pending.
pub fn pending(ty: &str, inputs: &super::time::Inputs) -> Option<String> {
    if super::time::is(ty) {
        return super::time::pending(ty, inputs);
    }
    if super::tls::cert::is(ty) {
        return super::tls::cert::pending(ty, inputs);
    }
    super::local_file::is(ty).then(|| super::local_file::pending(inputs.config)).flatten()
}

/// What the runbook says to do by hand for a step of a graph-only type (`None` for others).
pub fn by_hand(ty: &str, address: &str, stack: &str, region: &str) -> Option<String> {
    if records_time(ty) {
        let secret = crate::live::seed::secret_name(stack);
        let key = super::time::key(address);
        return Some(format!(
            "drplan apply --target '{address}'  # records the time it runs as tag {key} of secret {secret} in {region} (its value also holds a digest of the arguments, which drplan computes)"
        ));
    }
    if super::local_file::is(ty) {
        return Some(format!(
            "drplan apply --target '{address}'  # writes the configured content to the file, on the machine that runs drplan"
        ));
    }
    super::time_sleep::is(ty).then(|| "sleep <create_duration>  # a wait, nothing to create".to_string())
}

/// The tag apply records on the stack seed's secret for a step of `ty` at `now`: `None` for a
/// type or configuration that records nothing, and when a time is already recorded for these
/// arguments (a plan that could not tell, because they were known only after apply).
pub fn record(
    ty: &str,
    address: &str,
    config: &Value,
    recorded: &std::collections::BTreeMap<String, String>,
    now: i64,
) -> Option<Result<(String, String), String>> {
    // At apply every written argument is known: an unknown or null one was left unset.
    let set = |v: &Value| !matches!(v, Value::Unknown | Value::Null);
    let written: Written = config.as_map()?.iter().filter(|(_, v)| set(v)).map(|(k, _)| k.clone()).collect();
    pending(ty, &super::time::Inputs { address, config, written: &written, recorded, now })?;
    super::time::record(ty, address, config, now).or_else(|| super::tls::cert::record(ty, address, config, now))
}

/// What references to the instance at `address`, configured as `config`, see: its arguments,
/// `output` equal to `input` (`terraform_data`), and an `id` that is the same on every plan (in
/// Terraform a random value kept in state; drplan has no state, so it derives one from the
/// address). Values that must be secret come from the stack's seed in `live` (unknown without
/// it); `time_*` values from the base times recorded there, "now" being when it was read.
pub fn value(ty: &str, stack: &str, address: &str, config: &Value, live: &LiveSnapshot, written: &Written) -> Value {
    let seed = live.stack_seed.as_ref();
    if super::time::is(ty) || super::tls::cert::is(ty) {
        let now = crate::timefmt::epoch_seconds(&live.captured_at).unwrap_or_default();
        let recorded = &live.recorded_times;
        let inputs = super::time::Inputs { address, config, written, recorded, now };
        if super::tls::cert::is(ty) {
            return super::tls::cert::value(ty, stack, &inputs, seed);
        }
        return super::time::value(ty, &inputs);
    }
    if super::local_file::is(ty) {
        return super::local_file::value(config);
    }
    if super::random::TYPES.contains(&ty) {
        return super::random::value(ty, stack, address, config, seed);
    }
    if ty == super::tls::TYPE {
        return super::tls::value(stack, address, config, seed);
    }
    if ty == crate::live::cloudinit::TYPE {
        // A rendering error is the data source's to report; the resource's value stays unknown.
        return crate::live::cloudinit::render(config).unwrap_or(Value::Unknown);
    }
    let Value::Map(fields) = config else { return config.clone() };
    let mut out = fields.clone();
    if ty == "random_id" {
        return random_id(stack, address, config).unwrap_or(Value::Unknown);
    }
    if ty == "terraform_data" {
        out.insert("output".into(), fields.get("input").cloned().unwrap_or(Value::Null));
    }
    out.insert("id".into(), Value::String(stable_id(address)));
    Value::Map(out)
}

/// `random_id`: in Terraform random bytes kept in state. drplan keeps no state, so the bytes
/// are a digest of the stack, the address and `keepers` (a new keeper value, new bytes, as a
/// replacement would give): the same on every plan, different for every stack and address,
/// which is what a bucket-name suffix needs. Not secret (Terraform does not mark it so).
/// `None` (unknown) until the arguments are known.
fn random_id(stack: &str, address: &str, config: &Value) -> Option<Value> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let arguments = ["byte_length", "keepers", "prefix"];
    if arguments.iter().any(|a| config.get(a).is_some_and(|v| !v.is_wholly_known())) {
        return None;
    }
    let length = match config.get("byte_length") {
        Some(Value::Number(n)) => n.to_usize().filter(|n| (1..=1024).contains(n))?,
        _ => return None,
    };
    let keepers = config.get("keepers").map(Value::to_string).unwrap_or_default();
    let mut bytes = Vec::with_capacity(length);
    let mut round = 0u32;
    while bytes.len() < length {
        let block = sha2::Sha256::digest(format!("{stack}\0{address}\0{keepers}\0{round}").as_bytes());
        bytes.extend_from_slice(&block);
        round += 1;
    }
    bytes.truncate(length);
    let prefix = config.get("prefix").and_then(Value::as_str).unwrap_or_default().to_string();
    let b64_url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let dec = num_bigint::BigUint::from_bytes_be(&bytes).to_string();
    let mut out = config.as_map().cloned().unwrap_or_default();
    for (k, v) in [
        ("id", b64_url.clone()),
        ("b64_url", format!("{prefix}{b64_url}")),
        ("b64_std", format!("{prefix}{}", base64::engine::general_purpose::STANDARD.encode(&bytes))),
        ("hex", format!("{prefix}{hex}")),
        ("dec", format!("{prefix}{dec}")),
    ] {
        out.insert(k.to_string(), Value::from(v));
    }
    Some(Value::Map(out.into()))
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
        let v = value("terraform_data", "s", "terraform_data.cidr", &config, &LiveSnapshot::empty(), &Written::new());
        assert_eq!(v.get("output"), Some(&Value::from("10.9.0.0/16")));
        let id = v.get("id").and_then(Value::as_str).unwrap().to_string();
        assert!(id.chars().all(|c| c.is_ascii_digit()) && !id.is_empty());
        assert_eq!(
            value("terraform_data", "s", "terraform_data.cidr", &config, &LiveSnapshot::empty(), &Written::new())
                .get("id"),
            v.get("id")
        );
        assert_ne!(
            value("null_resource", "s", "null_resource.other", &config, &LiveSnapshot::empty(), &Written::new())
                .get("id"),
            v.get("id")
        );
        assert_eq!(
            value("null_resource", "s", "null_resource.w", &config, &LiveSnapshot::empty(), &Written::new())
                .get("output"),
            None
        );
        assert!(is("null_resource") && is("terraform_data") && !is("aws_vpc"));
    }

    #[test]
    fn random_ids_are_stable_per_stack_address_and_keepers() {
        let config = |keeper: &str| {
            Value::Map(
                [
                    ("byte_length".to_string(), Value::from(4i64)),
                    ("keepers".to_string(), Value::Map([("k".to_string(), Value::from(keeper))].into())),
                ]
                .into(),
            )
        };
        let v = value("random_id", "prod", "random_id.suffix", &config("a"), &LiveSnapshot::empty(), &Written::new());
        let hex = v.get("hex").and_then(Value::as_str).unwrap().to_string();
        assert_eq!(hex.len(), 8);
        assert_eq!(
            value("random_id", "prod", "random_id.suffix", &config("a"), &LiveSnapshot::empty(), &Written::new())
                .get("hex"),
            v.get("hex")
        );
        assert_ne!(
            value("random_id", "dev", "random_id.suffix", &config("a"), &LiveSnapshot::empty(), &Written::new())
                .get("hex"),
            v.get("hex")
        );
        assert_ne!(
            value("random_id", "prod", "random_id.suffix", &config("b"), &LiveSnapshot::empty(), &Written::new())
                .get("hex"),
            v.get("hex")
        );
        let dec: u64 = v.get("dec").and_then(Value::as_str).unwrap().parse().unwrap();
        assert_eq!(format!("{dec:08x}"), hex);
        assert_eq!(v.get("id"), v.get("b64_url"));
        let unknown = Value::Map([("byte_length".to_string(), Value::Unknown)].into());
        assert_eq!(
            value("random_id", "prod", "random_id.x", &unknown, &LiveSnapshot::empty(), &Written::new()),
            Value::Unknown
        );
    }
}
