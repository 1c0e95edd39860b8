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

/// Asserts that `run` succeeded and that `secret` appears in neither of its outputs.
pub fn assert_ok_without(run: &Run, what: &str, secret: &str) {
    assert_eq!(run.code, 0, "{what}:\n{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "{what} printed the secret");
}

/// Runs drplan from the repository root with variables from the caller's environment removed.
pub fn drplan(args: &[&str]) -> Run {
    drplan_with_env(args, &[])
}

pub fn drplan_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    drplan_in(&root(), args, env)
}

/// [`drplan_with_env`] from the directory `cwd`, as a user runs it inside a configuration
/// (relative paths in `file()` and the like are relative to the working directory).
pub fn drplan_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_drplan"));
    cmd.args(args).current_dir(cwd).env_remove("DRPLAN_WORKSPACE").env("NO_COLOR", "1");
    without_provider(&mut cmd);
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

/// Tests see the same messages on every machine: the provider host is off unless a test turns
/// it on (`DRPLAN_PROVIDER_AWS` or `DRPLAN_PROVIDER_SCHEMA` in its own environment).
const PROVIDER_OFF: &str = "none";

fn without_provider(cmd: &mut Command) {
    cmd.env("DRPLAN_PROVIDER_AWS", PROVIDER_OFF).env_remove("DRPLAN_PROVIDER_SCHEMA");
}

