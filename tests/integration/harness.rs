//! Running the `drplan` binary the way a user does, and snapshotting what they would see.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The transcript a snapshot stores: command, exit code, both streams.
    pub fn transcript(&self, args: &[&str]) -> String {
        format!(
            "$ drplan {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs drplan from the repository root with variables from the caller's environment removed.
pub fn drplan(args: &[&str]) -> Run {
    drplan_with_env(args, &[])
}

pub fn drplan_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_drplan"));
    cmd.args(args).current_dir(root()).env_remove("DRPLAN_WORKSPACE").env("NO_COLOR", "1");
    for (k, _) in std::env::vars() {
        if k.starts_with("TF_VAR_") || k.starts_with("DRPLAN_VAR_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("drplan runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// insta settings: snapshots in the top-level `snapshots/` directory.
pub fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// Subdirectories of `dir`, sorted, as paths relative to the repository root.
pub fn subdirs(dir: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join(dir))
        .expect("fixture directory exists")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
        .collect();
    out.sort();
    out
}

pub fn name_of(path: &str) -> &str {
    Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or(path)
}
