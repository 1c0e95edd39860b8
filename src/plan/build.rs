//! Assembling a [`Plan`] from an expanded configuration and the live inventory: each selected
//! instance is created, kept, updated or replaced (decided in [`super::decide`]); owned objects
//! no longer declared are deleted; the execution order and the fingerprint `apply` checks are
//! computed. Recovery estimates are not made here: [`crate::recovery`] assesses the finished
//! plan.

use std::collections::{BTreeSet, HashSet};

use sha2::{Digest, Sha256};

use super::changes::{delete, execution, fresh, outputs, summarize, unchanged, update, with_schema_secrets};
use super::counterpart::{self, Counterpart, Lookup};
use super::decide::decide;
use super::ownership;
use super::view::{PlanView, arguments_known, find_live};
use super::*;
use crate::diag::{Diagnostic, Diagnostics};
use crate::expand::{Expansion, Instance, Recovery};
use crate::live::{Inventory, LiveObject, data};
use crate::schema;

/// Live attributes that change without anyone changing the object.
const VOLATILE: &[&str] = &["latest_restorable_time", "resource_record_set_count", "status", "instance_state", "state"];

/// What `build` needs besides the expansion and the inventory.
pub struct BuildOptions<'a> {
    pub workspace: &'a str,
    pub phase: crate::expand::Phase,
    pub targets: &'a [String],
    /// SHA-256 of the configuration, computed by the caller from the sources.
    pub config_fingerprint: String,
    /// Plan the deletion of everything the stack owns instead.
    pub destroy: bool,
    /// The provider host, when the configuration has types drplan does not serve natively.
    pub host: Option<&'a crate::provider::Host>,
    /// The configuration as Terraform's JSON plan describes it ([`crate::config::describe`]).
    pub configuration: serde_json::Value,
    /// Data sources read during apply because what they wait for has changes pending
    /// ([`super::deferred`]).
    pub waiting: &'a BTreeSet<String>,
}

/// What planning the instances produced, before assembly.
#[derive(Default)]
struct Planned<'i> {
    /// (instance index, change) for creates, updates, replacements and deferred reads.
    changes: Vec<(usize, ResourceChange)>,
    /// (instance index, no-op) for instances whose live object already matches.
    unchanged: Vec<(usize, ResourceChange)>,
    deletes: Vec<ResourceChange>,
    drift: Vec<Drift>,
    /// The live objects an instance manages (never deleted as orphans), by identity: ids
    /// alone are not enough (moto gives every DB instance the same resource id).
    matched: HashSet<*const LiveObject>,
    /// `region/type/id` of every live object the plan depends on.
    live_objects: BTreeSet<String>,
    counterparts: Vec<Counterpart>,
    /// Objects a destroy leaves because drplan cannot prove they are its own (warnings).
    left: Vec<String>,
    /// Instances the provider plans, all at once once the others are done.
    served: Vec<super::served::Work<'i>>,
}

impl<'i> Planned<'i> {
    fn depends_on(&mut self, o: &'i LiveObject) {
        self.live_objects.insert(format!("{}/{}/{}", o.region, o.ty, o.id));
    }
}

