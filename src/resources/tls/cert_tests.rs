//! Certificates and requests: stable bytes from the recorded start and the seed, pending steps,
//! and what OpenSSL makes of them.

use std::collections::{BTreeMap, BTreeSet};

use super::cert;
use crate::eval::Value;
use crate::live::seed::StackSeed;
use crate::resources::time::Inputs;

fn map(pairs: &[(&str, Value)]) -> Value {
    Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn seed() -> StackSeed {
    StackSeed::from_secret_string(&"44".repeat(32)).unwrap()
}

fn key(algorithm: &str) -> String {
    let v = super::value("s", "tls_private_key.k", &map(&[("algorithm", Value::from(algorithm))]), Some(&seed()));
    v.get("private_key_pem").and_then(Value::as_str).unwrap().to_string()
}

fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::from(*s)).collect())
}

fn self_signed(private_key_pem: &str) -> Value {
    map(&[
        ("private_key_pem", Value::from(private_key_pem)),
        (
            "subject",
            Value::List(
                vec![map(&[("common_name", Value::from("DR CA")), ("organization", Value::from("drplan"))])].into(),
            ),
        ),
        ("validity_period_hours", Value::from(48i64)),
        ("early_renewal_hours", Value::from(12i64)),
        ("allowed_uses", strings(&["cert_signing", "digital_signature"])),
        ("dns_names", strings(&["ca.dr.example.com"])),
        ("is_ca_certificate", Value::Bool(true)),
        ("set_subject_key_id", Value::Bool(false)),
        ("set_authority_key_id", Value::Bool(false)),
        ("max_path_length", Value::from(-1i64)),
    ])
}

const NOW: i64 = 1_800_000_000;

fn evaluate(ty: &str, config: &Value, recorded: &BTreeMap<String, String>, now: i64) -> (Value, Option<String>) {
    let written: BTreeSet<String> = config.as_map().unwrap().keys().cloned().collect();
    let inputs = Inputs { address: &format!("{ty}.x"), config, written: &written, recorded, now };
    (cert::value(ty, "s", &inputs, Some(&seed())), cert::pending(ty, &inputs))
}

fn text(v: &Value, name: &str) -> String {
    v.get(name).and_then(Value::as_str).unwrap_or_else(|| panic!("{name} is not known: {v}")).to_string()
}

