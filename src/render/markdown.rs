//! The plan as Markdown for a pull-request comment: a hidden marker (so CI can update one
//! comment in place), the summary table, a Mermaid graph of what changes, the changes grouped by
//! action in collapsible sections, then the full human plan in a `diff` block GitHub colours
//! (the change symbol moved to column 1). A comment longer than GitHub's limit is cut in the
//! full plan, with a note.

use std::fmt::Write as _;

use super::{Style, human};
use crate::plan::Plan;
use crate::resources::StepAction;

/// GitHub refuses comments longer than this (characters).
pub(super) const GITHUB_COMMENT_LIMIT: usize = 65_536;

pub(super) fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let s = &plan.summary;
    let _ = writeln!(out, "{}", marker(plan));
    let _ = writeln!(out, "### drplan plan: stack `{}` into `{}`\n", plan.stack, plan.region);
    if !s.has_changes() && s.read == 0 {
        let _ = writeln!(out, "**No changes.** The DR region matches the configuration.\n");
    } else {
        let _ = writeln!(out, "**Plan: {} to add, {} to change, {} to destroy.**\n", s.add, s.change, s.destroy);
    }
    summary_table(&mut out, plan);
    out.push('\n');
    notes(&mut out, plan);
    change_tables(&mut out, plan);
    graph(&mut out, plan);
    full_plan(&mut out, plan);
    out
}

/// The table under the title: where, when, and the recovery objectives against the estimates.
fn summary_table(out: &mut String, plan: &Plan) {
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
            let _ = writeln!(out, "| {label} | {} |", crate::timefmt::format_duration(secs));
        }
    }
    if !plan.destroy {
        estimate_rows(out, plan);
    }
}

