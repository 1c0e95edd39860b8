//! `data "archive_file"` (hashicorp/archive): a zip of a file, a directory or given content,
//! written while planning, as Terraform's provider writes it, with its size and digests.
//!
//! The archive is the provider's byte for byte (`gocompress::zip_as_go_writes`): entries in
//! the order its walk visits them (a directory's names sorted, recursively), Go's zero time,
//! file modes as on disk or `output_file_mode` (parsed as Go's `ParseUint(s, 0, 32)` does, so
//! "0644" is octal and "644" decimal), none for `source_content` and `source` blocks (the
//! provider's `Create` sets none), deflated as Go deflates. So `output_base64sha256` (what
//! `source_code_hash` compares) is the digest Terraform computes. Paths are relative to the
//! working directory, as in Terraform.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::Digest as _;

use crate::eval::Value;

pub const TYPE: &str = "archive_file";

/// Most files one archive takes, and most bytes: bounds, so a mistaken `source_dir = "/"` is an
/// error rather than a plan that never ends.
const MAX_FILES: usize = 100_000;
const MAX_BYTES: u64 = 1 << 30;

/// Writes the archive and returns the data source's value, and a fingerprint key (the output
/// path and its digest), so a saved plan is stale once the sources change.
pub fn read(config: &Value) -> Result<(Value, String), String> {
    let text = |k: &str| config.get(k).and_then(Value::as_str).map(str::to_string);
    let kind = text("type").unwrap_or_default();
    if kind != "zip" {
        return Err(format!("archive type {kind:?} is not supported; \"zip\" is"));
    }
    let output = text("output_path").ok_or("output_path is required")?;
    let mode = match text("output_file_mode") {
        Some(m) => Some(parse_mode(&m)?),
        None => None,
    };
    let entries = entries(config, mode)?;
    let bytes = zip_of(&entries)?;
    if let Some(dir) = Path::new(&output).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    std::fs::write(&output, &bytes).map_err(|e| format!("writing {output}: {e}"))?;
    let sha256 = sha2::Sha256::digest(&bytes);
    let sha512 = sha2::Sha512::digest(&bytes);
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut out = config.as_map().cloned().unwrap_or_default();
    let sha1 = hex::encode(sha1::Sha1::digest(&bytes));
    for (k, v) in [
        ("output_size", Value::from(bytes.len())),
        ("output_md5", Value::from(hex::encode(md5::Md5::digest(&bytes)))),
        ("output_sha", Value::from(sha1.as_str())),
        ("output_sha256", Value::from(hex::encode(sha256))),
        ("output_base64sha256", Value::from(b64(&sha256))),
        ("output_sha512", Value::from(hex::encode(sha512))),
        ("output_base64sha512", Value::from(b64(&sha512))),
        ("id", Value::from(sha1.as_str())),
    ] {
        out.insert(k.to_string(), v);
    }
    Ok((Value::Map(out.into()), format!("{TYPE}/{output}#{}", hex::encode(sha256))))
}

/// `output_file_mode` as the provider reads it (`strconv.ParseUint(s, 0, 32)`), as the Unix
/// mode `SetMode` records for that Go file mode.
fn parse_mode(text: &str) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    let (digits, radix) = match lower.as_bytes() {
        [b'0', b'x', ..] => (&text[2..], 16),
        [b'0', b'o', ..] => (&text[2..], 8),
        [b'0', b'b', ..] => (&text[2..], 2),
        [b'0', _, ..] => (&text[1..], 8),
        _ => (text, 10),
    };
    let mode = u32::from_str_radix(digits, radix)
        .ok()
        .filter(|_| !digits.starts_with(['+', '-']))
        .ok_or_else(|| format!("error parsing output_file_mode value: {text} (an octal mode such as \"0644\")"))?;
    Ok(crate::gocompress::unix_mode_of_go_file_mode(mode))
}

/// One file of the archive: its name inside, content and mode.
struct Entry {
    name: String,
    content: Vec<u8>,
    mode: Option<u32>,
}

