//! The human plan: Terraform's layout (`+ create`, `~ update in-place`, `-/+ replace`,
//! `- destroy`, `<= read`), calmer by default (only what the configuration sets is shown for a
//! create), with line-by-line diffs of long strings and `(sensitive value)` for secrets.

use std::fmt::Write as _;

use serde_json::Value as Json;

use super::Style;
use super::value::{SENSITIVE, UNKNOWN, inline, is_blocks, mask_at, mask_index, printable, scalar, with_unknown_slots};
use crate::plan::{Action, Plan, ResourceChange, Step};
use crate::resources::StepAction;
use crate::timefmt::format_duration;

struct Out {
    text: String,
    style: Style,
}

impl Out {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.style.color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
    }

    fn sym(&self, sym: &str) -> String {
        let code = match sym {
            "+" => "32",
            "-" => "31",
            "~" => "33",
            "<=" => "36",
            _ => "35",
        };
        self.paint(code, sym)
    }

    fn line(&mut self, indent: usize, sym: &str, rest: &str) {
        let sym = if sym.is_empty() { " ".to_string() } else { self.sym(sym) };
        let _ = writeln!(self.text, "{:indent$}{sym} {rest}", "");
    }
}

/// Primary-side resources: said once, each found or not, never changed.
fn counterparts(o: &mut Out, plan: &Plan) {
    if plan.counterparts.is_empty() {
        return;
    }
    let found = plan.counterparts.iter().filter(|c| c.live_id.is_some()).count();
    let _ = writeln!(
        o.text,
        "Primary-side resources, read-only ({found} of {} found; drplan never changes them):",
        plan.counterparts.len()
    );
    for c in &plan.counterparts {
        let line = match &c.live_id {
            Some(id) => format!("{} in {}: found {id} ({})", c.address, c.region, c.how),
            None => format!("{} in {}: not found: {}", c.address, c.region, c.how),
        };
        let _ = writeln!(o.text, "  {} {}", if c.live_id.is_some() { "=" } else { "?" }, printable(&line));
    }
    o.text.push('\n');
}

/// Resources left to other tools: listed with what waits for them, never changed.
fn unmanaged(o: &mut Out, plan: &Plan) {
    if plan.unmanaged.is_empty() {
        return;
    }
    let _ =
        writeln!(o.text, "Left to other tools (recovery.unmanaged; drplan never creates, changes or deletes them):");
    for u in &plan.unmanaged {
        let used = match u.dependents.as_slice() {
            [] => String::new(),
            deps => format!("; its values are unknown to {}", deps.join(", ")),
        };
        let line = format!("{} (matches \"{}\"{used})", u.address, u.entry);
        let _ = writeln!(o.text, "  - {}", printable(&line));
    }
    o.text.push('\n');
}

pub(super) fn render(plan: &Plan, style: Style) -> String {
    let mut o = Out { text: String::new(), style };
    header(&mut o, plan);
    o.text.push('\n');
    for w in &plan.warnings {
        let label = o.paint("1;33", "Warning:");
        let _ = writeln!(o.text, "{label} {w}\n");
    }
    if !plan.drift.is_empty() {
        let _ = writeln!(o.text, "Objects changed outside drplan (drift from the configuration):");
        for d in &plan.drift {
            let line = format!("{} ({}): {}", d.address, d.live_id, d.attributes.join(", "));
            let _ = writeln!(o.text, "  {} {}", o.sym("~"), printable(&line));
        }
        o.text.push('\n');
    }
    counterparts(&mut o, plan);
    unmanaged(&mut o, plan);
    changes(&mut o, plan);
    outputs(&mut o, plan);
    o.text
}

