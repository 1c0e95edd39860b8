//! The drill report as Markdown (the JSON report is the model itself, serialized).

use std::fmt::Write as _;
use std::time::Duration;

use super::progress::elapsed;
use crate::apply::Status;
use crate::recovery::drill::DrillReport;
use crate::timefmt::format_duration;

/// The recovery point rows: what the `sql` checks measured, the plan's estimate, the objective.
fn recovery_point(out: &mut String, r: &DrillReport) {
    let measured = match r.measured_rpo_seconds {
        Some(s) => format_duration(s.round() as u64),
        None if r.checks.is_empty() => "not measured (no checks ran)".into(),
        None => "not measured (no `sql` check with `max_age`)".into(),
    };
    let _ = writeln!(out, "| Measured recovery point (newest restored row to the failure) | {measured} |");
    if let Some(declared) = &r.failure_declared_at {
        let _ = writeln!(out, "| Failure declared at | {declared} |");
    }
    if let Some(e) = r.rpo_estimate_seconds {
        let _ =
            writeln!(out, "| Estimated recovery point (backup and replication metadata) | {} |", format_duration(e));
    }
    if let Some(o) = r.rpo_objective_seconds {
        let met = match r.measured_rpo_seconds {
            Some(m) if m <= o as f64 => "met",
            Some(_) => "**BREACHED**",
            None => "not measured",
        };
        let _ = writeln!(out, "| RPO objective | {} ({met}) |", format_duration(o));
    }
}

pub fn markdown(r: &DrillReport) -> String {
    let mut out = String::new();
    let verdict = if r.passed { "PASSED" } else { "FAILED" };
    let _ = writeln!(
        out,
        "# Drill {verdict}: stack `{}` in `{}` (workspace `{}`, phase `{}`)\n",
        r.stack, r.region, r.workspace, r.phase
    );
    let _ = writeln!(out, "Started {}.\n", r.started_at);
    let _ = writeln!(out, "| | |\n|---|---|");
    let measured =
        r.measured_rto_seconds.map(|s| format_duration(s.round() as u64)).unwrap_or_else(|| "not reached".into());
    let _ = writeln!(out, "| Measured time to cutover-ready (apply start to all checks passing) | {measured} |");
    let _ = writeln!(out, "| Estimated recovery time | {} |", format_duration(r.rto_estimate_seconds));
    if let Some(o) = r.rto_objective_seconds {
        let met = match r.measured_rto_seconds {
            Some(m) if m <= o as f64 => "met",
            Some(_) => "**BREACHED**",
            None => "not known",
        };
        let _ = writeln!(out, "| RTO objective | {} ({met}) |", format_duration(o));
    }
    recovery_point(&mut out, r);
    let _ = writeln!(
        out,
        "| Apply | {} of {} steps succeeded in {} |",
        r.apply.count(Status::Succeeded),
        r.apply.outcomes.len(),
        elapsed(r.apply.wall_time)
    );
    let cleanup = match &r.cleanup {
        Some(c) if c.succeeded() => format!("destroyed ({} steps in {})", c.outcomes.len(), elapsed(c.wall_time)),
        Some(c) => format!("**incomplete**: {} of {} steps failed", c.count(Status::Failed), c.outcomes.len()),
        None => "kept (--keep): run drplan destroy with the same --workspace".into(),
    };
    let _ = writeln!(out, "| Cleanup | {cleanup} |\n");
    if !r.failures.is_empty() {
        let _ = writeln!(out, "## Failures\n");
        for f in &r.failures {
            let _ = writeln!(out, "- {f}");
        }
        out.push('\n');
    }
    if !r.approved_without_asking.is_empty() {
        let list: Vec<String> = r.approved_without_asking.iter().map(|a| format!("`{a}`")).collect();
        let _ = writeln!(
            out,
            "## Approval gates\n\nA drill rehearses in its own workspace and does not stop for `recovery.approve`: applied without asking: {}.\n",
            list.join(", ")
        );
    }
    if !r.skipped_cutover.is_empty() {
        let _ = writeln!(out, "## Not applied: DNS cutover\n\nA drill never changes production DNS. Skipped:\n");
        for s in &r.skipped_cutover {
            let _ = writeln!(out, "- `{s}`");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Checks\n");
    if r.checks.is_empty() {
        let _ = writeln!(out, "No checks ran.\n");
    } else {
        let _ = writeln!(
            out,
            "| check | probe | target | result | attempts | time | saw | last error |\n|---|---|---|---|---:|---:|---|---|"
        );
        for c in &r.checks {
            let _ = writeln!(
                out,
                "| `{}` | {} | `{}` | {} | {} | {} | {} | {} |",
                c.name,
                c.kind,
                c.target,
                if c.passed { "passed" } else { "**failed**" },
                c.attempts,
                elapsed(Duration::from_millis(c.elapsed_ms)),
                c.observed.as_deref().unwrap_or(""),
                c.last_error.as_deref().filter(|_| !c.passed).unwrap_or("")
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Steps\n\n| step | action | result | attempts | duration |\n|---|---|---|---:|---:|");
    let mut steps: Vec<_> = r.apply.outcomes.iter().collect();
    steps.sort_by(|a, b| b.duration.cmp(&a.duration).then(a.address.cmp(&b.address)));
    for o in steps {
        let status = match o.status {
            Status::Succeeded => "ok",
            Status::Failed => "**failed**",
            Status::Skipped => "skipped",
            Status::Cancelled => "not started",
        };
        let _ =
            writeln!(out, "| `{}` | {} | {status} | {} | {} |", o.address, o.action, o.attempts, elapsed(o.duration));
    }
    out
}
