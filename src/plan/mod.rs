//! The plan: one serde model, computed here and only *read* by the renderers in
//! [`crate::render`]. It is Terraform's `show -json` plan format (`resource_changes` with
//! no-ops, `planned_values`, `prior_state`, `configuration`, ...: see [`terraform`]), so
//! policies written for Terraform plans (Checkov, OPA, conftest) run on it; drplan adds
//! `execution` (dependency order of the steps), `drift`, `warnings`, `recovery` and a
//! `fingerprint` that `apply` uses to refuse a stale plan.
//!
//! Computing a plan: [`view::PlanView`] answers the evaluator's questions from the live
//! inventory, [`decide`] (over the schema-aware [`diff`] and the type's own rules) decides each
//! kept object's change, [`build::build`] assembles. Recovery estimates are filled in
//! afterwards by [`crate::recovery::assess`]; this module does not import it.

pub mod build;
mod changes;
pub use changes::recorded;
pub mod counterpart;
pub mod decide;
pub mod deferred;
pub mod diff;
mod doc;
mod document;
pub mod gates;
mod json;
mod native_values;
pub mod ownership;
pub mod served;
mod shown_tags;
pub mod terraform;
pub mod unmanaged;
pub mod view;

pub use doc::Doc;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Mode;
use crate::resources::StepAction;

/// The plan format version: Terraform's JSON plan format version, whose fields drplan writes.
/// Readers refuse other major versions.
pub const FORMAT_VERSION: &str = "1.2";
/// `provider_name` in resource changes, as Terraform writes it.
pub const PROVIDER_NAME: &str = "registry.terraform.io/hashicorp/aws";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    Delete,
}

/// Written by [`document`] (which also derives `planned_values` and `prior_state` from the
/// changes); the `skip_serializing_if` rules live there, the defaults for reading here.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Plan {
    pub format_version: String,
    /// The Terraform release whose JSON plan format this follows ([`terraform::TERRAFORM_FORMAT`]).
    #[serde(default)]
    pub terraform_version: String,
    pub drplan_version: String,
    pub stack: String,
    /// The DR region everything is built in.
    pub region: String,
    #[serde(default)]
    pub primary_region: Option<String>,
    /// The AWS account the plan's credentials act in (read from AWS; none offline).
    #[serde(default)]
    pub account_id: Option<String>,
    pub workspace: String,
    /// The failover phase it was planned for (`--phase`); a saved plan applies only in it.
    #[serde(default)]
    pub phase: crate::expand::Phase,
    /// The configuration directory, recorded in saved plan files so `drplan apply PLANFILE`
    /// finds it (absent from rendered plans).
    #[serde(default)]
    pub config_dir: Option<String>,
    /// A destroy plan (`drplan destroy`, `plan --destroy`): every owned object is deleted.
    #[serde(default)]
    pub destroy: bool,
    /// Apply creates the stack's seed secret (`drplan/<stack>/stack-seed` in the DR region)
    /// before its steps: the configuration derives values from it and it does not exist yet.
    #[serde(default)]
    pub creates_stack_seed: bool,
    /// When the live state was read (offline: the snapshot's `captured_at`).
    pub live_captured_at: String,
    pub fingerprint: Fingerprint,
    /// `--target` addresses the plan was limited to (empty: everything).
    #[serde(default)]
    pub targets: Vec<String>,
    /// Root variable values, as Terraform writes them; sensitive ones (and unknown ones) are
    /// left out, since a plan never holds a secret.
    #[serde(default)]
    pub variables: BTreeMap<String, terraform::VariableValue>,
    /// Owned objects changed outside drplan, as Terraform reports drift.
    #[serde(default)]
    pub resource_drift: Vec<ResourceChange>,
    /// One record per declared instance, unchanged ones (`no-op`) too, then the deletes.
    pub resource_changes: Vec<ResourceChange>,
    pub output_changes: BTreeMap<String, OutputChange>,
    /// The configuration, as Terraform's JSON plan describes it ([`crate::config::describe`]).
    #[serde(default)]
    pub configuration: Doc,
    #[serde(default)]
    pub relevant_attributes: Vec<terraform::RelevantAttribute>,
    /// The configuration's `check` blocks as Terraform lists checkable objects: their status is
    /// `unknown` in a plan (drplan's probes run after apply, in a drill or before a cutover).
    #[serde(default)]
    pub checks: Vec<terraform::CheckResult>,
    /// Terraform's plan timestamp: here when the live state was read, so plans stay
    /// byte-identical.
    #[serde(default)]
    pub timestamp: String,
    /// Whether applying it would change anything.
    #[serde(default)]
    pub applyable: bool,
    /// False when `--target` limited it.
    #[serde(default)]
    pub complete: bool,
    #[serde(default)]
    pub errored: bool,
    /// Owned objects whose live attributes differ from the configuration (changed outside drplan).
    pub drift: Vec<Drift>,
    /// Primary-side resources of a two-region root: never changed, looked up (found or not).
    #[serde(default)]
    pub counterparts: Vec<counterpart::Counterpart>,
    /// Resources left to other tools (`recovery.unmanaged`): never changed, planned around.
    #[serde(default)]
    pub unmanaged: Vec<unmanaged::Unmanaged>,
    pub warnings: Vec<String>,
    /// Changes outside the DR region: what the failback phase builds in the primary region
    /// (`recovery.failback`). Empty in every other phase.
    #[serde(default)]
    pub failback_writes: Vec<String>,
    pub execution: Execution,
    pub recovery: RecoverySection,
    pub summary: Summary,
}