#[test]
fn a_certificate_is_known_once_its_start_is_recorded_and_stays_the_same() {
    let config = self_signed(&key("RSA"));
    let none = BTreeMap::new();
    let (first, why) = evaluate("tls_self_signed_cert", &config, &none, NOW);
    assert_eq!(why.as_deref(), Some("no base time is recorded for it yet"));
    assert_eq!(first.get("cert_pem"), Some(&Value::Unknown));
    let (k, v) = cert::record("tls_self_signed_cert", "tls_self_signed_cert.x", &config, NOW).unwrap().unwrap();
    let recorded = BTreeMap::from([(k, v)]);
    let (known, why) = evaluate("tls_self_signed_cert", &config, &recorded, NOW + 60);
    assert_eq!(why, None);
    assert!(text(&known, "cert_pem").starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert_eq!(text(&known, "validity_start_time"), "2027-01-15T08:00:00Z");
    assert_eq!(text(&known, "validity_end_time"), "2027-01-17T08:00:00Z");
    assert_eq!(known.get("ready_for_renewal"), Some(&Value::Bool(false)));
    assert_eq!(text(&known, "key_algorithm"), "RSA");
    assert!(text(&known, "id").chars().all(|c| c.is_ascii_digit()), "the serial in decimal");
    let (again, _) = evaluate("tls_self_signed_cert", &config, &recorded, NOW + 120);
    assert_eq!(again, known, "the same bytes on every plan");
    // 12 hours before the end it is ready for renewal: a new certificate.
    let (_, why) = evaluate("tls_self_signed_cert", &config, &recorded, NOW + 36 * 3600);
    assert!(why.unwrap().contains("ready for renewal since 2027-01-16T20:00:00Z"));
    // Another argument: another certificate; early_renewal_hours alone is not one.
    let mut longer = config.as_map().unwrap().clone();
    longer.insert("validity_period_hours".into(), Value::from(72i64));
    let (_, why) = evaluate("tls_self_signed_cert", &Value::Map(longer.into()), &recorded, NOW);
    assert_eq!(why.as_deref(), Some("its arguments changed"));
    let mut earlier = config.as_map().unwrap().clone();
    earlier.insert("early_renewal_hours".into(), Value::from(1i64));
    assert_eq!(evaluate("tls_self_signed_cert", &Value::Map(earlier.into()), &recorded, NOW).1, None);
}

#[test]
fn a_request_is_known_while_planning_and_records_nothing() {
    let config = map(&[
        ("private_key_pem", Value::from(key("ED25519"))),
        ("subject", Value::List(vec![map(&[("common_name", Value::from("app.dr.example.com"))])].into())),
        ("dns_names", strings(&["app.dr.example.com"])),
        ("ip_addresses", strings(&["10.0.0.1"])),
    ]);
    let (v, why) = evaluate("tls_cert_request", &config, &BTreeMap::new(), NOW);
    assert_eq!(why, None);
    assert!(text(&v, "cert_request_pem").starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
    assert_eq!(text(&v, "key_algorithm"), "ED25519");
    assert_eq!(text(&v, "id").len(), 40, "the SHA-1 of the request, as the provider's id");
    assert!(cert::record("tls_cert_request", "tls_cert_request.x", &config, NOW).is_none());
    let unknown = map(&[("private_key_pem", Value::Unknown)]);
    assert_eq!(
        evaluate("tls_cert_request", &unknown, &BTreeMap::new(), NOW).0.get("cert_request_pem"),
        Some(&Value::Unknown)
    );
}

#[test]
fn an_unreadable_key_is_refused_without_showing_it() {
    let pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n";
    let err = super::x509::PrivateKey::from_pem(pem).err().unwrap();
    assert!(err.contains("not an RSA, ED25519 or ECDSA"), "{err}");
    assert!(!err.contains("MHcC"), "the key never appears in an error");
}

/// OpenSSL reads the certificates and verifies the chain a CA signs.
#[cfg_attr(drplan_no_openssh, ignore = "needs ssh-keygen and openssl (Debian: openssh-client, openssl)")]
#[test]
fn openssl_verifies_what_a_ca_signs() {
    for ca_key in [key("RSA"), ecdsa_key("P384"), ecdsa_key("P224")] {
        verify_chain(ca_key);
    }
}

fn ecdsa_key(curve: &str) -> String {
    let c = map(&[("algorithm", Value::from("ECDSA")), ("ecdsa_curve", Value::from(curve))]);
    text(&super::value("s", "tls_private_key.k", &c, Some(&seed())), "private_key_pem")
}

fn verify_chain(ca_key: String) {
    let ca_config = self_signed(&ca_key);
    let (k, v) = cert::record("tls_self_signed_cert", "tls_self_signed_cert.x", &ca_config, NOW).unwrap().unwrap();
    let mut recorded = BTreeMap::from([(k, v)]);
    let ca = text(&evaluate("tls_self_signed_cert", &ca_config, &recorded, NOW).0, "cert_pem");
    let request = map(&[
        ("private_key_pem", Value::from(key("ED25519"))),
        ("subject", Value::List(vec![map(&[("common_name", Value::from("app.dr.example.com"))])].into())),
        ("dns_names", strings(&["app.dr.example.com"])),
    ]);
    let csr = text(&evaluate("tls_cert_request", &request, &BTreeMap::new(), NOW).0, "cert_request_pem");
    let signed = map(&[
        ("cert_request_pem", Value::from(csr.as_str())),
        ("ca_private_key_pem", Value::from(ca_key.as_str())),
        ("ca_cert_pem", Value::from(ca.as_str())),
        ("validity_period_hours", Value::from(24i64)),
        ("early_renewal_hours", Value::from(0i64)),
        ("allowed_uses", strings(&["digital_signature", "server_auth"])),
        ("is_ca_certificate", Value::Bool(false)),
        ("set_subject_key_id", Value::Bool(true)),
        ("max_path_length", Value::from(-1i64)),
    ]);
    let (k, v) = cert::record("tls_locally_signed_cert", "tls_locally_signed_cert.x", &signed, NOW).unwrap().unwrap();
    recorded.insert(k, v);
    let (leaf, _) = evaluate("tls_locally_signed_cert", &signed, &recorded, NOW);
    let algorithm = if ca_key.contains("BEGIN EC") { "ECDSA" } else { "RSA" };
    assert_eq!(text(&leaf, "ca_key_algorithm"), algorithm);
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let (ca_file, leaf_file, csr_file) =
        (write("ca.pem", &ca), write("leaf.pem", &text(&leaf, "cert_pem")), write("req.pem", &csr));
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl").args(args).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    run(&["req", "-in", &csr_file, "-verify", "-noout"]);
    let verified = run(&["verify", "-CAfile", &ca_file, "-attime", &(NOW + 60).to_string(), &leaf_file]);
    assert!(verified.contains(": OK"), "{verified}");
    let shown = run(&["x509", "-in", &leaf_file, "-noout", "-text"]);
    for line in [
        "Issuer: O = drplan, CN = DR CA",
        "Subject: CN = app.dr.example.com",
        "DNS:app.dr.example.com",
        "TLS Web Server Authentication",
        "CA:FALSE",
    ] {
        assert!(shown.contains(line), "{line}: {shown}");
    }
    let ca_shown = run(&["x509", "-in", &ca_file, "-noout", "-text"]);
    assert!(ca_shown.contains("CA:TRUE") && ca_shown.contains("Certificate Sign"), "{ca_shown}");
}
