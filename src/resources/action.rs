//! What a plan step does to its object: the typed action a plan records, apply schedules and
//! journals, and renderers and types (estimates, runbook text) read, as OpenTofu's
//! `plans.Action`. It sits in `resources` because a type's own rules depend on it and every
//! layer above speaks it. Its serialized form is the lower-case word, as in saved plans and
//! journals.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepAction {
    Create,
    /// Changed in place.
    Update,
    /// Deleted, then created again.
    Replace,
    Delete,
    /// A data source read at apply time (its arguments were not known while planning).
    Read,
}

impl StepAction {
    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::Create => "create",
            StepAction::Update => "update",
            StepAction::Replace => "replace",
            StepAction::Delete => "delete",
            StepAction::Read => "read",
        }
    }

    /// Whether the step makes a new object (a create, or the second half of a replace).
    pub fn creates(self) -> bool {
        matches!(self, StepAction::Create | StepAction::Replace)
    }
}

impl std::fmt::Display for StepAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_the_words_saved_plans_and_journals_hold() {
        for a in [StepAction::Create, StepAction::Update, StepAction::Replace, StepAction::Delete, StepAction::Read] {
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{a}\""));
            assert_eq!(serde_json::from_str::<StepAction>(&format!("\"{}\"", a.as_str())).unwrap(), a);
        }
    }
}
