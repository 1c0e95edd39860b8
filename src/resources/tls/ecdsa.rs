//! ECDSA keys as hashicorp/tls makes and reads them: P224, P256, P384 and P521 (`ecdsa_curve`),
//! generated from a ChaCha20 stream of derived bytes (so the curve crates' versions are part of
//! the derivation, as the `rsa` crate's is for RSA), encoded as Go writes them (SEC 1 `EC
//! PRIVATE KEY`, PKCS#8, SubjectPublicKeyInfo; OpenSSH's `ecdsa-sha2-nistp*` where OpenSSH has
//! the curve), and signing as Go's `crypto/x509` does: SHA-256 for P224 and P256, SHA-384 for
//! P384, SHA-512 for P521, with RFC 6979 nonces (P521: a nonce stream seeded by the key and the
//! digest), so the same inputs give the same signature.

use rand_chacha::rand_core::SeedableRng as _;
use sha2::Digest as _;

/// A secret key on one of the four curves.
pub(super) enum EcKey {
    P224(p224::SecretKey),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    P521(p521::SecretKey),
}

/// `$body` for whichever curve `$key` is on, the key bound as `$k`.
macro_rules! on_curve {
    ($key:expr, $k:ident => $body:expr) => {
        match $key {
            EcKey::P224($k) => $body,
            EcKey::P256($k) => $body,
            EcKey::P384($k) => $body,
            EcKey::P521($k) => $body,
        }
    };
}

impl EcKey {
    /// A key on `curve` from 32 derived bytes; `None` for a curve the provider does not know.
    pub(super) fn generate(curve: &str, seed: [u8; 32]) -> Option<EcKey> {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
        Some(match curve {
            "P224" => EcKey::P224(p224::SecretKey::random(&mut rng)),
            "P256" => EcKey::P256(p256::SecretKey::random(&mut rng)),
            "P384" => EcKey::P384(p384::SecretKey::random(&mut rng)),
            "P521" => EcKey::P521(p521::SecretKey::random(&mut rng)),
            _ => return None,
        })
    }

    /// A SEC 1 (`EC PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`) PEM key on any of the curves.
    pub(super) fn from_pem(text: &str) -> Option<EcKey> {
        use p256::pkcs8::DecodePrivateKey as _;
        let sec1 = text.contains("BEGIN EC PRIVATE KEY");
        macro_rules! try_curve {
            ($krate:ident, $variant:ident) => {
                let parsed = if sec1 {
                    $krate::SecretKey::from_sec1_pem(text).ok()
                } else {
                    $krate::SecretKey::from_pkcs8_pem(text).ok()
                };
                if let Some(key) = parsed {
                    return Some(EcKey::$variant(key));
                }
            };
        }
        try_curve!(p224, P224);
        try_curve!(p256, P256);
        try_curve!(p384, P384);
        try_curve!(p521, P521);
        None
    }

