//! `tls_private_key` (hashicorp/tls), served natively and statelessly, as hashicorp/random's
//! secrets are (`super::random`): Terraform generates the key once and keeps it in state;
//! drplan keeps no state, so the key is derived from the stack seed (`live::seed`) over the
//! type, address and arguments. The same configuration gives the same key on every plan and
//! machine that can read the seed; a changed argument (all are `ForceNew`) gives a new key, as a
//! replacement would. Before the seed exists (the first plan) the key's attributes are known
//! after apply. The private encodings are sensitive, as the provider marks them.
//!
//! `RSA` (`rsa_bits`, 2048 by default), `ED25519` and `ECDSA` (`ecdsa_curve`: P224, the
//! provider's default, P256, P384, P521; `super::ecdsa`) are served. Keys are generated from a
//! ChaCha20 stream of the seed by the `rsa` crate (0.9) and RustCrypto's curve crates (0.13),
//! so their versions are part of the derivation: `known_keys_stay_the_same` pins it.

pub mod cert;
mod ecdsa;
mod encode;
mod x509;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use rand_chacha::rand_core::SeedableRng as _;
use sha1::Digest as _;

use crate::eval::Value;
use crate::live::seed::StackSeed;

pub const TYPE: &str = "tls_private_key";

/// Attributes the type computes.
const COMPUTED: &[&str] = &[
    "id",
    "private_key_pem",
    "private_key_openssh",
    "private_key_pem_pkcs8",
    "public_key_pem",
    "public_key_openssh",
    "public_key_fingerprint_md5",
    "public_key_fingerprint_sha256",
];

/// The value references to the key see: its arguments with the provider's defaults and the
/// computed encodings (unknown until the arguments and the seed are known).
pub fn value(stack: &str, address: &str, config: &Value, seed: Option<&StackSeed>) -> Value {
    let mut out = config.as_map().cloned().unwrap_or_default();
    for (name, default) in [("rsa_bits", Value::from(2048i64)), ("ecdsa_curve", Value::from("P224"))] {
        out.entry(name.to_string())
            .and_modify(|v| {
                if v.is_null() {
                    *v = default.clone()
                }
            })
            .or_insert(default);
    }
    let arguments: BTreeMap<&String, &Value> = out.iter().filter(|(k, _)| !COMPUTED.contains(&k.as_str())).collect();
    let derived = seed.filter(|_| arguments.values().all(|v| v.is_wholly_known())).and_then(|seed| {
        let key: String = arguments.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| format!("{k}={v}\n")).collect();
        let context = format!("drplan tls v1\0{TYPE}\0{stack}\0{address}\0{key}");
        let bytes: Vec<u8> = seed.stream(&context).take(36).collect();
        cached(&bytes, || derive(&out, &bytes))
    });
    for name in COMPUTED {
        let v = derived.as_ref().and_then(|d| d.get(*name)).map_or(Value::Unknown, |s| Value::from(s.as_str()));
        out.insert(name.to_string(), v);
    }
    Value::Map(out.into())
}

type Encodings = BTreeMap<&'static str, String>;

/// A key is derived once per process (RSA generation is slow): plans evaluate it more than once.
fn cached(bytes: &[u8], derive: impl FnOnce() -> Option<Encodings>) -> Option<Arc<Encodings>> {
    static KEYS: OnceLock<Mutex<HashMap<Vec<u8>, Arc<Encodings>>>> = OnceLock::new();
    let keys = KEYS.get_or_init(Mutex::default);
    if let Some(found) = keys.lock().unwrap_or_else(|e| e.into_inner()).get(bytes) {
        return Some(found.clone());
    }
    let made = Arc::new(derive()?);
    keys.lock().unwrap_or_else(|e| e.into_inner()).insert(bytes.to_vec(), made.clone());
    Some(made)
}

/// The key's encodings from 36 derived bytes: 32 seed the key, 4 the OpenSSH check integer.
fn derive(config: &BTreeMap<String, Value>, bytes: &[u8]) -> Option<Encodings> {
    let seed: [u8; 32] = bytes.get(..32)?.try_into().ok()?;
    let check = u32::from_be_bytes(bytes.get(32..36)?.try_into().ok()?);
    let comment = config.get("openssh_comment").and_then(Value::as_str).unwrap_or_default();
    let key = match config.get("algorithm").and_then(Value::as_str)? {
        "RSA" => {
            let bits = match config.get("rsa_bits") {
                Some(Value::Number(n)) => n.to_usize().filter(|b| (1024..=16384).contains(b))?,
                _ => return None,
            };
            rsa_key(seed, bits)?
        }
        "ED25519" => ed25519_key(seed),
        "ECDSA" => ecdsa_key(seed, config.get("ecdsa_curve").and_then(Value::as_str)?)?,
        _ => return None,
    };
    // OpenSSH has no P224: the provider leaves those encodings empty.
    let (openssh, md5, sha256) = match key.ssh_type {
        "" => Default::default(),
        ssh_type => encode::openssh_public(ssh_type, &key.wire, comment),
    };
    let openssh_private = match key.ssh_type {
        "" => String::new(),
        ssh_type => encode::openssh_private(ssh_type, &key.wire, &key.ssh_private, comment, check),
    };
    let mut out = Encodings::new();
    out.insert("id", hex::encode(sha1::Sha1::digest(&key.spki)));
    out.insert("private_key_pem", key.private_pem);
    out.insert("private_key_pem_pkcs8", encode::pem("PRIVATE KEY", &key.pkcs8));
    out.insert("private_key_openssh", openssh_private);
    out.insert("public_key_pem", encode::pem("PUBLIC KEY", &key.spki));
    out.insert("public_key_openssh", openssh);
    out.insert("public_key_fingerprint_md5", md5);
    out.insert("public_key_fingerprint_sha256", sha256);
    Some(out)
}

