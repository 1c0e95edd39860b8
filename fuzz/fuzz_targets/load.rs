//! Fuzz the whole front end: parse, decode, evaluate, check schemas, build the graph, render
//! diagnostics. Any panic is a bug. Run: `cargo +nightly fuzz run load -- -max_total_time=300`.
#![no_main]

use std::sync::OnceLock;

use drplan::expand::inputs::VarArgs;
use drplan::ops::{LoadOptions, load_configuration};
use libfuzzer_sys::fuzz_target;

fn dir() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir")).path()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    std::fs::write(dir().join("main.tf"), text).expect("write input");
    let opts = LoadOptions { dir: dir().to_path_buf(), vars: VarArgs::default(), workspace: "default".into(), phase: None, lenient_keys: data.len() % 2 == 0, provider: drplan::provider::Env::off() };
    if let Err(drplan::error::Error::Config { diagnostics, sources }) = load_configuration(&opts, &drplan::expand::NothingKnown) {
        let _ = diagnostics.render(&sources);
    }
});
