//! Hash, encoding and file-content functions: md5/sha*, their base64 forms, the file*
//! variants, base64gzip, textencodebase64/textdecodebase64, urlencode and uuidv5.
//!
//! Hashes are of the string's UTF-8 bytes, hex in lower case, as Terraform's. `base64gzip`
//! produces a valid gzip stream, but not byte-for-byte Go's (a different deflate encoder).

use base64::Engine as _;
use sha2::Digest as _;

use super::string_arg;
use crate::eval::value::Value;

fn hex_of(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn md5_of(b: &[u8]) -> Vec<u8> {
    md5::Md5::digest(b).to_vec()
}
fn sha1_of(b: &[u8]) -> Vec<u8> {
    sha1::Sha1::digest(b).to_vec()
}
fn sha256_of(b: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(b).to_vec()
}
fn sha512_of(b: &[u8]) -> Vec<u8> {
    sha2::Sha512::digest(b).to_vec()
}

fn text(a: &[Value]) -> Result<Vec<u8>, String> {
    Ok(string_arg(&a[0], "the argument")?.into_bytes())
}

/// The bytes of the file the first argument names (bounded, see [`super::encoding`]).
fn read_file_bytes(a: &[Value]) -> Result<Vec<u8>, String> {
    let shown = string_arg(&a[0], "the path")?;
    super::encoding::read_bytes_file(std::path::Path::new(&shown), &shown)
}

macro_rules! digests {
    ($($name:ident, $file:ident, $digest:ident, $enc:ident;)*) => {$(
        pub(crate) fn $name(a: &[Value]) -> Result<Value, String> {
            Ok($enc(&$digest(&text(a)?)).into())
        }
        pub(crate) fn $file(a: &[Value]) -> Result<Value, String> {
            Ok($enc(&$digest(&read_file_bytes(a)?)).into())
        }
    )*};
}

digests! {
    md5, filemd5, md5_of, hex_of;
    sha1, filesha1, sha1_of, hex_of;
    sha256, filesha256, sha256_of, hex_of;
    sha512, filesha512, sha512_of, hex_of;
    base64sha256, filebase64sha256, sha256_of, b64;
    base64sha512, filebase64sha512, sha512_of, b64;
}

pub(super) fn filebase64(a: &[Value]) -> Result<Value, String> {
    Ok(b64(&read_file_bytes(a)?).into())
}

pub(super) fn base64gzip(a: &[Value]) -> Result<Value, String> {
    Ok(b64(&crate::gocompress::gzip_as_terraform_does(&text(a)?)).into())
}

fn encoding(name: &str) -> Result<&'static encoding_rs::Encoding, String> {
    encoding_rs::Encoding::for_label(name.as_bytes())
        .ok_or_else(|| format!("{name:?} is not a supported IANA encoding name or alias"))
}

pub(super) fn textencodebase64(a: &[Value]) -> Result<Value, String> {
    let s = string_arg(&a[0], "the string")?;
    let name = string_arg(&a[1], "the encoding name")?;
    let enc = encoding(&name)?;
    // encoding_rs follows the WHATWG standard, whose encoders never produce UTF-16; IANA's
    // UTF-16 names are encoded here.
    let bytes: Vec<u8> = if enc == encoding_rs::UTF_16LE {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    } else if enc == encoding_rs::UTF_16BE {
        s.encode_utf16().flat_map(u16::to_be_bytes).collect()
    } else {
        let (bytes, _, unmappable) = enc.encode(&s);
        if unmappable {
            return Err(format!("the string contains characters that {name} cannot represent"));
        }
        bytes.into_owned()
    };
    Ok(b64(&bytes).into())
}

pub(super) fn textdecodebase64(a: &[Value]) -> Result<Value, String> {
    let data = string_arg(&a[0], "the source")?;
    let name = string_arg(&a[1], "the encoding name")?;
    let enc = encoding(&name)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| format!("the source is not valid base64: {e}"))?;
    let (text, malformed) = enc.decode_without_bom_handling(&bytes);
    if malformed {
        return Err(format!("the source is not valid {name}"));
    }
    Ok(Value::from(text.into_owned()))
}

/// Go's `url.QueryEscape`: unreserved characters stay, space becomes `+`, the rest `%XX`.
pub(super) fn urlencode(a: &[Value]) -> Result<Value, String> {
    let s = string_arg(&a[0], "the argument")?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    Ok(out.into())
}

