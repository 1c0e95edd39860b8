//! `drplan runbook`: the plan, the dependency graph, the checks and the contacts, gathered
//! into the model [`crate::render::runbook`] prints.

use super::plan::{PlanOptions, plan};
use crate::error::Error;
use crate::plan::Plan;

/// A smoke test, with its arguments as text (unknown ones say so).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckSummary {
    pub name: String,
    pub kind: String,
    pub args: Vec<(String, String)>,
}

/// Everything a runbook shows.
#[derive(Clone, Debug)]
pub struct Runbook {
    pub plan: Plan,
    /// The resource graph, as Mermaid.
    pub topology: String,
    pub checks: Vec<CheckSummary>,
    pub contacts: Vec<(String, String)>,
}

pub fn runbook(opts: &PlanOptions) -> Result<Runbook, Error> {
    let planned = plan(opts)?;
    let exp = &planned.config.expansion;
    let topology = crate::graph::render::mermaid(&planned.config.graph);
    let checks = exp
        .checks
        .iter()
        .map(|c| CheckSummary {
            name: c.name.clone(),
            kind: c.kind.clone(),
            args: c
                .args
                .iter()
                .map(|(k, v)| (k.clone(), v.to_template_string().unwrap_or_else(|| "(known after apply)".into())))
                .collect(),
        })
        .collect();
    let contacts = exp.contacts.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    Ok(Runbook { plan: planned.plan, topology, checks, contacts })
}
