//! The recovery lines every printer shows: the RTO estimate with its critical path, the RPO
//! per database with its source, and each objective's verdict. One wording, used by the human
//! and Markdown printers (and the runbook).

use crate::plan::{Plan, RecoverySection};
use crate::timefmt::format_duration;

/// The plan's gates, one line each: the cutover held until the checks pass, where apply stops
/// for approval, and the failback's writes to the primary region.
pub fn gate_lines(plan: &Plan) -> Vec<String> {
    let execution = &plan.execution;
    let list = |f: &dyn Fn(&crate::plan::Step) -> bool| -> Vec<&str> {
        execution.steps.iter().filter(|s| f(s)).map(|s| s.address.as_str()).collect()
    };
    let cutover = list(&|s| s.cutover);
    let before_cutover = execution.steps.iter().any(|s| s.cutover && s.approval);
    let approvals = list(&|s| s.approval && !s.cutover);
    let mut lines = Vec::new();
    if !cutover.is_empty() {
        let approved = if before_cutover { " and an operator approves" } else { "" };
        lines.push(format!(
            "Gated cutover: {} applied last, once every other step succeeded, every check passed{approved}",
            cutover.join(", ")
        ));
    }
    if !approvals.is_empty() {
        lines.push(format!("Approval gate: apply stops for an operator before {}", approvals.join(", ")));
    }
    if !plan.failback_writes.is_empty() {
        let primary = plan.primary_region.as_deref().unwrap_or("the primary region");
        lines.push(format!("Writes to the primary region {primary} (failback): {}", plan.failback_writes.join(", ")));
    }
    lines
}

/// "Estimated recovery time: 27m (critical path: a -> b -> c)".
pub fn rto_line(r: &RecoverySection) -> String {
    if r.critical_path.is_empty() {
        return "Estimated recovery time: 0s (nothing to do)".into();
    }
    format!(
        "Estimated recovery time: {} (critical path: {})",
        format_duration(r.rto_estimate_seconds),
        r.critical_path.join(" -> ")
    )
}

/// Where the step durations came from: "Step durations: default model 31, measured 2".
pub fn sources_line(r: &RecoverySection) -> Option<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for s in &r.step_estimates {
        let kind = if s.source.starts_with("model:") {
            "default model (docs/recovery.md)"
        } else if s.source.starts_with("measured:") {
            "measured in journals"
        } else {
            "recovery.durations"
        };
        *counts.entry(kind).or_default() += 1;
    }
    (!counts.is_empty()).then(|| {
        let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} for {n}")).collect();
        format!("Step durations: {}", parts.join(", "))
    })
}

/// One line per database: "Estimated recovery point: 12m for X (source)", then which checks
/// will measure it on the restored data.
pub fn rpo_lines(r: &RecoverySection) -> Vec<String> {
    r.rpo_estimates
        .iter()
        .map(|e| match e.seconds {
            _ if e.empty => format!(
                "Estimated recovery point: none for {}: it would be {}, recovering no data",
                e.address, e.source
            ),
            Some(s) => format!("Estimated recovery point: {} for {} ({})", format_duration(s), e.address, e.source),
            None => format!("Estimated recovery point: unknown for {} ({})", e.address, e.source),
        })
        .chain((!r.rpo_measured_by.is_empty()).then(|| {
            format!(
                "Measured recovery point: by check {} on the restored data, in drills and before the cutover",
                r.rpo_measured_by.join(", check ")
            )
        }))
        .collect()
}

/// "RTO 45m: met (estimate 27m)", "RPO 15m: BREACHED (estimate 20m)".
/// "no known duration for aws_x.a, aws_y.b and 3 more".
fn guessed_steps(addresses: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut list = addresses.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if addresses.len() > SHOWN {
        list.push_str(&format!(" and {} more", addresses.len() - SHOWN));
    }
    format!("guesses: no known duration for {list}")
}

pub fn verdict_lines(r: &RecoverySection) -> Vec<String> {
    r.verdicts
        .iter()
        .map(|v| {
            let name = v.objective.to_uppercase();
            let target = format_duration(v.objective_seconds);
            let empty = v.objective == "rpo" && r.rpo_estimates.iter().any(|e| e.empty);
            let estimate = match v.estimate_seconds {
                _ if empty => "none: a database would be created empty".into(),
                Some(s) => format_duration(s),
                None => "unknown".into(),
            };
            let verdict = match v.met {
                Some(true) => "met",
                Some(false) => "BREACHED",
                None => "not known",
            };
            if v.met.is_none() && !v.guessed.is_empty() {
                return format!(
                    "{name} objective {target}: {verdict} (estimate {estimate} rests on {}; give their durations in recovery.durations, or calibrate from a drill's journal)",
                    guessed_steps(&v.guessed)
                );
            }
            format!("{name} objective {target}: {verdict} (estimate {estimate})")
        })
        .collect()
}