/// Runs drplan like [`drplan`], but kills it and fails the test if it has not finished within
/// `limit`: for inputs that once made it hang, so a regression fails instead of stalling CI.
pub fn drplan_within(args: &[&str], limit: std::time::Duration) -> Run {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_drplan"))
        .args(args)
        .current_dir(root())
        .env_remove("DRPLAN_WORKSPACE")
        .env("NO_COLOR", "1")
        .env("DRPLAN_PROVIDER_AWS", PROVIDER_OFF)
        .env_remove("DRPLAN_PROVIDER_SCHEMA")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("drplan runs");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("drplan {} did not finish within {limit:?}", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run { code: status.code().unwrap_or(-1), stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() }
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

/// Examples that declare types only terraform-provider-aws serves: they are run with it.
const PROVIDER_EXAMPLES: &[&str] = &["examples/warm-standby"];

/// How drplan is run on an example.
pub enum Runner {
    Plain,
    Provider(InstalledProvider),
}

impl Runner {
    pub fn drplan(&self, args: &[&str]) -> Run {
        match self {
            Runner::Plain => drplan(args),
            Runner::Provider(p) => p.drplan(args),
        }
    }
}

/// Every example drplan plans without terraform-provider-aws.
pub fn plain_examples() -> Vec<(String, Runner)> {
    subdirs("examples")
        .into_iter()
        .filter(|d| !PROVIDER_EXAMPLES.contains(&d.as_str()))
        .map(|d| (d, Runner::Plain))
        .collect()
}

/// The examples that need terraform-provider-aws, run with it (the `provider` tier).
pub fn provider_examples() -> Vec<(String, Runner)> {
    PROVIDER_EXAMPLES.iter().map(|d| (d.to_string(), Runner::Provider(InstalledProvider::required()))).collect()
}

pub fn name_of(path: &str) -> &str {
    Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or(path)
}

/// The moto_server binary: `DRPLAN_MOTO_SERVER`, or the pinned one scripts/install-moto.sh
/// installs under target/ (scripts/test.sh runs it). Tests that start moto are in the `moto` tier
/// (build.rs): where it is missing they are ignored, so reaching here without it is a test that
/// lacks its tier mark.
fn moto_server() -> PathBuf {
    tool("DRPLAN_MOTO_SERVER", "target/moto/bin/moto_server", "scripts/install-moto.sh", "moto")
}

/// The Python that runs moto_server (a venv's or pyenv's, beside it), which has boto3; else
/// `python3` from the PATH.
pub fn moto_python() -> PathBuf {
    let beside = moto_server().with_file_name("python3");
    if beside.exists() { beside } else { PathBuf::from("python3") }
}

/// The checkov binary: `DRPLAN_CHECKOV`, or the pinned one scripts/install-checkov.sh installs
/// under target/ (the `checkov` tier).
pub fn checkov() -> PathBuf {
    tool("DRPLAN_CHECKOV", "target/checkov/bin/checkov", "scripts/install-checkov.sh", "checkov")
}

/// A tool the tests never install themselves: the path in `env`, or where `script` installs it.
fn tool(env: &str, installed: &str, script: &str, tier: &str) -> PathBuf {
    let path = std::env::var_os(env).map_or_else(|| root().join(installed), PathBuf::from);
    assert!(
        path.is_file(),
        "{} is not installed: run {script} (scripts/test.sh does) or set {env}; a test that needs it carries #[cfg_attr(drplan_no_{tier}, ignore = ...)]",
        path.display()
    );
    path
}

/// A moto_server on a free loopback port, stopped when dropped. Each test gets its own, so
/// state never leaks between tests.
pub struct Moto {
    child: std::process::Child,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Moto {
        Moto::launch(false)
    }

    /// A moto that holds AWS's public images (Amazon Linux, Ubuntu...), as a real region does.
    pub fn with_public_images() -> Moto {
        Moto::launch(true)
    }

    fn launch(public_images: bool) -> Moto {
        use std::io::BufRead as _;
        let bin = moto_server();
        let mut child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .env("MOTO_EC2_LOAD_DEFAULT_AMIS", if public_images { "true" } else { "false" })
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("moto_server starts");
        let stderr = child.stderr.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        // DRPLAN_TEST_MOTO_LOG=<file>: moto's own log (its tracebacks say why it answered 500).
        let mut log = std::env::var_os("DRPLAN_TEST_MOTO_LOG")
            .and_then(|f| std::fs::OpenOptions::new().create(true).append(true).open(f).ok());
        std::thread::spawn(move || {
            // Keep draining so moto never blocks on a full pipe.
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(file) = log.as_mut() {
                    let _ = std::io::Write::write_all(file, format!("{line}\n").as_bytes());
                }
                if let Some(url) = line.split("Running on ").nth(1) {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let endpoint = rx.recv_timeout(std::time::Duration::from_secs(30)).expect("moto_server printed its address");
        Moto { child, endpoint }
    }

    /// The environment a drplan process needs to talk to this moto.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_MAX_ATTEMPTS", "1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    /// SDK configuration for seeding and inspecting moto from a test.
    pub async fn sdk(&self, region: &str) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_string()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_ec2::config::Credentials::new("testing", "testing", None, None, "test"))
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .load()
            .await
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs drplan against a moto server.
pub fn drplan_moto(moto: &Moto, args: &[&str]) -> Run {
    let env = moto.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    drplan_with_env(args, &env)
}

/// terraform-provider-aws installed on this machine, for tests that run the real provider:
/// found through a CLI configuration naming `DRPLAN_TEST_PROVIDER_MIRROR` or `/opt/tf-plugins`
/// (where these machines keep it) as a filesystem mirror, as a user would write it; each
/// instance has a schema cache of its own.
pub struct InstalledProvider {
    pub binary: PathBuf,
    dir: tempfile::TempDir,
}

impl InstalledProvider {
    /// The installed provider, for a test in the `provider` tier (ignored where it is missing).
    pub fn required() -> InstalledProvider {
        InstalledProvider::find().expect(
            "terraform-provider-aws is not installed (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins); a test that needs it carries #[cfg_attr(drplan_no_provider, ignore = ...)]",
        )
    }

    /// `None` where the provider is not installed.
    pub fn find() -> Option<InstalledProvider> {
        let mirror = std::env::var_os("DRPLAN_TEST_PROVIDER_MIRROR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/opt/tf-plugins"));
        if !mirror.join("registry.terraform.io/hashicorp/aws").is_dir() {
            return None;
        }
        let dir = tempfile::tempdir().ok()?;
        let rc = dir.path().join("terraformrc");
        let text = format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            mirror.display()
        );
        std::fs::write(&rc, text).ok()?;
        let env = drplan::provider::Env { cli_config_file: Some(rc), ..Default::default() };
        let binary = drplan::provider::locate::locate(dir.path(), &env).ok()?.binary;
        Some(InstalledProvider { binary, dir })
    }

    /// Where this instance's provider schema cache lives.
    pub fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// Runs drplan with the provider host on, using this provider and this cache.
    pub fn drplan(&self, args: &[&str]) -> Run {
        let (binary, cache) = (self.binary.display().to_string(), self.cache_dir().display().to_string());
        drplan_with_env(args, &[("DRPLAN_PROVIDER_AWS", &binary), ("DRPLAN_CACHE_DIR", &cache)])
    }

    /// [`InstalledProvider::drplan`] from the directory `cwd`.
    pub fn drplan_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let (binary, cache) = (self.binary.display().to_string(), self.cache_dir().display().to_string());
        drplan_in(cwd, args, &[("DRPLAN_PROVIDER_AWS", &binary), ("DRPLAN_CACHE_DIR", &cache)])
    }

    /// [`InstalledProvider::drplan_moto`] from the directory `cwd`.
    pub fn drplan_moto_in(&self, moto: &Moto, cwd: &Path, args: &[&str]) -> Run {
        let (binary, cache) = (self.binary.display().to_string(), self.cache_dir().display().to_string());
        let mut env = moto.env();
        env.push(("DRPLAN_PROVIDER_AWS", binary));
        env.push(("DRPLAN_CACHE_DIR", cache));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        drplan_in(cwd, args, &env)
    }

    /// [`InstalledProvider::drplan`] with `env` added.
    pub fn drplan_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let (binary, cache) = (self.binary.display().to_string(), self.cache_dir().display().to_string());
        let mut all = vec![("DRPLAN_PROVIDER_AWS", binary.as_str()), ("DRPLAN_CACHE_DIR", cache.as_str())];
        all.extend_from_slice(env);
        drplan_in(&root(), args, &all)
    }

    /// [`InstalledProvider::drplan`] against moto.
    pub fn drplan_moto(&self, moto: &Moto, args: &[&str]) -> Run {
        self.drplan_through(moto, &moto.endpoint, args)
    }

    /// [`InstalledProvider::drplan_moto`] through `endpoint` (a fault proxy in front of moto).
    pub fn drplan_through(&self, moto: &Moto, endpoint: &str, args: &[&str]) -> Run {
        self.drplan_through_with(moto, endpoint, args, &[])
    }

    /// [`InstalledProvider::drplan_through`] with more environment variables.
    pub fn drplan_through_with(&self, moto: &Moto, endpoint: &str, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let (binary, cache) = (self.binary.display().to_string(), self.cache_dir().display().to_string());
        let mut env = moto.env();
        env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL");
        env.push(("AWS_ENDPOINT_URL", endpoint.to_string()));
        env.push(("DRPLAN_PROVIDER_AWS", binary));
        env.push(("DRPLAN_CACHE_DIR", cache));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        drplan_with_env(args, &env)
    }
}

/// A JSON plan's resource changes that change something (Terraform lists `no-op`s too).
pub fn changes(plan: &serde_json::Value) -> Vec<serde_json::Value> {
    let all = plan["resource_changes"].as_array().cloned().unwrap_or_default();
    all.into_iter().filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"])).collect()
}

/// Every file under `dir`, recursively (what a run left on disk, to search for secrets).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(files_under(&path)) } else { out.push(path) }
    }
    out
}

/// A fresh copy of a fixture's `main.tf` in a new directory, as a new checkout on another
/// machine would have it (no `.drplan/`).
pub fn checkout(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join(fixture).join("main.tf"), dir.path().join("main.tf")).unwrap();
    dir
}
