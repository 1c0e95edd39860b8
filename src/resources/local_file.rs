//! hashicorp/local's `local_file` and `local_sensitive_file` resources, without state.
//!
//! Terraform's provider reads the file back on every refresh and, when it is missing or its
//! SHA-1 differs from the one in state, drops it from state, so the next plan creates it again.
//! drplan compares the file on disk with the configuration directly, which gives the same
//! plans: a create step when the file is missing or its content differs, nothing otherwise.
//! Apply writes it (parent directories first), relative to the working directory as in
//! Terraform. A file removed from the configuration is left where it is: without state,
//! drplan cannot prove it wrote it. Permissions are not compared (Terraform does not read them
//! back either).
//!
//! This module owns the content a configuration asks for, the provider's digests of it, the
//! check against the disk and the write; `plan::build` schedules the step.

use base64::Engine as _;
use sha2::Digest as _;

use crate::eval::Value;

/// The types this module serves.
pub const TYPES: &[&str] = &["local_file", "local_sensitive_file"];

/// Whether `ty` is one of them.
pub fn is(ty: &str) -> bool {
    TYPES.contains(&ty)
}

/// The bytes the configuration asks for: `content`, `sensitive_content`, `content_base64` or
/// the file `source`. `None` while the argument that gives them is not known.
fn wanted(config: &Value) -> Option<Result<Vec<u8>, String>> {
    for name in ["content", "sensitive_content", "content_base64", "source"] {
        match config.get(name) {
            Some(Value::String(text)) => {
                return Some(match name {
                    "content_base64" => base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .map_err(|e| format!("content_base64 is not base64: {e}")),
                    "source" => std::fs::read(text).map_err(|e| format!("reading source {text}: {e}")),
                    _ => Ok(text.as_bytes().to_vec()),
                });
            }
            Some(Value::Null) | None => {}
            Some(_) => return None,
        }
    }
    Some(Err("one of content, sensitive_content, content_base64 or source must be set".into()))
}

fn filename(config: &Value) -> Option<&str> {
    config.get("filename").and_then(Value::as_str)
}

/// Why the file must be written (a create step); `None` when it already holds the content,
/// or while the configuration is not known.
pub fn pending(config: &Value) -> Option<String> {
    let name = filename(config)?;
    let wanted = wanted(config)?.ok()?;
    match std::fs::read(name) {
        Ok(bytes) if bytes == wanted => None,
        Ok(_) => Some(format!("{name} does not hold the configured content")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(format!("{name} does not exist")),
        Err(e) => Some(format!("{name} cannot be read: {e}")),
    }
}

/// What references see: the arguments and the provider's digests of the content (`id` is its
/// SHA-1); unknown while the content is.
pub fn value(config: &Value) -> Value {
    let Value::Map(fields) = config else { return config.clone() };
    let mut out = fields.clone();
    let digests = ["content_md5", "content_sha1", "content_sha256", "content_base64sha256"];
    let names = digests.into_iter().chain(["content_sha512", "content_base64sha512", "id"]);
    let Some(Ok(bytes)) = wanted(config) else {
        out.extend(names.map(|n| (n.to_string(), Value::Unknown)));
        return Value::Map(out);
    };
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let sha1 = hex::encode(sha1::Sha1::digest(&bytes));
    let (sha256, sha512) = (sha2::Sha256::digest(&bytes), sha2::Sha512::digest(&bytes));
    let values = [
        hex::encode(md5::Md5::digest(&bytes)),
        sha1.clone(),
        hex::encode(sha256),
        b64(&sha256),
        hex::encode(sha512),
        b64(&sha512),
        sha1,
    ];
    out.extend(names.zip(values).map(|(n, v)| (n.to_string(), Value::from(v))));
    Value::Map(out)
}

/// Writes the file as the provider does: parent directories with `directory_permission`, the
/// file with `file_permission` (octal strings; the process's umask applies, as in Go). The
/// content goes to a temporary file first and is renamed into place, so a reader never sees a
/// half-written file.
pub fn write(config: &Value) -> Result<(), String> {
    let name = filename(config).ok_or("filename is not known at apply time")?;
    let bytes = wanted(config).ok_or("the file's content is not known at apply time")??;
    let path = std::path::Path::new(name);
    let mode = |arg: &str| {
        let text = config.get(arg).and_then(Value::as_str).unwrap_or("0777");
        u32::from_str_radix(text, 8).map_err(|_| format!("{arg} {text:?} is not an octal mode"))
    };
    let (file_mode, dir_mode) = (mode("file_permission")?, mode("directory_permission")?);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        set_dir_mode(&mut builder, dir_mode);
        builder.create(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    let staged = path.with_file_name(format!(
        ".{}.drplan-{}",
        path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    set_file_mode(&mut options, file_mode);
    let written = options.open(&staged).and_then(|mut f| std::io::Write::write_all(&mut f, &bytes));
    written.and_then(|()| std::fs::rename(&staged, path)).map_err(|e| {
        let _ = std::fs::remove_file(&staged);
        format!("writing {name}: {e}")
    })
}

#[cfg(unix)]
fn set_dir_mode(builder: &mut std::fs::DirBuilder, mode: u32) {
    std::os::unix::fs::DirBuilderExt::mode(builder, mode);
}

#[cfg(not(unix))]
fn set_dir_mode(_: &mut std::fs::DirBuilder, _: u32) {}

#[cfg(unix)]
fn set_file_mode(options: &mut std::fs::OpenOptions, mode: u32) {
    std::os::unix::fs::OpenOptionsExt::mode(options, mode);
}

#[cfg(not(unix))]
fn set_file_mode(_: &mut std::fs::OpenOptions, _: u32) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect())
    }

    #[test]
    fn a_file_is_pending_until_it_holds_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let name = dir.path().join("out/inventory.ini");
        let name = name.to_str().unwrap();
        let c = config(&[("filename", name), ("content", "[web]\n10.0.0.1\n")]);
        assert!(pending(&c).unwrap().ends_with("does not exist"));
        write(&c).unwrap();
        assert_eq!(std::fs::read_to_string(name).unwrap(), "[web]\n10.0.0.1\n");
        assert_eq!(pending(&c), None);
        let other = config(&[("filename", name), ("content_base64", "aGVsbG8=")]);
        assert!(pending(&other).unwrap().ends_with("does not hold the configured content"));
        write(&other).unwrap();
        assert_eq!(std::fs::read_to_string(name).unwrap(), "hello");
        // Nothing staged is left behind.
        assert_eq!(std::fs::read_dir(dir.path().join("out")).unwrap().count(), 1);
    }

    #[test]
    fn digests_are_the_providers() {
        // sha1("hello") and md5("hello"), as hashicorp/local's content_sha1 and content_md5 give.
        let v = value(&config(&[("filename", "x"), ("content", "hello")]));
        assert_eq!(v.get("id"), Some(&Value::from("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")));
        assert_eq!(v.get("content_md5"), Some(&Value::from("5d41402abc4b2a76b9719d911017c592")));
        let unknown =
            Value::Map([("filename".to_string(), Value::from("x")), ("content".into(), Value::Unknown)].into());
        assert_eq!(value(&unknown).get("id"), Some(&Value::Unknown));
        assert_eq!(pending(&unknown), None);
    }
}
