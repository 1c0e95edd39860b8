//! No input may make drplan panic: deterministic mutation smoke runs over real configurations,
//! variable values, live snapshots and saved plan files (the same inputs as the cargo-fuzz targets
//! in fuzz/, bounded so they run in every CI build).

use std::path::Path;

use drplan::cloud::Offline;
use drplan::expand::inputs::VarArgs;
use drplan::ops::plan::{PlanOptions, plan};
use drplan::ops::{LoadOptions, load_configuration};
use drplan::plan::Plan;
use drplan::render::{Format, Style, render};

use crate::harness::root;

/// xorshift64*: a tiny deterministic generator, so failures reproduce from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "${",
    "%{",
    "~}",
    "<<EOT\n",
    "\n",
    "=",
    ".",
    "*",
    "...",
    "?",
    ":",
    "=>",
    "for",
    "in",
    "if",
    "null",
    "-1",
    "1e999",
    "count.index",
    "each.key",
    "var.",
    "local.",
    "module.",
    "aws_vpc.this",
    "é",
    "\\",
    "#",
    "//",
    "/*",
    "0x",
    "!",
    "&&",
    // JSON, for snapshots and plan files.
    ",",
    "\"type\": ",
    "\"id\": ",
    "\"tags\": {",
    "\"drplan:address\": ",
    "\"actions\": [\"delete\"]",
    "1e400",
    "-0",
    "true",
    "\\u0000",
    "\u{1b}[31m",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(4) {
            0 => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => {
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes();
                bytes.splice(at..at, tok.iter().copied());
            }
            2 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] = (rng.next() & 0x7f) as u8;
            }
            _ => {
                let from = rng.below(bytes.len());
                let len = rng.below(60).min(bytes.len() - from);
                let chunk = bytes[from..from + len].to_vec();
                bytes.splice(at..at, chunk);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn corpus() -> Vec<String> {
    let mut files = Vec::new();
    for dir in [
        "modules/vpc",
        "modules/web-tier",
        "modules/rds-recovery",
        "modules/dns-failover",
        "examples/webapp-dr",
        "examples/backup-restore",
    ] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
            if entry.path().extension().is_some_and(|e| e == "tf") {
                files.push(std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    files
}

#[test]
fn mutated_configurations_never_panic() {
    let corpus = corpus();
    let mut rng = Rng(0x5eed_d2b1_a7e0_0001);
    let work = tempfile::tempdir().unwrap();
    for i in 0..iterations(400) {
        let original = &corpus[rng.below(corpus.len())];
        let text = mutate(&mut rng, original);
        let dir = work.path().join(format!("case{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("main.tf"), &text).unwrap();
        std::fs::write(dir.join("recovery.tf"), "recovery {\n  stack = \"f\"\n  region = \"us-west-2\"\n}\n").unwrap();
        let opts = LoadOptions {
            dir: dir.clone(),
            vars: VarArgs::default(),
            workspace: "default".into(),
            phase: None,
            lenient_keys: i % 2 == 0,
            provider: drplan::provider::Env::off(),
        };
        let result = std::panic::catch_unwind(|| match load_configuration(&opts, &drplan::expand::NothingKnown) {
            Ok(_) => {}
            // Rendering is part of what must not panic.
            Err(drplan::error::Error::Config { diagnostics, sources }) => {
                let _ = diagnostics.render(&sources);
            }
            Err(_) => {}
        });
        if result.is_err() {
            let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("panic-case-{i}.tf"));
            std::fs::write(&keep, &text).unwrap();
            panic!("iteration {i} panicked; input saved to {}", keep.display());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

fn iterations(default: usize) -> usize {
    std::env::var("DRPLAN_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Runs `f` on one mutated input; a panic keeps the input and fails with where it is.
fn survive(kind: &str, i: usize, input: &str, f: impl FnOnce()) {
    // Nothing is reused after a panic: the test fails at once.
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err() {
        let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("panic-{kind}-{i}"));
        std::fs::write(&keep, input).unwrap();
        panic!("{kind} iteration {i} panicked; input saved to {}", keep.display());
    }
}

fn render_error(e: drplan::error::Error) {
    match e {
        drplan::error::Error::Config { diagnostics, sources } => {
            let _ = diagnostics.render(&sources);
        }
        other => {
            let _ = other.to_string();
        }
    }
}

fn load(dir: &Path, vars: VarArgs) -> LoadOptions {
    LoadOptions {
        dir: dir.to_path_buf(),
        vars,
        workspace: "default".into(),
        phase: None,
        lenient_keys: false,
        provider: drplan::provider::Env::off(),
    }
}

/// Variable values from every source: mutated `terraform.tfvars`, `.tfvars.json` and `--var`.
#[test]
fn mutated_variable_values_never_panic() {
    let fixture = root().join("tests/fixtures/vars");
    let seeds = [
        std::fs::read_to_string(fixture.join("terraform.tfvars")).unwrap(),
        std::fs::read_to_string(fixture.join("five.tfvars")).unwrap(),
        r#"{"n": 2, "zone": "b"}"#.to_string(),
        "n=2\nzone=b".to_string(),
    ];
    let mut rng = Rng(0x5eed_d2b1_a7e0_0002);
    let work = tempfile::tempdir().unwrap();
    std::fs::copy(fixture.join("main.tf"), work.path().join("main.tf")).unwrap();
    for i in 0..iterations(300) {
        let kind = rng.below(3);
        let seed = if kind == 2 { 3 } else { rng.below(3) };
        let text = mutate(&mut rng, &seeds[seed]);
        for name in ["terraform.tfvars", "terraform.tfvars.json"] {
            let _ = std::fs::remove_file(work.path().join(name));
        }
        let mut vars = VarArgs::default();
        match kind {
            0 => std::fs::write(work.path().join("terraform.tfvars"), &text).unwrap(),
            1 => std::fs::write(work.path().join("terraform.tfvars.json"), &text).unwrap(),
            _ => vars.items = text.lines().map(|l| Ok(VarArgs::parse_var(l).unwrap_or_default())).collect(),
        }
        let opts = load(work.path(), vars);
        survive("vars", i, &text, || {
            if let Err(e) = load_configuration(&opts, &drplan::expand::NothingKnown) {
                render_error(e);
            }
        });
    }
}

/// Live snapshots: mutated recordings of the examples, loaded and planned in every format.
#[test]
fn mutated_live_snapshots_never_panic() {
    let example = root().join("examples/webapp-dr");
    let seeds: Vec<String> = ["converged", "drifted", "partial"]
        .iter()
        .map(|s| std::fs::read_to_string(example.join(format!("live/{s}.json"))).unwrap())
        .collect();
    let mut rng = Rng(0x5eed_d2b1_a7e0_0003);
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("live.json");
    for i in 0..iterations(150) {
        let seed = rng.below(seeds.len());
        let text = mutate(&mut rng, &seeds[seed]);
        std::fs::write(&file, &text).unwrap();
        let cloud = Offline::Snapshot(file.clone());
        let opts = PlanOptions {
            load: load(&example, VarArgs::default()),
            cloud: &cloud,
            targets: Vec::new(),
            destroy: i % 4 == 0,
            calibration: Default::default(),
        };
        survive("live", i, &text, || match plan(&opts) {
            Ok(planned) => {
                for format in [Format::Human, Format::Json, Format::Markdown] {
                    let _ = render(&planned.plan, format, Style::default());
                }
            }
            Err(e) => render_error(e),
        });
    }
}

/// Saved plan files: mutated plans of the example, read back and printed as `show` does.
#[test]
fn mutated_plan_files_never_panic() {
    let example = root().join("examples/webapp-dr");
    let mut seeds = Vec::new();
    for state in ["empty", "drifted"] {
        let cloud = Offline::Snapshot(example.join(format!("live/{state}.json")));
        let opts = PlanOptions {
            load: load(&example, VarArgs::default()),
            cloud: &cloud,
            targets: Vec::new(),
            destroy: false,
            calibration: Default::default(),
        };
        seeds.push(plan(&opts).map_err(|e| e.to_string()).unwrap().plan.to_json());
    }
    let mut rng = Rng(0x5eed_d2b1_a7e0_0004);
    for i in 0..iterations(300) {
        let seed = rng.below(seeds.len());
        let text = mutate(&mut rng, &seeds[seed]);
        survive("plan", i, &text, || {
            if let Ok(plan) = Plan::from_json(&text) {
                for format in [Format::Human, Format::Json, Format::Markdown] {
                    let _ = render(&plan, format, Style { color: true, compact: i % 2 == 0 });
                }
                let _ = drplan::ops::apply::steps(&plan);
            }
        });
    }
}

/// Terraform's JSON syntax: mutated `*.tf.json` files are translated, parsed and reported on.
#[test]
fn mutated_json_configurations_never_panic() {
    let fixture = root().join("tests/fixtures/plans/json-syntax");
    let seed = std::fs::read_to_string(fixture.join("json/main.tf.json")).unwrap();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("json");
    std::fs::create_dir_all(work.path().join("modules/net")).unwrap();
    std::fs::copy(fixture.join("modules/net/main.tf"), work.path().join("modules/net/main.tf")).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x5eed_d2b1_a7e0_0005);
    for i in 0..iterations(300) {
        let text = mutate(&mut rng, &seed);
        std::fs::write(dir.join("main.tf.json"), &text).unwrap();
        let opts = load(&dir, VarArgs::default());
        survive("json", i, &text, || {
            if let Err(e) = load_configuration(&opts, &drplan::expand::NothingKnown) {
                render_error(e);
            }
        });
    }
}
