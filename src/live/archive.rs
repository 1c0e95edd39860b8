//! `data "archive_file"` (hashicorp/archive): a zip of a file, a directory or given content,
//! written while planning, as Terraform's provider writes it, with its size and digests.
//!
//! The archive is deterministic: entries in the order the provider walks them (a directory's
//! names sorted, recursively), every timestamp the zip epoch, file modes as on disk or
//! `output_file_mode`, deflated. So the same sources give the same `output_base64sha256` on
//! every plan (what `source_code_hash` compares). The bytes are not Go's (another deflate
//! encoder), so a digest differs from the one Terraform's provider computed for the same files:
//! docs/configuration.md. Paths are relative to the working directory, as in Terraform.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::Digest as _;
use zip::write::SimpleFileOptions;

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

fn parse_mode(text: &str) -> Result<u32, String> {
    let digits = text.trim_start_matches("0o");
    u32::from_str_radix(digits, 8)
        .map_err(|_| format!("output_file_mode {text:?} is not an octal mode such as \"0644\""))
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
    if let Some(name) = text("source_content_filename") {
        let content = text("source_content").unwrap_or_default().into_bytes();
        return Ok(vec![Entry { name, content, mode }]);
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
            mode,
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

#[cfg(unix)]
fn file_mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_: &Path) -> u32 {
    0o644
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
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let fail = |e: &dyn std::fmt::Display| format!("building the archive: {e}");
    for entry in entries {
        let mut options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        if let Some(mode) = entry.mode {
            options = options.unix_permissions(mode);
        }
        writer.start_file(entry.name.as_str(), options).map_err(|e| fail(&e))?;
        writer.write_all(&entry.content).map_err(|e| fail(&e))?;
    }
    Ok(writer.finish().map_err(|e| fail(&e))?.into_inner())
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
