//! Printing an apply as it runs and when it ends: one line per step start and end (plain,
//! for logs and CI), and the final summary of what succeeded, failed and was skipped. These
//! printers read the scheduler's journal events and report; they decide nothing.

use std::fmt::Write as _;
use std::time::Duration;

use crate::apply::{JournalEvent, Report, Status};
use crate::resources::StepAction;

/// A step's verb as a line prefix: "Creating...", "Destroying...".
fn doing(action: StepAction) -> &'static str {
    match action {
        StepAction::Create => "Creating...",
        StepAction::Update => "Modifying...",
        StepAction::Replace => "Replacing...",
        StepAction::Delete => "Destroying...",
        StepAction::Read => "Reading...",
    }
}

fn done(action: StepAction) -> &'static str {
    match action {
        StepAction::Create => "Creation complete",
        StepAction::Update => "Modifications complete",
        StepAction::Replace => "Replacement complete",
        StepAction::Delete => "Destruction complete",
        StepAction::Read => "Read complete",
    }
}

/// Seconds as Terraform prints elapsed time: `45s`, `3m12s`.
pub fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{s}s")
    }
}

/// The progress line for one journal event.
pub fn event_line(event: &JournalEvent) -> String {
    match event {
        JournalEvent::Start { address, action, attempt, retry_after: Some(why), .. } if *attempt > 1 => {
            let why: Vec<&str> = why.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            format!("{address}: {} (attempt {attempt}, after: {})", doing(*action), why.join(" "))
        }
        JournalEvent::Start { address, action, attempt, .. } if *attempt > 1 => {
            format!("{address}: {} (attempt {attempt})", doing(*action))
        }
        JournalEvent::Start { address, action, .. } => format!("{address}: {}", doing(*action)),
        JournalEvent::End { address, action, status, duration_ms, error, attempts, .. } => {
            let took = elapsed(Duration::from_millis(*duration_ms));
            match status {
                Status::Succeeded if *attempts > 1 => {
                    format!("{address}: {} after {took} ({attempts} attempts)", done(*action))
                }
                Status::Succeeded => format!("{address}: {} after {took}", done(*action)),
                Status::Failed if *attempts > 1 => {
                    format!("{address}: FAILED after {took} ({attempts} attempts): {}", error.as_deref().unwrap_or(""))
                }
                Status::Failed => format!("{address}: FAILED after {took}: {}", error.as_deref().unwrap_or("")),
                Status::Skipped => {
                    format!("{address}: skipped ({})", error.as_deref().unwrap_or("a dependency failed"))
                }
                Status::Cancelled => format!("{address}: not started (cancelled)"),
            }
        }
        JournalEvent::Note { address, message } => format!("{address}: {message}"),
    }
}

/// The end-of-run summary: counts, then every step that did not succeed, then the slowest.
pub fn summary(report: &Report, verb: &str) -> String {
    let mut out = String::new();
    let ok = report.count(Status::Succeeded);
    let failed = report.count(Status::Failed);
    let skipped = report.count(Status::Skipped);
    let cancelled = report.count(Status::Cancelled);
    let _ = writeln!(
        out,
        "\n{verb} {}: {ok} succeeded, {failed} failed, {skipped} skipped, {cancelled} not started, in {} wall time.",
        if report.succeeded() { "complete" } else { "incomplete" },
        elapsed(report.wall_time)
    );
    let mut rows: Vec<_> = report.outcomes.iter().collect();
    rows.sort_by(|a, b| {
        (a.status != Status::Failed, b.duration, &a.address).cmp(&(b.status != Status::Failed, a.duration, &b.address))
    });
    if !rows.is_empty() {
        let _ = writeln!(out);
        let width = rows.iter().map(|o| o.address.len()).max().unwrap_or(0);
        for o in rows {
            let status = match o.status {
                Status::Succeeded => "ok",
                Status::Failed => "FAILED",
                Status::Skipped => "skipped",
                Status::Cancelled => "not started",
            };
            let _ = write!(out, "  {:<width$}  {:<7}  {:<11}  {:>7}", o.address, o.action, status, elapsed(o.duration));
            if let Some(e) = o.error.as_deref().filter(|_| o.status != Status::Succeeded) {
                let _ = write!(out, "  {}", e.lines().next().unwrap_or(e));
            }
            out.push('\n');
        }
    }
    if !report.succeeded() {
        let _ = writeln!(
            out,
            "\nRun the same command again to retry: drplan finds what was already done by its tags and carries on from there."
        );
    }
    out
}

/// Outputs after a completed apply, as Terraform prints them; sensitive values never shown.
pub fn outputs(outputs: &[(String, Option<serde_json::Value>, bool)]) -> String {
    if outputs.is_empty() {
        return String::new();
    }
    let width = outputs.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0);
    let mut out = String::from("\nOutputs:\n\n");
    for (name, value, sensitive) in outputs {
        let shown = match (value, sensitive) {
            (_, true) => "(sensitive value)".to_string(),
            (Some(v), false) => serde_json::to_string(v).unwrap_or_default(),
            (None, false) => "(not known: a value it needs is missing)".to_string(),
        };
        let _ = writeln!(out, "{name:width$} = {shown}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::Outcome;

    #[test]
    fn summary_lists_failures_first_with_their_error() {
        let report = Report {
            outcomes: vec![
                Outcome {
                    address: "aws_vpc.a".into(),
                    action: crate::resources::StepAction::Create,
                    status: Status::Succeeded,
                    attempts: 1,
                    duration: Duration::from_secs(3),
                    error: None,
                },
                Outcome {
                    address: "aws_db_instance.db".into(),
                    action: crate::resources::StepAction::Create,
                    status: Status::Failed,
                    attempts: 2,
                    duration: Duration::from_secs(75),
                    error: Some("RestoreDBInstanceToPointInTime: boom".into()),
                },
                Outcome {
                    address: "aws_route53_record.app".into(),
                    action: crate::resources::StepAction::Create,
                    status: Status::Skipped,
                    attempts: 0,
                    duration: Duration::ZERO,
                    error: Some("not run: aws_db_instance.db failed".into()),
                },
            ],
            wall_time: Duration::from_secs(80),
        };
        let text = summary(&report, "Apply");
        assert!(
            text.contains("Apply incomplete: 1 succeeded, 1 failed, 1 skipped, 0 not started, in 1m20s wall time."),
            "{text}"
        );
        let failed = text.find("aws_db_instance.db").unwrap();
        assert!(failed < text.find("aws_vpc.a").unwrap());
        assert!(text.contains("FAILED         1m15s  RestoreDBInstanceToPointInTime: boom"), "{text}");
        assert_eq!(
            event_line(&JournalEvent::Start {
                address: "x".into(),
                action: crate::resources::StepAction::Delete,
                attempt: 2,
                at_ms: 0,
                retry_after: None,
            }),
            "x: Destroying... (attempt 2)"
        );
        assert_eq!(
            event_line(&JournalEvent::Start {
                address: "x".into(),
                action: crate::resources::StepAction::Create,
                attempt: 2,
                at_ms: 0,
                retry_after: Some("Throttling: Rate exceeded".into()),
            }),
            "x: Creating... (attempt 2, after: Throttling: Rate exceeded)"
        );
    }
}