/// Where and when the plan is for, and its recovery objectives against the estimates.
fn header(o: &mut Out, plan: &Plan) {
    let primary = match (plan.primary_region.as_deref(), plan.failback_writes.len()) {
        (Some(p), 0) => format!(" (primary {p} is read-only)"),
        (Some(p), n) => format!(" (primary {p}: the failback writes {n} object(s) there, marked below)"),
        (None, _) => String::new(),
    };
    let account = plan.account_id.as_deref().map(|a| format!(", AWS account {a}")).unwrap_or_default();
    // Standby is the everyday phase: named only when the plan is for another.
    let phase = if plan.phase.is_standby() { String::new() } else { format!(", phase {}", plan.phase) };
    let _ = writeln!(
        o.text,
        "Stack \"{}\", workspace \"{}\"{phase}: recovery into {}{account}{primary}.",
        plan.stack, plan.workspace, plan.region
    );
    let _ = writeln!(o.text, "Live state as of {}.", plan.live_captured_at);
    let objectives: Vec<String> =
        [("RTO", plan.recovery.rto_objective_seconds), ("RPO", plan.recovery.rpo_objective_seconds)]
            .iter()
            .filter_map(|(n, s)| s.map(|s| format!("{n} {}", format_duration(s))))
            .collect();
    if !objectives.is_empty() {
        let _ = writeln!(o.text, "Objectives: {}.", objectives.join(", "));
    }
    if !plan.destroy {
        let _ = writeln!(o.text, "{}.", super::objectives::rto_line(&plan.recovery));
        if let Some(line) = super::objectives::sources_line(&plan.recovery) {
            let _ = writeln!(o.text, "{line}.");
        }
        for line in super::objectives::rpo_lines(&plan.recovery) {
            let _ = writeln!(o.text, "{line}.");
        }
        for line in super::objectives::verdict_lines(&plan.recovery) {
            let painted = if line.contains("BREACHED") { o.paint("1;31", &line) } else { line };
            let _ = writeln!(o.text, "{painted}.");
        }
        for line in super::objectives::gate_lines(plan) {
            let _ = writeln!(o.text, "{line}.");
        }
    }
}

/// Every change, then the summary line.
fn changes(o: &mut Out, plan: &Plan) {
    let style = o.style;
    let changes: Vec<&ResourceChange> = plan.resource_changes.iter().filter(|c| c.verb().is_some()).collect();
    if changes.is_empty() {
        let _ = writeln!(o.text, "No changes. The DR region matches the configuration.");
    } else {
        let _ = writeln!(o.text, "drplan will perform the following actions:\n");
        let steps: std::collections::HashMap<&str, &Step> =
            plan.execution.steps.iter().map(|s| (s.address.as_str(), s)).collect();
        for c in &changes {
            // Terraform's JSON leaves unknown attributes out; the renderer shows them.
            let mut shown = (*c).clone();
            let after = with_unknown_slots(&c.change.after.value(), &c.change.after_unknown.value());
            shown.change.after = crate::plan::Doc::new(&after);
            let c = &shown;
            let marks = Marks {
                step: steps.get(c.address.as_str()).copied(),
                failback_write: plan.failback_writes.contains(&c.address),
            };
            if style.compact { compact(o, c, &marks) } else { resource(o, c, &marks) }
        }
        if style.compact {
            o.text.push('\n');
        }
        let s = &plan.summary;
        let read = if s.read > 0 { format!(" {} to read during apply.", s.read) } else { String::new() };
        let _ = writeln!(
            o.text,
            "{} {} to add, {} to change, {} to destroy.{read}",
            o.paint("1", "Plan:"),
            s.add,
            s.change,
            s.destroy
        );
    }
    if plan.creates_stack_seed {
        let _ = writeln!(
            o.text,
            "\nApply first creates the stack seed, secret drplan/{}/stack-seed in {}: what Terraform keeps only in state (random values, generated keys, base times) derives from it or is recorded on it (known after apply).",
            plan.stack, plan.region
        );
    }
}

fn outputs(o: &mut Out, plan: &Plan) {
    if !plan.output_changes.is_empty() {
        let _ = writeln!(o.text, "\nOutputs after apply:");
        let width = plan.output_changes.keys().map(String::len).max().unwrap_or(0);
        for (name, oc) in &plan.output_changes {
            let value = if oc.after_sensitive {
                SENSITIVE.to_string()
            } else if oc.after_unknown {
                UNKNOWN.to_string()
            } else {
                inline(&oc.after).unwrap_or_else(|| serde_json::to_string(&oc.after).unwrap_or_default())
            };
            let _ = writeln!(o.text, "  {name:width$} = {value}");
        }
    }
}

