//! Recovery objectives: what a plan will achieve. The RTO estimate is the critical path of the
//! steps the plan actually contains, each step's duration taken from (in order) the
//! `recovery.durations` overrides, durations measured in apply journals (`--calibrate`), or
//! the default model each resource type gives (`ResourceType::estimate`, documented with its
//! sources in docs/recovery.md). The RPO is
//! estimated per database from live state: how old the data it is recovered from is. Offline
//! plans use the snapshot's `captured_at` as "now", so they stay deterministic.
//!
//! This module computes the plan's `recovery` section; it neither prints nor talks to AWS.

pub mod calibrate;
pub mod checks;
pub mod drill;
pub mod runbook;

use std::collections::HashMap;

pub use calibrate::Calibration;

use crate::eval::Value;
use crate::expand::{Expansion, Recovery};
use crate::live::Inventory;
use crate::plan::{Execution, Plan, ResourceChange};
pub use crate::plan::{RpoEstimate, StepEstimate, Verdict};
use crate::resources::StepAction;

/// The estimates for a plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assessment {
    pub rto_seconds: u64,
    pub critical_path: Vec<String>,
    pub steps: Vec<StepEstimate>,
    pub rpo: Vec<RpoEstimate>,
    pub verdicts: Vec<Verdict>,
}

/// Fills a finished plan's `recovery` section: the estimates against the objectives.
pub fn assess(plan: &mut Plan, exp: &Expansion, inv: &Inventory, calibration: &Calibration) {
    let Some(recovery) = &exp.recovery else { return };
    let a = estimate(&plan.resource_changes, &plan.execution, exp, recovery, inv, calibration);
    plan.recovery.rto_estimate_seconds = a.rto_seconds;
    plan.recovery.critical_path = a.critical_path;
    plan.recovery.step_estimates = a.steps;
    plan.recovery.rpo_estimates = a.rpo;
    plan.recovery.verdicts = a.verdicts;
    plan.recovery.rpo_measured_by = checks::measuring_rpo(&exp.checks);
}

/// Estimates RTO and RPO for a plan's changes and execution.
pub fn estimate(
    changes: &[ResourceChange],
    execution: &Execution,
    exp: &Expansion,
    recovery: &Recovery,
    inv: &Inventory,
    calibration: &Calibration,
) -> Assessment {
    let by_addr: HashMap<&str, &ResourceChange> = changes.iter().map(|c| (c.address.as_str(), c)).collect();
    let steps: Vec<StepEstimate> = execution
        .steps
        .iter()
        .map(|s| {
            let change = by_addr.get(s.address.as_str());
            let ty = change.map(|c| c.ty.as_str()).unwrap_or_default();
            estimate_step(&s.address, ty, s.action, change.copied(), recovery, calibration)
        })
        .collect();
    let mut steps = steps;
    let (rto_seconds, critical_path) = rto(execution, &mut steps, &exp.checks);
    let rpo = rpo(exp, recovery, inv);
    let mut verdicts = Vec::new();
    if let Some(target) = recovery.rto_seconds {
        verdicts.push(rto_verdict(target, rto_seconds, &steps));
    }
    if let Some(target) = recovery.rpo_seconds
        && !rpo.is_empty()
    {
        let worst = rpo.iter().filter_map(|r| r.seconds).max();
        let unknown = rpo.iter().any(|r| r.seconds.is_none());
        let met = match worst {
            // A database created empty has lost everything: no objective is met.
            _ if rpo.iter().any(|r| r.empty) => Some(false),
            Some(w) if w > target => Some(false),
            _ if unknown => None,
            Some(_) => Some(true),
            None => None,
        };
        verdicts.push(Verdict {
            objective: "rpo".into(),
            objective_seconds: target,
            estimate_seconds: worst,
            met,
            guessed: Vec::new(),
        });
    }
    Assessment { rto_seconds, critical_path, steps, rpo, verdicts }
}

/// The RTO against its objective: over it is a breach whatever the guesses; within it, met only
/// when no step's duration is a guess.
fn rto_verdict(target: u64, rto_seconds: u64, steps: &[StepEstimate]) -> Verdict {
    let guessed: Vec<String> = steps.iter().filter(|s| s.guess).map(|s| s.address.clone()).collect();
    let met = if rto_seconds > target { Some(false) } else { guessed.is_empty().then_some(true) };
    Verdict { objective: "rto".into(), objective_seconds: target, estimate_seconds: Some(rto_seconds), met, guessed }
}