pub fn build<'i>(
    exp: &'i Expansion,
    inv: &'i Inventory,
    view: &PlanView,
    opts: BuildOptions,
) -> Result<Plan, Diagnostics> {
    let mut diags = Diagnostics::default();
    let Some(recovery) = &exp.recovery else {
        diags.push(
            Diagnostic::error("Missing recovery block").detail("A plan needs the recovery block's stack and region."),
        );
        return Err(diags);
    };
    let selected = select_targets(exp, opts.targets, &mut diags);
    let mut p = Planned { live_objects: view.read.borrow().clone(), ..Planned::default() };
    for (i, inst) in exp.instances.iter().enumerate().filter(|(i, _)| selected.contains(i)) {
        plan_instance(&mut p, i, inst, recovery, inv, &opts, &mut diags);
    }
    let mut served = super::served::Out::default();
    let mut values_missing = None;
    if let Some(host) = opts.host {
        super::served::plan(host, &recovery.stack, inv, &p.served, &mut served, &mut diags);
        super::native_values::fill(host, exp, inv, &mut p.changes, &mut diags);
        p.changes.append(&mut served.changes);
        p.changes.sort_by_key(|(i, _)| *i);
        p.unchanged.append(&mut served.unchanged);
    } else {
        values_missing = super::native_values::missing_provider_warning(exp, &p.changes);
    }
    pending_records(&mut p, exp, &selected, inv, recovery, opts.destroy);
    pending_waits(&mut p, exp, recovery);
    orphans(&mut p, recovery, inv, &opts, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    p.deletes.sort_by(|a, b| a.address.cmp(&b.address));
    let summary = summarize(p.changes.iter().map(|(_, c)| c).chain(&p.deletes));
    let mut execution = execution(exp, &p.changes, &p.deletes);
    let changes = with_unchanged(p.changes, p.unchanged, p.deletes);
    super::gates::mark(&mut execution, &changes, recovery, opts.phase, opts.destroy);
    let failback_writes = changes
        .iter()
        .filter(|c| {
            let home = |region: &str| crate::resources::home_region(&c.ty, region).to_string();
            !matches!(c.verb(), Some(StepAction::Read) | None) && home(&c.drplan.region) != home(&recovery.region)
        })
        .map(|c| c.address.clone())
        .collect();
    let live_objects: Vec<String> = p.live_objects.into_iter().collect();
    let live = live_fingerprint(inv, &live_objects);
    let unmanaged = if opts.destroy { Vec::new() } else { super::unmanaged::collect(exp, &selected) };
    let output_changes = outputs(exp);
    let relevant_attributes = super::terraform::relevant_attributes(&opts.configuration, &p.drift);
    Ok(Plan {
        format_version: FORMAT_VERSION.into(),
        terraform_version: super::terraform::TERRAFORM_FORMAT.into(),
        drplan_version: env!("CARGO_PKG_VERSION").into(),
        stack: recovery.stack.clone(),
        region: recovery.region.clone(),
        primary_region: recovery.primary_region.clone(),
        account_id: None,
        creates_stack_seed: false,
        workspace: opts.workspace.into(),
        phase: opts.phase,
        config_dir: None,
        destroy: opts.destroy,
        live_captured_at: inv.snapshot.captured_at.clone(),
        fingerprint: Fingerprint { config: opts.config_fingerprint.clone(), live, live_objects },
        targets: opts.targets.to_vec(),
        variables: super::terraform::variables(&exp.root_variables),
        resource_drift: super::terraform::resource_drift(&changes, &p.drift),
        configuration: super::Doc::new(&opts.configuration),
        relevant_attributes,
        checks: super::terraform::checks(exp.checks.iter().map(|c| c.name.as_str())),
        timestamp: inv.snapshot.captured_at.clone(),
        applyable: summary.has_changes(),
        complete: opts.targets.is_empty(),
        errored: false,
        resource_changes: changes,
        output_changes,
        drift: p.drift,
        counterparts: p.counterparts,
        unmanaged,
        warnings: warnings(inv, &recovery.stack, opts.targets)
            .into_iter()
            .chain(p.left)
            .chain(served.warnings)
            .chain(values_missing)
            .collect(),
        failback_writes,
        execution,
        recovery: RecoverySection {
            rto_objective_seconds: recovery.rto_seconds,
            rpo_objective_seconds: recovery.rpo_seconds,
            ..RecoverySection::default()
        },
        summary,
    })
}

/// Plans one instance: a data source read, a destroy, or a managed instance's change.
fn plan_instance<'i>(
    p: &mut Planned<'i>,
    i: usize,
    inst: &'i Instance,
    recovery: &Recovery,
    inv: &'i Inventory,
    opts: &BuildOptions,
    diags: &mut Diagnostics,
) {
    let destroy = opts.destroy;
    if inst.unmanaged.is_some() {
        // Left to other tools: if drplan once owned it, it is not an orphan to delete either.
        if inst.mode == Mode::Managed
            && let Ok(Some(live)) =
                find_live(inv, &recovery.stack, &recovery.region, &inst.addr, &inst.ty, &inst.config, &inst.written)
        {
            p.matched.insert(std::ptr::from_ref(live));
        }
        return;
    }
    // Graph-only (terraform_data, null_resource): nothing in the cloud to plan.
    if inst.mode == Mode::Managed && crate::resources::graph_only::is(&inst.ty) {
        return;
    }
    let served = match inst.mode {
        Mode::Managed => served_type(opts, &inst.ty) || delegated(opts, inst),
        Mode::Data => opts.host.is_some_and(|h| h.block(Mode::Data, &inst.ty).is_some()),
    };
    let schema = schema::lookup(inst.mode, &inst.ty);
    if schema.is_none() && !served {
        return;
    }
    let region = inst.region.clone().unwrap_or_else(|| recovery.region.clone());
    if inst.mode == Mode::Data {
        if !destroy && let Some(why) = deferred_read(inst, &region, inv, opts.waiting) {
            p.changes.push((i, fresh(inst, &region, Action::Read, Some(why))));
        }
        return;
    }
    if inst.read_only {
        if !destroy {
            let c = look_up(p, inst, &region, inv);
            p.counterparts.push(c);
        }
        return;
    }
    // The DR region, or the primary for what the failback phase builds there.
    let live = match find_live(inv, &recovery.stack, &region, &inst.addr, &inst.ty, &inst.config, &inst.written) {
        Ok(l) => l,
        Err(msg) => {
            diags.push(
                Diagnostic::error("Two objects claim the same address")
                    .detail(format!("{msg}. drplan cannot tell which one it manages; delete or re-tag one of them."))
                    .at(inst.span),
            );
            return;
        }
    };
    if destroy {
        plan_destroy(p, inst, live, recovery, inv, diags);
        return;
    }
    if let Some(live) = live {
        p.matched.insert(std::ptr::from_ref(live));
        p.depends_on(live);
    }
    let Some(schema) = schema.filter(|_| !served) else {
        p.served.push(super::served::Work { index: i, inst, region, live });
        return;
    };
    let Some(live) = live else {
        p.changes.push((i, fresh(inst, &region, Action::Create, None)));
        return;
    };
    plan_change(p, i, inst, &region, live, &schema.block, &recovery.stack, inv, diags);
}

