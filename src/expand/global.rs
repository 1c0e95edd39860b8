//! Global objects declared on a provider of another region than the DR region (IAM, Route 53
//! Application Recovery Controller, CloudFront, Organizations, Global Accelerator...). Their
//! provider's region says nothing about where they live: one control plane serves every region.
//! Whether the DR stack builds one, or looks it up as the primary's counterpart, is decided by
//! what the configuration does with it, per module:
//!
//! - the Route 53 Application Recovery Controller's control and readiness types exist for the
//!   failover itself: the DR stack builds them, whichever provider declares them;
//! - another global resource that a primary-side resource (of a regional type, on a provider
//!   of another region) uses, directly or through other global resources, locals or data
//!   sources, is the primary's: looked up, never changed (a role both regions' instances use
//!   is the primary's, and exists whether or not that region is up);
//! - one that only DR-side resources use is the DR stack's to build; so is one nothing uses
//!   that refers to what the DR stack builds and to nothing of the primary's (a policy
//!   attachment of a role the DR stack builds);
//! - anything else stays a looked-up counterpart, as every resource on the primary's provider is.
//!
//! Natively served global types (Route 53 records and health checks) are the DR stack's
//! whatever provider declares them, as before. A global object the DR stack builds is written
//! with the DR region's provider configuration (its credentials and account).

use std::collections::{BTreeMap, BTreeSet};

use super::order::Node;
use super::{Engine, Frame};
use crate::config::Mode;

/// Prefixes of provider-served types whose objects are global.
const GLOBAL_PREFIXES: &[&str] = &[
    "aws_iam_",
    "aws_route53recoverycontrolconfig_",
    "aws_route53recoveryreadiness_",
    "aws_route53domains_",
    "aws_cloudfront_",
    "aws_organizations_",
    "aws_globalaccelerator_",
    "aws_shield_",
    "aws_budgets_",
    "aws_ce_",
];

/// Route 53's own global types served by the provider (its resolver is regional).
const GLOBAL_ROUTE53: &[&str] = &[
    "aws_route53_zone",
    "aws_route53_delegation_set",
    "aws_route53_query_log",
    "aws_route53_key_signing_key",
    "aws_route53_hosted_zone_dnssec",
    "aws_route53_traffic_policy",
    "aws_route53_traffic_policy_instance",
    "aws_route53_cidr_collection",
    "aws_route53_cidr_location",
];

/// Whether objects of the provider-served type `ty` are global.
pub(crate) fn is_global(ty: &str) -> bool {
    GLOBAL_PREFIXES.iter().any(|p| ty.starts_with(p)) || GLOBAL_ROUTE53.contains(&ty)
}

/// The types that exist for the failover itself (ARC's control plane).
fn builds_failover(ty: &str) -> bool {
    ty.starts_with("aws_route53recoverycontrolconfig_") || ty.starts_with("aws_route53recoveryreadiness_")
}

/// Which side a node of the module is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Side {
    Dr,
    Primary,
}

impl Engine<'_> {
    /// Whether the global resource `i` of `frame`'s module, declared on a provider outside the
    /// DR region, is the DR stack's to build (see the module documentation).
    pub(super) fn dr_builds_global(&self, frame: &Frame, i: usize) -> bool {
        let Some(recovery) = &self.out.recovery else { return false };
        let sides = frame.global_sides.get_or_init(|| sides(frame, &recovery.region));
        sides.get(&i) == Some(&Side::Dr)
    }
}

