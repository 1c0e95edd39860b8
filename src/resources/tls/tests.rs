use super::*;

fn config(pairs: &[(&str, Value)]) -> Value {
    Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn seed(byte: &str) -> StackSeed {
    StackSeed::from_secret_string(&byte.repeat(32)).unwrap()
}

fn text(v: &Value, name: &str) -> String {
    v.get(name).and_then(Value::as_str).unwrap_or_else(|| panic!("{name} is not known")).to_string()
}

/// RFC 8032's first test vector: the public key of a known seed, in every public encoding.
#[test]
fn ed25519_encodings_of_a_known_seed() {
    let seed = hex_bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").try_into().unwrap();
    let key = ed25519_key(seed);
    let public = hex_bytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    assert!(key.wire.ends_with(&public) && key.spki.ends_with(&public));
    assert_eq!(key.pkcs8.len(), 48);
    assert_eq!(key.ssh_type, "ssh-ed25519");
}

#[test]
fn keys_come_from_the_seed_and_the_arguments() {
    let ed = config(&[("algorithm", Value::from("ED25519"))]);
    let a = value("s", "tls_private_key.k", &ed, Some(&seed("11")));
    assert_eq!(a, value("s", "tls_private_key.k", &ed, Some(&seed("11"))), "stable");
    assert_ne!(text(&a, "id"), text(&value("s", "tls_private_key.k", &ed, Some(&seed("22"))), "id"));
    assert_ne!(text(&a, "id"), text(&value("s", "tls_private_key.j", &ed, Some(&seed("11"))), "id"));
    let commented = config(&[("algorithm", Value::from("ED25519")), ("openssh_comment", Value::from("dr"))]);
    assert_ne!(text(&a, "id"), text(&value("s", "tls_private_key.k", &commented, Some(&seed("11"))), "id"));
    assert!(text(&a, "public_key_openssh").starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"));
    assert!(text(&a, "private_key_pem").starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert_eq!(a.get("rsa_bits"), Some(&Value::from(2048i64)));
    // Without the seed (a first plan), or with an argument unknown: known after apply.
    let first = value("s", "tls_private_key.k", &ed, None);
    assert_eq!(first.get("public_key_openssh"), Some(&Value::Unknown));
    assert_eq!(first.get("algorithm"), Some(&Value::from("ED25519")));
    let unknown = config(&[("algorithm", Value::Unknown)]);
    assert_eq!(value("s", "tls_private_key.k", &unknown, Some(&seed("11"))).get("id"), Some(&Value::Unknown));
}

/// The derivation is part of every stack's keys: a change of it (the `rsa` crate's prime
/// generation, the context's layout) would replace every key on the next apply. This pins it.
#[test]
fn known_keys_stay_the_same() {
    let ed = value("s", "tls_private_key.k", &config(&[("algorithm", Value::from("ED25519"))]), Some(&seed("11")));
    let rsa = config(&[("algorithm", Value::from("RSA")), ("rsa_bits", Value::from(1024i64))]);
    let rsa = value("s", "tls_private_key.k", &rsa, Some(&seed("11")));
    let pinned = [text(&ed, "public_key_fingerprint_sha256"), text(&rsa, "public_key_fingerprint_sha256")];
    assert_eq!(
        pinned,
        ["SHA256:Aa7DMZlFTnfrIOI9/ed0SVM/rZy4ram4Qgh3157DTBU", "SHA256:7tbIHDQVj+tLYwwSgYLJ14lcCgtPPFaM124pC0Py8Yk"]
    );
}

/// OpenSSH and OpenSSL read every encoding back to the same public key.
#[cfg_attr(drplan_no_openssh, ignore = "needs ssh-keygen and openssl (Debian: openssh-client, openssl)")]
#[test]
fn openssh_and_openssl_read_the_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let kinds = [("ED25519", ""), ("RSA", ""), ("ECDSA", "P256"), ("ECDSA", "P384"), ("ECDSA", "P521")];
    for (algorithm, curve) in kinds {
        let mut pairs = vec![("algorithm", Value::from(algorithm)), ("openssh_comment", Value::from("dr@stack"))];
        pairs.push(("rsa_bits", Value::from(2048i64)));
        pairs.push(("ecdsa_curve", Value::from(if curve.is_empty() { "P224" } else { curve })));
        let algorithm = &*format!("{algorithm}{curve}");
        let key = value("s", "tls_private_key.k", &config(&pairs), Some(&seed("33")));
        let file = |name: &str, attr: &str| {
            let path = tmp.path().join(format!("{algorithm}-{name}"));
            std::fs::write(&path, text(&key, attr)).unwrap();
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
            path
        };
        let run = |cmd: &str, args: &[&std::ffi::OsStr]| {
            let out = std::process::Command::new(cmd).args(args).output().unwrap();
            assert!(out.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        };
        let openssh = file("openssh", "private_key_openssh");
        let public = run("ssh-keygen", &["-y".as_ref(), "-f".as_ref(), openssh.as_os_str()]);
        assert_eq!(public.trim(), text(&key, "public_key_openssh").trim(), "{algorithm}");
        let line = file("pub", "public_key_openssh");
        let md5 = run("ssh-keygen", &["-l".as_ref(), "-E".as_ref(), "md5".as_ref(), "-f".as_ref(), line.as_os_str()]);
        assert!(md5.contains(&format!("MD5:{}", text(&key, "public_key_fingerprint_md5"))), "{md5}");
        let sha = run("ssh-keygen", &["-l".as_ref(), "-f".as_ref(), line.as_os_str()]);
        assert!(sha.contains(&text(&key, "public_key_fingerprint_sha256")), "{sha}");
        for attr in ["private_key_pem", "private_key_pem_pkcs8"] {
            let pem = file(attr, attr);
            let out = run("openssl", &["pkey".as_ref(), "-in".as_ref(), pem.as_os_str(), "-pubout".as_ref()]);
            assert_eq!(out, text(&key, "public_key_pem"), "{algorithm} {attr}");
        }
    }
}

/// ECDSA keys: SEC 1 `private_key_pem`, each curve its own key, and P224 without OpenSSH
/// encodings (OpenSSH has no P224, and the provider leaves them empty); OpenSSL reads P224.
#[test]
fn ecdsa_keys_on_every_curve() {
    let key = |curve: &str| {
        let c = config(&[("algorithm", Value::from("ECDSA")), ("ecdsa_curve", Value::from(curve))]);
        value("s", "tls_private_key.k", &c, Some(&seed("55")))
    };
    let p224 = key("P224");
    assert!(text(&p224, "private_key_pem").starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
    assert_eq!(text(&p224, "public_key_openssh"), "");
    assert_eq!(text(&p224, "private_key_openssh"), "");
    assert_eq!(text(&p224, "public_key_fingerprint_md5"), "");
    let p256 = key("P256");
    assert!(
        text(&p256, "public_key_openssh")
            .starts_with("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABB")
    );
    assert_ne!(text(&p256, "id"), text(&key("P384"), "id"));
    assert_eq!(p256, key("P256"), "stable");
    // The derivation is pinned for ECDSA too.
    assert_eq!(text(&p256, "public_key_fingerprint_sha256"), PINNED_P256);
}

const PINNED_P256: &str = "SHA256:xbu0fr37C0GEv3QbODaNCSDE1UXJ6Fvo1pIg/dJdAP8";
