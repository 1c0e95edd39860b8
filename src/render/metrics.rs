//! The readiness report as metrics, in Prometheus's text exposition format: a file for
//! node_exporter's textfile collector (or any scraper), so a scheduled `drplan readiness`
//! feeds alarms. It only reads the report ([`crate::readiness::Report`]).
//!
//! One gauge says whether the stack is ready; per rule, how many findings it has of each
//! severity and whether it could look at all. Every line carries the stack, workspace, DR
//! region and phase, so one collector can hold several stacks' files.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::readiness::{Report, Severity};

/// The report's metrics, sorted, ending in a newline.
pub fn prometheus(r: &Report) -> String {
    let base = format!(
        "stack=\"{}\",workspace=\"{}\",region=\"{}\",phase=\"{}\"",
        escape(&r.stack),
        escape(&r.workspace),
        escape(&r.region),
        escape(&r.phase.to_string())
    );
    let mut out = String::new();
    gauge(
        &mut out,
        "drplan_readiness_ready",
        "1 when no blocker was found: a failover into the DR region would work now.",
    );
    let _ = writeln!(out, "drplan_readiness_ready{{{base}}} {}", u8::from(r.ready));

    let mut counts: BTreeMap<&str, [usize; 2]> = r.rules.iter().map(|run| (run.rule.as_str(), [0, 0])).collect();
    for f in &r.findings {
        let slot = usize::from(f.severity == Severity::Warning);
        counts.entry(f.rule.as_str()).or_default()[slot] += 1;
    }
    gauge(&mut out, "drplan_readiness_findings", "Findings of each rule, by severity.");
    for (rule, [blockers, warnings]) in &counts {
        let rule = escape(rule);
        let _ = writeln!(out, "drplan_readiness_findings{{{base},rule=\"{rule}\",severity=\"blocker\"}} {blockers}");
        let _ = writeln!(out, "drplan_readiness_findings{{{base},rule=\"{rule}\",severity=\"warning\"}} {warnings}");
    }
    gauge(
        &mut out,
        "drplan_readiness_rule_checked",
        "1 when the rule had something to check, 0 when it could not look (its scope says why).",
    );
    for run in &r.rules {
        let checked = u8::from(!run.scope.starts_with("not checked"));
        let _ = writeln!(out, "drplan_readiness_rule_checked{{{base},rule=\"{}\"}} {checked}", escape(&run.rule));
    }
    gauge(&mut out, "drplan_readiness_steps", "Steps of the phase's plan.");
    let _ = writeln!(out, "drplan_readiness_steps{{{base}}} {}", r.steps);
    gauge(&mut out, "drplan_readiness_steps_needing_primary", "Steps that could not run without the primary region.");
    let _ = writeln!(out, "drplan_readiness_steps_needing_primary{{{base}}} {}", r.need_primary.len());
    out
}

fn gauge(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
}

/// A label value as the exposition format writes it: `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readiness::{Finding, RuleRun};

    fn report() -> Report {
        let finding = |severity, rule: &str| Finding {
            severity,
            address: "aws_instance.web".into(),
            rule: rule.into(),
            evidence: String::new(),
            fix: String::new(),
        };
        Report {
            format_version: "1.0".into(),
            stack: "web\"app".into(),
            region: "us-west-2".into(),
            primary_region: Some("us-east-1".into()),
            workspace: "default".into(),
            phase: crate::expand::Phase::Failover,
            live_captured_at: "2026-12-07T00:00:00Z".into(),
            ready: false,
            findings: vec![
                finding(Severity::Blocker, "instance-type"),
                finding(Severity::Blocker, "instance-type"),
                finding(Severity::Warning, "primary-dependency"),
            ],
            rules: vec![
                RuleRun { rule: "instance-type".into(), scope: "2 instances".into() },
                RuleRun { rule: "primary-dependency".into(), scope: "12 steps".into() },
                RuleRun { rule: "quotas".into(), scope: "not checked: offline".into() },
            ],
            need_primary: vec!["aws_db_instance.db".into()],
            steps: 12,
        }
    }

    #[test]
    fn one_gauge_for_readiness_and_findings_per_rule() {
        let text = prometheus(&report());
        let base = r#"stack="web\"app",workspace="default",region="us-west-2",phase="failover""#;
        for line in [
            format!("drplan_readiness_ready{{{base}}} 0"),
            format!("drplan_readiness_findings{{{base},rule=\"instance-type\",severity=\"blocker\"}} 2"),
            format!("drplan_readiness_findings{{{base},rule=\"instance-type\",severity=\"warning\"}} 0"),
            format!("drplan_readiness_findings{{{base},rule=\"primary-dependency\",severity=\"warning\"}} 1"),
            format!("drplan_readiness_findings{{{base},rule=\"quotas\",severity=\"blocker\"}} 0"),
            format!("drplan_readiness_rule_checked{{{base},rule=\"quotas\"}} 0"),
            format!("drplan_readiness_rule_checked{{{base},rule=\"instance-type\"}} 1"),
            format!("drplan_readiness_steps{{{base}}} 12"),
            format!("drplan_readiness_steps_needing_primary{{{base}}} 1"),
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
        assert_eq!(text.matches("# TYPE ").count(), 5);
        assert!(text.ends_with('\n'));
    }
}