fn entries(config: &Value, mode: Option<u32>) -> Result<Vec<Entry>, String> {
    let text = |k: &str| config.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(dir) = text("source_dir") {
        let excludes = config.get("excludes").and_then(Value::as_seq).unwrap_or_default();
        let excludes: Vec<String> = excludes.iter().filter_map(Value::as_str).map(str::to_string).collect();
        let skip_linked_dirs = config.get("exclude_symlink_directories") == Some(&Value::Bool(true));
        let mut walk = Walk { excludes: matcher(&excludes)?, skip_linked_dirs, mode, out: Vec::new(), bytes: 0 };
        walk.dir(Path::new(&dir), "")?;
        if walk.out.is_empty() {
            return Err(format!("archive has not been created as it would be empty ({dir} has no files to add)"));
        }
        return Ok(walk.out);
    }
    if let Some(file) = text("source_file") {
        let path = PathBuf::from(&file);
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or(file.clone());
        let content = std::fs::read(&path).map_err(|e| format!("reading {file}: {e}"))?;
        return Ok(vec![Entry { name, content, mode: mode.or(Some(file_mode(&path))) }]);
    }
    // Content is written with Go's `zip.Writer.Create`: no mode, whatever `output_file_mode` says.
    if let Some(name) = text("source_content_filename") {
        let content = text("source_content").unwrap_or_default().into_bytes();
        return Ok(vec![Entry { name, content, mode: None }]);
    }
    let sources = config.get("source").and_then(Value::as_seq).unwrap_or_default();
    if sources.is_empty() {
        return Err("one of source_file, source_dir, source_content_filename or a source block is required".into());
    }
    let mut out: Vec<Entry> = sources
        .iter()
        .map(|s| Entry {
            name: s.get("filename").and_then(Value::as_str).unwrap_or_default().to_string(),
            content: s.get("content").and_then(Value::as_str).unwrap_or_default().as_bytes().to_vec(),
            mode: None,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|a, b| a.name == b.name);
    Ok(out)
}

fn matcher(patterns: &[String]) -> Result<globset::GlobSet, String> {
    let mut set = globset::GlobSetBuilder::new();
    for p in patterns.iter().filter(|p| !p.is_empty()) {
        let glob = globset::GlobBuilder::new(p).literal_separator(true).build();
        set.add(glob.map_err(|e| format!("invalid exclude pattern {p:?}: {e}"))?);
    }
    set.build().map_err(|e| format!("invalid exclude patterns: {e}"))
}

/// A regular file's Unix mode as Go's `FileInfoHeader` records it (the target's, for a link).
#[cfg(unix)]
fn file_mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    0o100000 | std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_: &Path) -> u32 {
    0o100644
}

struct Walk {
    excludes: globset::GlobSet,
    skip_linked_dirs: bool,
    mode: Option<u32>,
    out: Vec<Entry>,
    bytes: u64,
}

impl Walk {
    /// Adds the files under `dir` as `prefix/...`, names sorted as the provider's walk visits them.
    fn dir(&mut self, dir: &Path, prefix: &str) -> Result<(), String> {
        let listing = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let mut names: Vec<String> = listing.flatten().map(|e| e.file_name().to_string_lossy().to_string()).collect();
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let inside = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
            if self.excludes.is_match(&inside) {
                continue;
            }
            let linked = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
            let meta = std::fs::metadata(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
            if meta.is_dir() {
                if !(linked && self.skip_linked_dirs) {
                    self.dir(&path, &inside)?;
                }
                continue;
            }
            self.bytes += meta.len();
            if self.out.len() >= MAX_FILES || self.bytes > MAX_BYTES {
                return Err(format!("more than {MAX_FILES} files or {MAX_BYTES} bytes to archive"));
            }
            let content = std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
            self.out.push(Entry { name: inside, content, mode: self.mode.or(Some(file_mode(&path))) });
        }
        Ok(())
    }
}

