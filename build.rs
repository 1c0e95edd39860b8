//! Test tiers: which outside dependencies of the integration tests this machine has.
//!
//! A test that needs moto_server, terraform-provider-aws, Terraform, Checkov, the database
//! servers or OpenSSH's and OpenSSL's command-line tools carries `#[cfg_attr(drplan_no_<tier>, ignore = "...")]`: where the dependency is
//! missing when the tests are built, libtest reports it as ignored, by name and with the reason,
//! never as passed. `DRPLAN_ALL_TIERS=1` (CI) ignores nothing, so a missing dependency fails the
//! tests that need it. The tests' harness finds each tool the same way (tests/integration).
//!
//! This only sets cfg flags; the library and the binary do not read them.

use std::path::{Path, PathBuf};

const TIERS: &[&str] = &["moto", "provider", "terraform", "checkov", "databases", "openssh"];

fn main() {
    let flags: Vec<String> = TIERS.iter().map(|t| format!("drplan_no_{t}")).collect();
    println!("cargo::rustc-check-cfg=cfg({})", flags.join(", "));
    println!("cargo::rerun-if-changed=build.rs");
    for var in ["DRPLAN_ALL_TIERS", "DRPLAN_MOTO_SERVER", "DRPLAN_CHECKOV", "DRPLAN_TEST_PROVIDER_MIRROR", "PATH"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    if std::env::var_os("DRPLAN_ALL_TIERS").is_some_and(|v| !v.is_empty() && v != "0") {
        return;
    }
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mirror =
        std::env::var_os("DRPLAN_TEST_PROVIDER_MIRROR").map_or_else(|| "/opt/tf-plugins".into(), PathBuf::from);
    let provider = mirror.join("registry.terraform.io/hashicorp/aws").is_dir();
    let present = [
        ("moto", tool("DRPLAN_MOTO_SERVER", &root.join("target/moto/bin/moto_server"))),
        ("provider", provider),
        ("terraform", provider && on_path("terraform")),
        ("checkov", tool("DRPLAN_CHECKOV", &root.join("target/checkov/bin/checkov"))),
        ("databases", postgres_server() && on_path("psql") && on_path("mariadbd") && on_path("openssl")),
        ("openssh", on_path("ssh-keygen") && on_path("openssl")),
    ];
    for (tier, found) in present {
        if !found {
            println!("cargo::rustc-cfg=drplan_no_{tier}");
        }
    }
}

/// The binary `var` names, or the pinned one installed under target/.
fn tool(var: &str, installed: &Path) -> bool {
    std::env::var_os(var).map_or_else(|| installed.is_file(), |p| Path::new(&p).is_file())
}

fn on_path(name: &str) -> bool {
    let dirs = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&dirs).chain([PathBuf::from("/usr/sbin")]).any(|d| d.join(name).is_file())
}

/// Debian's PostgreSQL server binaries (`/usr/lib/postgresql/<version>/bin/initdb`).
fn postgres_server() -> bool {
    let versions = std::fs::read_dir("/usr/lib/postgresql").into_iter().flatten().filter_map(Result::ok);
    versions.into_iter().any(|v| v.path().join("bin/initdb").is_file())
}
