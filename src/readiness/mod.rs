//! `drplan readiness`: would a failover work right now? The rules look at the plan of a phase
//! (by default `failover`), the configuration it came from, the live inventory and a few cheap
//! questions to AWS, and report findings, each with a severity, the address, the evidence and a
//! fix. This module owns the report model, the questions asked of AWS and the order of
//! findings; the rules live in [`primary`], [`capacity`], [`quotas`], [`permissions`],
//! [`freshness`] and [`data`]; `ops::readiness` asks and `render::readiness` prints. Nothing here writes.

pub mod capacity;
pub mod data;
pub mod freshness;
mod metrics;
pub mod permissions;
pub mod primary;
pub mod quotas;

pub use metrics::{Metric, metric_help};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cloud::{Answers, Questions};
use crate::expand::Expansion;
use crate::live::Inventory;
use crate::plan::Plan;
use crate::resources::{Amount, Need};

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
    pub phase: crate::expand::Phase,
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
    /// What each create needs the DR region to offer, by address.
    pub needs: BTreeMap<String, Vec<Need>>,
    /// What AWS answered about the DR region; `None` offline.
    pub answers: Option<Answers>,
}

impl<'a> Facts<'a> {
    pub fn new(plan: &'a Plan, exp: &'a Expansion, inventory: &'a Inventory) -> Self {
        Facts { plan, exp, inventory, needs: capacity::needs(plan), answers: None }
    }

    /// What the rules ask AWS about the DR region.
    pub fn questions(&self) -> Questions {
        let mut q = Questions::default();
        for need in self.needs.values().flatten() {
            match need {
                Need::InstanceType(t) => q.instance_types.insert(t.clone()),
                Need::Image(i) => q.images.insert(i.clone()),
                Need::DbClass { engine, class } => q.db_classes.insert((engine.clone(), class.clone())),
            };
        }
        for (_, capacity) in quotas::consumers(self) {
            if !q.quotas.iter().any(|k| k.quota_code == capacity.quota.quota_code) {
                q.quotas.push(capacity.quota);
            }
            if let Amount::VcpusOf(ty) = capacity.amount {
                q.vcpus_of.insert(ty);
            }
        }
        q.dry_runs = permissions::dry_runs(self);
        q.secrets = data::secrets(self);
        q
    }
}

/// Every rule over `facts`, in one report.
pub fn assess(facts: &Facts) -> Report {
    let mut findings = Vec::new();
    let mut rules = Vec::new();
    let need_primary = primary::dependencies(facts, &mut findings, &mut rules);
    primary::artifacts(facts, &mut findings, &mut rules);
    capacity::instance_types(facts, &mut findings, &mut rules);
    capacity::db_classes(facts, &mut findings, &mut rules);
    capacity::images(facts, &mut findings, &mut rules);
    quotas::quotas(facts, &mut findings, &mut rules);
    permissions::permissions(facts, &mut findings, &mut rules);
    freshness::rpo(facts, &mut findings, &mut rules);
    data::checks(facts, &mut findings, &mut rules);
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
