//! The recovery lines every printer shows: the RTO estimate with its critical path, the RPO
//! per database with its source, and each objective's verdict. One wording, used by the human
//! and Markdown printers (and the runbook).

use crate::expand::recovery::format_duration;
use crate::plan::RecoverySection;

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

/// One line per database: "Estimated recovery point: 12m for X (source)".
pub fn rpo_lines(r: &RecoverySection) -> Vec<String> {
    r.rpo_estimates
        .iter()
        .map(|e| match e.seconds {
            Some(s) => format!("Estimated recovery point: {} for {} ({})", format_duration(s), e.address, e.source),
            None => format!("Estimated recovery point: unknown for {} ({})", e.address, e.source),
        })
        .collect()
}

/// "RTO 45m: met (estimate 27m)", "RPO 15m: BREACHED (estimate 20m)".
pub fn verdict_lines(r: &RecoverySection) -> Vec<String> {
    r.verdicts
        .iter()
        .map(|v| {
            let name = v.objective.to_uppercase();
            let target = format_duration(v.objective_seconds);
            let estimate = v.estimate_seconds.map(format_duration).unwrap_or_else(|| "unknown".into());
            let verdict = match v.met {
                Some(true) => "met",
                Some(false) => "BREACHED",
                None => "not known",
            };
            format!("{name} objective {target}: {verdict} (estimate {estimate})")
        })
        .collect()
}
