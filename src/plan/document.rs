//! How a [`Plan`] is written: its fields in the order of Terraform's JSON plan, with the two
//! sections that only restate the changes (`planned_values` and `prior_state`) derived while
//! the plan is written instead of being stored in it, as Terraform's own `jsonplan` derives
//! them. A plan of tens of thousands of changes so holds each value once. Reading a plan file
//! ([`Plan::from_json`]) skips those sections; writing it again derives them again, byte for
//! byte.
//!
//! Every field of [`Plan`] is listed here once more, by reference: a field missing here is not
//! written, and the saved-plan round trip test (`saved_plans_show_exactly_what_was_planned`)
//! fails.

use std::collections::BTreeMap;

use serde::Serialize;

use super::terraform::{self, PriorState, Values};
use super::*;

#[derive(Serialize)]
struct Document<'p> {
    format_version: &'p str,
    terraform_version: &'p str,
    drplan_version: &'p str,
    stack: &'p str,
    region: &'p str,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_region: Option<&'p String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'p String>,
    workspace: &'p str,
    phase: crate::expand::Phase,
    #[serde(skip_serializing_if = "Option::is_none")]
    config_dir: Option<&'p String>,
    #[serde(skip_serializing_if = "not")]
    destroy: bool,
    #[serde(skip_serializing_if = "not")]
    creates_stack_seed: bool,
    live_captured_at: &'p str,
    fingerprint: &'p Fingerprint,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    targets: &'p [String],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    variables: &'p BTreeMap<String, terraform::VariableValue>,
    planned_values: Values<'p>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    resource_drift: &'p [ResourceChange],
    resource_changes: &'p [ResourceChange],
    output_changes: &'p BTreeMap<String, OutputChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prior_state: Option<PriorState<'p>>,
    configuration: &'p super::Doc,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    relevant_attributes: &'p [terraform::RelevantAttribute],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    checks: &'p [terraform::CheckResult],
    timestamp: &'p str,
    applyable: bool,
    complete: bool,
    errored: bool,
    drift: &'p [Drift],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    counterparts: &'p [counterpart::Counterpart],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unmanaged: &'p [unmanaged::Unmanaged],
    warnings: &'p [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    failback_writes: &'p [String],
    execution: &'p Execution,
    recovery: &'p RecoverySection,
    summary: &'p Summary,
}

fn not(b: &bool) -> bool {
    !b
}

impl Serialize for Plan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self;
        Document {
            format_version: &p.format_version,
            terraform_version: &p.terraform_version,
            drplan_version: &p.drplan_version,
            stack: &p.stack,
            region: &p.region,
            primary_region: p.primary_region.as_ref(),
            account_id: p.account_id.as_ref(),
            workspace: &p.workspace,
            phase: p.phase,
            config_dir: p.config_dir.as_ref(),
            destroy: p.destroy,
            creates_stack_seed: p.creates_stack_seed,
            live_captured_at: &p.live_captured_at,
            fingerprint: &p.fingerprint,
            targets: &p.targets,
            variables: &p.variables,
            planned_values: terraform::planned_values(&p.resource_changes, &p.output_changes),
            resource_drift: &p.resource_drift,
            resource_changes: &p.resource_changes,
            output_changes: &p.output_changes,
            prior_state: terraform::prior_state(&p.resource_changes),
            configuration: &p.configuration,
            relevant_attributes: &p.relevant_attributes,
            checks: &p.checks,
            timestamp: &p.timestamp,
            applyable: p.applyable,
            complete: p.complete,
            errored: p.errored,
            drift: &p.drift,
            counterparts: &p.counterparts,
            unmanaged: &p.unmanaged,
            warnings: &p.warnings,
            failback_writes: &p.failback_writes,
            execution: &p.execution,
            recovery: &p.recovery,
            summary: &p.summary,
        }
        .serialize(s)
    }
}