/// Hashes of what the plan was computed from; `apply` recomputes them and refuses a mismatch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// SHA-256 of every configuration and variables file, the variable values and the workspace.
    pub config: String,
    /// SHA-256 of the live objects the plan depends on (owned objects and data-source results).
    pub live: String,
    /// Those objects, as `region/type/id`, so a stale plan can say what changed.
    pub live_objects: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_address: Option<String>,
    pub mode: Mode,
    #[serde(rename = "type")]
    pub ty: String,
    pub name: String,
    /// The `count` index (number) or `for_each` key (string); absent for single instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<serde_json::Value>,
    pub provider_name: String,
    pub change: Change,
    /// Terraform's reasons: `replace_because_cannot_update`, `delete_because_no_resource_config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_reason: Option<String>,
    pub drplan: ChangeDetail,
}

impl ResourceChange {
    pub fn is_replace(&self) -> bool {
        self.change.actions.len() == 2
    }

    /// What applying the change does; `None` for a no-op.
    pub fn verb(&self) -> Option<StepAction> {
        match self.change.actions.as_slice() {
            [_, _] => Some(StepAction::Replace),
            [Action::Create] => Some(StepAction::Create),
            [Action::Update] => Some(StepAction::Update),
            [Action::Delete] => Some(StepAction::Delete),
            [Action::Read] => Some(StepAction::Read),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub actions: Vec<Action>,
    /// Held as text ([`Doc`]): a plan keeps one of each per change.
    pub before: Doc,
    pub after: Doc,
    pub after_unknown: Doc,
    pub before_sensitive: Doc,
    pub after_sensitive: Doc,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace_paths: Vec<Vec<String>>,
}

impl Change {
    /// The change's values parsed, for readers that look into them (renderers).
    pub fn parsed(&self) -> ChangeValues {
        ChangeValues {
            before: self.before.value(),
            after: self.after.value(),
            after_unknown: self.after_unknown.value(),
            before_sensitive: self.before_sensitive.value(),
            after_sensitive: self.after_sensitive.value(),
        }
    }
}

/// A [`Change`]'s values, parsed ([`Change::parsed`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeValues {
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    pub after_unknown: serde_json::Value,
    pub before_sensitive: serde_json::Value,
    pub after_sensitive: serde_json::Value,
}

/// drplan's own detail about a change, read by the human and Markdown renderers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeDetail {
    pub region: String,
    /// The live object's id, when one exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_id: Option<String>,
    /// Attributes that change (update, replace), with whether each forces replacement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeChange>,
    /// Attributes worth showing for a create: those the configuration sets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shown: Vec<String>,
    /// Why, in words: "cidr_block forces replacement", "no longer declared".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// A provider-served write's `drplan:config` tag (the digest of the configuration written,
    /// see `provider::ownership`): ownership tags are not in `after`, and an object created by
    /// hand from the runbook needs it to be taken as written with this configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    /// Nested blocks of which the type has at most one (`timeouts`): the change's values hold
    /// each as an object, as Terraform's JSON does, and renderers show it as a block.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub single_blocks: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeChange {
    pub name: String,
    pub forces_replacement: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputChange {
    pub actions: Vec<Action>,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    pub after_unknown: bool,
    pub before_sensitive: bool,
    pub after_sensitive: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    pub address: String,
    pub live_id: String,
    pub attributes: Vec<String>,
}

/// The steps apply will run, in a valid dependency order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub address: String,
    pub action: StepAction,
    /// Steps that must finish first.
    pub depends_on: Vec<String>,
    /// Part of the cutover: applied after every other step and every check passed (failover
    /// and failback; see [`gates`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cutover: bool,
    /// Apply stops for an operator's approval before this step (`recovery.approve`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approval: bool,
    /// A native type's instance that terraform-provider-aws plans and applies: its block sets
    /// what drplan's native writes do not apply (`ResourceType::not_applied`) or only the
    /// provider has.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delegated: bool,
}

