//! The runbook model: everything a runbook shows, gathered by `ops::runbook` and printed by
//! [`crate::render::runbook`].

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
    /// What `drplan readiness` finds in this plan, for the pre-flight checks.
    pub readiness: crate::readiness::Report,
}
