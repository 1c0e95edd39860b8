//! `data "template_file"` (hashicorp/template) and `data "local_file"` /
//! `data "local_sensitive_file"` (hashicorp/local): computed while planning, as their providers
//! compute them, from the template and its variables, or from a file relative to the working
//! directory. A file's path and digest join the plan's fingerprint, so a saved plan is stale
//! once the file changes.

use base64::Engine as _;
use md5::Digest as _;

use crate::eval::Value;

pub const TYPES: &[&str] = &["template_file", "local_file", "local_sensitive_file"];

/// The data source's value, and a fingerprint key for a file read.
pub fn read(ty: &str, config: &Value) -> Result<(Value, Option<String>), String> {
    match ty {
        "template_file" => template(config).map(|v| (v, None)),
        _ => file(config),
    }
}

fn template(config: &Value) -> Result<Value, String> {
    let text = config.get("template").and_then(Value::as_str).ok_or("template is required")?;
    let vars = config.get("vars").and_then(Value::as_map).cloned().unwrap_or_default();
    let rendered = crate::eval::expr::render_template_string(text, &vars)?;
    let mut out = config.as_map().cloned().unwrap_or_default();
    // The provider's id is the SHA-256 of the rendered text.
    let id = rendered.as_str().map(|r| Value::from(hex::encode(sha2::Sha256::digest(r.as_bytes()))));
    out.insert("id".into(), id.unwrap_or(Value::Unknown));
    out.insert("rendered".into(), rendered);
    Ok(Value::Map(out.into()))
}

fn file(config: &Value) -> Result<(Value, Option<String>), String> {
    let name = config.get("filename").and_then(Value::as_str).ok_or("filename is required")?;
    let bytes = std::fs::read(name).map_err(|e| format!("reading {name}: {e}"))?;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let sha1 = hex::encode(sha1::Sha1::digest(&bytes));
    let sha256 = sha2::Sha256::digest(&bytes);
    let sha512 = sha2::Sha512::digest(&bytes);
    let mut out = config.as_map().cloned().unwrap_or_default();
    for (k, v) in [
        ("content", String::from_utf8_lossy(&bytes).into_owned()),
        ("content_base64", b64(&bytes)),
        ("content_md5", hex::encode(md5::Md5::digest(&bytes))),
        ("content_sha1", sha1.clone()),
        ("content_sha256", hex::encode(sha256)),
        ("content_base64sha256", b64(&sha256)),
        ("content_sha512", hex::encode(sha512)),
        ("content_base64sha512", b64(&sha512)),
        ("id", sha1.clone()),
    ] {
        out.insert(k.into(), Value::from(v));
    }
    Ok((Value::Map(out.into()), Some(format!("{name}#{sha1}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn templates_render_with_their_variables_only() {
        let vars = config(&[("name", Value::from("db")), ("port", Value::from(5432i64))]);
        let c = config(&[("template", Value::from("${name}:${port}%{ if port > 1 } ok%{ endif }")), ("vars", vars)]);
        let (v, key) = read("template_file", &c).unwrap();
        assert_eq!(v.get("rendered"), Some(&Value::from("db:5432 ok")));
        assert_eq!(v.get("id").and_then(Value::as_str).map(str::len), Some(64));
        assert_eq!(key, None);
        let unknown = config(&[("template", Value::from("${x}")), ("vars", config(&[("x", Value::Unknown)]))]);
        assert_eq!(read("template_file", &unknown).unwrap().0.get("rendered"), Some(&Value::Unknown));
        let undeclared = config(&[("template", Value::from("${nope}"))]);
        assert!(read("template_file", &undeclared).is_err());
    }

    #[test]
    fn files_are_read_with_their_digests() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("motd");
        std::fs::write(&path, "hello\n").unwrap();
        let c = config(&[("filename", Value::from(path.display().to_string()))]);
        let (v, key) = read("local_file", &c).unwrap();
        assert_eq!(v.get("content"), Some(&Value::from("hello\n")));
        assert_eq!(v.get("content_base64"), Some(&Value::from("aGVsbG8K")));
        assert_eq!(v.get("content_md5"), Some(&Value::from("b1946ac92492d2347c6235b4d2611184")));
        assert_eq!(v.get("id"), v.get("content_sha1"));
        assert!(key.unwrap().ends_with("#f572d396fae9206628714fb2ce00f72e94f2258f"));
        let missing = config(&[("filename", Value::from("/nonexistent/file"))]);
        assert!(read("local_file", &missing).unwrap_err().contains("/nonexistent/file"));
    }
}