fn estimate_step(
    address: &str,
    ty: &str,
    action: StepAction,
    change: Option<&ResourceChange>,
    recovery: &Recovery,
    calibration: &Calibration,
) -> StepEstimate {
    let make = |seconds: u64, source: String| StepEstimate { address: address.into(), seconds, source, guess: false };
    if let Some(&s) = recovery.durations.get(address) {
        return make(s, format!("recovery.durations[\"{address}\"]"));
    }
    if let Some(&s) = recovery.durations.get(ty) {
        return make(s, format!("recovery.durations[\"{ty}\"]"));
    }
    if let Some(m) = calibration.get(ty, action) {
        return make(m.seconds, format!("measured: median of {} {action}s in {}", m.samples, m.journals));
    }
    let e = model_estimate(address, ty, action, change);
    StepEstimate { guess: e.guess, ..make(e.seconds, format!("model: {}", e.why)) }
}

/// The resource type's default figure for a step.
pub fn model_estimate(
    address: &str,
    ty: &str,
    action: StepAction,
    change: Option<&ResourceChange>,
) -> crate::resources::Estimate {
    let after = change.map(|c| c.change.after.value()).unwrap_or_default();
    let changed: Vec<String> =
        change.map(|c| c.drplan.attributes.iter().map(|a| a.name.clone()).collect()).unwrap_or_default();
    let region = change.map(|c| c.drplan.region.as_str()).unwrap_or_default();
    let view = crate::resources::StepView { address, action, after: &after, changed: &changed, region, stack: "" };
    crate::resources::estimate(ty, &view)
}

/// The RTO estimate and its critical path. With a gated cutover, the cutover starts once every
/// other step is done and every check passed: the longest chain before it, the checks (added to
/// `steps`), then the longest chain of the cutover.
fn rto(
    execution: &Execution,
    steps: &mut Vec<StepEstimate>,
    checks: &[crate::expand::CheckValue],
) -> (u64, Vec<String>) {
    if !execution.steps.iter().any(|s| s.cutover) {
        return critical_path(execution, steps, |_| true);
    }
    let cutover = |i: usize| execution.steps[i].cutover;
    let (before, mut path) = critical_path(execution, steps, |i| !cutover(i));
    let (after, moved) = critical_path(execution, steps, cutover);
    let checks = checks::estimate(checks);
    let waited = checks.as_ref().map_or(0, |c| c.seconds);
    if let Some(c) = checks {
        path.push(c.address.clone());
        steps.push(c);
    }
    path.extend(moved);
    (before + waited + after, path)
}

/// The longest chain of step estimates among the steps `include` admits, and its addresses in
/// order.
fn critical_path(execution: &Execution, steps: &[StepEstimate], include: impl Fn(usize) -> bool) -> (u64, Vec<String>) {
    let index: HashMap<&str, usize> =
        execution.steps.iter().enumerate().map(|(i, s)| (s.address.as_str(), i)).collect();
    // Steps are in dependency order (plan::build emits them so).
    let preds = |i: usize| {
        let deps = &execution.steps[i].depends_on;
        deps.iter().filter_map(|d| index.get(d.as_str()).copied()).filter(|&d| d < i && include(d)).collect::<Vec<_>>()
    };
    let order: Vec<usize> = (0..execution.steps.len()).filter(|&i| include(i)).collect();
    let (total, path) = crate::graph::longest_path(&order, preds, |i| steps[i].seconds);
    (total, path.into_iter().map(|i| execution.steps[i].address.clone()).collect())
}

/// RPO per database the configuration recovers: each resource type says how old the data a
/// create of it recovers is (a new empty database, or a type that holds no data: nothing).
fn rpo(exp: &Expansion, recovery: &Recovery, inv: &Inventory) -> Vec<RpoEstimate> {
    let now = crate::timefmt::epoch_seconds(&inv.snapshot.captured_at);
    let all: Vec<(&str, &Value)> = exp.instances.iter().map(|i| (i.ty.as_str(), &i.config)).collect();
    let mut out = Vec::new();
    for inst in exp.instances.iter().filter(|i| i.mode == crate::config::Mode::Managed && !i.read_only) {
        let Some(t) = crate::resources::get(&inst.ty) else { continue };
        let deps = inst.deps.iter().map(|&d| &exp.instances[d]).map(|i| (i.ty.as_str(), &i.config)).collect();
        let query = crate::resources::RecoveryPointQuery {
            config: &inst.config,
            deps,
            all: &all,
            inventory: inv,
            now,
            replica_lag: recovery.replica_lag_seconds,
            live: crate::plan::view::find_live(
                inv,
                &recovery.stack,
                inst.region.as_deref().unwrap_or(&recovery.region),
                &inst.addr,
                &inst.ty,
                &inst.config,
                &inst.written,
            )
            .ok()
            .flatten(),
            written: &inst.written,
        };
        if let Some(p) = t.recovery_point(&query) {
            out.push(RpoEstimate { address: inst.addr.clone(), seconds: p.seconds, source: p.source, empty: p.empty });
        }
    }
    out
}

#[cfg(test)]
mod tests;
