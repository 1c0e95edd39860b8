//! The plan as Markdown for a pull-request comment: a summary table, then the changes grouped
//! by action in collapsible sections, then the full human plan in a `diff` block.

use std::fmt::Write as _;

use super::{Style, human};
use crate::plan::Plan;

pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let s = &plan.summary;
    let _ = writeln!(out, "### drplan plan: stack `{}` into `{}`\n", plan.stack, plan.region);
    if !s.has_changes() && s.read == 0 {
        let _ = writeln!(out, "**No changes.** The DR region matches the configuration.\n");
    } else {
        let _ = writeln!(out, "**Plan: {} to add, {} to change, {} to destroy.**\n", s.add, s.change, s.destroy);
    }
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Workspace | `{}` |", plan.workspace);
    if !plan.phase.is_standby() {
        let _ = writeln!(out, "| Phase | `{}` |", plan.phase);
    }
    if let Some(p) = &plan.primary_region {
        let _ = writeln!(out, "| Primary region (read-only) | `{p}` |");
    }
    let _ = writeln!(out, "| Live state as of | {} |", plan.live_captured_at);
    for (label, secs) in
        [("RTO objective", plan.recovery.rto_objective_seconds), ("RPO objective", plan.recovery.rpo_objective_seconds)]
    {
        if let Some(secs) = secs {
            let _ = writeln!(out, "| {label} | {} |", crate::expand::recovery::format_duration(secs));
        }
    }
    if !plan.destroy {
        let _ = writeln!(
            out,
            "| Estimated recovery time | {} |",
            crate::expand::recovery::format_duration(plan.recovery.rto_estimate_seconds)
        );
        if !plan.recovery.critical_path.is_empty() {
            let path: Vec<String> = plan.recovery.critical_path.iter().map(|a| format!("`{a}`")).collect();
            let _ = writeln!(out, "| Critical path | {} |", path.join(" → "));
        }
        for e in &plan.recovery.rpo_estimates {
            let value = e.seconds.map(crate::expand::recovery::format_duration).unwrap_or_else(|| "unknown".into());
            let _ = writeln!(out, "| Estimated recovery point, `{}` | {value} ({}) |", e.address, e.source);
        }
        for line in super::objectives::verdict_lines(&plan.recovery) {
            let (name, rest) = line.split_once(": ").unwrap_or((&line, ""));
            let _ = writeln!(
                out,
                "| {name} | {} |",
                if rest.contains("BREACHED") { format!("**{rest}**") } else { rest.to_string() }
            );
        }
        for line in super::objectives::gate_lines(plan) {
            let (name, rest) = line.split_once(": ").unwrap_or((&line, ""));
            let _ = writeln!(out, "| {name} | {} |", rest.replace('|', "\\|"));
        }
    }
    out.push('\n');
    for w in &plan.warnings {
        let _ = writeln!(out, "> **Warning:** {w}\n");
    }
    if !plan.counterparts.is_empty() {
        let found = plan.counterparts.iter().filter(|c| c.live_id.is_some()).count();
        let _ = writeln!(
            out,
            "**Primary-side, read-only:** {found} of {} found; drplan never changes them.\n",
            plan.counterparts.len()
        );
    }
    if !plan.unmanaged.is_empty() {
        let list: Vec<String> = plan.unmanaged.iter().map(|u| format!("`{}`", u.address)).collect();
        let _ = writeln!(out, "**Left to other tools (unmanaged):** {}; drplan never changes them.\n", list.join(", "));
    }
    if !plan.drift.is_empty() {
        let _ = writeln!(out, "**Drift:** {} owned object(s) differ from the configuration.\n", plan.drift.len());
    }
    for (verb, title) in [
        ("create", "Create"),
        ("update", "Update in place"),
        ("replace", "Replace"),
        ("delete", "Destroy"),
        ("read", "Read during apply"),
    ] {
        let rows: Vec<_> = plan.resource_changes.iter().filter(|c| c.verb() == verb).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<details><summary>{title} ({})</summary>\n", rows.len());
        let _ = writeln!(out, "| Address | Type | Why |\n|---|---|---|");
        for c in rows {
            let why = if !c.drplan.reasons.is_empty() {
                c.drplan.reasons.join("; ")
            } else if !c.drplan.attributes.is_empty() {
                c.drplan.attributes.iter().map(|a| format!("`{}`", a.name)).collect::<Vec<_>>().join(", ")
            } else {
                String::new()
            };
            let _ = writeln!(out, "| `{}` | `{}` | {} |", c.address.replace('|', "\\|"), c.ty, why.replace('|', "\\|"));
        }
        out.push_str("\n</details>\n\n");
    }
    let _ = writeln!(out, "<details><summary>Full plan</summary>\n\n```diff");
    out.push_str(&human::render(plan, Style { color: false, compact: false }).replace("```", "` ` `"));
    out.push_str("```\n\n</details>\n");
    out
}
