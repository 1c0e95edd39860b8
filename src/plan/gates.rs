//! Which steps of a plan are gated, decided once while the plan is built: the **cutover** (steps
//! that move traffic, and what depends on them) in the failover and failback phases, and the
//! steps the `recovery` block's `approve` setting stops before, and the [`Stages`] apply runs
//! them in (see [`crate::ops::stages`]). Renderers show them; nothing else decides them.
//!
//! In standby the DR side's records are part of the standby (failover routing moves traffic only
//! when the primary's health check fails), so nothing is cutover; a destroy has no gates.

use std::collections::BTreeSet;

use super::{Execution, ResourceChange};
use crate::expand::Phase;
use crate::expand::Recovery;

/// Marks `execution`'s steps: `cutover` and `approval`.
pub(super) fn mark(
    execution: &mut Execution,
    changes: &[ResourceChange],
    recovery: &Recovery,
    phase: Phase,
    destroy: bool,
) {
    if destroy {
        return;
    }
    let cutover = if phase.is_standby() { BTreeSet::new() } else { moving_traffic(execution, changes, recovery) };
    let types = types(changes);
    for step in &mut execution.steps {
        step.cutover = cutover.contains(&step.address);
        let asked = types
            .get(step.address.as_str())
            .is_some_and(|ty| recovery.approve.steps.matching(ty, &step.address).is_some());
        step.approval = asked || (step.cutover && recovery.approve.cutover);
    }
}

/// The steps that move traffic, whatever the phase: changes of types that always do
/// (Route 53 records and health checks) or that `recovery.cutover` lists, and every step that
/// depends on one of them. A drill never runs these.
pub fn moving_traffic(execution: &Execution, changes: &[ResourceChange], recovery: &Recovery) -> BTreeSet<String> {
    let types = types(changes);
    let moves = |address: &str| {
        types.get(address).is_some_and(|ty| {
            crate::resources::get(ty).is_some_and(|t| t.moves_traffic())
                || recovery.cutover.matching(ty, address).is_some()
        })
    };
    let roots = execution.steps.iter().filter(|s| moves(&s.address));
    with_dependents(execution, roots.map(|s| s.address.clone()).collect())
}

/// Each change's type, by address.
fn types(changes: &[ResourceChange]) -> std::collections::HashMap<&str, &str> {
    changes.iter().map(|c| (c.address.as_str(), c.ty.as_str())).collect()
}

/// The steps of each stage after the first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stages {
    /// Behind `approve`'s gate: the steps it names and their dependents (not cutover).
    pub approved: BTreeSet<String>,
    /// The steps `approve` names, for the gate's prompt.
    pub approval_roots: BTreeSet<String>,
    pub cutover: BTreeSet<String>,
    /// Whether the cutover waits for an approval as well as for the checks.
    pub cutover_approval: bool,
}

impl Stages {
    pub fn of(execution: &Execution) -> Stages {
        let steps = &execution.steps;
        let cutover: BTreeSet<String> = steps.iter().filter(|s| s.cutover).map(|s| s.address.clone()).collect();
        let approval_roots: BTreeSet<String> =
            steps.iter().filter(|s| s.approval && !s.cutover).map(|s| s.address.clone()).collect();
        let approved = with_dependents(execution, approval_roots.clone()).difference(&cutover).cloned().collect();
        let cutover_approval = steps.iter().any(|s| s.cutover && s.approval);
        Stages { approved, approval_roots, cutover, cutover_approval }
    }

    /// Everything the build stage holds back.
    pub fn later(&self) -> BTreeSet<String> {
        self.approved.union(&self.cutover).cloned().collect()
    }
}

/// `roots` and every step that depends on one of them, transitively.
pub fn with_dependents(execution: &Execution, roots: BTreeSet<String>) -> BTreeSet<String> {
    let mut held = roots;
    loop {
        let before = held.len();
        for s in &execution.steps {
            if s.depends_on.iter().any(|d| held.contains(d)) {
                held.insert(s.address.clone());
            }
        }
        if held.len() == before {
            return held;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Step;

    fn step(address: &str, deps: &[&str], cutover: bool, approval: bool) -> Step {
        let depends_on = deps.iter().map(|d| d.to_string()).collect();
        Step {
            address: address.into(),
            action: crate::resources::StepAction::Create,
            depends_on,
            cutover,
            approval,
            delegated: false,
        }
    }

    #[test]
    fn approvals_hold_their_dependents_and_the_cutover_stays_last() {
        let execution = Execution {
            steps: vec![
                step("aws_vpc.a", &[], false, false),
                step("aws_db_instance.db", &["aws_vpc.a"], false, true),
                step("aws_instance.app", &["aws_db_instance.db"], false, false),
                step("aws_route53_record.www", &["aws_instance.app"], true, true),
                step("aws_cloudwatch_metric_alarm.x", &["aws_route53_record.www"], true, false),
            ],
        };
        let stages = Stages::of(&execution);
        let set = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(stages.approval_roots, set(&["aws_db_instance.db"]));
        assert_eq!(stages.approved, set(&["aws_db_instance.db", "aws_instance.app"]));
        assert_eq!(stages.cutover, set(&["aws_cloudwatch_metric_alarm.x", "aws_route53_record.www"]));
        assert!(stages.cutover_approval);
        assert!(!stages.later().contains("aws_vpc.a"));
    }
}
