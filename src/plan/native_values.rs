//! The values of native changes as terraform-provider-aws plans them. drplan decides a native
//! instance's action itself (its own diff, its DR create paths); the values a create or an
//! update shows (`after`, `after_unknown`, `after_sensitive`) are the provider's, as
//! `terraform plan` shows them: defaults (`desync_mitigation_mode = "defensive"`), `tags_all`,
//! empty blocks, computed attributes unknown. All are planned in one batch once the native
//! decisions are made. Without the provider, native changes keep the configuration's values
//! and the plan says the provider's are missing ([`missing_provider_warning`]).
//!
//! Not here: deciding actions (see [`super::decide`]), instances the provider plans alone
//! (see [`super::served`]).

use super::json;
use super::*;
use crate::diag::{Diagnostic, Diagnostics};
use crate::expand::Expansion;
use crate::live::Inventory;
use crate::provider::host::{PlanItem, native_prior};
use crate::provider::{Host, codec};

/// Whether `c`, the change of native instance `inst`, shows values the provider plans: a
/// create or an update of a managed type drplan serves itself (instances delegated to the
/// provider are planned by it already).
fn provider_planned(c: &ResourceChange, inst: &crate::expand::Instance) -> bool {
    c.mode == Mode::Managed
        && !inst.via_provider
        && crate::resources::get(&c.ty).is_some()
        && c.change.actions.iter().any(|a| matches!(a, Action::Create | Action::Update))
}

/// Replaces the values of the native creates and updates in `changes` with the provider's
/// plan of the same configuration and prior state; what the provider refuses is an error at
/// the block, as for the types it serves.
pub(super) fn fill(
    host: &Host,
    exp: &Expansion,
    inv: &Inventory,
    changes: &mut [(usize, ResourceChange)],
    diags: &mut Diagnostics,
) {
    let mut items = Vec::new();
    let mut slots = Vec::new();
    for (slot, (i, c)) in changes.iter().enumerate() {
        let inst = &exp.instances[*i];
        let Some(block) = host.block(Mode::Managed, &c.ty).filter(|_| provider_planned(c, inst)) else { continue };
        let config = codec::configuration(&inst.config, block, &inst.written);
        // A replacement is planned as the create it ends in; an update from the live object.
        let live = (c.change.actions == [Action::Update])
            .then_some(c.drplan.live_id.as_deref())
            .flatten()
            .and_then(|id| inv.of_type(&c.ty, &c.drplan.region).find(|o| o.id == id));
        let prior = live.map_or(crate::eval::Value::Null, |l| native_prior(block, l, &config));
        items.push(PlanItem { ty: c.ty.clone(), config, prior });
        slots.push(slot);
    }
    if items.is_empty() {
        return;
    }
    for (slot, answer) in slots.into_iter().zip(host.plan_all(&items)) {
        let (i, c) = &mut changes[slot];
        let inst = &exp.instances[*i];
        match answer {
            Ok(planned) => {
                let sensitive = super::served::sensitive_attrs(host, inst);
                let shown = match c.change.actions == [Action::Update] {
                    true => super::shown_tags::as_terraform_shows(inst, planned.planned),
                    false => super::shown_tags::as_terraform_plans_afresh(inst, planned.planned),
                };
                let shown = match host.block(Mode::Managed, &c.ty) {
                    Some(block) => {
                        let shown = json::terraform_shape(shown, block);
                        c.drplan.single_blocks = json::single_blocks(&shown, block);
                        shown
                    }
                    None => shown,
                };
                let (after, after_unknown, after_sensitive) = json::object(&shown, &sensitive);
                c.change.after = after.into();
                c.change.after_unknown = after_unknown.into();
                c.change.after_sensitive = after_sensitive.into();
            }
            Err(why) if why == crate::provider::host::NOT_PLANNED_AFTER_CRASH => {}
            Err(why) => diags.push(
                Diagnostic::error("The provider refused to plan this resource")
                    .detail(format!("terraform-provider-aws {} planning {}: {why}", host.version, inst.addr))
                    .at(inst.span),
            ),
        }
    }
}

/// Said once when native changes show only their configuration's values because no provider
/// was found to plan the rest.
pub(super) fn missing_provider_warning(exp: &Expansion, changes: &[(usize, ResourceChange)]) -> Option<String> {
    let count = changes.iter().filter(|(i, c)| provider_planned(c, &exp.instances[*i])).count();
    (count > 0).then(|| {
        let what = if count == 1 { "1 native create or update shows" } else { "native creates and updates show" };
        format!(
            "terraform-provider-aws was not found, so {what} only the configuration's values: the provider's defaults and computed attributes are missing (`terraform init` installs it)."
        )
    })
}
