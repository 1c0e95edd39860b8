//! X.509 as hashicorp/tls builds it with Go's `crypto/x509`: private keys read from PEM,
//! subjects (`pkix.Name`'s attribute order and string types), the extensions the provider's
//! templates set, and signed certificates and requests. RSA signs with PKCS#1 v1.5 over
//! SHA-256 and ED25519 with itself, as Go does; both are deterministic, so the same inputs give
//! the same bytes on every plan.

use std::net::IpAddr;

use x509_cert::der::asn1::{BitString, Ia5String, OctetString, SetOfVec};
use x509_cert::der::{Any, Decode as _, DecodePem as _, Encode as _, Tag};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};

use crate::eval::Value;

const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const EXTENSION_REQUEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");

/// A private key the provider accepts as PEM, of the algorithms drplan signs with.
pub(super) enum PrivateKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ed25519([u8; 32]),
    Ecdsa(Box<super::ecdsa::EcKey>),
}

impl PrivateKey {
    /// PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`, RSA or ED25519); the error never
    /// repeats the key.
    pub(super) fn from_pem(text: &str) -> Result<PrivateKey, String> {
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        use rsa::pkcs8::DecodePrivateKey as _;
        if text.contains("BEGIN RSA PRIVATE KEY") {
            let key = rsa::RsaPrivateKey::from_pkcs1_pem(text).map_err(|_| "it is not a PKCS#1 RSA key")?;
            return Ok(PrivateKey::Rsa(Box::new(key)));
        }
        if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_pem(text) {
            return Ok(PrivateKey::Rsa(Box::new(key)));
        }
        if let Some(key) = super::ecdsa::EcKey::from_pem(text) {
            return Ok(PrivateKey::Ecdsa(Box::new(key)));
        }
        let (label, der) = pem_decode(text).ok_or("it is not a PEM private key")?;
        // RFC 8410: PKCS#8 v1 with the 32-byte ED25519 seed under a fixed prefix.
        let prefix = hex::decode("302e020100300506032b657004220420").unwrap_or_default();
        match (label.as_str(), der.strip_prefix(prefix.as_slice())) {
            ("PRIVATE KEY", Some(seed)) if seed.len() == 32 => {
                Ok(PrivateKey::Ed25519(seed.try_into().map_err(|_| "bad ED25519 key")?))
            }
            ("EC PRIVATE KEY" | "PRIVATE KEY", _) => {
                Err("it is not an RSA, ED25519 or ECDSA (P224, P256, P384, P521) private key".into())
            }
            _ => Err(format!("a {label} block is not a private key the provider reads")),
        }
    }

    /// `key_algorithm`, as the provider names it.
    pub(super) fn algorithm_name(&self) -> &'static str {
        match self {
            PrivateKey::Rsa(_) => "RSA",
            PrivateKey::Ed25519(_) => "ED25519",
            PrivateKey::Ecdsa(_) => "ECDSA",
        }
    }

    pub(super) fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, String> {
        let der = match self {
            PrivateKey::Rsa(key) => {
                use rsa::pkcs8::EncodePublicKey as _;
                key.to_public_key().to_public_key_der().map_err(|e| e.to_string())?.as_bytes().to_vec()
            }
            PrivateKey::Ed25519(seed) => {
                let public = ed25519_dalek::SigningKey::from_bytes(seed).verifying_key().to_bytes();
                [&hex::decode("302a300506032b6570032100").unwrap_or_default()[..], &public].concat()
            }
            PrivateKey::Ecdsa(key) => key.spki_der().ok_or("encoding the ECDSA public key failed")?,
        };
        SubjectPublicKeyInfoOwned::from_der(&der).map_err(|e| e.to_string())
    }

    fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        match self {
            // sha256WithRSAEncryption takes NULL parameters.
            PrivateKey::Rsa(_) => AlgorithmIdentifierOwned { oid: SHA256_WITH_RSA, parameters: Some(Any::null()) },
            PrivateKey::Ed25519(_) => AlgorithmIdentifierOwned { oid: ED25519, parameters: None },
            PrivateKey::Ecdsa(key) => {
                AlgorithmIdentifierOwned { oid: ObjectIdentifier::new_unwrap(key.signature_oid()), parameters: None }
            }
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        use sha2::Digest as _;
        match self {
            PrivateKey::Rsa(key) => key
                .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &sha2::Sha256::digest(message))
                .map_err(|e| format!("signing: {e}")),
            PrivateKey::Ed25519(seed) => {
                use ed25519_dalek::Signer as _;
                Ok(ed25519_dalek::SigningKey::from_bytes(seed).sign(message).to_bytes().to_vec())
            }
            PrivateKey::Ecdsa(key) => key.sign(message),
        }
    }
}

