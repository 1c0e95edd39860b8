//! Fuzz saved plan files (`drplan plan --out`, read by `show` and `apply PLANFILE`): parsing and
//! every printer over what parses. Any panic is a bug.
//! Run: `cargo +nightly fuzz run plan_file fuzz/seeds/plan_file -- -max_total_time=1800`.
#![no_main]

use drplan::plan::Plan;
use drplan::render::{Format, Style, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(plan) = Plan::from_json(text) else { return };
    for format in [Format::Human, Format::Json, Format::Markdown] {
        let _ = render(&plan, format, Style::default());
        let _ = render(&plan, format, Style { color: true, compact: true });
    }
    // What a saved plan turns into for apply must not panic either.
    let _ = drplan::ops::apply::steps(&plan);
});