/// A managed instance whose object exists: a no-op, or an update or replacement once drplan may
/// make it (the object is proven its own, and `prevent_destroy` allows a replacement).
#[allow(clippy::too_many_arguments)]
fn plan_change<'i>(
    p: &mut Planned<'i>,
    i: usize,
    inst: &'i Instance,
    region: &str,
    live: &'i LiveObject,
    block: &schema::BlockSchema,
    stack: &str,
    inv: &'i Inventory,
    diags: &mut Diagnostics,
) {
    let decision = decide(&inst.ty, block, &inst.config, &inst.written, &inst.lifecycle, live);
    if decision.is_empty() {
        let masked = with_schema_secrets(&inst.ty, &inst.sensitive_attrs);
        p.unchanged.push((i, unchanged(inst, region, &live.id, &decision.before, &masked)));
        return;
    }
    if let Some(refused) = refusal(inst, live, &decision, stack, inv) {
        diags.push(refused);
        return;
    }
    // What a type rule changes (a promotion) is planned, not drift.
    let drifted: Vec<String> =
        decision.diffs.iter().filter(|d| !decision.set_by_rule.contains(&d.name)).map(|d| d.name.clone()).collect();
    if !drifted.is_empty() {
        p.drift.push(Drift { address: inst.addr.clone(), live_id: live.id.clone(), attributes: drifted });
    }
    p.changes.push((i, update(inst, region, live, &decision)));
}

/// Why drplan may not make a decided change: the object is not proven its own, or the change
/// replaces what `lifecycle.prevent_destroy` protects.
fn refusal(
    inst: &Instance,
    live: &LiveObject,
    decision: &super::decide::Decision,
    stack: &str,
    inv: &Inventory,
) -> Option<Diagnostic> {
    if let Some(why) = ownership::unproven(inv, stack, live, &inst.config, Some(false)) {
        return Some(
            Diagnostic::error("Object not proven drplan's")
                .detail(format!(
                    "{} would change the existing {} {}, but drplan cannot prove it manages it: {why}.",
                    inst.addr, live.ty, live.id
                ))
                .at(inst.span)
                .hint(ownership::hint(&inst.ty)),
        );
    }
    if decision.replace()
        && let Some(why) = crate::resources::get(&inst.ty).and_then(|t| t.refuses_delete(live, Some(&inst.config)))
    {
        return Some(cannot_delete(&inst.addr, &why).at(inst.span));
    }
    if !(decision.replace() && inst.lifecycle.prevent_destroy) {
        return None;
    }
    let why: Vec<String> = decision.diffs.iter().filter(|d| d.forces_replacement).map(|d| d.name.clone()).collect();
    Some(
        Diagnostic::error("Instance cannot be destroyed")
            .detail(format!(
                "{} has lifecycle.prevent_destroy set, but the plan would replace it ({} {} replacement).",
                inst.addr,
                why.join(", "),
                if why.len() == 1 { "forces" } else { "force" }
            ))
            .at(inst.span)
            .hint("revert the change, or remove prevent_destroy if replacing it is intended"),
    )
}

