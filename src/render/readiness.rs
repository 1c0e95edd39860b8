//! The readiness report for people: grouped, worst first (human), or as Markdown for a
//! scheduled CI job or a ticket. The JSON report is the model itself.

use std::fmt::Write as _;

use crate::readiness::{Finding, Report, Severity};

fn verdict(r: &Report) -> String {
    let (b, w) = (r.count(Severity::Blocker), r.count(Severity::Warning));
    let counts = format!("{b} blocker(s), {w} warning(s)");
    if r.ready { format!("READY ({counts})") } else { format!("NOT READY ({counts})") }
}

fn heading(r: &Report) -> String {
    format!(
        "Readiness of stack \"{}\" (workspace \"{}\") for a {} into {}, live state as of {}",
        r.stack, r.workspace, r.phase, r.region, r.live_captured_at
    )
}

fn without_primary(r: &Report) -> String {
    let Some(primary) = &r.primary_region else { return "No primary region is declared.".into() };
    if r.need_primary.is_empty() {
        return format!("Without the primary region {primary}: all {} step(s) can run.", r.steps);
    }
    format!(
        "Without the primary region {primary}: {} of {} step(s) can run; these need it: {}.",
        r.steps - r.need_primary.len(),
        r.steps,
        r.need_primary.join(", ")
    )
}

pub fn human(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}.\n", heading(r), verdict(r));
    for (severity, title, mark) in [(Severity::Blocker, "Blockers", "x"), (Severity::Warning, "Warnings", "!")] {
        let group: Vec<&Finding> = r.findings.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}:");
        for f in group {
            let _ = writeln!(out, "  {mark} {} [{}]", f.address, f.rule);
            let _ = writeln!(out, "      evidence: {}", f.evidence);
            let _ = writeln!(out, "      fix: {}", f.fix);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", without_primary(r));
    let _ = writeln!(out, "Rules:");
    for rule in &r.rules {
        let _ = writeln!(out, "  {}: {}", rule.rule, rule.scope);
    }
    out
}

pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let mark = if r.ready { "✅" } else { "❌" };
    let _ = writeln!(out, "### {mark} drplan readiness: {}\n", verdict(r));
    let _ = writeln!(out, "{}.\n", heading(r));
    if !r.findings.is_empty() {
        let _ = writeln!(out, "| Severity | Address | Rule | Evidence | Fix |\n|---|---|---|---|---|");
        for f in &r.findings {
            let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
            let severity = if f.severity == Severity::Blocker { "**blocker**" } else { "warning" };
            let _ = writeln!(
                out,
                "| {severity} | `{}` | {} | {} | {} |",
                cell(&f.address),
                f.rule,
                cell(&f.evidence),
                cell(&f.fix)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}\n", without_primary(r));
    let _ = writeln!(out, "<details><summary>Rules</summary>\n");
    for rule in &r.rules {
        let _ = writeln!(out, "- `{}`: {}", rule.rule, rule.scope);
    }
    let _ = writeln!(out, "\n</details>");
    out
}
