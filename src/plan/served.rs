//! Planning the instances of types drplan does not serve natively: the provider host
//! ([`crate::provider::Host`]) plans each from its prior state (the live object found by its
//! ownership tags, in the provider's state form) and its configuration, all at once, and
//! [`super::decide::decide_served`] turns the provider's answer into a create, an update, a
//! replacement or nothing. The change records have the same shape as native ones.

use std::collections::BTreeSet;

use super::changes::base;
use super::decide::{ServedDecision, decide_served, served_config};
use super::json;
use super::*;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::Value;
use crate::expand::Instance;
use crate::live::{Inventory, LiveObject};
use crate::provider::host::{PlanItem, PlannedState};
use crate::provider::ownership::{carrier, with_ownership_tags, without_unknown_digest};
use crate::provider::schema::Block;
use crate::provider::{Host, codec};

/// One instance to plan through the provider.
pub(super) struct Work<'i> {
    pub index: usize,
    pub inst: &'i Instance,
    pub region: String,
    pub live: Option<&'i LiveObject>,
}

/// The configuration the provider is given for `inst` (its type's schema is `block`): what it
/// sets, with ownership tags. Planning and apply's resolver both build it here.
pub fn provider_config(block: &Block, inst: &Instance, stack: &str) -> Value {
    let config = codec::configuration(&inst.config, block, &inst.written);
    with_ownership_tags(config, block, stack, &inst.addr)
}

/// What planning the served instances produced: (instance index, change) pairs.
#[derive(Default)]
pub(super) struct Out {
    pub changes: Vec<(usize, ResourceChange)>,
    /// No-ops: the live object already matches.
    pub unchanged: Vec<(usize, ResourceChange)>,
    pub warnings: Vec<String>,
}

/// Plans every `work` item through `host`; changes go to `out`, refusals to `diags`.
pub(super) fn plan(host: &Host, stack: &str, inv: &Inventory, work: &[Work], out: &mut Out, diags: &mut Diagnostics) {
    let mut not_found_again = BTreeSet::new();
    let mut items = Vec::with_capacity(work.len());
    let none = Block::default();
    for w in work {
        let block = host.block(Mode::Managed, &w.inst.ty).unwrap_or(&none);
        let config = provider_config(block, w.inst, stack);
        let prior = host.block_on(host.refreshed_prior(&w.inst.ty, w.live, &config));
        let config = without_unknown_digest(config, &prior);
        items.push(PlanItem { ty: w.inst.ty.clone(), config: served_config(config, &prior, &w.inst.lifecycle), prior });
    }
    for ((w, item), answer) in work.iter().zip(&items).zip(host.plan_all(&items)) {
        let planned = match answer {
            Ok(planned) => planned,
            Err(why) if why == crate::provider::host::NOT_PLANNED_AFTER_CRASH => continue,
            Err(why) => {
                diags.push(
                    Diagnostic::error("The provider refused to plan this resource")
                        .detail(format!("terraform-provider-aws {} planning {}: {why}", host.version, w.inst.addr))
                        .at(w.inst.span),
                );
                continue;
            }
        };
        let untaggable = host.block(Mode::Managed, &w.inst.ty).is_some_and(|b| carrier(b).is_none());
        let mut settled =
            crate::provider::ownership::unread_defaults(&item.prior, &item.config, &planned.planned, untaggable);
        let block = host.block(Mode::Managed, &w.inst.ty).unwrap_or(&none);
        settled.extend(crate::provider::state::restored_args(block, &w.inst.ty, w.live, &item.config));
        let decision = decide_served(&item.prior, &planned.planned, &planned.requires_replace, &settled);
        let sensitive = sensitive_attrs(host, w.inst);
        if let Some(live) = w.live.filter(|_| decision.changed.is_empty()) {
            out.unchanged
                .push((w.index, super::changes::unchanged(w.inst, &w.region, &live.id, &item.prior, &sensitive)));
            continue;
        }
        // Found by the import id its configuration implies (AWS cannot tag it): changed only
        // when its parent is this stack's.
        if let Some(live) = w.live
            && let Some(why) = super::ownership::unproven(inv, stack, live, &item.config, Some(false))
        {
            diags.push(
                Diagnostic::error("Object not proven drplan's")
                    .detail(format!(
                        "{} would change the existing {} {}, but drplan cannot prove it manages it: {why}.",
                        w.inst.addr, live.ty, live.id
                    ))
                    .at(w.inst.span)
                    .hint(super::ownership::hint(&w.inst.ty)),
            );
            continue;
        }
        if decision.replace() && w.inst.lifecycle.prevent_destroy {
            diags.push(
                Diagnostic::error("Instance cannot be destroyed")
                    .detail(format!(
                        "{} has lifecycle.prevent_destroy set, but the plan would replace it ({} forces replacement).",
                        w.inst.addr,
                        decision.replace_because.join(", ")
                    ))
                    .at(w.inst.span)
                    .hint("revert the change, or remove prevent_destroy if replacing it is intended"),
            );
            continue;
        }
        let found_by_import = crate::resources::imports::find(&w.inst.ty).is_some();
        if w.live.is_none()
            && !found_by_import
            && crate::resources::get(&w.inst.ty).is_none()
            && host.block(Mode::Managed, &w.inst.ty).is_some_and(|b| carrier(b).is_none())
        {
            not_found_again.insert(w.inst.addr.clone());
        }
        out.changes.push((w.index, change(w, (&item.prior, &planned), block, &decision, &sensitive)));
    }
    if !not_found_again.is_empty() {
        let list: Vec<String> = not_found_again.into_iter().collect();
        let (obj, it) = if list.len() == 1 { ("this object", "it") } else { ("these objects", "them") };
        out.warnings.push(format!(
            "{}: AWS cannot tag {obj}, so drplan cannot find {it} again once created and every plan plans {it} as new (harmless only where creating {it} again is idempotent in AWS). List {it} in recovery.unmanaged to leave {it} to other tools.",
            list.join(", ")
        ));
    }
}