/// A PEM block's label and bytes.
fn pem_decode(text: &str) -> Option<(String, Vec<u8>)> {
    use base64::Engine as _;
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + 11..];
    let label = rest[..rest.find("-----")?].to_string();
    let body_start = rest.find("-----")? + 5;
    let end = rest.find(&format!("-----END {label}-----"))?;
    let body: String = rest[body_start..end].chars().filter(|c| !c.is_whitespace()).collect();
    Some((label, base64::engine::general_purpose::STANDARD.decode(body).ok()?))
}

/// The `subject` block as Go's `pkix.Name.ToRDNSequence` orders it: country, organization,
/// unit, locality, province, street, postal code, serial number, common name; one attribute
/// per RDN, PrintableString where the text allows, else UTF8String.
pub(super) fn subject(block: Option<&Value>) -> Result<Name, String> {
    let block = match block {
        Some(Value::List(items)) => items.first(),
        Some(map @ Value::Map(_)) => Some(map),
        _ => None,
    };
    let fields = [
        ("country", "2.5.4.6"),
        ("organization", "2.5.4.10"),
        ("organizational_unit", "2.5.4.11"),
        ("locality", "2.5.4.7"),
        ("province", "2.5.4.8"),
        ("street_address", "2.5.4.9"),
        ("postal_code", "2.5.4.17"),
        ("serial_number", "2.5.4.5"),
        ("common_name", "2.5.4.3"),
    ];
    let mut rdns = Vec::new();
    for (name, oid) in fields {
        let texts: Vec<&str> = match block.and_then(|b| b.get(name)) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for text in texts {
            let printable = text.chars().all(|c| c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c));
            let tag = if printable { Tag::PrintableString } else { Tag::Utf8String };
            let value = Any::new(tag, text.as_bytes()).map_err(|e| format!("subject {name}: {e}"))?;
            let atv = x509_cert::attr::AttributeTypeAndValue { oid: ObjectIdentifier::new_unwrap(oid), value };
            let set = SetOfVec::try_from(vec![atv]).map_err(|e| e.to_string())?;
            rdns.push(RelativeDistinguishedName(set));
        }
    }
    Ok(RdnSequence(rdns))
}

