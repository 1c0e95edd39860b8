//! Encoding, type conversion and file functions.

use base64::Engine as _;

use super::{seq_arg, string_arg};
use crate::eval::types::{Type, convert};
use crate::eval::value::Value;

/// Go's encoder, which Terraform uses, escapes `<`, `>` and `&` (and U+2028/U+2029).
pub(crate) fn jsonencode(a: &[Value]) -> Result<Value, String> {
    let text = a[0].to_json()?.to_string();
    Ok(text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
        .into())
}

pub(crate) fn jsondecode(a: &[Value]) -> Result<Value, String> {
    let text = string_arg(&a[0], "the argument")?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("invalid JSON: {e}"))?;
    Ok(Value::from_json(&json))
}

pub(crate) fn base64encode(a: &[Value]) -> Result<Value, String> {
    Ok(base64::engine::general_purpose::STANDARD.encode(string_arg(&a[0], "the argument")?).into())
}

pub(crate) fn base64decode(a: &[Value]) -> Result<Value, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(string_arg(&a[0], "the argument")?.trim())
        .map_err(|e| format!("invalid base64: {e}"))?;
    String::from_utf8(bytes).map(Value::from).map_err(|_| "the decoded bytes are not valid UTF-8".into())
}

pub(crate) fn tostring(a: &[Value]) -> Result<Value, String> {
    convert(&a[0], &Type::String)
}

pub(crate) fn tonumber(a: &[Value]) -> Result<Value, String> {
    convert(&a[0], &Type::Number)
}

pub(crate) fn tobool(a: &[Value]) -> Result<Value, String> {
    convert(&a[0], &Type::Bool)
}

pub(crate) fn tolist(a: &[Value]) -> Result<Value, String> {
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::List(crate::eval::Seq::list(crate::eval::types::unify(seq_arg(&a[0], "the argument")?)?)))
}

pub(crate) fn toset(a: &[Value]) -> Result<Value, String> {
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::set(crate::eval::types::unify(seq_arg(&a[0], "the argument")?)?))
}

pub(crate) fn tomap(a: &[Value]) -> Result<Value, String> {
    match &a[0] {
        Value::Null => Ok(Value::Null),
        Value::Map(_) => convert(&a[0], &Type::Map(Box::new(Type::Any))),
        other => Err(format!("cannot convert a {} to a map", other.type_name())),
    }
}

/// A CSV text with a header row: a list of objects, one per row, every value a string.
pub(crate) fn csvdecode(a: &[Value]) -> Result<Value, String> {
    let text = string_arg(&a[0], "the argument")?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) if !h.is_empty() => h.iter().map(str::to_string).collect(),
        Ok(_) => return Err("missing header line".into()),
        Err(e) => return Err(format!("invalid CSV: {e}")),
    };
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("invalid CSV on line {}: {e}", i + 2))?;
        rows.push(Value::Map(headers.iter().cloned().zip(record.iter().map(Value::from)).collect()));
    }
    Ok(Value::List(rows.into()))
}

/// `sensitive`, `nonsensitive` and `ephemeralasnull` return their argument: drplan marks
/// sensitivity per declaration (an expression calling `sensitive()` is sensitive, see
/// `config::refs`), and it has no ephemeral values.
pub(crate) fn identity(a: &[Value]) -> Result<Value, String> {
    Ok(a[0].clone())
}

/// Larger files are refused: configuration files are small, and `/dev/zero` must not hang us.
pub(crate) const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a regular file of at most [`MAX_FILE_BYTES`].
pub(crate) fn read_bytes_file(path: &std::path::Path, shown: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown:?}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown:?} is not a regular file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("{shown:?} is larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024));
    }
    std::fs::read(path).map_err(|e| format!("cannot read {shown:?}: {e}"))
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`] as UTF-8 text.
pub(crate) fn read_text_file(path: &std::path::Path, shown: &str) -> Result<String, String> {
    String::from_utf8(read_bytes_file(path, shown)?)
        .map_err(|_| format!("cannot read {shown:?}: stream did not contain valid UTF-8"))
}

pub(crate) fn file(a: &[Value]) -> Result<Value, String> {
    let path = string_arg(&a[0], "the path")?;
    read_text_file(std::path::Path::new(&path), &path).map(Value::from)
}

pub(crate) fn fileexists(a: &[Value]) -> Result<Value, String> {
    // As in Terraform, relative paths are relative to the working directory; configurations
    // write `"${path.module}/file"` to be independent of it.
    Ok(std::path::Path::new(&string_arg(&a[0], "the path")?).is_file().into())
}

#[cfg(test)]
mod tests {
    use crate::eval::functions::test_call as call;
    use crate::eval::value::Value;

    #[test]
    fn json_and_base64_round_trip() {
        let v = Value::Map([("a".to_string(), Value::List(vec![Value::from(1.0), Value::Bool(true)].into()))].into());
        let text = call("jsonencode", vec![v.clone()]).unwrap();
        assert_eq!(text, Value::from(r#"{"a":[1,true]}"#));
        assert_eq!(call("jsondecode", vec![text]).unwrap(), v);
        let b = call("base64encode", vec!["hello".into()]).unwrap();
        assert_eq!(call("base64decode", vec![b]).unwrap(), Value::from("hello"));
        assert!(call("jsondecode", vec!["{".into()]).is_err());
    }

    #[test]
    fn conversions() {
        assert_eq!(call("tonumber", vec!["42".into()]).unwrap(), Value::from(42.0));
        assert!(call("tobool", vec!["yes".into()]).is_err());
        assert_eq!(
            call("toset", vec![Value::List(vec!["b".into(), "a".into(), "b".into()].into())]).unwrap(),
            Value::Set(vec!["a".into(), "b".into()])
        );
        assert_eq!(call("fileexists", vec!["no/such/file".into()]).unwrap(), Value::Bool(false));
        assert!(call("file", vec!["no/such/file".into()]).unwrap_err().contains("no/such/file"));
        assert!(call("file", vec!["/dev/zero".into()]).unwrap_err().contains("not a regular file"));
    }
}