pub(super) fn uuidv5(a: &[Value]) -> Result<Value, String> {
    let ns = string_arg(&a[0], "the namespace")?;
    let name = string_arg(&a[1], "the name")?;
    let namespace = match ns.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other).map_err(|_| {
            format!("uuidv5() doesn't support namespace {other:?}: it is not dns, url, oid, x500 or a UUID")
        })?,
    };
    Ok(uuid::Uuid::new_v5(&namespace, name.as_bytes()).to_string().into())
}

/// `rsadecrypt(ciphertext_base64, private_key_pem)`: PKCS #1 v1.5, as EC2 encrypts Windows
/// passwords. The key may be PKCS #1 or PKCS #8 PEM.
pub(super) fn rsadecrypt(a: &[Value]) -> Result<Value, String> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;
    let data = string_arg(&a[0], "the ciphertext")?;
    let pem = string_arg(&a[1], "the private key")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|_| "failed to decode input: the ciphertext is not valid base64".to_string())?;
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(&pem)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(&pem))
        .map_err(|_| "failed to parse key: it is not an RSA private key in PEM form".to_string())?;
    let plain = key
        .decrypt(rsa::Pkcs1v15Encrypt, &bytes)
        .map_err(|_| "failed to decrypt: the key does not match the ciphertext".to_string())?;
    String::from_utf8(plain).map(Value::from).map_err(|_| "the decrypted text is not UTF-8".into())
}

#[cfg(test)]
mod tests {
    use crate::eval::functions::test_call as call;
    use crate::eval::value::Value;

    #[test]
    fn digests_match_terraform() {
        // terraform console, 1.11.4.
        assert_eq!(call("md5", vec!["hello world".into()]).unwrap(), Value::from("5eb63bbbe01eeed093cb22bb8f5acdc3"));
        assert_eq!(
            call("sha1", vec!["hello world".into()]).unwrap(),
            Value::from("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")
        );
        assert_eq!(
            call("base64sha256", vec!["hello world".into()]).unwrap(),
            Value::from("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
        );
        assert_eq!(
            call("uuidv5", vec!["dns".into(), "www.terraform.io".into()]).unwrap(),
            Value::from("a5008fae-b28c-5ba5-96cd-82b4c53552d6")
        );
        assert_eq!(
            call("urlencode", vec!["Hello World/?&=ü".into()]).unwrap(),
            Value::from("Hello+World%2F%3F%26%3D%C3%BC")
        );
        assert_eq!(
            call("textencodebase64", vec!["Hello".into(), "UTF-16LE".into()]).unwrap(),
            Value::from("SABlAGwAbABvAA==")
        );
        assert_eq!(
            call("textdecodebase64", vec!["SABlAGwAbABvAA==".into(), "UTF-16LE".into()]).unwrap(),
            Value::from("Hello")
        );
        assert!(call("uuidv5", vec!["nope".into(), "x".into()]).is_err());
        assert!(call("textencodebase64", vec!["x".into(), "klingon".into()]).is_err());
    }

    #[test]
    fn base64gzip_round_trips() {
        use base64::Engine as _;
        use std::io::Read as _;
        let Value::String(out) = call("base64gzip", vec!["hello".into()]).unwrap() else { panic!() };
        let bytes = base64::engine::general_purpose::STANDARD.decode(out).unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).unwrap();
        assert_eq!(text, "hello");
        // Terraform 1.11.4's answers (`terraform console`), byte for byte.
        for (input, want) in
            [("", "H4sIAAAAAAAA/wAAAP//AQAA//8AAAAAAAAAAA=="), ("test", "H4sIAAAAAAAA/ypJLS4BAAAA//8BAAD//wx+f9gEAAAA")]
        {
            assert_eq!(call("base64gzip", vec![input.into()]).unwrap(), Value::from(want), "{input:?}");
        }
        // Repeats are matched as Go's compress/flate matches them (crate::gocompress).
        let repeated = call("base64gzip", vec!["hello hello hello hello world".into()]).unwrap();
        assert_eq!(repeated, Value::from("H4sIAAAAAAAA/8pIzcnJV8Aky/OLclIAAAAA//8BAAD//zNlNDQdAAAA"));
    }
}
