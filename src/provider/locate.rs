//! Finding `terraform-provider-aws` the way Terraform does, without downloading anything:
//! the configuration's `.terraform/providers` (what `terraform init` installed), the plugin cache
//! (`TF_PLUGIN_CACHE_DIR` or the CLI config's `plugin_cache_dir`), the CLI config's
//! `provider_installation { filesystem_mirror { path } }` and Terraform's implied local mirror
//! directories. `DRPLAN_PROVIDER_AWS` names a binary outright. The version is the one
//! `.terraform.lock.hcl` pins, else the highest found.

use std::path::{Path, PathBuf};

/// Where the provider was found, and every place looked, for the error when it was not.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    pub binary: PathBuf,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("terraform-provider-aws{} was not found", .wanted.as_ref().map(|v| format!(" {v}")).unwrap_or_default())]
pub struct NotFound {
    /// The version `.terraform.lock.hcl` pins, if any.
    pub wanted: Option<String>,
    pub looked_in: Vec<PathBuf>,
}

/// The environment locating depends on, so tests can give their own.
#[derive(Clone, Debug, Default)]
pub struct Env {
    pub explicit: Option<PathBuf>,
    pub plugin_cache_dir: Option<PathBuf>,
    pub cli_config_file: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub xdg_data_home: Option<PathBuf>,
    /// Where the provider's schema is cached (`DRPLAN_CACHE_DIR`, else the XDG cache
    /// directory); `None` turns caching off.
    pub cache_dir: Option<PathBuf>,
    /// A schema document recorded with `terraform providers schema -json`
    /// (`DRPLAN_PROVIDER_SCHEMA`): used instead of starting the provider, for offline CI.
    pub schema_file: Option<PathBuf>,
}

impl Env {
    /// The provider host turned off: types drplan does not serve natively are errors.
    pub fn off() -> Env {
        Env { explicit: Some(PathBuf::from(super::hosted::OFF)), ..Env::default() }
    }

    pub fn from_process() -> Env {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        Env {
            explicit: var("DRPLAN_PROVIDER_AWS"),
            plugin_cache_dir: var("TF_PLUGIN_CACHE_DIR"),
            cli_config_file: var("TF_CLI_CONFIG_FILE"),
            home: var("HOME"),
            xdg_data_home: var("XDG_DATA_HOME"),
            schema_file: var("DRPLAN_PROVIDER_SCHEMA"),
            cache_dir: var("DRPLAN_CACHE_DIR")
                .or_else(|| var("XDG_CACHE_HOME").map(|c| c.join("drplan")))
                .or_else(|| var("HOME").map(|h| h.join(".cache/drplan"))),
        }
    }
}

const SOURCE_DIR: &str = "registry.terraform.io/hashicorp/aws";

/// Finds the provider for the configuration in `dir`.
pub fn locate(dir: &Path, env: &Env) -> Result<Located, NotFound> {
    let wanted = locked_version(dir);
    if let Some(binary) = &env.explicit {
        return match binary.is_file() {
            true => {
                // The binary named outright is what runs: its own version, not the lock's.
                let version = version_in_name(binary).or(wanted).unwrap_or_default();
                Ok(Located { binary: binary.clone(), version })
            }
            false => Err(NotFound { wanted, looked_in: vec![binary.clone()] }),
        };
    }
    let roots = search_roots(dir, env);
    let platform = platform();
    let mut found: Vec<(Vec<u64>, String, PathBuf)> = Vec::new();
    for root in &roots {
        let Ok(versions) = std::fs::read_dir(root.join(SOURCE_DIR)) else { continue };
        for version in versions.flatten() {
            let name = version.file_name().to_string_lossy().into_owned();
            if wanted.as_ref().is_some_and(|w| *w != name) {
                continue;
            }
            if let Some(binary) = binary_in(&version.path().join(&platform)) {
                found.push((version_key(&name), name, binary));
            }
        }
        // The first place that has it wins, as in Terraform's installation order.
        if !found.is_empty() {
            break;
        }
    }
    found.sort();
    match found.pop() {
        Some((_, version, binary)) => Ok(Located { binary, version }),
        None => Err(NotFound { wanted, looked_in: roots.into_iter().map(|r| r.join(SOURCE_DIR)).collect() }),
    }
}

/// Places to look, in order.
fn search_roots(dir: &Path, env: &Env) -> Vec<PathBuf> {
    let mut roots = vec![dir.join(".terraform/providers")];
    let cli = env.cli_config_file.clone().or_else(|| env.home.as_ref().map(|h| h.join(".terraformrc")));
    let cli = cli.and_then(|p| std::fs::read_to_string(p).ok()).map(|t| cli_config(&t)).unwrap_or_default();
    roots.extend(env.plugin_cache_dir.clone().or(cli.plugin_cache_dir));
    roots.extend(cli.mirrors);
    if let Some(home) = &env.home {
        roots.push(home.join(".terraform.d/plugins"));
    }
    match (&env.xdg_data_home, &env.home) {
        (Some(x), _) => roots.push(x.join("terraform/plugins")),
        (None, Some(h)) => roots.push(h.join(".local/share/terraform/plugins")),
        _ => {}
    }
    roots.push("/usr/local/share/terraform/plugins".into());
    roots.push("/usr/share/terraform/plugins".into());
    roots.dedup();
    roots
}

/// The parts of a Terraform CLI configuration that say where providers are.
#[derive(Debug, Default, PartialEq)]
struct CliConfig {
    plugin_cache_dir: Option<PathBuf>,
    mirrors: Vec<PathBuf>,
}