/// Every change in instance order (no-ops among them, as Terraform lists them), deletes last.
fn with_unchanged(
    changes: Vec<(usize, ResourceChange)>,
    unchanged: Vec<(usize, ResourceChange)>,
    deletes: Vec<ResourceChange>,
) -> Vec<ResourceChange> {
    let mut all: Vec<(usize, ResourceChange)> = changes.into_iter().chain(unchanged).collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, c)| c).chain(deletes).collect()
}

/// A primary-side counterpart: found (the plan depends on it) or not, never changed.
fn look_up<'i>(p: &mut Planned<'i>, inst: &Instance, region: &str, inv: &'i Inventory) -> Counterpart {
    let (live_id, how) = match counterpart::find(inv, &inst.ty, region, &inst.config) {
        Lookup::Found(o, how) => {
            p.depends_on(o);
            (Some(o.id.clone()), how)
        }
        Lookup::NotFound(why) => (None, why),
    };
    Counterpart { address: inst.addr.clone(), ty: inst.ty.clone(), region: region.into(), live_id, how }
}

/// Why a data source is read during apply instead of now, if it is.
fn deferred_read(inst: &Instance, region: &str, inv: &Inventory, waiting: &BTreeSet<String>) -> Option<String> {
    let computed = crate::live::computed::is_computed(&inst.ty);
    if computed && arguments_known(&inst.ty, &inst.config) {
        None
    } else if waiting.contains(&inst.addr) {
        Some("depends on a resource or a module with changes pending".to_string())
    } else if inv.is_empty() && !computed {
        Some("no live state was given (--live empty)".to_string())
    } else if let Some(u) = inv.region_unavailable(region) {
        Some(format!("region {} could not be read: {}", u.region, u.reason))
    } else if !arguments_known(&inst.ty, &inst.config) {
        Some("its arguments depend on values known only after apply".to_string())
    } else {
        None
    }
}

/// Destroying: what exists is deleted (never data sources, never the primary).
fn plan_destroy<'i>(
    p: &mut Planned<'i>,
    inst: &Instance,
    live: Option<&'i LiveObject>,
    recovery: &Recovery,
    inv: &Inventory,
    diags: &mut Diagnostics,
) {
    let Some(live) = live.filter(|l| l.region == recovery.region || l.region == data::GLOBAL_REGION) else {
        return;
    };
    p.matched.insert(std::ptr::from_ref(live));
    p.depends_on(live);
    // A type the provider serves would need the provider's plan to tell: not known.
    let unchanged = || {
        schema::lookup(Mode::Managed, &inst.ty)
            .map(|s| decide(&inst.ty, &s.block, &inst.config, &inst.written, &inst.lifecycle, live).is_empty())
    };
    if crate::resources::natural_key_fields(&inst.ty).is_some()
        && let Some(why) = ownership::unproven(inv, &recovery.stack, live, &inst.config, unchanged())
    {
        p.left.push(format!(
            "{} ({} {}) is left in place: drplan cannot prove it manages it: {why}.",
            inst.addr, live.ty, live.id
        ));
        return;
    }
    if inst.lifecycle.prevent_destroy {
        diags.push(
            Diagnostic::error("Instance cannot be destroyed")
                .detail(format!("{} has lifecycle.prevent_destroy set, so it cannot be destroyed.", inst.addr))
                .at(inst.span)
                .hint(
                    "remove prevent_destroy if destroying it is intended, or destroy the other resources with --target",
                ),
        );
        return;
    }
    if let Some(why) = crate::resources::get(&inst.ty).and_then(|t| t.refuses_delete(live, Some(&inst.config))) {
        diags.push(cannot_delete(&inst.addr, &why).at(inst.span));
        return;
    }
    let mut d = delete(live, &inst.addr, &inst.sensitive_attrs);
    d.action_reason = None;
    d.drplan.reasons = vec!["destroying the stack".into()];
    p.deletes.push(d);
}

