//! The gated cutover. In the failover and failback phases, the steps that move traffic (Route
//! 53 records and health checks, and whatever depends on them) run last: only after every other
//! step has succeeded and every `check` block passes against what now exists. If a check fails,
//! nothing that moves traffic is applied and everything else stays built; running the same
//! apply again after the fix plans only the cutover and completes it.
//!
//! In standby the DR side's records are part of the standby (failover routing moves traffic
//! only when the primary's health check fails), so nothing is held back; a drill never applies
//! them at all (see [`traffic_steps`]). This module owns which steps are held and the verdict of
//! the checks; `cli::apply` runs the two stages.

use std::collections::BTreeSet;

use super::LoadOptions;
use super::plan::{PlanOptions, Planned, plan};
use crate::cloud::Cloud;
use crate::error::Error;
use crate::plan::Plan;
use crate::recovery::checks::CheckResult;

/// Steps that move traffic, with every step that depends on one of them (transitively).
pub fn traffic_steps(plan: &Plan) -> BTreeSet<String> {
    let moves = |ty: &str| crate::resources::get(ty).is_some_and(|t| t.moves_traffic());
    let mut held: BTreeSet<String> =
        plan.resource_changes.iter().filter(|c| moves(&c.ty)).map(|c| c.address.clone()).collect();
    loop {
        let before = held.len();
        for s in &plan.execution.steps {
            if s.depends_on.iter().any(|d| held.contains(d)) {
                held.insert(s.address.clone());
            }
        }
        if held.len() == before {
            return held;
        }
    }
}

/// The steps an apply of `plan` holds back until the checks pass: its traffic steps in the
/// failover and failback phases, none otherwise (standby, destroy).
pub fn held_back(plan: &Plan) -> BTreeSet<String> {
    if plan.destroy || plan.phase.is_standby() {
        return BTreeSet::new();
    }
    let held = traffic_steps(plan);
    let planned: BTreeSet<&String> = plan.execution.steps.iter().map(|s| &s.address).collect();
    held.into_iter().filter(|a| planned.contains(a)).collect()
}

/// Removes the `held` steps from the plan's execution (the first stage).
pub fn hold_back(plan: &mut Plan, held: &BTreeSet<String>) {
    plan.execution.steps.retain(|s| !held.contains(&s.address));
}

/// The `check` blocks evaluated against what exists now (a fresh plan of the same phase).
pub fn checks_now(load: &LoadOptions, cloud: &dyn Cloud) -> Result<Planned, Error> {
    plan(&PlanOptions {
        load: load.clone(),
        cloud,
        targets: Vec::new(),
        destroy: false,
        calibration: Default::default(),
    })
}

/// `Ok` when every check passed; otherwise what failed, for "traffic was not moved: ...".
pub fn verdict(results: &[CheckResult]) -> Result<(), String> {
    let failed: Vec<String> = results
        .iter()
        .filter(|c| !c.passed)
        .map(|c| {
            let why = c.last_error.as_deref().unwrap_or("no answer");
            format!("check {} failed after {} attempts ({} {}): {why}", c.name, c.attempts, c.kind, c.target)
        })
        .collect();
    if failed.is_empty() { Ok(()) } else { Err(failed.join("; ")) }
}

/// The second stage's plan may hold only the cutover: anything else means the DR region
/// changed between the stages, and nothing is applied.
pub fn only_cutover(plan: &Plan, held: &BTreeSet<String>) -> Result<(), Error> {
    let other: Vec<&str> =
        plan.execution.steps.iter().map(|s| s.address.as_str()).filter(|a| !held.contains(*a)).collect();
    if other.is_empty() {
        return Ok(());
    }
    Err(Error::TrafficNotMoved(format!(
        "the DR region changed while applying ({} would change again); run drplan apply again",
        other.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, passed: bool) -> CheckResult {
        CheckResult {
            name: name.into(),
            kind: "tcp".into(),
            target: "127.0.0.1:9".into(),
            passed,
            attempts: 3,
            elapsed_ms: 10,
            last_error: (!passed).then(|| "connection refused".into()),
        }
    }

    #[test]
    fn the_verdict_names_every_failed_check() {
        assert_eq!(verdict(&[result("site", true)]), Ok(()));
        assert_eq!(verdict(&[]), Ok(()));
        let why = verdict(&[result("site", false), result("db", true)]).unwrap_err();
        assert_eq!(why, "check site failed after 3 attempts (tcp 127.0.0.1:9): connection refused");
    }
}