/// Recovery objectives and what this plan is estimated to achieve (see [`crate::recovery`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecoverySection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rto_objective_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpo_objective_seconds: Option<u64>,
    /// The critical path of this plan's steps.
    #[serde(default)]
    pub rto_estimate_seconds: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub critical_path: Vec<String>,
    /// Every step's estimate and where it came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub step_estimates: Vec<StepEstimate>,
    /// Per database recovered: how old its data may be.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rpo_estimates: Vec<RpoEstimate>,
    /// The `sql` checks with `max_age`: they measure the recovery point on the restored data
    /// (drills report it; a failover's cutover waits for it), as "name (max_age 15m)".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rpo_measured_by: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verdicts: Vec<Verdict>,
}

/// One step's expected duration and where the figure came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepEstimate {
    pub address: String,
    pub seconds: u64,
    /// "model: ...", "recovery.durations", or "measured: ...".
    pub source: String,
    /// No figure is known for the type: `seconds` is a placeholder (see `Verdict::guessed`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub guess: bool,
}

/// How much data a recovered database may lack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpoEstimate {
    pub address: String,
    /// `None` when it cannot be known from live state (the source says why).
    pub seconds: Option<u64>,
    pub source: String,
    /// Created from nothing: it recovers no data at all (no replica, snapshot or restore).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty: bool,
}

/// An objective against its estimate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// "rto" or "rpo".
    pub objective: String,
    pub objective_seconds: u64,
    pub estimate_seconds: Option<u64>,
    /// `None`: not known (an estimate is missing, or rests on guesses).
    pub met: Option<bool>,
    /// Steps whose durations are guesses (no figure known for their type): an estimate within
    /// the objective is then not called met.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guessed: Vec<String>,
}

impl RecoverySection {
    /// True when an objective is known to be breached.
    pub fn breached(&self) -> bool {
        self.verdicts.iter().any(|v| v.met == Some(false))
    }

    /// True when a verdict within its objective rests on guessed durations.
    pub fn unproven(&self) -> bool {
        self.verdicts.iter().any(|v| v.met.is_none() && !v.guessed.is_empty())
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub read: usize,
}

impl Summary {
    pub fn has_changes(&self) -> bool {
        self.add + self.change + self.destroy > 0
    }
}

impl Plan {
    /// The plan as pretty JSON (saved plan files, `--format json`).
    pub fn to_json(&self) -> String {
        let mut bytes = Vec::new();
        self.write_json(&mut bytes).expect("a plan always serializes");
        String::from_utf8(bytes).expect("serde_json writes UTF-8")
    }

    /// Writes [`Plan::to_json`]'s text to `out` as it is produced: a plan of tens of thousands
    /// of changes is never held in memory as text as well as as a model.
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self).map_err(std::io::Error::from)?;
        out.write_all(b"\n")
    }

    /// Reads a saved plan file.
    pub fn from_json(text: &str) -> Result<Plan, String> {
        let plan: Plan =
            serde_json::from_str(text).map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?;
        if plan.format_version.split('.').next() != FORMAT_VERSION.split('.').next() {
            return Err(format!(
                "plan format {} is not supported (this drplan reads {FORMAT_VERSION})",
                plan.format_version
            ));
        }
        Ok(plan)
    }
}