/// Whether drplan plans `ty` through the provider host (it does not serve it natively and the
/// host has its schema).
/// A native type's instance the provider serves because its block sets what only the
/// provider implements (see `Instance::via_provider`).
fn delegated(opts: &BuildOptions, inst: &Instance) -> bool {
    inst.via_provider && opts.host.is_some_and(|h| h.block(Mode::Managed, &inst.ty).is_some())
}

fn served_type(opts: &BuildOptions, ty: &str) -> bool {
    crate::resources::get(ty).is_none() && opts.host.is_some_and(|h| h.block(Mode::Managed, ty).is_some())
}

/// The error for a delete the type refuses (`ResourceType::refuses_delete`).
fn cannot_delete(addr: &str, why: &str) -> Diagnostic {
    Diagnostic::error("Instance cannot be deleted")
        .detail(format!("{addr}: {why}"))
        .hint("see docs/live-state.md, \"What a DB instance's delete leaves\"")
}

/// Owned objects no configuration instance manages: deleted (within the targets, if any).
fn orphans<'i>(
    p: &mut Planned<'i>,
    recovery: &'i Recovery,
    inv: &'i Inventory,
    opts: &BuildOptions,
    diags: &mut Diagnostics,
) {
    let targets = opts.targets;
    for obj in inv.owned(&recovery.stack) {
        // Only types drplan manages are ever deleted: never a data-only object (an AMI, a
        // snapshot) or a type it does not serve, whatever its tags say.
        if obj.region != crate::resources::home_region(&obj.ty, &recovery.region)
            || p.matched.contains(&std::ptr::from_ref(obj))
            || (crate::resources::get(&obj.ty).is_none() && !served_type(opts, &obj.ty))
        {
            continue;
        }
        let addr = obj.tags.get(crate::live::ADDRESS_TAG).cloned().unwrap_or_else(|| format!("{}.{}", obj.ty, obj.id));
        if !targets.is_empty() && !targets.iter().any(|t| targets_address(t, &addr)) {
            continue;
        }
        if let Some(why) = crate::resources::get(&obj.ty).and_then(|t| t.refuses_delete(obj, None)) {
            diags.push(cannot_delete(&addr, &why));
            continue;
        }
        p.depends_on(obj);
        p.deletes.push(delete(obj, &addr, &BTreeSet::new()));
    }
}

/// Whether `--target t` selects `addr` (itself, an instance of it, or something inside it).
fn targets_address(t: &str, addr: &str) -> bool {
    addr == t || addr.starts_with(&format!("{t}[")) || addr.starts_with(&format!("{t}."))
}

fn warnings(inv: &Inventory, stack: &str, targets: &[String]) -> Vec<String> {
    let mut warnings: Vec<String> = inv
        .snapshot
        .unavailable_regions
        .iter()
        .map(|u| format!("Region {} could not be read ({}): data sources there are unknown and read again during apply; this plan uses what is known.", u.region, u.reason))
        .collect();
    if inv.is_empty() {
        warnings.push("No live state was given (--live empty): every resource is planned as new, and data sources are read during apply.".into());
    }
    let half: Vec<String> = inv.half_tagged(stack).map(|o| format!("{} {}", o.ty, o.id)).collect();
    if !half.is_empty() {
        warnings.push(format!(
            "{} tagged drplan:stack = \"{stack}\" without drplan:address ({}): drplan does not own {} and never changes or deletes {}.",
            crate::error::plural(half.len(), "object is").replace("objects is", "objects are"),
            half.join(", "),
            if half.len() == 1 { "it" } else { "them" },
            if half.len() == 1 { "it" } else { "them" },
        ));
    }
    if !targets.is_empty() {
        warnings.push("Resource targeting is in effect: this plan covers only the targeted resources and what they depend on, so it may not be the whole picture.".into());
    }
    warnings
}

