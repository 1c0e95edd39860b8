//! Where an instance lives relative to the DR region: managed resources on another region's
//! provider are read-only counterparts (said once, or refused), except what `recovery.failback`
//! lists in the failback phase, which drplan builds in the primary region.

use std::collections::{BTreeMap, BTreeSet};

use super::{Engine, Instance};
use crate::diag::Diagnostic;

impl Engine<'_> {
    /// Whether a managed resource of `ty` on a provider for `region` lies outside the DR
    /// region. Global types (Route 53) are one service whatever provider reaches them.
    pub(super) fn outside_dr_region(&self, ty: &str, region: Option<&str>) -> bool {
        let (Some(recovery), Some(region)) = (&self.out.recovery, region) else { return false };
        // Graph-only types (random_id, terraform_data) have no region: never counterparts.
        region != recovery.region
            && !crate::resources::get(ty).is_some_and(|t| t.global())
            && !crate::resources::graph_only::is(ty)
    }

    /// Whether `decl` (at `base`, its address without instance keys) is one of the resources
    /// `recovery.failback` lets drplan build outside the DR region, and the phase is failback.
    /// Only natively served types can be: the provider host is configured for the DR region.
    pub(super) fn written_in_failback(&mut self, decl: &crate::config::ResourceDecl, base: &str) -> bool {
        let Some(recovery) = &self.out.recovery else { return false };
        if recovery.failback.matching(&decl.ty, base).is_none() {
            return false;
        }
        if crate::resources::get(&decl.ty).is_none() {
            self.diags.push(
                Diagnostic::error("Unsupported failback resource")
                    .detail(format!(
                        "{base} is listed in recovery.failback, but {} is served through terraform-provider-aws, which drplan runs for the DR region only; failback writes to the primary region are for natively served types (docs/resources.md).",
                        decl.ty
                    ))
                    .at(decl.span),
            );
            return false;
        }
        self.opts.phase == crate::expand::Phase::Failback
    }

    /// Managed resources live in the DR region only; the primary region is read-only. In a
    /// two-region root, the primary's resources are read-only counterparts (said once), or
    /// errors when the recovery block asks for that.
    pub(super) fn check_regions(&mut self) {
        let Some(recovery) = &self.out.recovery else {
            return;
        };
        let outside: Vec<&Instance> = self.out.instances.iter().filter(|i| i.read_only).collect();
        if outside.is_empty() {
            return;
        }
        if !recovery.refuse_primary_resources {
            let mut regions: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for inst in &outside {
                regions.entry(inst.region.as_deref().unwrap_or_default()).or_default().insert(&inst.provider);
            }
            let list: Vec<String> = regions
                .iter()
                .map(|(r, p)| format!("{r} (provider {})", p.iter().copied().collect::<Vec<_>>().join(", ")))
                .collect();
            let (verb, them) = if outside.len() == 1 { ("uses", "it") } else { ("use", "them") };
            self.diags.push(
                Diagnostic::warning("Primary-side resources are read-only")
                    .detail(format!(
                        "{} {} a provider for {}, not the DR region {}. drplan never creates, changes or deletes {them}: it looks {them} up so references resolve to live values, and the plan lists {them} as found or not found.",
                        crate::error::plural(outside.len(), "managed resource instance"),
                        verb,
                        list.join(" and "),
                        recovery.region,
                    ))
                    .at(outside[0].span)
                    .hint("set primary_resources = \"refuse\" in the recovery block to make these errors instead"),
            );
            return;
        }
        let mut errors = Vec::new();
        for inst in &outside {
            let region = inst.region.as_deref().unwrap_or_default();
            let primary = recovery.primary_region.as_deref() == Some(region);
            errors.push(
                Diagnostic::error("Managed resource outside the DR region")
                    .detail(format!(
                        "{} would be managed in {region} through provider {}, but the DR region is {}.{}",
                        inst.addr.split('[').next().unwrap_or(&inst.addr),
                        inst.provider,
                        recovery.region,
                        if primary { " That is the primary region, which drplan treats as read-only: it may be the region that failed, and drplan never changes it." } else { "" }
                    ))
                    .at(inst.span)
                    .hint("primary_resources = \"refuse\" is set in the recovery block; remove it to plan these as read-only counterparts, or remove the provider argument to build them in the DR region"),
            );
        }
        for e in errors {
            self.diags.push(e);
        }
    }
}