fn estimate_rows(out: &mut String, plan: &Plan) {
    let _ = writeln!(
        out,
        "| Estimated recovery time | {} |",
        crate::timefmt::format_duration(plan.recovery.rto_estimate_seconds)
    );
    if !plan.recovery.critical_path.is_empty() {
        let path: Vec<String> = plan.recovery.critical_path.iter().map(|a| format!("`{a}`")).collect();
        let _ = writeln!(out, "| Critical path | {} |", path.join(" → "));
    }
    for e in &plan.recovery.rpo_estimates {
        let value = e.seconds.map(crate::timefmt::format_duration).unwrap_or_else(|| "unknown".into());
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

/// Warnings, and the counts of what drplan will not touch or found changed.
fn notes(out: &mut String, plan: &Plan) {
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
}

/// The changes grouped by action, each group in a collapsible table.
fn change_tables(out: &mut String, plan: &Plan) {
    for (verb, title) in [
        (StepAction::Create, "Create"),
        (StepAction::Update, "Update in place"),
        (StepAction::Replace, "Replace"),
        (StepAction::Delete, "Destroy"),
        (StepAction::Read, "Read during apply"),
    ] {
        let rows: Vec<_> = plan.resource_changes.iter().filter(|c| c.verb() == Some(verb)).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<details><summary>{title} ({})</summary>\n", rows.len());
        let _ = writeln!(out, "| Address | Type | Why |\n|---|---|---|");
        let total = rows.len();
        for (n, c) in rows.into_iter().enumerate() {
            // The tables share half of GitHub's limit; the full plan below has every change.
            if out.len() > GITHUB_COMMENT_LIMIT / 2 {
                let _ = writeln!(out, "| ... | | {} more: see the full plan |", total - n);
                break;
            }
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
}

/// The whole human plan in a `diff` block, cut to what fits GitHub's limit.
fn full_plan(out: &mut String, plan: &Plan) {
    let full = diff(&human::render(plan, Style { color: false, compact: false }).replace("```", "` ` `"));
    let head = "<details><summary>Full plan</summary>\n\n```diff\n";
    let tail = "```\n\n</details>\n";
    let room = GITHUB_COMMENT_LIMIT.saturating_sub(out.chars().count() + head.len() + tail.len() + 300);
    out.push_str(head);
    if full.chars().count() <= room {
        out.push_str(&full);
    } else {
        let kept: String = full.chars().take(room).collect();
        let kept = kept.rsplit_once('\n').map_or(kept.as_str(), |(k, _)| k);
        let _ = writeln!(out, "{kept}");
        let _ = writeln!(
            out,
            "... cut: the full plan is {} characters, over GitHub's comment limit; run `drplan show` on the saved plan (or keep it as a CI artifact) to read it all",
            full.chars().count()
        );
    }
    out.push_str(tail);
}

/// A hidden line naming the stack and workspace: CI finds its earlier comment by it and edits
/// it instead of adding one per push.
pub(super) fn marker(plan: &Plan) -> String {
    format!("<!-- drplan-plan stack={} workspace={} -->", plan.stack, plan.workspace)
}

/// The human plan with each change symbol moved to column 1, where GitHub's `diff` highlighting
/// looks: `+` and `-` as they are, `~` (and a replacement) as `!`, which it also colours.
fn diff(human: &str) -> String {
    let mut out = String::new();
    for line in human.lines() {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let (mark, sym) = match body.split_once(' ').map(|(s, _)| s).unwrap_or(body) {
            "+" => ('+', "+"),
            "-" => ('-', "-"),
            "~" => ('!', "~"),
            "-/+" | "+/-" => ('!', &body[..3]),
            _ => (' ', ""),
        };
        if sym.is_empty() || indent == 0 {
            let _ = writeln!(out, " {line}");
        } else {
            // The symbol's place keeps its width, so the lines stay aligned.
            let _ = writeln!(out, "{mark}{}{}{}", &line[1..indent], " ".repeat(sym.len()), &body[sym.len()..]);
        }
    }
    out
}

/// What changes, as a Mermaid graph GitHub draws: one node per change, coloured by action,
/// with the execution order's edges. Large plans are left to the table above.
fn graph(out: &mut String, plan: &Plan) {
    const MOST: usize = 60;
    let steps = &plan.execution.steps;
    if steps.is_empty() || steps.len() > MOST {
        return;
    }
    let _ = writeln!(out, "<details><summary>What changes (graph)</summary>\n\n```mermaid\nflowchart LR");
    let id: std::collections::HashMap<&str, usize> =
        steps.iter().enumerate().map(|(i, s)| (s.address.as_str(), i)).collect();
    for (i, s) in steps.iter().enumerate() {
        let label = s.address.replace('"', "#quot;");
        let _ = writeln!(out, "  n{i}[\"{label}\"]:::{}", s.action);
    }
    for (i, s) in steps.iter().enumerate() {
        for d in s.depends_on.iter().filter_map(|d| id.get(d.as_str())) {
            let _ = writeln!(out, "  n{d} --> n{i}");
        }
    }
    for (class, fill) in [
        (StepAction::Create, "#d4f8d4"),
        (StepAction::Update, "#fff3c4"),
        (StepAction::Replace, "#ffd8a8"),
        (StepAction::Delete, "#ffc9c9"),
        (StepAction::Read, "#e7f0ff"),
    ] {
        let _ = writeln!(out, "  classDef {class} fill:{fill},stroke:#555");
    }
    let _ = writeln!(out, "```\n\n</details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_symbols_move_to_column_one_for_github() {
        let human = "  # aws_vpc.a will be created\n  + resource \"aws_vpc\" \"a\" {\n      + cidr_block = \"10.0.0.0/16\"\n    }\n  ~ resource \"aws_subnet\" \"b\" {\n      ~ tags = {} -> {}\n  -/+ resource \"x\" \"y\" {\nPlan: 1 to add.\n";
        let want = "   # aws_vpc.a will be created\n+   resource \"aws_vpc\" \"a\" {\n+       cidr_block = \"10.0.0.0/16\"\n     }\n!   resource \"aws_subnet\" \"b\" {\n!       tags = {} -> {}\n!     resource \"x\" \"y\" {\n Plan: 1 to add.\n";
        assert_eq!(diff(human), want);
    }
}
