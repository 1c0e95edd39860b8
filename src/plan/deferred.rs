//! Data sources read during apply because what they wait for has changes pending, as Terraform
//! defers them ("depends on a resource or a module with changes pending"): a data source that
//! names a managed resource, or whose `depends_on` does, is read after that resource is
//! written, so it sees what apply made. Which instances each one waits for is expansion's to
//! find ([`crate::expand::Instance::waits_on`]); whether they have changes pending is read here
//! from a plan, and the next plan reads those data sources during apply
//! ([`super::view::PlanView::with_deferred`]).
//!
//! Data sources drplan computes from their arguments alone (`aws_iam_policy_document`,
//! `archive_file`, ...) are read while planning whenever their arguments are known: nothing a
//! write does can change what they compute. Terraform defers those too; drplan knows their
//! values earlier, and says so in docs/configuration.md.

use std::collections::{BTreeSet, HashMap};

use super::{Action, Plan};
use crate::config::Mode;
use crate::expand::Expansion;

/// The addresses of the data sources `plan` shows are to be read during apply, given what it
/// plans for the instances they wait for.
pub fn reads(exp: &Expansion, plan: &Plan) -> BTreeSet<String> {
    let actions: HashMap<&str, &[Action]> =
        plan.resource_changes.iter().map(|c| (c.address.as_str(), c.change.actions.as_slice())).collect();
    let mut pending: HashMap<usize, bool> = HashMap::new();
    exp.instances
        .iter()
        .filter(|inst| inst.mode == Mode::Data && !crate::live::computed::is_computed(&inst.ty))
        .filter(|inst| inst.waits_on.iter().any(|&i| has_changes(exp, &actions, i, &mut pending)))
        .map(|inst| inst.addr.clone())
        .collect()
}

/// Whether instance `i` has a change pending: a create, update, replacement or delete of its
/// object. A graph-only resource (`time_sleep`, `terraform_data`, ...) keeps no object: it has
/// one when something it depends on does, which is when apply runs it.
fn has_changes(exp: &Expansion, actions: &HashMap<&str, &[Action]>, i: usize, memo: &mut HashMap<usize, bool>) -> bool {
    if let Some(&known) = memo.get(&i) {
        return known;
    }
    memo.insert(i, false); // a cycle (reported elsewhere) ends here
    let inst = &exp.instances[i];
    let changes = if crate::resources::graph_only::is(&inst.ty) {
        inst.deps.iter().any(|&d| exp.instances[d].mode == Mode::Managed && has_changes(exp, actions, d, memo))
    } else {
        actions.get(inst.addr.as_str()).is_some_and(|a| a.iter().any(|a| !matches!(a, Action::NoOp | Action::Read)))
    };
    memo.insert(i, changes);
    changes
}
