//! The readiness report's metrics ([`crate::readiness::Report::metrics`]) in Prometheus's text
//! exposition format: a file for node_exporter's textfile collector (or any scraper), so a
//! scheduled `drplan readiness` feeds alarms. It only reads the report.

use std::fmt::Write as _;

use crate::readiness::Report;

/// The report's metrics ([`Report::metrics`]), grouped by name, ending in a newline.
pub fn prometheus(r: &Report) -> String {
    let metrics = r.metrics();
    let mut out = String::new();
    let mut seen: Vec<&str> = Vec::new();
    for m in &metrics {
        if !seen.contains(&m.name) {
            seen.push(m.name);
            let help = crate::readiness::metric_help(m.name);
            let _ = writeln!(out, "# HELP {} {help}\n# TYPE {} gauge", m.name, m.name);
        }
        let labels: Vec<String> = m.labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
        let _ = writeln!(out, "{}{{{}}} {}", m.name, labels.join(","), m.value);
    }
    out
}

/// A label value as the exposition format writes it: `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readiness::{Finding, RuleRun, Severity};

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