/// The side of every global resource of the module on a provider outside the DR region.
fn sides(frame: &Frame, dr: &str) -> BTreeMap<usize, Side> {
    let plan = &frame.plan;
    let module = frame.module;
    let region_of = |key: &str| frame.providers.get(key).and_then(|p| p.region.clone());
    let on_dr = |key: &str| region_of(key).is_none_or(|r| r == dr);
    // Fixed sides (regional resources, module calls, globals the DR stack builds anyway) and
    // the candidates to decide.
    let mut side: BTreeMap<usize, Side> = BTreeMap::new();
    let mut candidates = BTreeSet::new();
    for (n, node) in plan.nodes.iter().enumerate() {
        match *node {
            Node::Resource(i) if module.resources[i].mode == Mode::Managed => {
                let r = &module.resources[i];
                let key = r.provider.as_ref().map_or("aws", |(k, _)| k.as_str());
                let native_global = crate::resources::get(&r.ty).is_some_and(|t| t.global());
                if on_dr(key) || native_global {
                    side.insert(n, Side::Dr);
                } else if builds_failover(&r.ty) {
                    candidates.insert(n);
                    side.insert(n, Side::Dr);
                } else if is_global(&r.ty) {
                    candidates.insert(n);
                } else {
                    side.insert(n, Side::Primary);
                }
            }
            Node::Module(m) => {
                let call = &module.module_calls[m];
                let key = call.providers.iter().find(|(child, _)| child == "aws").map_or("aws", |(_, p)| p.as_str());
                side.insert(n, if on_dr(key) { Side::Dr } else { Side::Primary });
            }
            _ => {}
        }
    }
    let uses = resource_uses(frame);
    let mut used = vec![false; plan.nodes.len()];
    for targets in &uses {
        for &t in targets {
            used[t] = true;
        }
    }
    // The primary's first: a global resource it uses is its own, whoever else uses it.
    let mut work: Vec<usize> = side.iter().filter(|(_, s)| **s == Side::Primary).map(|(n, _)| *n).collect();
    spread(&mut work, &uses, &candidates, &mut side, Side::Primary);
    let mut work: Vec<usize> = side.iter().filter(|(_, s)| **s == Side::Dr).map(|(n, _)| *n).collect();
    loop {
        spread(&mut work, &uses, &candidates, &mut side, Side::Dr);
        // What nothing uses follows what it refers to (an attachment follows its role).
        let leaves: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|g| !side.contains_key(g) && !used[*g])
            .filter(|g| uses[*g].iter().any(|t| side.get(t) == Some(&Side::Dr)))
            .filter(|g| !uses[*g].iter().any(|t| side.get(t) == Some(&Side::Primary)))
            .collect();
        if leaves.is_empty() {
            break;
        }
        for g in leaves {
            side.insert(g, Side::Dr);
            work.push(g);
        }
    }
    candidates
        .into_iter()
        .filter_map(|n| match plan.nodes[n] {
            Node::Resource(i) => Some((i, side.get(&n).copied().unwrap_or(Side::Primary))),
            _ => None,
        })
        .collect()
}

/// Marks `to` every undecided candidate the nodes in `work` use, and what those use in turn.
fn spread(
    work: &mut Vec<usize>,
    uses: &[BTreeSet<usize>],
    candidates: &BTreeSet<usize>,
    side: &mut BTreeMap<usize, Side>,
    to: Side,
) {
    while let Some(n) = work.pop() {
        for &g in &uses[n] {
            if candidates.contains(&g) && !side.contains_key(&g) {
                side.insert(g, to);
                work.push(g);
            }
        }
    }
}

/// The managed resources each node refers to, through locals and data sources.
fn resource_uses(frame: &Frame) -> Vec<BTreeSet<usize>> {
    let plan = &frame.plan;
    let through = |n: usize| match plan.nodes[n] {
        Node::Local(_) => true,
        Node::Resource(i) => frame.module.resources[i].mode == Mode::Data,
        _ => false,
    };
    let managed =
        |n: usize| matches!(plan.nodes[n], Node::Resource(i) if frame.module.resources[i].mode == Mode::Managed);
    (0..plan.nodes.len())
        .map(|n| {
            let mut out = BTreeSet::new();
            let mut seen = BTreeSet::new();
            let mut stack: Vec<usize> = plan.preds[n].iter().copied().collect();
            while let Some(p) = stack.pop() {
                if !seen.insert(p) {
                    continue;
                }
                if managed(p) {
                    out.insert(p);
                } else if through(p) {
                    stack.extend(plan.preds[p].iter().copied());
                }
            }
            out
        })
        .collect()
}
