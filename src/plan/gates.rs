//! Which steps of a plan are gated, decided once while the plan is built: the **cutover** (steps
//! that move traffic, and what depends on them) in the failover and failback phases, and the
//! steps the `recovery` block's `approve` setting stops before. `apply` reads the marks (see
//! [`crate::ops::stages`]); renderers show them; nothing else decides them.
//!
//! In standby the DR side's records are part of the standby (failover routing moves traffic only
//! when the primary's health check fails), so nothing is cutover; a destroy has no gates.

use std::collections::BTreeSet;

use super::{Execution, ResourceChange};
use crate::expand::Recovery;
use crate::recovery::Phase;

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
    for step in &mut execution.steps {
        step.cutover = cutover.contains(&step.address);
        let asked = type_of(changes, &step.address)
            .is_some_and(|ty| recovery.approve.steps.matching(ty, &step.address).is_some());
        step.approval = asked || (step.cutover && recovery.approve.cutover);
    }
}

/// The steps that move traffic, whatever the phase: changes of types that always do
/// (Route 53 records and health checks) or that `recovery.cutover` lists, and every step that
/// depends on one of them. A drill never runs these.
pub fn moving_traffic(execution: &Execution, changes: &[ResourceChange], recovery: &Recovery) -> BTreeSet<String> {
    let moves = |address: &str| {
        type_of(changes, address).is_some_and(|ty| {
            crate::resources::get(ty).is_some_and(|t| t.moves_traffic())
                || recovery.cutover.matching(ty, address).is_some()
        })
    };
    let roots = execution.steps.iter().filter(|s| moves(&s.address));
    with_dependents(execution, roots.map(|s| s.address.clone()).collect())
}

fn type_of<'c>(changes: &'c [ResourceChange], address: &str) -> Option<&'c str> {
    changes.iter().find(|c| c.address == address).map(|c| c.ty.as_str())
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