fn symbol(c: &ResourceChange) -> &'static str {
    match c.change.actions.as_slice() {
        [Action::Delete, Action::Create] => "-/+",
        [Action::Create, Action::Delete] => "+/-",
        [Action::Create] => "+",
        [Action::Delete] => "-",
        [Action::Update] => "~",
        [Action::Read] => "<=",
        _ => " ",
    }
}

/// What the plan says of a change besides the change itself.
struct Marks<'p> {
    step: Option<&'p Step>,
    /// A failback write to the primary region.
    failback_write: bool,
}

impl Marks<'_> {
    /// "cutover", "approval", "primary region", for the compact line.
    fn compact(&self) -> String {
        let (cutover, approval) = self.step.map_or((false, false), |s| (s.cutover, s.approval));
        let marks: Vec<&str> =
            [(cutover, "cutover"), (approval, "approval"), (self.failback_write, "writes to the primary region")]
                .into_iter()
                .filter_map(|(on, name)| on.then_some(name))
                .collect();
        if marks.is_empty() { String::new() } else { format!("  [{}]", marks.join(", ")) }
    }
}

fn compact(o: &mut Out, c: &ResourceChange, marks: &Marks) {
    let detail = match c.verb() {
        Some(StepAction::Replace) => format!("  ({})", c.drplan.reasons.join("; ")),
        Some(StepAction::Update) => {
            format!("  ({})", c.drplan.attributes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "))
        }
        Some(StepAction::Delete) => {
            printable(&format!("  ({}; {})", c.drplan.live_id.as_deref().unwrap_or("?"), c.drplan.reasons.join("; ")))
                .into_owned()
        }
        _ => String::new(),
    };
    let sym = symbol(c);
    let marked = marks.compact();
    let _ = writeln!(o.text, "{}{} {}{detail}{marked}", " ".repeat(5 - sym.len()), o.sym(sym), printable(&c.address));
}

fn resource(o: &mut Out, c: &ResourceChange, marks: &Marks) {
    let c = &*super::value::with_single_blocks_as_lists(c);
    let what = match c.verb() {
        Some(StepAction::Create) => "will be created".to_string(),
        Some(StepAction::Update) => "will be updated in-place".to_string(),
        Some(StepAction::Replace) => "must be replaced".to_string(),
        Some(StepAction::Delete) => "will be destroyed".to_string(),
        Some(StepAction::Read) => "will be read during apply".to_string(),
        _ => "has no changes".to_string(),
    };
    let _ = writeln!(o.text, "  {} {} {what}", o.paint("1", "#"), o.paint("1", &printable(&c.address)));
    for reason in &c.drplan.reasons {
        let _ = writeln!(o.text, "  # ({reason})");
    }
    if marks.failback_write {
        let what = format!("  # (failback: writes to the primary region {})", c.drplan.region);
        let _ = writeln!(o.text, "{}", o.paint("1;33", &what));
    }
    if marks.step.is_some_and(|s| s.cutover) {
        let _ = writeln!(o.text, "  # (cutover: applied after every other step and every check passes)");
    }
    if marks.step.is_some_and(|s| s.approval) {
        let _ = writeln!(o.text, "  # (approval gate: apply stops for an operator's approval first)");
    }
    let kind = if c.change.actions == [Action::Read] { "data" } else { "resource" };
    let sym = symbol(c);
    // Pad before painting: colour codes would count towards the width.
    let _ = writeln!(
        o.text,
        "{}{} {kind} \"{}\" \"{}\" {{",
        " ".repeat(3 - sym.len()),
        o.sym(sym),
        printable(&c.ty),
        printable(&c.name)
    );
    match c.verb() {
        Some(StepAction::Create | StepAction::Read) => {
            let ch = &c.change.parsed();
            // Values that are null only because they are redacted or unknown are still shown.
            let names: Vec<&str> = c
                .drplan
                .shown
                .iter()
                .map(String::as_str)
                .filter(|n| {
                    !ch.after.get(n).is_some_and(Json::is_null)
                        || mask_at(&ch.after_unknown, n) == &Json::Bool(true)
                        || mask_at(&ch.after_sensitive, n) == &Json::Bool(true)
                })
                .collect();
            body(o, 6, "+", &names, &ch.after, &ch.after_unknown, &ch.after_sensitive);
        }
        Some(StepAction::Delete) => {
            let ch = &c.change.parsed();
            let names: Vec<&str> = ["id", "name", "identifier", "tags"]
                .into_iter()
                .filter(|n| ch.before.get(n).is_some_and(|v| !v.is_null()))
                .collect();
            body(o, 6, "-", &names, &ch.before, &Json::Bool(false), &ch.before_sensitive);
        }
        _ => changed(o, c),
    }
    let _ = writeln!(o.text, "    }}\n");
}

/// Attribute lines for a create, read or delete, names aligned like `terraform fmt`.
fn body(o: &mut Out, indent: usize, sym: &str, names: &[&str], obj: &Json, unknown: &Json, sensitive: &Json) {
    let width =
        names.iter().filter(|n| !is_blocks(obj.get(**n).unwrap_or(&Json::Null))).map(|n| n.len()).max().unwrap_or(0);
    for name in names {
        attribute(
            o,
            indent,
            sym,
            name,
            obj.get(*name).unwrap_or(&Json::Null),
            mask_at(unknown, name),
            mask_at(sensitive, name),
            width,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn attribute(
    o: &mut Out,
    indent: usize,
    sym: &str,
    name: &str,
    v: &Json,
    unknown: &Json,
    sensitive: &Json,
    width: usize,
) {
    if sensitive == &Json::Bool(true) {
        return o.line(indent, sym, &format!("{name:width$} = {SENSITIVE}"));
    }
    if unknown == &Json::Bool(true) {
        return o.line(indent, sym, &format!("{name:width$} = {UNKNOWN}"));
    }
    if is_blocks(v) {
        for (i, item) in v.as_array().into_iter().flatten().enumerate() {
            o.line(indent, sym, &format!("{name} {{"));
            // Inside blocks, unknowns are mostly attributes AWS computes: only values are shown.
            let keys: Vec<&str> = item
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, val)| !val.is_null() && mask_at(mask_index(unknown, i), k) != &Json::Bool(true))
                .map(|(k, _)| k.as_str())
                .collect();
            body(o, indent + 4, sym, &keys, item, mask_index(unknown, i), &Json::Bool(false));
            let _ = writeln!(o.text, "{:w$}}}", "", w = indent + 2);
        }
        return;
    }
    // A list or map with unknown elements goes on several lines, each unknown one shown as such.
    if let Some(text) = inline(v).filter(|_| !any_unknown(unknown)) {
        return o.line(indent, sym, &format!("{name:width$} = {text}"));
    }
    match v {
        Json::String(s) => {
            o.line(indent, sym, &format!("{name:width$} = <<-EOT"));
            for l in s.lines() {
                let _ = writeln!(o.text, "{:w$}{}", "", printable(l), w = indent + 6);
            }
            let _ = writeln!(o.text, "{:w$}EOT", "", w = indent + 4);
        }
        Json::Array(items) => {
            o.line(indent, sym, &format!("{name:width$} = ["));
            for (i, item) in items.iter().enumerate() {
                let text = if mask_index(unknown, i) == &Json::Bool(true) {
                    UNKNOWN.to_string()
                } else {
                    inline(item).unwrap_or_else(|| item.to_string())
                };
                o.line(indent + 4, sym, &format!("{text},"));
            }
            let _ = writeln!(o.text, "{:w$}]", "", w = indent + 2);
        }
        Json::Object(m) => {
            o.line(indent, sym, &format!("{name:width$} = {{"));
            let kw = m.keys().map(|k| k.len() + 2).max().unwrap_or(0);
            for (k, item) in m {
                let text = if mask_at(unknown, k) == &Json::Bool(true) {
                    UNKNOWN.to_string()
                } else {
                    inline(item).unwrap_or_else(|| item.to_string())
                };
                o.line(indent + 4, sym, &format!("{:kw$} = {text}", scalar(&Json::String(k.clone()))));
            }
            let _ = writeln!(o.text, "{:w$}}}", "", w = indent + 2);
        }
        _ => {}
    }
}

/// An update or replace: the id, then each changed attribute as before -> after.
fn changed(o: &mut Out, c: &ResourceChange) {
    let ch = &c.change.parsed();
    if let Some(id) = ch.before.get("id").filter(|v| !v.is_null()) {
        let width = c.drplan.attributes.iter().map(|a| a.name.len()).max().unwrap_or(0).max(2);
        o.line(6, "", &format!("{:width$} = {}", "id", scalar(id)));
    }
    let width = c
        .drplan
        .attributes
        .iter()
        .filter(|a| !is_blocks(ch.after.get(&a.name).unwrap_or(&Json::Null)))
        .map(|a| a.name.len())
        .max()
        .unwrap_or(0);
    for a in &c.drplan.attributes {
        let forces = if a.forces_replacement { o.paint("31", " # forces replacement") } else { String::new() };
        let before = ch.before.get(&a.name).unwrap_or(&Json::Null);
        let after = ch.after.get(&a.name).unwrap_or(&Json::Null);
        let unknown = mask_at(&ch.after_unknown, &a.name);
        if mask_at(&ch.after_sensitive, &a.name) == &Json::Bool(true) {
            o.line(6, "~", &format!("{:width$} = {SENSITIVE}{forces}", a.name));
            continue;
        }
        if is_blocks(before) || is_blocks(after) {
            block_change(o, &a.name, before, after, unknown, &forces);
            continue;
        }
        match (before, after) {
            (Json::Object(b), Json::Object(af)) if unknown != &Json::Bool(true) => {
                o.line(6, "~", &format!("{} = {{{forces}", a.name));
                let unknown_keys = unknown.as_object().into_iter().flat_map(|m| m.keys());
                let keys: std::collections::BTreeSet<&String> = b.keys().chain(af.keys()).chain(unknown_keys).collect();
                let kw = keys.iter().map(|k| k.len() + 2).max().unwrap_or(0);
                for k in keys {
                    let key = format!("{:kw$}", scalar(&Json::String(k.clone())));
                    // An element known only after apply: Terraform leaves it out of `after`.
                    if mask_at(unknown, k) == &Json::Bool(true) {
                        match b.get(k) {
                            Some(x) => o.line(10, "~", &format!("{key} = {} -> {UNKNOWN}", scalar(x))),
                            None => o.line(10, "+", &format!("{key} = {UNKNOWN}")),
                        }
                        continue;
                    }
                    match (b.get(k), af.get(k)) {
                        (Some(x), Some(y)) if x == y => {}
                        (Some(x), Some(y)) => o.line(10, "~", &format!("{key} = {} -> {}", scalar(x), scalar(y))),
                        (Some(x), None) => o.line(10, "-", &format!("{key} = {}", scalar(x))),
                        (None, Some(y)) => o.line(10, "+", &format!("{key} = {}", scalar(y))),
                        (None, None) => {}
                    }
                }
                let _ = writeln!(o.text, "{:8}}}", "");
            }
            (Json::String(b), Json::String(af)) if b.contains('\n') || af.contains('\n') => {
                o.line(6, "~", &format!("{} = <<-EOT{forces}", a.name));
                for change in similar::TextDiff::from_lines(b, af).iter_all_changes() {
                    let sym = match change.tag() {
                        similar::ChangeTag::Delete => "-",
                        similar::ChangeTag::Insert => "+",
                        similar::ChangeTag::Equal => "",
                    };
                    o.line(10, sym, change.value().trim_end_matches('\n'));
                }
                let _ = writeln!(o.text, "{:10}EOT", "");
            }
            _ => {
                let b = inline(before).unwrap_or_else(|| before.to_string());
                let af = if unknown == &Json::Bool(true) {
                    UNKNOWN.to_string()
                } else {
                    inline(after).unwrap_or_else(|| after.to_string())
                };
                o.line(6, "~", &format!("{:width$} = {b} -> {af}{forces}", a.name));
            }
        }
    }
    let shown = c.drplan.attributes.len() + usize::from(ch.before.get("id").is_some());
    let total = ch.after.as_object().map_or(0, |m| m.values().filter(|v| !v.is_null()).count());
    let hidden = total.saturating_sub(shown);
    if hidden > 0 {
        let _ =
            writeln!(o.text, "        # ({hidden} unchanged attribute{} hidden)", if hidden == 1 { "" } else { "s" });
    }
}

/// Nested blocks compare as sets: removed blocks with `-`, added with `+`.
fn block_change(o: &mut Out, name: &str, before: &Json, after: &Json, unknown: &Json, forces: &str) {
    let empty = Vec::new();
    let before_items = before.as_array().unwrap_or(&empty);
    let after_items = after.as_array().unwrap_or(&empty);
    // One block on each side (health_check, root_block_device): diff inside it.
    if let ([b], [a]) = (before_items.as_slice(), after_items.as_slice())
        && let (Some(bm), Some(am)) = (b.as_object(), a.as_object())
    {
        o.line(6, "~", &format!("{name} {{{forces}"));
        let umask = mask_index(unknown, 0);
        // A known value that becomes unknown is a change; an attribute never known stays hidden.
        let unknown_at = |k: &str| mask_at(umask, k) == &Json::Bool(true) && bm.get(k).is_some_and(|b| !b.is_null());
        let keys: Vec<&String> = am
            .iter()
            .filter(|(k, v)| (!v.is_null() && mask_at(umask, k) != &Json::Bool(true)) || unknown_at(k))
            .map(|(k, _)| k)
            .collect();
        let width =
            keys.iter().filter(|k| unknown_at(k) || bm.get(**k) != Some(&am[**k])).map(|k| k.len()).max().unwrap_or(0);
        let mut hidden = 0;
        for k in keys {
            let after_v = &am[k];
            if unknown_at(k) {
                o.line(10, "~", &format!("{k:width$} = {} -> {UNKNOWN}", scalar(&bm[k])));
                continue;
            }
            match bm.get(k) {
                Some(before_v) if before_v == after_v => hidden += 1,
                Some(before_v) => o.line(10, "~", &format!("{k:width$} = {} -> {}", scalar(before_v), scalar(after_v))),
                None => o.line(10, "+", &format!("{k:width$} = {}", scalar(after_v))),
            }
        }
        if hidden > 0 {
            let _ = writeln!(
                o.text,
                "            # ({hidden} unchanged attribute{} hidden)",
                if hidden == 1 { "" } else { "s" }
            );
        }
        let _ = writeln!(o.text, "{:8}}}", "");
        return;
    }
    let _ = writeln!(o.text, "      # {name} blocks:{forces}");
    for item in before_items {
        let kept = after_items.iter().any(|a| project_eq(a, item));
        if !kept {
            attribute(o, 6, "-", name, &Json::Array(vec![item.clone()]), &Json::Bool(false), &Json::Bool(false), 0);
        }
    }
    for (i, item) in after_items.iter().enumerate() {
        let existed = before_items.iter().any(|b| project_eq(item, b));
        if !existed {
            attribute(
                o,
                6,
                "+",
                name,
                &Json::Array(vec![item.clone()]),
                &Json::Array(vec![mask_index(unknown, i).clone()]),
                &Json::Bool(false),
                0,
            );
        }
    }
}

/// Whether `full` matches `want` on the keys `want` sets.
fn project_eq(want: &Json, full: &Json) -> bool {
    let (Some(w), Some(f)) = (want.as_object(), full.as_object()) else { return want == full };
    w.iter().filter(|(_, v)| !v.is_null()).all(|(k, v)| f.get(k) == Some(v))
}

/// Whether an `after_unknown` mask marks anything unknown.
fn any_unknown(mask: &Json) -> bool {
    match mask {
        Json::Bool(b) => *b,
        Json::Array(items) => items.iter().any(any_unknown),
        Json::Object(m) => m.values().any(any_unknown),
        _ => false,
    }
}