/// A generated key in the forms the encodings are made from.
struct Key {
    ssh_type: &'static str,
    /// The public key in SSH wire format.
    wire: Vec<u8>,
    /// The OpenSSH private section's fields after the type name.
    ssh_private: Vec<u8>,
    /// `private_key_pem`: PKCS#1 for RSA, PKCS#8 for ED25519, as the provider writes them.
    private_pem: String,
    pkcs8: Vec<u8>,
    /// SubjectPublicKeyInfo DER.
    spki: Vec<u8>,
}

fn rsa_key(seed: [u8; 32], bits: usize) -> Option<Key> {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
    use rsa::traits::{PrivateKeyParts as _, PublicKeyParts as _};
    let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
    let key = rsa::RsaPrivateKey::new(&mut rng, bits).ok()?;
    let [p, q] = key.primes() else { return None };
    let qinv = key.crt_coefficient()?;
    let mut wire = Vec::new();
    encode::put_string(&mut wire, b"ssh-rsa");
    encode::put_mpint(&mut wire, &key.e().to_bytes_be());
    encode::put_mpint(&mut wire, &key.n().to_bytes_be());
    let mut ssh_private = Vec::new();
    for part in [key.n(), key.e(), key.d(), &qinv, p, q] {
        encode::put_mpint(&mut ssh_private, &part.to_bytes_be());
    }
    Some(Key {
        ssh_type: "ssh-rsa",
        wire,
        ssh_private,
        private_pem: encode::pem("RSA PRIVATE KEY", key.to_pkcs1_der().ok()?.as_bytes()),
        pkcs8: key.to_pkcs8_der().ok()?.as_bytes().to_vec(),
        spki: key.to_public_key().to_public_key_der().ok()?.as_bytes().to_vec(),
    })
}

fn ed25519_key(seed: [u8; 32]) -> Key {
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    // RFC 8410's fixed DER prefixes: PKCS#8 v1 with the seed, SubjectPublicKeyInfo.
    let pkcs8 = [&hex_bytes("302e020100300506032b657004220420")[..], &seed].concat();
    let spki = [&hex_bytes("302a300506032b6570032100")[..], &public].concat();
    let mut wire = Vec::new();
    encode::put_string(&mut wire, b"ssh-ed25519");
    encode::put_string(&mut wire, &public);
    let mut ssh_private = Vec::new();
    encode::put_string(&mut ssh_private, &public);
    encode::put_string(&mut ssh_private, &[&seed[..], &public].concat());
    Key { ssh_type: "ssh-ed25519", wire, ssh_private, private_pem: encode::pem("PRIVATE KEY", &pkcs8), pkcs8, spki }
}

/// An ECDSA key on `curve`: `private_key_pem` is SEC 1 (`EC PRIVATE KEY`), as Go's
/// `x509.MarshalECPrivateKey` writes it; OpenSSH's encodings for the NIST curves it has.
fn ecdsa_key(seed: [u8; 32], curve: &str) -> Option<Key> {
    let key = ecdsa::EcKey::generate(curve, seed)?;
    let (mut wire, mut ssh_private) = (Vec::new(), Vec::new());
    let ssh_type = match key.ssh_curve() {
        Some(name) => {
            let ssh_type = match name {
                "nistp256" => "ecdsa-sha2-nistp256",
                "nistp384" => "ecdsa-sha2-nistp384",
                _ => "ecdsa-sha2-nistp521",
            };
            encode::put_string(&mut wire, ssh_type.as_bytes());
            for out in [&mut wire, &mut ssh_private] {
                encode::put_string(out, name.as_bytes());
                encode::put_string(out, &key.point());
            }
            encode::put_mpint(&mut ssh_private, &key.scalar());
            ssh_type
        }
        None => "",
    };
    Some(Key {
        ssh_type,
        wire,
        ssh_private,
        private_pem: encode::pem("EC PRIVATE KEY", &key.sec1_der()?),
        pkcs8: key.pkcs8_der()?,
        spki: key.spki_der()?,
    })
}

fn hex_bytes(text: &str) -> Vec<u8> {
    hex::decode(text).unwrap_or_default()
}

#[cfg(test)]
mod cert_tests;
#[cfg(test)]
mod tests;
