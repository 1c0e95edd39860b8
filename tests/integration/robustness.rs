//! No input may make drplan panic: a deterministic mutation smoke run over real configurations
//! (the same idea as the cargo-fuzz target in fuzz/, bounded so it runs in every CI build).

use std::path::Path;

use drplan::expand::inputs::VarArgs;
use drplan::ops::{LoadOptions, load_configuration};

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
    let iterations = std::env::var("DRPLAN_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    for i in 0..iterations {
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
            lenient_keys: i % 2 == 0,
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