/// `dns_names`, `ip_addresses` and `uris` as a subject alternative name, when any is set.
pub(super) fn alternative_names(config: &Value) -> Result<Option<SubjectAltName>, String> {
    let strings = |name: &str| -> Vec<String> {
        match config.get(name) {
            Some(Value::List(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    };
    let ia5 = |s: String| Ia5String::new(&s).map_err(|e| format!("{s:?}: {e}"));
    let mut names = Vec::new();
    for dns in strings("dns_names") {
        names.push(GeneralName::DnsName(ia5(dns)?));
    }
    for text in strings("ip_addresses") {
        let ip: IpAddr = text.parse().map_err(|_| format!("ip_addresses: {text:?} is not an IP address"))?;
        let bytes = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        names.push(GeneralName::IpAddress(OctetString::new(bytes).map_err(|e| e.to_string())?));
    }
    for uri in strings("uris") {
        names.push(GeneralName::UniformResourceIdentifier(ia5(uri)?));
    }
    Ok((!names.is_empty()).then_some(SubjectAltName(names)))
}

/// The extension request of a certificate request: its subject alternative names.
pub(super) fn requested_alternative_names(request: &x509_cert::request::CertReq) -> Option<SubjectAltName> {
    let attribute = request.info.attributes.iter().find(|a| a.oid == EXTENSION_REQUEST)?;
    let extensions: Vec<Extension> = attribute.values.iter().next()?.decode_as().ok()?;
    let san = extensions.iter().find(|e| e.extn_id == x509_cert::der::oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME)?;
    SubjectAltName::from_der(san.extn_value.as_bytes()).ok()
}

/// The key usages and extended key usages `allowed_uses` names (unknown names are ignored, as
/// the provider ignores them once validation passed).
fn usages(config: &Value) -> (Option<KeyUsage>, Option<ExtendedKeyUsage>) {
    use KeyUsages::*;
    let mut key = None;
    let mut extended = Vec::new();
    let uses: Vec<&str> = match config.get("allowed_uses") {
        Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    for name in uses {
        let flag = match name {
            "digital_signature" => Some(DigitalSignature),
            "content_commitment" => Some(NonRepudiation),
            "key_encipherment" => Some(KeyEncipherment),
            "data_encipherment" => Some(DataEncipherment),
            "key_agreement" => Some(KeyAgreement),
            "cert_signing" => Some(KeyCertSign),
            "crl_signing" => Some(CRLSign),
            "encipher_only" => Some(EncipherOnly),
            "decipher_only" => Some(DecipherOnly),
            _ => None,
        };
        if let Some(flag) = flag {
            key = Some(match key {
                None => flag.into(),
                Some(set) => set | flag,
            });
            continue;
        }
        let oid = match name {
            "any_extended" => "2.5.29.37.0",
            "server_auth" => "1.3.6.1.5.5.7.3.1",
            "client_auth" => "1.3.6.1.5.5.7.3.2",
            "code_signing" => "1.3.6.1.5.5.7.3.3",
            "email_protection" => "1.3.6.1.5.5.7.3.4",
            "ipsec_end_system" => "1.3.6.1.5.5.7.3.5",
            "ipsec_tunnel" => "1.3.6.1.5.5.7.3.6",
            "ipsec_user" => "1.3.6.1.5.5.7.3.7",
            "timestamping" => "1.3.6.1.5.5.7.3.8",
            "ocsp_signing" => "1.3.6.1.5.5.7.3.9",
            "microsoft_server_gated_crypto" => "1.3.6.1.4.1.311.10.3.3",
            "netscape_server_gated_crypto" => "2.16.840.1.113730.4.1",
            "microsoft_commercial_code_signing" => "1.3.6.1.4.1.311.2.1.22",
            "microsoft_kernel_code_signing" => "1.3.6.1.4.1.311.61.1.1",
            _ => continue,
        };
        extended.push(ObjectIdentifier::new_unwrap(oid));
    }
    (key.map(KeyUsage), (!extended.is_empty()).then_some(ExtendedKeyUsage(extended)))
}

/// An extension with the criticality Go's `crypto/x509` gives it.
fn extension<T: x509_cert::der::Encode + x509_cert::der::oid::AssociatedOid>(
    value: &T,
    critical: bool,
) -> Result<Extension, String> {
    let bytes = value.to_der().map_err(|e| e.to_string())?;
    let extn_value = OctetString::new(bytes).map_err(|e| e.to_string())?;
    Ok(Extension { extn_id: T::OID, critical, extn_value })
}

/// Go's `generateSubjectKeyID` as the provider calls it: SHA-1 of the public key's bits.
pub(super) fn key_id(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    use sha1::Digest as _;
    sha1::Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

/// What a certificate is made of besides its keys.
pub(super) struct CertificateParts<'a> {
    pub config: &'a Value,
    pub serial: &'a [u8],
    pub not_before: i64,
    pub not_after: i64,
    pub subject: Name,
    pub subject_key: SubjectPublicKeyInfoOwned,
    pub san: Option<SubjectAltName>,
    pub issuer: Name,
    /// The issuer's subject key identifier, for `set_authority_key_id`.
    pub issuer_key_id: Option<Vec<u8>>,
}

/// The signed certificate's DER, with the extensions the provider's template sets: key
/// usage (critical), extended key usage, basic constraints (critical; CA when asked, with
/// `max_path_length`), subject key identifier (for a CA or `set_subject_key_id`), authority key
/// identifier (`set_authority_key_id`), alternative names.
pub(super) fn certificate(parts: CertificateParts<'_>, signer: &PrivateKey) -> Result<Vec<u8>, String> {
    use x509_cert::certificate::{TbsCertificate, Version};
    let flag = |name: &str| matches!(parts.config.get(name), Some(Value::Bool(true)));
    let is_ca = flag("is_ca_certificate");
    let path_length = match parts.config.get("max_path_length") {
        Some(Value::Number(n)) => n.to_i64().and_then(|n| u8::try_from(n).ok()),
        _ => None,
    };
    let mut extensions = Vec::new();
    let (key_usage, extended) = usages(parts.config);
    let err = |e: x509_cert::der::Error| e.to_string();
    if let Some(k) = key_usage {
        extensions.push(extension(&k, true)?);
    }
    if let Some(e) = extended {
        extensions.push(extension(&e, false)?);
    }
    let constraints = BasicConstraints { ca: is_ca, path_len_constraint: path_length.filter(|_| is_ca) };
    extensions.push(extension(&constraints, true)?);
    if is_ca || flag("set_subject_key_id") {
        let id = SubjectKeyIdentifier(OctetString::new(key_id(&parts.subject_key)).map_err(err)?);
        extensions.push(extension(&id, false)?);
    }
    if flag("set_authority_key_id") {
        let id = parts.issuer_key_id.ok_or("set_authority_key_id: the issuer has no subject key identifier")?;
        let aki =
            AuthorityKeyIdentifier { key_identifier: Some(OctetString::new(id).map_err(err)?), ..Default::default() };
        extensions.push(extension(&aki, false)?);
    }
    if let Some(san) = parts.san {
        // Critical when the subject is empty (RFC 5280 4.2.1.6), as Go marks it.
        extensions.push(extension(&san, parts.subject.0.is_empty())?);
    }
    // UTCTime before 2050, GeneralizedTime from then on (RFC 5280, as Go writes them).
    let time = |epoch: i64| {
        let since = std::time::Duration::from_secs(u64::try_from(epoch).unwrap_or_default());
        match x509_cert::der::asn1::UtcTime::from_unix_duration(since) {
            Ok(utc) => Ok(x509_cert::time::Time::UtcTime(utc)),
            Err(_) => x509_cert::der::asn1::GeneralizedTime::from_unix_duration(since)
                .map(x509_cert::time::Time::GeneralTime)
                .map_err(err),
        }
    };
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: x509_cert::serial_number::SerialNumber::new(parts.serial).map_err(err)?,
        signature: signer.signature_algorithm(),
        issuer: parts.issuer,
        validity: x509_cert::time::Validity { not_before: time(parts.not_before)?, not_after: time(parts.not_after)? },
        subject: parts.subject,
        subject_public_key_info: parts.subject_key,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let signature = signer.sign(&tbs.to_der().map_err(err)?)?;
    let certificate = x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: signer.signature_algorithm(),
        signature: BitString::from_bytes(&signature).map_err(err)?,
    };
    certificate.to_der().map_err(err)
}

/// A signed certificate request (PKCS#10) for `subject`, asking for `san` in an extension
/// request: its DER.
pub(super) fn request(subject: Name, san: Option<SubjectAltName>, key: &PrivateKey) -> Result<Vec<u8>, String> {
    use x509_cert::request::{CertReq, CertReqInfo, Version};
    let err = |e: x509_cert::der::Error| e.to_string();
    let mut attributes = SetOfVec::new();
    if let Some(san) = san {
        let value = Any::encode_from(&vec![extension(&san, subject.0.is_empty())?]).map_err(err)?;
        let values = SetOfVec::try_from(vec![value]).map_err(err)?;
        attributes.insert(x509_cert::attr::Attribute { oid: EXTENSION_REQUEST, values }).map_err(err)?;
    }
    let info = CertReqInfo { version: Version::V1, subject, public_key: key.public_key_info()?, attributes };
    let signature = key.sign(&info.to_der().map_err(err)?)?;
    let request = CertReq {
        info,
        algorithm: key.signature_algorithm(),
        signature: BitString::from_bytes(&signature).map_err(err)?,
    };
    request.to_der().map_err(err)
}

/// A PEM certificate request.
pub(super) fn parse_request(text: &str) -> Result<x509_cert::request::CertReq, String> {
    x509_cert::request::CertReq::from_pem(text).map_err(|e| format!("it is not a PEM certificate request: {e}"))
}

/// A PEM certificate.
pub(super) fn parse_certificate(text: &str) -> Result<x509_cert::Certificate, String> {
    x509_cert::Certificate::from_pem(text).map_err(|e| format!("it is not a PEM certificate: {e}"))
}

/// A certificate's subject key identifier, when it has one.
pub(super) fn subject_key_id(certificate: &x509_cert::Certificate) -> Option<Vec<u8>> {
    let extensions = certificate.tbs_certificate.extensions.as_ref()?;
    let ski =
        extensions.iter().find(|e| e.extn_id == x509_cert::der::oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)?;
    SubjectKeyIdentifier::from_der(ski.extn_value.as_bytes()).ok().map(|id| id.0.as_bytes().to_vec())
}