fn zip_of(entries: &[Entry]) -> Result<Vec<u8>, String> {
    let entries: Vec<crate::gocompress::ZipEntry<'_>> = entries
        .iter()
        .map(|e| crate::gocompress::ZipEntry { name: &e.name, content: &e.content, unix_mode: e.mode })
        .collect();
    crate::gocompress::zip_as_go_writes(&entries)
        .ok_or_else(|| "building the archive: it would need zip64 (4 GiB or 65,535 files)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Fields;

    fn config(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<Fields>())
    }

    fn names(path: &Path) -> Vec<String> {
        let archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        (0..archive.len()).map(|i| archive.name_for_index(i).unwrap().unwrap().to_string()).collect()
    }

    #[test]
    fn a_directory_is_archived_in_walk_order_with_excludes_and_the_same_digest_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("lib")).unwrap();
        std::fs::write(src.join("index.py"), "print('hi')\n").unwrap();
        std::fs::write(src.join("lib/util.py"), "x = 1\n").unwrap();
        std::fs::write(src.join("notes.md"), "skip\n").unwrap();
        let out = dir.path().join("build/lambda.zip");
        let c = config(&[
            ("type", "zip".into()),
            ("source_dir", src.to_string_lossy().as_ref().into()),
            ("excludes", Value::Set(vec!["*.md".into()])),
            ("output_path", out.to_string_lossy().as_ref().into()),
        ]);
        let (first, key) = read(&c).unwrap();
        assert_eq!(names(&out), ["index.py", "lib/util.py"]);
        assert_eq!(first.get("output_size"), Some(&Value::from(std::fs::metadata(&out).unwrap().len() as usize)));
        let (second, _) = read(&c).unwrap();
        assert_eq!(first.get("output_base64sha256"), second.get("output_base64sha256"));
        assert_eq!(first.get("id"), first.get("output_sha"));
        assert!(key.ends_with(first.get("output_sha256").and_then(Value::as_str).unwrap()));
        std::fs::write(src.join("index.py"), "print('changed')\n").unwrap();
        let (third, _) = read(&c).unwrap();
        assert_ne!(first.get("output_sha256"), third.get("output_sha256"));
    }

    /// The provider's digests, byte for byte: tests/fixtures/oracle/gozip/archives.json holds
    /// the SHA-256 of the archives Go's `archive/zip` wrote as hashicorp/archive's ZipArchiver
    /// does (gen_zip.go there), for the tree built here as gen_zip.go builds it.
    #[cfg(unix)]
    #[test]
    fn archives_are_the_providers_byte_for_byte() {
        use std::os::unix::fs::PermissionsExt as _;
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oracle/gozip/archives.json");
        let expected: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        let mut lambda = String::from(
            "import json\n\ndef handler(event, context):\n    return {\"statusCode\": 200, \"body\": json.dumps(event)}\n",
        );
        for i in 0..30 {
            lambda.push_str(&format!("# line {i} of the failover handler, promoting the replica in the DR region\n"));
        }
        for (name, text, mode) in [
            ("handler.py", lambda.as_str(), 0o644),
            ("lib/util.sh", "#!/bin/sh\necho util\n", 0o755),
            ("read-only.txt", "frozen\n", 0o444),
            ("ünïcode~name.txt", "utf-8 name\n", 0o640),
        ] {
            let path = src.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let out = dir.path().join("out.zip").to_string_lossy().to_string();
        let digest = |pairs: &[(&str, Value)]| {
            let mut all = vec![("type", Value::from("zip")), ("output_path", Value::from(out.as_str()))];
            all.extend(pairs.iter().cloned());
            let (value, _) = read(&config(&all)).unwrap();
            value.get("output_sha256").and_then(Value::as_str).unwrap().to_string()
        };
        let text = |s: &str| Value::from(s);
        let file = text(&src.join("handler.py").to_string_lossy());
        let tree = text(&src.to_string_lossy());
        let source = |name: &str| {
            let content = format!("content of {name}\n");
            Value::Map([("filename".to_string(), name.into()), ("content".to_string(), content.into())].into())
        };
        let content = "exports.handler = async () => ({ statusCode: 200 });\n";
        let cases = [
            ("source_file", digest(&[("source_file", file.clone())])),
            ("source_file_mode_0755", digest(&[("source_file", file), ("output_file_mode", text("0755"))])),
            ("source_dir", digest(&[("source_dir", tree.clone())])),
            ("source_dir_mode_0644", digest(&[("source_dir", tree.clone()), ("output_file_mode", text("0644"))])),
            ("source_dir_mode_644", digest(&[("source_dir", tree), ("output_file_mode", text("644"))])),
            (
                "source_content",
                digest(&[("source_content", text(content)), ("source_content_filename", text("index.js"))]),
            ),
            ("source_blocks", digest(&[("source", Value::Set(vec![source("b/c.txt"), source("a.txt")]))])),
            ("empty_content", digest(&[("source_content", text("")), ("source_content_filename", text("empty.txt"))])),
        ];
        for (name, ours) in cases {
            assert_eq!(expected[name], ours.as_str(), "{name}");
        }
    }

    #[test]
    fn content_sources_and_bad_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("c.zip");
        let source = |name: &str| {
            Value::Map([("filename".to_string(), name.into()), ("content".to_string(), "x".into())].into())
        };
        let c = config(&[
            ("type", "zip".into()),
            ("source", Value::Set(vec![source("b.txt"), source("a.txt")])),
            ("output_path", out.to_string_lossy().as_ref().into()),
        ]);
        read(&c).unwrap();
        assert_eq!(names(&out), ["a.txt", "b.txt"]);
        let tar = config(&[("type", "tar.gz".into()), ("output_path", "x".into())]);
        assert!(read(&tar).unwrap_err().contains("\"zip\" is"));
        let none = config(&[("type", "zip".into()), ("output_path", out.to_string_lossy().as_ref().into())]);
        assert!(read(&none).unwrap_err().contains("source_file, source_dir"));
        let mode = config(&[("type", "zip".into()), ("output_path", "x".into()), ("output_file_mode", "rw".into())]);
        assert!(read(&mode).unwrap_err().contains("octal"));
    }
}