    /// OpenSSH's name for the curve; `None` for P224, which OpenSSH does not support.
    pub(super) fn ssh_curve(&self) -> Option<&'static str> {
        match self {
            EcKey::P224(_) => None,
            EcKey::P256(_) => Some("nistp256"),
            EcKey::P384(_) => Some("nistp384"),
            EcKey::P521(_) => Some("nistp521"),
        }
    }

    /// SEC 1 DER with the curve's name and the public key, as `x509.MarshalECPrivateKey` writes
    /// it (the curve crates leave the name out, which OpenSSL cannot read).
    pub(super) fn sec1_der(&self) -> Option<Vec<u8>> {
        use x509_cert::der::Encode as _;
        let curve = match self {
            EcKey::P224(_) => "1.3.132.0.33",
            EcKey::P256(_) => "1.2.840.10045.3.1.7",
            EcKey::P384(_) => "1.3.132.0.34",
            EcKey::P521(_) => "1.3.132.0.35",
        };
        let oid = x509_cert::der::asn1::ObjectIdentifier::new(curve).ok()?.to_der().ok()?;
        let point = [&[0u8][..], &self.point()].concat(); // a BIT STRING with no unused bits
        let body = [
            tlv(0x02, &[1]),               // version 1
            tlv(0x04, &self.scalar()),     // privateKey
            tlv(0xa0, &oid),               // [0] parameters: namedCurve
            tlv(0xa1, &tlv(0x03, &point)), // [1] publicKey
        ]
        .concat();
        Some(tlv(0x30, &body))
    }

    pub(super) fn pkcs8_der(&self) -> Option<Vec<u8>> {
        use p256::pkcs8::EncodePrivateKey as _;
        on_curve!(self, k => k.to_pkcs8_der().ok().map(|d| d.as_bytes().to_vec()))
    }

    pub(super) fn spki_der(&self) -> Option<Vec<u8>> {
        use p256::pkcs8::EncodePublicKey as _;
        on_curve!(self, k => k.public_key().to_public_key_der().ok().map(|d| d.as_bytes().to_vec()))
    }

    /// The public point, uncompressed (SEC 1 `04 || x || y`).
    pub(super) fn point(&self) -> Vec<u8> {
        use p256::elliptic_curve::sec1::ToEncodedPoint as _;
        on_curve!(self, k => k.public_key().to_encoded_point(false).as_bytes().to_vec())
    }

    /// The private scalar, big-endian.
    pub(super) fn scalar(&self) -> Vec<u8> {
        on_curve!(self, k => k.to_bytes().to_vec())
    }

    /// The signature algorithm Go picks for the curve (ecdsa-with-SHA256/384/512).
    pub(super) fn signature_oid(&self) -> &'static str {
        match self {
            EcKey::P224(_) | EcKey::P256(_) => "1.2.840.10045.4.3.2",
            EcKey::P384(_) => "1.2.840.10045.4.3.3",
            EcKey::P521(_) => "1.2.840.10045.4.3.4",
        }
    }

    /// A DER signature of `message` (hashed as [`EcKey::signature_oid`] says).
    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        use p256::ecdsa::signature::hazmat::PrehashSigner as _;
        let fail = |e: p256::ecdsa::Error| format!("signing: {e}");
        Ok(match self {
            EcKey::P224(k) => {
                let sig: p224::ecdsa::Signature =
                    p224::ecdsa::SigningKey::from(k).sign_prehash(&sha2::Sha256::digest(message)).map_err(fail)?;
                sig.to_der().as_bytes().to_vec()
            }
            EcKey::P256(k) => {
                let sig: p256::ecdsa::Signature =
                    p256::ecdsa::SigningKey::from(k).sign_prehash(&sha2::Sha256::digest(message)).map_err(fail)?;
                sig.to_der().as_bytes().to_vec()
            }
            EcKey::P384(k) => {
                let sig: p384::ecdsa::Signature =
                    p384::ecdsa::SigningKey::from(k).sign_prehash(&sha2::Sha384::digest(message)).map_err(fail)?;
                sig.to_der().as_bytes().to_vec()
            }
            EcKey::P521(k) => {
                // p521's signer has no RFC 6979 nonces: draw the nonce from a stream seeded by
                // the key and the digest instead, which is as deterministic (and as secret).
                use p521::ecdsa::signature::hazmat::RandomizedPrehashSigner as _;
                let key = p521::ecdsa::SigningKey::from_bytes(&k.to_bytes()).map_err(fail)?;
                let digest = sha2::Sha512::digest(message);
                let nonce_seed: [u8; 32] = sha2::Sha256::digest([&k.to_bytes()[..], &digest[..]].concat()).into();
                let mut rng = rand_chacha::ChaCha20Rng::from_seed(nonce_seed);
                let sig: p521::ecdsa::Signature = key.sign_prehash_with_rng(&mut rng, &digest).map_err(fail)?;
                sig.to_der().as_bytes().to_vec()
            }
        })
    }
}

/// One DER element: tag, definite length (long form past 127 bytes), content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    match len {
        0..=127 => out.push(len as u8),
        128..=255 => out.extend([0x81, len as u8]),
        _ => out.extend([0x82, (len >> 8) as u8, len as u8]),
    }
    out.extend_from_slice(content);
    out
}
