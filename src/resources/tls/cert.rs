//! hashicorp/tls's `tls_cert_request`, `tls_self_signed_cert` and `tls_locally_signed_cert`,
//! without state.
//!
//! A request is a function of its key and subject (signatures here are deterministic), so it
//! is known while planning. A certificate also has a validity start (the time Terraform created
//! it) and a random serial number, both kept in Terraform's state. drplan records the start
//! time on the stack seed's secret as `time_static` records its base (`super::super::time`),
//! under a digest of every argument but `early_renewal_hours` (all the others force a new
//! certificate), and derives the serial from the stack seed: so every later plan computes the
//! same certificate, byte for byte. The first plan, new arguments, or a certificate past its
//! renewal time (`validity_end_time - early_renewal_hours`, against when the live state was
//! read) is a create step, and its attributes are known after apply.
//!
//! This module owns the three types' values and what makes them pending; X.509 itself is in
//! `super::x509`.

use std::collections::BTreeMap;

use sha1::Digest as _;

use super::x509::{self, CertificateParts, PrivateKey};
use crate::eval::Value;
use crate::eval::functions::time::Stamp;
use crate::live::seed::StackSeed;
use crate::resources::time::{Inputs, digest_of, entry, lookup};

/// The types this module serves.
pub const TYPES: &[&str] = &["tls_cert_request", "tls_locally_signed_cert", "tls_self_signed_cert"];

const REQUEST: &str = "tls_cert_request";
const LOCALLY_SIGNED: &str = "tls_locally_signed_cert";

/// Attributes the types compute.
const COMPUTED: &[&str] = &[
    "id",
    "cert_pem",
    "cert_request_pem",
    "key_algorithm",
    "ca_key_algorithm",
    "validity_start_time",
    "validity_end_time",
    "ready_for_renewal",
];

/// Whether `ty` is one of them.
pub fn is(ty: &str) -> bool {
    TYPES.contains(&ty)
}

/// Whether `ty` records a validity start on the stack seed's secret and derives its serial
/// from the seed (a request needs neither).
pub fn needs_seed(ty: &str) -> bool {
    is(ty) && ty != REQUEST
}

/// The digest a certificate's start time is recorded under; `None` while an argument is not
/// known (or for a request, which records nothing).
fn inputs_digest(ty: &str, config: &Value) -> Option<String> {
    let map = config.as_map().filter(|_| ty != REQUEST)?;
    let mut text = String::new();
    for (name, value) in map.iter().filter(|(k, _)| !COMPUTED.contains(&k.as_str()) && *k != "early_renewal_hours") {
        if !value.is_wholly_known() {
            return None;
        }
        text.push_str(&format!("{name}={value}\n"));
    }
    Some(digest_of(&text))
}

fn hours(config: &Value, name: &str) -> i64 {
    match config.get(name) {
        Some(Value::Number(n)) => n.to_i64().unwrap_or_default(),
        _ => 0,
    }
}

/// The certificate's recorded validity start, or why apply must record one.
fn start(ty: &str, i: &Inputs) -> Result<i64, String> {
    let digest = inputs_digest(ty, i.config).ok_or("its arguments are known only after apply")?;
    let stamp = lookup(i.address, &digest, i.recorded, "its arguments changed")?;
    let end = stamp.epoch() + hours(i.config, "validity_period_hours") * 3600;
    let renew_at = end - hours(i.config, "early_renewal_hours") * 3600;
    if i.now >= renew_at {
        return Err(format!("it is ready for renewal since {}", Stamp::utc(renew_at).rfc3339()));
    }
    Ok(stamp.epoch())
}

/// Why apply must record a validity start for this certificate (a create step).
pub fn pending(ty: &str, inputs: &Inputs) -> Option<String> {
    if ty == REQUEST {
        return None;
    }
    start(ty, inputs).err()
}

/// What apply records for a certificate at `address` when it runs at `now`.
pub fn record(ty: &str, address: &str, config: &Value, now: i64) -> Option<Result<(String, String), String>> {
    if !is(ty) || ty == REQUEST {
        return None;
    }
    Some(match inputs_digest(ty, config) {
        Some(digest) => Ok(entry(address, &digest, now)),
        None => Err(format!("{address}: its arguments are not known at apply time")),
    })
}

