//! The readiness report as gauges: what a scheduled `drplan readiness` publishes for alarms
//! (a Prometheus textfile, [`crate::render::metrics`]). The list is decided here, once, so
//! other sinks (CloudWatch, not built yet) publish the same gauges.
//!
//! One gauge says whether the stack is ready; per rule, how many findings it has of each
//! severity and whether it could look at all; then the plan's steps, and how many need the
//! primary region. Every gauge carries the stack, workspace, DR region and phase.

use std::collections::BTreeMap;

use super::{Report, Severity};

/// One gauge: its name, its labels and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: &'static str,
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

const READY: &str = "drplan_readiness_ready";
const FINDINGS: &str = "drplan_readiness_findings";
const CHECKED: &str = "drplan_readiness_rule_checked";
const STEPS: &str = "drplan_readiness_steps";
const NEED_PRIMARY: &str = "drplan_readiness_steps_needing_primary";

/// What a gauge of [`Report::metrics`] means.
pub fn metric_help(name: &str) -> &'static str {
    match name {
        READY => "1 when no blocker was found: a failover into the DR region would work now.",
        FINDINGS => "Findings of each rule, by severity.",
        CHECKED => "1 when the rule had something to check, 0 when it could not look (its scope says why).",
        STEPS => "Steps of the phase's plan.",
        NEED_PRIMARY => "Steps that could not run without the primary region.",
        _ => "",
    }
}

impl Report {
    /// The report's gauges, in a fixed order.
    pub fn metrics(&self) -> Vec<Metric> {
        let base = vec![
            ("stack", self.stack.clone()),
            ("workspace", self.workspace.clone()),
            ("region", self.region.clone()),
            ("phase", self.phase.to_string()),
        ];
        let with = |extra: &[(&'static str, &str)]| {
            let mut labels = base.clone();
            labels.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
            labels
        };
        let gauge = |name, labels, value: usize| Metric { name, labels, value: value as f64 };
        let mut out = vec![gauge(READY, base.clone(), usize::from(self.ready))];
        let mut counts: BTreeMap<&str, [usize; 2]> = self.rules.iter().map(|run| (run.rule.as_str(), [0, 0])).collect();
        for f in &self.findings {
            counts.entry(f.rule.as_str()).or_default()[usize::from(f.severity == Severity::Warning)] += 1;
        }
        for (rule, [blockers, warnings]) in &counts {
            out.push(gauge(FINDINGS, with(&[("rule", rule), ("severity", "blocker")]), *blockers));
            out.push(gauge(FINDINGS, with(&[("rule", rule), ("severity", "warning")]), *warnings));
        }
        for run in &self.rules {
            let checked = usize::from(!run.scope.starts_with("not checked"));
            out.push(gauge(CHECKED, with(&[("rule", &run.rule)]), checked));
        }
        out.push(gauge(STEPS, base.clone(), self.steps));
        out.push(gauge(NEED_PRIMARY, base, self.need_primary.len()));
        out
    }
}
