//! `drplan readiness`: would a failover work right now? The rules look at the plan of a phase
//! (by default `failover`), the configuration it came from, the live inventory and a few cheap
//! questions to AWS, and report findings, each with a severity, the address, the evidence and a
//! fix. This module owns the report model and the order of findings; the rules live in
//! [`primary`], [`capacity`] and [`freshness`]; `ops::readiness` gathers the facts and
//! `render::readiness` prints. Nothing here writes anywhere.

pub mod capacity;
pub mod freshness;
pub mod primary;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::expand::Expansion;
use crate::live::Inventory;
use crate::plan::Plan;

/// How bad a finding is: a blocker means the failover would fail or breach an objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Blocker,
    Warning,
}

/// One thing that would go wrong, or might.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub address: String,
    /// The rule that found it (`primary-dependency`, `instance-type`, ...; docs/recovery.md).
    pub rule: String,
    pub evidence: String,
    pub fix: String,
}

/// What a rule looked at, or why it could not look.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRun {
    pub rule: String,
    /// "12 steps", or "not checked: ..." when the rule had nothing to go on.
    pub scope: String,
}

/// The readiness report: JSON for monitors, printed for people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub format_version: String,
    pub stack: String,
    pub region: String,
    pub primary_region: Option<String>,
    pub workspace: String,
    pub phase: crate::recovery::Phase,
    pub live_captured_at: String,
    /// No blocker found.
    pub ready: bool,
    /// Worst first, then by address and rule.
    pub findings: Vec<Finding>,
    pub rules: Vec<RuleRun>,
    /// The plan's steps that need the primary region: what would not work were it gone.
    pub need_primary: Vec<String>,
    /// The plan's steps in all.
    pub steps: usize,
}

/// What the rules look at.
pub struct Facts<'a> {
    pub plan: &'a Plan,
    pub exp: &'a Expansion,
    pub inventory: &'a Inventory,
    /// Instance type -> zones offering it in the DR region, when AWS could be asked.
    pub offerings: Option<Result<crate::cloud::Offerings, String>>,
    /// The AMIs (of those the plan needs) that exist in the DR region, when AWS could be asked.
    pub images: Option<Result<BTreeSet<String>, String>>,
}

/// Every rule over `facts`, in one report.
pub fn assess(facts: &Facts) -> Report {
    let mut findings = Vec::new();
    let mut rules = Vec::new();
    let need_primary = primary::dependencies(facts, &mut findings, &mut rules);
    primary::artifacts(facts, &mut findings, &mut rules);
    capacity::instance_types(facts, &mut findings, &mut rules);
    capacity::images(facts, &mut findings, &mut rules);
    freshness::rpo(facts, &mut findings, &mut rules);
    rules.push(RuleRun { rule: "quotas".into(), scope: "not checked yet (Service Quotas)".into() });
    rules.push(RuleRun { rule: "permissions".into(), scope: "not checked yet (dry-run writes)".into() });
    findings.sort();
    findings.dedup();
    let plan = facts.plan;
    Report {
        format_version: "1".into(),
        stack: plan.stack.clone(),
        region: plan.region.clone(),
        primary_region: plan.primary_region.clone(),
        workspace: plan.workspace.clone(),
        phase: plan.phase,
        live_captured_at: plan.live_captured_at.clone(),
        ready: !findings.iter().any(|f| f.severity == Severity::Blocker),
        findings,
        rules,
        need_primary: need_primary.into_iter().collect(),
        steps: plan.execution.steps.len(),
    }
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a readiness report serializes") + "\n"
    }
}

#[cfg(test)]
mod tests;