/// The instance's sensitive attributes and those either schema (drplan's, the provider's)
/// marks sensitive.
pub(super) fn sensitive_attrs(host: &Host, inst: &Instance) -> BTreeSet<String> {
    let mut out = super::changes::with_schema_secrets(&inst.ty, &inst.sensitive_attrs);
    if let Some(block) = host.block(Mode::Managed, &inst.ty) {
        out.extend(block.attributes.iter().filter(|(_, a)| a.sensitive).map(|(k, _)| k.clone()));
    }
    out
}

fn change(
    w: &Work,
    (prior, planned): (&Value, &PlannedState),
    block: &Block,
    decision: &ServedDecision,
    sensitive: &BTreeSet<String>,
) -> ResourceChange {
    let shown = |v: &Value| json::terraform_shape(super::shown_tags::as_terraform_shows(w.inst, v.clone()), block);
    let afresh = w.live.is_none() || decision.replace();
    let after = match afresh {
        true => {
            json::terraform_shape(super::shown_tags::as_terraform_plans_afresh(w.inst, planned.planned.clone()), block)
        }
        false => shown(&planned.planned),
    };
    let single_blocks = json::single_blocks(&after, block);
    let (after, after_unknown, after_sensitive) = json::object(&after, sensitive);
    let (before, before_sensitive) = match w.live {
        Some(_) => {
            let (before, _, mask) = json::object(&shown(prior), sensitive);
            (before, mask)
        }
        None => (serde_json::Value::Null, false.into()),
    };
    let actions = match (w.live.is_some(), decision.replace(), w.inst.lifecycle.create_before_destroy) {
        (false, _, _) => vec![Action::Create],
        (true, false, _) => vec![Action::Update],
        (true, true, false) => vec![Action::Delete, Action::Create],
        (true, true, true) => vec![Action::Create, Action::Delete],
    };
    let replace_paths = decision.replace_because.iter().map(|n| vec![n.clone()]).collect();
    let mut c = base(
        w.inst,
        &w.region,
        Change {
            actions,
            before: before.into(),
            after: after.into(),
            after_unknown: after_unknown.into(),
            before_sensitive: before_sensitive.into(),
            after_sensitive: after_sensitive.into(),
            replace_paths,
        },
    );
    c.drplan.single_blocks = single_blocks;
    c.drplan.config_digest =
        crate::provider::ownership::tags_of(&planned.planned).remove(crate::provider::ownership::CONFIG_TAG);
    match w.live {
        None => c.drplan.shown = super::shown_tags::shown_on_create(w.inst),
        Some(live) => {
            c.drplan.live_id = Some(live.id.clone());
            c.drplan.shown = decision.changed.clone();
            c.drplan.attributes = decision
                .changed
                .iter()
                .map(|n| AttributeChange { name: n.clone(), forces_replacement: decision.replace_because.contains(n) })
                .collect();
            if decision.replace() {
                c.action_reason = Some("replace_because_cannot_update".into());
                c.drplan.reasons = decision.replace_because.iter().map(|n| format!("{n} forces replacement")).collect();
            }
        }
    }
    c
}