fn cli_config(text: &str) -> CliConfig {
    let mut out = CliConfig::default();
    let Ok(body) = hcl_edit::parser::parse_body(text) else { return out };
    let string = |attr: &hcl_edit::structure::Attribute| attr.value.as_str().map(PathBuf::from);
    for structure in body.iter() {
        if let Some(attr) = structure.as_attribute() {
            if attr.key.as_str() == "plugin_cache_dir" {
                out.plugin_cache_dir = string(attr);
            }
        } else if let Some(block) = structure.as_block().filter(|b| b.ident.as_str() == "provider_installation") {
            for mirror in
                block.body.iter().filter_map(|s| s.as_block()).filter(|b| b.ident.as_str() == "filesystem_mirror")
            {
                let path = mirror.body.iter().filter_map(|s| s.as_attribute()).find(|a| a.key.as_str() == "path");
                out.mirrors.extend(path.and_then(string));
            }
        }
    }
    out
}

/// The version of `hashicorp/aws` that `.terraform.lock.hcl` pins.
fn locked_version(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".terraform.lock.hcl")).ok()?;
    let body = hcl_edit::parser::parse_body(&text).ok()?;
    let block = body.iter().filter_map(|s| s.as_block()).find(|b| {
        b.ident.as_str() == "provider"
            && b.labels.first().is_some_and(|l| l.as_str() == "registry.terraform.io/hashicorp/aws")
    })?;
    let version = block.body.iter().filter_map(|s| s.as_attribute()).find(|a| a.key.as_str() == "version")?;
    version.value.as_str().map(str::to_string)
}

/// A mirror's `OS_ARCH` directory name for this machine.
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

/// The provider executable in an unpacked package directory.
fn binary_in(dir: &Path) -> Option<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("terraform-provider-aws"))
        })
        .collect();
    names.sort();
    names.pop()
}

/// The version in a provider executable's name: `terraform-provider-aws_v5.100.0_x5`.
fn version_in_name(binary: &Path) -> Option<String> {
    let name = binary.file_name()?.to_str()?;
    let v = name.strip_prefix("terraform-provider-aws_v")?;
    Some(v.split('_').next()?.to_string())
}

/// `5.100.0` sorts after `5.99.1`; pre-release suffixes sort by their numbers too.
fn version_key(v: &str) -> Vec<u64> {
    v.split(|c: char| !c.is_ascii_digit()).filter_map(|p| p.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install(root: &Path, version: &str) -> PathBuf {
        let dir = root.join(SOURCE_DIR).join(version).join(platform());
        std::fs::create_dir_all(&dir).unwrap();
        let bin = dir.join(format!("terraform-provider-aws_v{version}_x5"));
        std::fs::write(&bin, "").unwrap();
        bin
    }

    #[test]
    fn the_lock_file_version_wins_then_the_highest() {
        let tmp = tempfile::tempdir().unwrap();
        let mirror = tmp.path().join("mirror");
        install(&mirror, "5.99.1");
        let newest = install(&mirror, "5.100.0");
        let rc = tmp.path().join("rc");
        std::fs::write(
            &rc,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
                mirror.display()
            ),
        )
        .unwrap();
        let env = Env { cli_config_file: Some(rc), ..Env::default() };
        let cfg = tmp.path().join("cfg");
        std::fs::create_dir(&cfg).unwrap();
        assert_eq!(locate(&cfg, &env).unwrap(), Located { binary: newest, version: "5.100.0".into() });
        std::fs::write(
            cfg.join(".terraform.lock.hcl"),
            "provider \"registry.terraform.io/hashicorp/aws\" {\n  version = \"5.99.1\"\n}\n",
        )
        .unwrap();
        assert_eq!(locate(&cfg, &env).unwrap().version, "5.99.1");
        // What `terraform init` installed comes first.
        let local = install(&cfg.join(".terraform/providers"), "5.99.1");
        assert_eq!(locate(&cfg, &env).unwrap().binary, local);
    }

    #[test]
    fn not_found_says_where_it_looked() {
        let tmp = tempfile::tempdir().unwrap();
        let env = Env {
            home: Some(tmp.path().join("home")),
            plugin_cache_dir: Some(tmp.path().join("cache")),
            ..Env::default()
        };
        std::fs::write(
            tmp.path().join(".terraform.lock.hcl"),
            "provider \"registry.terraform.io/hashicorp/aws\" {\n  version = \"5.1.0\"\n}\n",
        )
        .unwrap();
        let err = locate(tmp.path(), &env).unwrap_err();
        assert_eq!(err.to_string(), "terraform-provider-aws 5.1.0 was not found");
        assert_eq!(err.looked_in[0], tmp.path().join(".terraform/providers").join(SOURCE_DIR));
        assert_eq!(err.looked_in[1], tmp.path().join("cache").join(SOURCE_DIR));
        assert!(err.looked_in.contains(&tmp.path().join("home/.terraform.d/plugins").join(SOURCE_DIR)));
    }

    #[test]
    fn an_explicit_binary_takes_its_version_from_its_name() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = install(tmp.path(), "5.100.0");
        let env = Env { explicit: Some(bin.clone()), ..Env::default() };
        assert_eq!(locate(tmp.path(), &env).unwrap(), Located { binary: bin.clone(), version: "5.100.0".into() });
        // A lock file naming another version does not change what the named binary is.
        std::fs::write(
            tmp.path().join(".terraform.lock.hcl"),
            "provider \"registry.terraform.io/hashicorp/aws\" {\n  version = \"5.51.1\"\n}\n",
        )
        .unwrap();
        assert_eq!(locate(tmp.path(), &env).unwrap().version, "5.100.0");
    }

    #[test]
    fn version_order_is_numeric() {
        assert!(version_key("5.100.0") > version_key("5.99.1"));
    }
}
