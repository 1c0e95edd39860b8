//! Fuzz live snapshot files (`--live PATH`, `drplan snapshot` output): loading, indexing, and
//! planning the webapp-dr example against whatever loads, rendered in every format. Any panic
//! is a bug. Run: `cargo +nightly fuzz run live fuzz/seeds/live -- -max_total_time=1800`.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use drplan::cloud::Offline;
use drplan::expand::inputs::VarArgs;
use drplan::live::{Inventory, LiveSnapshot};
use drplan::ops::LoadOptions;
use drplan::ops::plan::{PlanOptions, plan};
use drplan::render::{Format, Style, render};
use libfuzzer_sys::fuzz_target;

fn file() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir")).path()
}

fuzz_target!(|data: &[u8]| {
    let path = file().join("live.json");
    std::fs::write(&path, data).expect("write snapshot");
    let Ok(snap) = LiveSnapshot::load(&path) else { return };
    let inventory = Inventory::new(snap);
    let _ = inventory.owned("webapp").count();
    let example = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/webapp-dr"));
    let cloud = Offline::Snapshot(path);
    let opts = PlanOptions {
        load: LoadOptions { dir: example, vars: VarArgs::default(), workspace: "default".into(), phase: None, lenient_keys: false, provider: drplan::provider::Env::off() },
        cloud: &cloud,
        targets: Vec::new(),
        destroy: data.len() % 5 == 0,
        calibration: Default::default(),
    };
    match plan(&opts) {
        Ok(planned) => {
            for format in [Format::Human, Format::Json, Format::Markdown] {
                let _ = render(&planned.plan, format, Style::default());
            }
        }
        Err(drplan::error::Error::Config { diagnostics, sources }) => {
            let _ = diagnostics.render(&sources);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