/// SHA-256 over the live objects the plan depends on.
fn live_fingerprint(inv: &Inventory, live_objects: &[String]) -> String {
    let by_key: std::collections::HashMap<String, &LiveObject> =
        inv.objects().iter().map(|o| (format!("{}/{}/{}", o.region, o.ty, o.id), o)).collect();
    let mut hasher = Sha256::new();
    for key in live_objects {
        if let Some(o) = by_key.get(key) {
            // Attributes that move on their own (a restorable time advancing every few
            // minutes) would make every saved plan stale; they are not part of its basis.
            let mut o = (*o).clone();
            o.attributes.retain(|k, _| !VOLATILE.contains(&k.as_str()));
            hasher.update(serde_json::to_vec(&o).unwrap_or_default());
        }
        hasher.update(key.as_bytes());
    }
    // The base times time_* resources recorded: a plan made before another apply recorded
    // one would record it again.
    for (key, value) in &inv.snapshot.recorded_times {
        hasher.update(format!("{key}={value}\n").as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Targets and everything they depend on; an unknown target is an error.
fn select_targets(exp: &Expansion, targets: &[String], diags: &mut Diagnostics) -> BTreeSet<usize> {
    if targets.is_empty() {
        return (0..exp.instances.len()).collect();
    }
    let mut selected = BTreeSet::new();
    let mut stack: Vec<usize> = Vec::new();
    for t in targets {
        let hits: Vec<usize> =
            exp.instances.iter().enumerate().filter(|(_, i)| targets_address(t, &i.addr)).map(|(n, _)| n).collect();
        if hits.is_empty() {
            diags.push(
                Diagnostic::error("Invalid target")
                    .detail(format!("No resource or module in the configuration matches --target {t}.")),
            );
        }
        stack.extend(hits);
    }
    while let Some(n) = stack.pop() {
        if selected.insert(n) {
            stack.extend(exp.instances[n].deps.iter().copied());
        }
    }
    selected
}

/// A `time_sleep` is a step (a wait) when something depending on it is created or replaced in
/// this plan, and nothing otherwise: see `resources::time_sleep`.
fn pending_waits<'i>(p: &mut Planned<'i>, exp: &'i Expansion, recovery: &crate::expand::Recovery) {
    let waits: Vec<usize> = exp
        .instances
        .iter()
        .enumerate()
        .filter(|(_, i)| crate::resources::time_sleep::is(&i.ty))
        .map(|(i, _)| i)
        .collect();
    if waits.is_empty() {
        return;
    }
    let creating: Vec<usize> =
        p.changes.iter().filter(|(_, c)| c.change.actions.contains(&Action::Create)).map(|(i, _)| *i).collect();
    for w in waits {
        let needed = creating.iter().any(|&c| reaches(exp, c, w));
        if needed {
            let inst = &exp.instances[w];
            let region = inst.region.clone().unwrap_or_else(|| recovery.region.clone());
            p.changes.push((w, fresh(inst, &region, Action::Create, None)));
        }
    }
    p.changes.sort_by_key(|(i, _)| *i);
}

/// A `time_static`, `time_offset` or `time_rotating` whose base time apply must record (none
/// recorded yet, new triggers, a rotation due) is a create step: see `resources::time`; so is
/// a `local_file` that does not hold its content (`resources::local_file`).
fn pending_records(
    p: &mut Planned<'_>,
    exp: &Expansion,
    selected: &BTreeSet<usize>,
    inv: &Inventory,
    recovery: &crate::expand::Recovery,
    destroy: bool,
) {
    if destroy {
        return;
    }
    let now = crate::timefmt::epoch_seconds(&inv.snapshot.captured_at).unwrap_or_default();
    let times = &inv.snapshot.recorded_times;
    let mut added = false;
    for (i, inst) in exp.instances.iter().enumerate().filter(|(i, _)| selected.contains(i)) {
        if inst.mode != Mode::Managed || inst.unmanaged.is_some() {
            continue;
        }
        let (address, config, written) = (inst.addr.as_str(), &inst.config, &inst.written);
        let inputs = crate::resources::time::Inputs { address, config, written, recorded: times, now };
        if let Some(why) = crate::resources::graph_only::pending(&inst.ty, &inputs) {
            let region = inst.region.clone().unwrap_or_else(|| recovery.region.clone());
            p.changes.push((i, fresh(inst, &region, Action::Create, Some(why))));
            added = true;
        }
    }
    if added {
        p.changes.sort_by_key(|(i, _)| *i);
    }
}

/// Whether instance `from` depends on instance `to`, directly or through others.
fn reaches(exp: &Expansion, from: usize, to: usize) -> bool {
    let (mut stack, mut seen) = (vec![from], std::collections::BTreeSet::new());
    while let Some(i) = stack.pop() {
        if i == to {
            return true;
        }
        if seen.insert(i) {
            stack.extend(exp.instances[i].deps.iter().copied());
        }
    }
    false
}
