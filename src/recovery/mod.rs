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

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use calibrate::Calibration;

use crate::eval::Value;
use crate::expand::{Expansion, Instance, Recovery};
use crate::live::Inventory;
use crate::plan::{Execution, ResourceChange};

/// One step's expected duration and where the figure came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepEstimate {
    pub address: String,
    pub seconds: u64,
    /// "model: ...", "recovery.durations", or "measured: ...".
    pub source: String,
}

/// How much data a recovered database may lack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpoEstimate {
    pub address: String,
    /// `None` when it cannot be known from live state (the source says why).
    pub seconds: Option<u64>,
    pub source: String,
}

/// An objective against its estimate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// "rto" or "rpo".
    pub objective: String,
    pub objective_seconds: u64,
    pub estimate_seconds: Option<u64>,
    /// `None`: not known (an estimate is missing).
    pub met: Option<bool>,
}

/// The estimates for a plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assessment {
    pub rto_seconds: u64,
    pub critical_path: Vec<String>,
    pub steps: Vec<StepEstimate>,
    pub rpo: Vec<RpoEstimate>,
    pub verdicts: Vec<Verdict>,
}

/// Estimates RTO and RPO for a plan's changes and execution.
pub fn assess(
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
            estimate_step(&s.address, ty, &s.action, change.copied(), recovery, calibration)
        })
        .collect();
    let (rto_seconds, critical_path) = critical_path(execution, &steps);
    let rpo = rpo(exp, recovery, inv);
    let mut verdicts = Vec::new();
    if let Some(target) = recovery.rto_seconds {
        verdicts.push(Verdict {
            objective: "rto".into(),
            objective_seconds: target,
            estimate_seconds: Some(rto_seconds),
            met: Some(rto_seconds <= target),
        });
    }
    if let Some(target) = recovery.rpo_seconds
        && !rpo.is_empty()
    {
        let worst = rpo.iter().filter_map(|r| r.seconds).max();
        let unknown = rpo.iter().any(|r| r.seconds.is_none());
        let met = match worst {
            Some(w) if w > target => Some(false),
            _ if unknown => None,
            Some(_) => Some(true),
            None => None,
        };
        verdicts.push(Verdict { objective: "rpo".into(), objective_seconds: target, estimate_seconds: worst, met });
    }
    Assessment { rto_seconds, critical_path, steps, rpo, verdicts }
}

fn estimate_step(
    address: &str,
    ty: &str,
    action: &str,
    change: Option<&ResourceChange>,
    recovery: &Recovery,
    calibration: &Calibration,
) -> StepEstimate {
    let make = |seconds: u64, source: String| StepEstimate { address: address.into(), seconds, source };
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
    make(e.seconds, format!("model: {}", e.why))
}

/// The resource type's default figure for a step.
pub fn model_estimate(
    address: &str,
    ty: &str,
    action: &str,
    change: Option<&ResourceChange>,
) -> crate::resources::Estimate {
    let after = change.map(|c| &c.change.after).unwrap_or(&serde_json::Value::Null);
    let changed: Vec<String> =
        change.map(|c| c.drplan.attributes.iter().map(|a| a.name.clone()).collect()).unwrap_or_default();
    let region = change.map(|c| c.drplan.region.as_str()).unwrap_or_default();
    let view = crate::resources::StepView { address, action, after, changed: &changed, region };
    crate::resources::estimate(ty, &view)
}

/// The longest chain of step estimates, and its addresses in order.
fn critical_path(execution: &Execution, steps: &[StepEstimate]) -> (u64, Vec<String>) {
    let index: HashMap<&str, usize> =
        execution.steps.iter().enumerate().map(|(i, s)| (s.address.as_str(), i)).collect();
    // Steps are in dependency order (plan::build emits them so); finish times in one pass.
    let mut finish = vec![0u64; steps.len()];
    let mut via: Vec<Option<usize>> = vec![None; steps.len()];
    for (i, s) in execution.steps.iter().enumerate() {
        let (start, pred) = s
            .depends_on
            .iter()
            .filter_map(|d| index.get(d.as_str()).copied())
            .filter(|&d| d < i)
            .map(|d| (finish[d], Some(d)))
            .max()
            .unwrap_or((0, None));
        finish[i] = start + steps[i].seconds;
        via[i] = pred;
    }
    let Some((end, _)) =
        finish.iter().enumerate().map(|(i, f)| (i, *f)).max_by_key(|(i, f)| (*f, std::cmp::Reverse(*i)))
    else {
        return (0, Vec::new());
    };
    let mut path = vec![execution.steps[end].address.clone()];
    let mut cur = via[end];
    while let Some(p) = cur {
        path.push(execution.steps[p].address.clone());
        cur = via[p];
    }
    path.reverse();
    (finish[end], path)
}

