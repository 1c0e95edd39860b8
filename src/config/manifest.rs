//! Modules as `terraform init` left them: `.terraform/modules/modules.json` maps each module
//! call path ("vpc", "app.db") to the directory Terraform installed it in. drplan reads that
//! manifest for registry and Git sources; it never downloads anything itself, so a recovery
//! does not depend on a registry or Git host being reachable. Also owns the version constraint
//! check (`version = "~> 5.0"`) against the installed version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One installed module, as Terraform records it.
#[derive(Clone, Debug, Deserialize)]
pub struct Installed {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Source", default)]
    pub source: String,
    #[serde(rename = "Version", default)]
    pub version: Option<String>,
    /// Relative to the root module's directory.
    #[serde(rename = "Dir")]
    pub dir: String,
}

#[derive(Deserialize)]
struct File {
    #[serde(rename = "Modules", default)]
    modules: Vec<Installed>,
}

/// The manifest of a root module, by call path.
#[derive(Debug, Default)]
pub struct Manifest {
    pub path: PathBuf,
    by_key: HashMap<String, Installed>,
}

impl Manifest {
    /// Reads `<root>/<data dir>/modules/modules.json` (the data dir is `TF_DATA_DIR`, else
    /// `.terraform`). `Ok(None)` when there is none; `Err` when it cannot be read or parsed.
    pub fn read(root: &Path, data_dir: Option<&str>) -> Result<Option<Manifest>, String> {
        let path = root.join(data_dir.unwrap_or(".terraform")).join("modules").join("modules.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let file: File = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let by_key = file.modules.into_iter().map(|m| (m.key.clone(), m)).collect();
        Ok(Some(Manifest { path, by_key }))
    }

    pub fn get(&self, key: &str) -> Option<&Installed> {
        self.by_key.get(key)
    }
}

/// Whether a call's source and the installed one name the same module (the registry host is
/// implied when a source omits it).
pub fn same_source(call: &str, installed: &str) -> bool {
    let strip = |s: &str| s.trim_start_matches("registry.terraform.io/").trim_end_matches('/').to_string();
    strip(call) == strip(installed)
}

/// Whether a source is a local path (loaded directly, not through the manifest).
pub fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// Checks `version` against a Terraform version constraint ("5.0.0", ">= 4.0, < 6.0",
/// "~> 5.1"). `Err` explains a malformed constraint.
pub fn satisfies(version: &str, constraint: &str) -> Result<bool, String> {
    let v = parse_version(version).ok_or_else(|| format!("{version:?} is not a version"))?.0;
    for clause in constraint.split(',').map(str::trim) {
        let (op, rest) = match clause.find(|c: char| c.is_ascii_digit()) {
            Some(i) => (clause[..i].trim(), clause[i..].trim()),
            None => return Err(format!("{clause:?} is not a version constraint")),
        };
        let want = parse_version(rest).ok_or_else(|| format!("{clause:?} is not a version constraint"))?;
        let ok = match op {
            "" | "=" => v == want.0,
            "!=" => v != want.0,
            ">" => v > want.0,
            ">=" => v >= want.0,
            "<" => v < want.0,
            "<=" => v <= want.0,
            // ~> 5.1 allows 5.x from 5.1; ~> 5.1.2 allows 5.1.x from 5.1.2.
            "~>" => {
                let (w, parts) = want;
                let upper = match parts {
                    1 => [u64::MAX, 0, 0],
                    2 => [w[0] + 1, 0, 0],
                    _ => [w[0], w[1] + 1, 0],
                };
                v >= w && v < upper
            }
            other => return Err(format!("{other:?} is not a version constraint operator")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `major[.minor[.patch]]` (a `v` prefix and pre-release suffix ignored), with how many parts
/// were written.
fn parse_version(text: &str) -> Option<([u64; 3], usize)> {
    let core = text.trim().trim_start_matches('v').split(['-', '+']).next()?;
    let parts: Vec<u64> = core.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut out = [0; 3];
    out[..parts.len()].copy_from_slice(&parts);
    Some((out, parts.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_constraints_follow_terraform() {
        for (v, c, want) in [
            ("5.0.0", "5.0.0", true),
            ("5.0.1", "= 5.0.0", false),
            ("5.8.1", "~> 5.0", true),
            ("6.0.0", "~> 5.0", false),
            ("5.1.9", "~> 5.1.2", true),
            ("5.2.0", "~> 5.1.2", false),
            ("4.9.0", ">= 4.0, < 5.0", true),
            ("5.0.0", ">= 4.0, < 5.0", false),
            ("3.2.1", "!= 3.2.1", false),
            ("v1.2", ">1.1", true),
        ] {
            assert_eq!(satisfies(v, c), Ok(want), "{v} against {c}");
        }
        assert!(satisfies("1.0.0", "about 1").is_err());
        assert!(satisfies("1.0.0", ">= x").is_err());
    }

    #[test]
    fn sources_compare_with_the_registry_host_implied() {
        assert!(same_source("terraform-aws-modules/vpc/aws", "registry.terraform.io/terraform-aws-modules/vpc/aws"));
        assert!(!same_source("terraform-aws-modules/vpc/aws", "terraform-aws-modules/rds/aws"));
        assert!(is_local("./modules/x") && is_local("../shared") && !is_local("git::https://example.com/m.git"));
    }

    #[test]
    fn a_manifest_is_read_by_key_and_its_absence_is_not_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(Manifest::read(tmp.path(), None).unwrap().is_none());
        std::fs::create_dir_all(tmp.path().join(".terraform/modules")).unwrap();
        std::fs::write(
            tmp.path().join(".terraform/modules/modules.json"),
            r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/vpc/aws","Version":"5.0.0","Dir":".terraform/modules/vpc"}]}"#,
        )
        .unwrap();
        let m = Manifest::read(tmp.path(), None).unwrap().unwrap();
        assert_eq!(m.get("vpc").unwrap().version.as_deref(), Some("5.0.0"));
        std::fs::write(tmp.path().join(".terraform/modules/modules.json"), "{").unwrap();
        assert!(Manifest::read(tmp.path(), None).unwrap_err().contains("modules.json"));
    }
}