/// What references see: the arguments and, once known, the request or certificate; an
/// argument that cannot be read (a key that is no PEM) leaves them unknown, for validation and
/// apply to report.
pub fn value(ty: &str, stack: &str, inputs: &Inputs, seed: Option<&StackSeed>) -> Value {
    let mut out = inputs.config.as_map().cloned().unwrap_or_default();
    let computed = computed(ty, stack, inputs, seed).ok().flatten().unwrap_or_default();
    for name in COMPUTED {
        let known = computed.get(*name).cloned();
        if known.is_some() || !matches!(out.get(*name), Some(v) if v.is_wholly_known()) {
            out.insert(name.to_string(), known.unwrap_or(Value::Unknown));
        }
    }
    Value::Map(out.into())
}

type Computed = BTreeMap<&'static str, Value>;

fn computed(ty: &str, stack: &str, i: &Inputs, seed: Option<&StackSeed>) -> Result<Option<Computed>, String> {
    let config = i.config;
    let arguments_known = config
        .as_map()
        .is_some_and(|m| m.iter().filter(|(k, _)| !COMPUTED.contains(&k.as_str())).all(|(_, v)| v.is_wholly_known()));
    if !arguments_known {
        return Ok(None);
    }
    if ty == REQUEST {
        let key = PrivateKey::from_pem(text(config, "private_key_pem")?)?;
        let der = x509::request(x509::subject(config.get("subject"))?, x509::alternative_names(config)?, &key)?;
        return Ok(Some(Computed::from([
            ("cert_request_pem", Value::from(super::encode::pem("CERTIFICATE REQUEST", &der))),
            ("key_algorithm", Value::from(key.algorithm_name())),
            ("id", Value::from(hex::encode(sha1::Sha1::digest(&der)))),
        ])));
    }
    let (Ok(start), Some(seed)) = (start(ty, i), seed) else { return Ok(None) };
    let digest = inputs_digest(ty, config).unwrap_or_default();
    let context = format!("drplan tls certificate v1\0{ty}\0{stack}\0{}\0{digest}\0{start}", i.address);
    let mut serial: Vec<u8> = seed.stream(&context).take(16).collect();
    serial[0] = (serial[0] & 0x7f) | 0x40; // positive, 16 bytes, like Go's 128-bit random serial
    let end = start + hours(config, "validity_period_hours") * 3600;
    let (pem, signer) = certificate(ty, config, &serial, start, end)?;
    let mut out = Computed::from([
        ("cert_pem", Value::from(pem)),
        ("validity_start_time", Value::from(Stamp::utc(start).rfc3339())),
        ("validity_end_time", Value::from(Stamp::utc(end).rfc3339())),
        ("ready_for_renewal", Value::Bool(false)),
        ("id", Value::from(num_bigint::BigUint::from_bytes_be(&serial).to_string())),
    ]);
    let algorithm_name = if ty == LOCALLY_SIGNED { "ca_key_algorithm" } else { "key_algorithm" };
    out.insert(algorithm_name, Value::from(signer));
    Ok(Some(out))
}

/// The certificate as PEM, and the signing key's algorithm name.
fn certificate(
    ty: &str,
    config: &Value,
    serial: &[u8],
    start: i64,
    end: i64,
) -> Result<(String, &'static str), String> {
    let (signer, parts) = if ty == LOCALLY_SIGNED {
        let request = x509::parse_request(text(config, "cert_request_pem")?)?;
        let ca = x509::parse_certificate(text(config, "ca_cert_pem")?)?;
        let signer = PrivateKey::from_pem(text(config, "ca_private_key_pem")?)?;
        let parts = CertificateParts {
            config,
            serial,
            not_before: start,
            not_after: end,
            san: x509::requested_alternative_names(&request),
            subject: request.info.subject,
            subject_key: request.info.public_key,
            issuer_key_id: x509::subject_key_id(&ca),
            issuer: ca.tbs_certificate.subject,
        };
        (signer, parts)
    } else {
        let key = PrivateKey::from_pem(text(config, "private_key_pem")?)?;
        let subject = x509::subject(config.get("subject"))?;
        let subject_key = key.public_key_info()?;
        let parts = CertificateParts {
            config,
            serial,
            not_before: start,
            not_after: end,
            san: x509::alternative_names(config)?,
            issuer: subject.clone(),
            issuer_key_id: Some(x509::key_id(&subject_key)),
            subject,
            subject_key,
        };
        (key, parts)
    };
    let der = x509::certificate(parts, &signer)?;
    Ok((super::encode::pem("CERTIFICATE", &der), signer.algorithm_name()))
}

fn text<'v>(config: &'v Value, name: &str) -> Result<&'v str, String> {
    config.get(name).and_then(Value::as_str).ok_or_else(|| format!("{name} is required"))
}