/// RFC 3339 to seconds since the epoch.
fn epoch(text: &str) -> Option<i64> {
    aws_smithy_types::DateTime::from_str(text, aws_smithy_types::date_time::Format::DateTime).ok().map(|t| t.secs())
}

fn age(now: Option<i64>, then: &str) -> Option<u64> {
    Some((now? - epoch(then)?).max(0) as u64)
}

fn known_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

/// RPO per database the configuration recovers (a new empty database has none).
fn rpo(exp: &Expansion, recovery: &Recovery, inv: &Inventory) -> Vec<RpoEstimate> {
    let now = epoch(&inv.snapshot.captured_at);
    let mut out = Vec::new();
    for inst in exp.instances.iter().filter(|i| i.ty == "aws_db_instance" && i.mode == crate::config::Mode::Managed) {
        let c = &inst.config;
        let (seconds, source) = if let Some(pitr) =
            c.get("restore_to_point_in_time").and_then(Value::as_seq).and_then(|s| s.first())
        {
            pitr_rpo(pitr, now, inv)
        } else if let Some(snapshot) = c.get("snapshot_identifier").filter(|v| !v.is_null()) {
            snapshot_rpo(snapshot, inst, &exp.instances, now, inv)
        } else if c.get("replicate_source_db").is_some_and(|v| !v.is_null()) {
            match recovery.replica_lag_seconds {
                Some(lag) => (Some(lag), "read replica: declared replica_lag".to_string()),
                None => (
                    None,
                    "read replica: replication lag is not in the live state; declare recovery.replica_lag".to_string(),
                ),
            }
        } else {
            continue;
        };
        out.push(RpoEstimate { address: inst.addr.clone(), seconds, source });
    }
    out
}

fn pitr_rpo(pitr: &Value, now: Option<i64>, inv: &Inventory) -> (Option<u64>, String) {
    if let Some(t) = known_str(pitr.get("restore_time")) {
        return (age(now, t), format!("point-in-time restore to restore_time {t}"));
    }
    if let Some(arn) = known_str(pitr.get("source_db_instance_automated_backups_arn")) {
        let backups = inv
            .objects()
            .iter()
            .find(|o| o.ty == "aws_db_instance_automated_backups" && o.attr_str("arn") == Some(arn));
        return match backups.and_then(|b| b.attr_str("restore_window_latest_time").map(|t| (b, t))) {
            Some((b, t)) => (
                age(now, t),
                format!(
                    "latest restorable time {t} of the replicated backups of {} in {}",
                    b.attr_str("db_instance_identifier").unwrap_or("?"),
                    b.region
                ),
            ),
            None => (None, format!("the replicated automated backups {arn} are not in the live state")),
        };
    }
    let id = known_str(pitr.get("source_db_instance_identifier"));
    let resource = known_str(pitr.get("source_dbi_resource_id"));
    let source = inv.objects().iter().find(|o| {
        o.ty == "aws_db_instance"
            && ((id.is_some() && o.attr_str("identifier") == id)
                || (resource.is_some() && o.attr_str("resource_id") == resource))
    });
    match source.and_then(|s| s.attr_str("latest_restorable_time").map(|t| (s, t))) {
        Some((s, t)) => (
            age(now, t),
            format!("latest restorable time {t} of {} in {}", s.attr_str("identifier").unwrap_or("?"), s.region),
        ),
        None => (None, "the point-in-time restore source is not in the live state".to_string()),
    }
}

fn snapshot_rpo(
    snapshot: &Value,
    inst: &Instance,
    instances: &[Instance],
    now: Option<i64>,
    inv: &Inventory,
) -> (Option<u64>, String) {
    // A snapshot copy being made in this plan: the data is as old as the copy's source.
    let wanted = match snapshot.as_str() {
        Some(s) => Some(s.to_string()),
        None => inst
            .deps
            .iter()
            .map(|&d| &instances[d])
            .find(|i| i.ty == "aws_db_snapshot_copy")
            .or_else(|| instances.iter().find(|i| i.ty == "aws_db_snapshot_copy"))
            .and_then(|copy| known_str(copy.config.get("source_db_snapshot_identifier")).map(str::to_string)),
    };
    let Some(wanted) = wanted else {
        return (None, "the snapshot it restores from is not known at plan time".to_string());
    };
    let snap = inv.objects().iter().find(|o| {
        (o.ty == "aws_db_snapshot" || o.ty == "aws_db_snapshot_copy")
            && (o.attr_str("db_snapshot_arn") == Some(wanted.as_str())
                || o.id == wanted
                || wanted.rsplit(':').next() == Some(o.id.as_str()))
    });
    let time = snap.and_then(|s| {
        s.attr_str("original_snapshot_create_time").or(s.attr_str("snapshot_create_time")).map(|t| (s, t))
    });
    match time {
        Some((s, t)) => (age(now, t), format!("snapshot {} created {t}", s.id)),
        None => (None, format!("snapshot {wanted} is not in the live state")),
    }
}

#[cfg(test)]
mod tests;
