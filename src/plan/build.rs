//! Assembling a [`Plan`] from an expanded configuration and the live inventory.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use sha2::{Digest, Sha256};

use super::decide::{Decision, decide};
use super::diff;
use super::json;
use super::*;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::Value;
use crate::expand::{Expansion, Instance, InstanceKey, LiveView, ManagedRef};
use crate::live::{Inventory, LiveObject, data};
use crate::resources::{natural_key, natural_key_fields};
use crate::schema;

/// Answers the evaluator from the inventory, and remembers what it read for the fingerprint.
pub struct PlanView<'a> {
    pub inventory: &'a Inventory,
    read: RefCell<BTreeSet<String>>,
}

impl<'a> PlanView<'a> {
    pub fn new(inventory: &'a Inventory) -> Self {
        PlanView { inventory, read: RefCell::new(BTreeSet::new()) }
    }
}

impl LiveView for PlanView<'_> {
    fn read_data(&self, ty: &str, region: Option<&str>, config: &Value) -> Result<Option<Value>, String> {
        let region = region.unwrap_or_default();
        if self.inventory.is_empty() || !arguments_known(ty, config) {
            return Ok(None); // read during apply, as Terraform defers it
        }
        let result = data::read(self.inventory, ty, region, config)?;
        if let Some(id) = result.as_ref().and_then(|v| v.get("id")).and_then(Value::as_str) {
            self.read.borrow_mut().insert(format!("{region}/{ty}/{id}"));
        }
        Ok(result)
    }

    fn planned_value(&self, m: &ManagedRef, config: &Value) -> Option<Value> {
        let recovery = m.recovery?;
        let live = find_live(self.inventory, &recovery.stack, &recovery.region, m.addr, m.ty, config).ok()??;
        let schema = &schema::lookup(crate::config::Mode::Managed, m.ty)?.block;
        let decision = decide(m.ty, schema, config, m.written, m.lifecycle, live);
        if decision.replace() {
            return None;
        }
        Some(decision.planned(config))
    }
}

/// Whether a data source's arguments (not its results) are all known.
pub fn arguments_known(ty: &str, config: &Value) -> bool {
    let Some(schema) = schema::lookup(Mode::Data, ty) else { return true };
    schema
        .block
        .attrs
        .iter()
        .filter(|(_, a)| a.required || a.optional)
        .all(|(k, _)| config.get(k).is_none_or(Value::is_wholly_known))
        && schema.block.blocks.keys().all(|k| config.get(k).is_none_or(Value::is_wholly_known))
}

/// The live object an instance manages: by ownership tags, else by natural key for types AWS
/// cannot tag. Two objects claiming one address is an error naming both.
pub fn find_live<'i>(
    inv: &'i Inventory,
    stack: &str,
    region: &str,
    addr: &str,
    ty: &str,
    config: &Value,
) -> Result<Option<&'i LiveObject>, String> {
    let region = crate::resources::home_region(ty, region);
    let owned: Vec<&LiveObject> =
        inv.by_owner(stack, addr).into_iter().filter(|o| o.ty == ty && o.region == region).collect();
    match owned.as_slice() {
        [one] => return Ok(Some(one)),
        [] => {}
        many => {
            let ids: Vec<&str> = many.iter().map(|o| o.id.as_str()).collect();
            return Err(format!("{} objects in {region} are tagged as {addr}: {}", many.len(), ids.join(" and ")));
        }
    }
    // A key with a part not known yet (its object is being created) matches nothing.
    let Some(fields) = natural_key_fields(ty) else { return Ok(None) };
    if fields.iter().any(|f| config.get(f).is_some_and(|v| !v.is_wholly_known())) {
        return Ok(None);
    }
    let attr = |f: &str| config.get(f).and_then(Value::to_template_string);
    let Some(key) = natural_key(ty, &attr) else { return Ok(None) };
    Ok(inv.by_natural_key(region, ty, &key).into_iter().next())
}

/// Live attributes that change without anyone changing the object.
const VOLATILE: &[&str] = &["latest_restorable_time", "resource_record_set_count", "status", "instance_state", "state"];

/// What `build` needs besides the expansion and the inventory.
pub struct BuildOptions<'a> {
    pub workspace: &'a str,
    pub targets: &'a [String],
    /// SHA-256 of the configuration, computed by the caller from the sources.
    pub config_fingerprint: String,
    /// Plan the deletion of everything the stack owns instead.
    pub destroy: bool,
    /// Measured step durations for the RTO estimate (`--calibrate`).
    pub calibration: &'a crate::recovery::Calibration,
}

pub fn build(exp: &Expansion, inv: &Inventory, view: &PlanView, opts: &BuildOptions) -> Result<Plan, Diagnostics> {
    let mut diags = Diagnostics::default();
    let Some(recovery) = &exp.recovery else {
        diags.push(
            Diagnostic::error("Missing recovery block").detail("A plan needs the recovery block's stack and region."),
        );
        return Err(diags);
    };
    let selected = select_targets(exp, opts.targets, &mut diags);
    let mut changes: Vec<(usize, ResourceChange)> = Vec::new();
    let mut deletes = Vec::new();
    let mut drift = Vec::new();
    let mut matched: HashSet<&str> = HashSet::new();
    let mut live_objects: BTreeSet<String> = view.read.borrow().clone();
    for (i, inst) in exp.instances.iter().enumerate() {
        if !selected.contains(&i) {
            continue;
        }
        let Some(schema) = schema::lookup(inst.mode, &inst.ty) else { continue };
        let region = inst.region.clone().unwrap_or_else(|| recovery.region.clone());
        if inst.mode == Mode::Data && opts.destroy {
            continue;
        }
        if inst.mode == Mode::Data {
            let why = if inv.is_empty() {
                Some("no live state was given (--live empty)".to_string())
            } else if let Some(u) = inv.region_unavailable(&region) {
                Some(format!("region {} could not be read: {}", u.region, u.reason))
            } else if !arguments_known(&inst.ty, &inst.config) {
                Some("its arguments depend on values known only after apply".to_string())
            } else {
                None
            };
            if let Some(why) = why {
                changes.push((i, fresh(inst, &region, Action::Read, Some(why))));
            }
            continue;
        }
        let live = match find_live(inv, &recovery.stack, &recovery.region, &inst.addr, &inst.ty, &inst.config) {
            Ok(l) => l,
            Err(msg) => {
                diags.push(
                    Diagnostic::error("Two objects claim the same address")
                        .detail(format!(
                            "{msg}. drplan cannot tell which one it manages; delete or re-tag one of them."
                        ))
                        .at(inst.span),
                );
                continue;
            }
        };
        if opts.destroy {
            // Destroying: what exists is deleted (never data sources, never the primary).
            if let Some(live) = live.filter(|l| l.region == recovery.region || l.region == data::GLOBAL_REGION) {
                matched.insert(live.id.as_str());
                live_objects.insert(format!("{}/{}/{}", live.region, live.ty, live.id));
                if inst.lifecycle.prevent_destroy {
                    diags.push(
                        Diagnostic::error("Instance cannot be destroyed")
                            .detail(format!("{} has lifecycle.prevent_destroy set, so it cannot be destroyed.", inst.addr))
                            .at(inst.span)
                            .hint("remove prevent_destroy if destroying it is intended, or destroy the other resources with --target"),
                    );
                    continue;
                }
                let mut d = delete(live, &inst.addr);
                d.action_reason = None;
                d.drplan.reasons = vec!["destroying the stack".into()];
                deletes.push(d);
            }
            continue;
        }
        let Some(live) = live else {
            changes.push((i, fresh(inst, &region, Action::Create, None)));
            continue;
        };
        matched.insert(live.id.as_str());
        live_objects.insert(format!("{}/{}/{}", live.region, live.ty, live.id));
        let decision = decide(&inst.ty, &schema.block, &inst.config, &inst.written, &inst.lifecycle, live);
        if decision.is_empty() {
            continue;
        }
        let replace = decision.replace();
        if replace && inst.lifecycle.prevent_destroy {
            let why: Vec<String> =
                decision.diffs.iter().filter(|d| d.forces_replacement).map(|d| d.name.clone()).collect();
            diags.push(
                Diagnostic::error("Instance cannot be destroyed")
                    .detail(format!(
                        "{} has lifecycle.prevent_destroy set, but the plan would replace it ({} {} replacement).",
                        inst.addr,
                        why.join(", "),
                        if why.len() == 1 { "forces" } else { "force" }
                    ))
                    .at(inst.span)
                    .hint("revert the change, or remove prevent_destroy if replacing it is intended"),
            );
            continue;
        }
        // What a type rule changes (a promotion) is planned, not drift.
        let drifted: Vec<String> =
            decision.diffs.iter().filter(|d| !decision.set_by_rule.contains(&d.name)).map(|d| d.name.clone()).collect();
        if !drifted.is_empty() {
            drift.push(Drift { address: inst.addr.clone(), live_id: live.id.clone(), attributes: drifted });
        }
        changes.push((i, update(inst, &region, live, &decision)));
    }
    {
        for obj in inv.owned(&recovery.stack) {
            if obj.region != crate::resources::home_region(&obj.ty, &recovery.region)
                || matched.contains(obj.id.as_str())
            {
                continue;
            }
            let addr =
                obj.tags.get(crate::live::ADDRESS_TAG).cloned().unwrap_or_else(|| format!("{}.{}", obj.ty, obj.id));
            if !opts.targets.is_empty()
                && !opts
                    .targets
                    .iter()
                    .any(|t| addr == *t || addr.starts_with(&format!("{t}[")) || addr.starts_with(&format!("{t}.")))
            {
                continue;
            }
            live_objects.insert(format!("{}/{}/{}", obj.region, obj.ty, obj.id));
            deletes.push(delete(obj, &addr));
        }
    }
    deletes.sort_by(|a, b| a.address.cmp(&b.address));
    let summary = summarize(changes.iter().map(|(_, c)| c).chain(&deletes));
    let execution = execution(exp, &changes, &deletes);
    let mut warnings: Vec<String> = inv
        .snapshot
        .unavailable_regions
        .iter()
        .map(|u| format!("Region {} could not be read ({}): data sources there are unknown and read again during apply; this plan uses what is known.", u.region, u.reason))
        .collect();
    if inv.is_empty() {
        warnings.push("No live state was given (--live empty): every resource is planned as new, and data sources are read during apply.".into());
    }
    if !opts.targets.is_empty() {
        warnings.push("Resource targeting is in effect: this plan covers only the targeted resources and what they depend on, so it may not be the whole picture.".into());
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let resource_changes: Vec<ResourceChange> = changes.into_iter().map(|(_, c)| c).chain(deletes).collect();
    let assessment = crate::recovery::assess(&resource_changes, &execution, exp, recovery, inv, opts.calibration);
    let live_objects: Vec<String> = live_objects.into_iter().collect();
    let by_key: std::collections::HashMap<String, &LiveObject> =
        inv.objects().iter().map(|o| (format!("{}/{}/{}", o.region, o.ty, o.id), o)).collect();
    let mut hasher = Sha256::new();
    for key in &live_objects {
        if let Some(o) = by_key.get(key) {
            // Attributes that move on their own (a restorable time advancing every few
            // minutes) would make every saved plan stale; they are not part of its basis.
            let mut o = (*o).clone();
            o.attributes.retain(|k, _| !VOLATILE.contains(&k.as_str()));
            hasher.update(serde_json::to_vec(&o).unwrap_or_default());
        }
        hasher.update(key.as_bytes());
    }
    Ok(Plan {
        format_version: FORMAT_VERSION.into(),
        drplan_version: env!("CARGO_PKG_VERSION").into(),
        stack: recovery.stack.clone(),
        region: recovery.region.clone(),
        primary_region: recovery.primary_region.clone(),
        workspace: opts.workspace.into(),
        config_dir: None,
        destroy: opts.destroy,
        live_captured_at: inv.snapshot.captured_at.clone(),
        fingerprint: Fingerprint {
            config: opts.config_fingerprint.clone(),
            live: hex(&hasher.finalize()),
            live_objects,
        },
        targets: opts.targets.to_vec(),
        resource_changes,
        output_changes: outputs(exp),
        drift,
        warnings,
        execution,
        recovery: RecoverySection {
            rto_objective_seconds: recovery.rto_seconds,
            rpo_objective_seconds: recovery.rpo_seconds,
            rto_estimate_seconds: assessment.rto_seconds,
            critical_path: assessment.critical_path,
            step_estimates: assessment.steps,
            rpo_estimates: assessment.rpo,
            verdicts: assessment.verdicts,
        },
        summary,
    })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Targets and everything they depend on; an unknown target is an error.
fn select_targets(exp: &Expansion, targets: &[String], diags: &mut Diagnostics) -> BTreeSet<usize> {
    if targets.is_empty() {
        return (0..exp.instances.len()).collect();
    }
    let mut selected = BTreeSet::new();
    let mut stack: Vec<usize> = Vec::new();
    for t in targets {
        let hits: Vec<usize> = exp
            .instances
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                i.addr == *t || i.addr.starts_with(&format!("{t}[")) || i.addr.starts_with(&format!("{t}."))
            })
            .map(|(n, _)| n)
            .collect();
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

fn index_json(key: &InstanceKey) -> Option<serde_json::Value> {
    match key {
        InstanceKey::Int(i) => Some((*i).into()),
        InstanceKey::Str(s) => Some(s.clone().into()),
        InstanceKey::None | InstanceKey::Deferred => None,
    }
}

fn base(inst: &Instance, region: &str, change: Change) -> ResourceChange {
    ResourceChange {
        address: inst.addr.clone(),
        module_address: (!inst.module.is_empty()).then(|| inst.module.clone()),
        mode: inst.mode,
        ty: inst.ty.clone(),
        name: inst.name.clone(),
        index: index_json(&inst.key),
        provider_name: PROVIDER_NAME.into(),
        change,
        action_reason: None,
        drplan: ChangeDetail {
            region: region.into(),
            live_id: None,
            attributes: Vec::new(),
            shown: Vec::new(),
            reasons: Vec::new(),
        },
    }
}

/// A change with nothing before it: a create, or a data source read during apply.
fn fresh(inst: &Instance, region: &str, action: Action, why: Option<String>) -> ResourceChange {
    let (after, after_unknown, after_sensitive) = json::object(&inst.config, &inst.sensitive_attrs);
    let change = Change {
        actions: vec![action],
        before: serde_json::Value::Null,
        after,
        after_unknown,
        before_sensitive: false.into(),
        after_sensitive,
        replace_paths: Vec::new(),
    };
    let mut c = base(inst, region, change);
    c.drplan.shown = inst.written.iter().cloned().collect();
    c.drplan.reasons.extend(why);
    c
}

fn update(inst: &Instance, region: &str, live: &LiveObject, decision: &Decision) -> ResourceChange {
    let (diffs, replace) = (&decision.diffs, decision.replace());
    let after_value = if replace { inst.config.clone() } else { decision.planned(&inst.config) };
    let (before_json, _, before_sensitive) = json::object(&decision.before, &inst.sensitive_attrs);
    let (after, after_unknown, after_sensitive) = json::object(&after_value, &inst.sensitive_attrs);
    let actions = match (replace, inst.lifecycle.create_before_destroy) {
        (false, _) => vec![Action::Update],
        (true, false) => vec![Action::Delete, Action::Create],
        (true, true) => vec![Action::Create, Action::Delete],
    };
    let replace_paths = diffs.iter().filter(|d| d.forces_replacement).map(|d| vec![d.name.clone()]).collect();
    let mut c = base(
        inst,
        region,
        Change { actions, before: before_json, after, after_unknown, before_sensitive, after_sensitive, replace_paths },
    );
    c.drplan.live_id = Some(live.id.clone());
    c.drplan.attributes = diffs
        .iter()
        .map(|d| AttributeChange { name: d.name.clone(), forces_replacement: d.forces_replacement })
        .collect();
    if replace {
        c.action_reason = Some("replace_because_cannot_update".into());
        c.drplan.reasons =
            diffs.iter().filter(|d| d.forces_replacement).map(|d| format!("{} forces replacement", d.name)).collect();
    } else {
        c.drplan.reasons = decision.reasons.clone();
    }
    c
}

fn delete(obj: &LiveObject, addr: &str) -> ResourceChange {
    let schema = schema::lookup(Mode::Managed, &obj.ty);
    let before = schema.map_or_else(|| Value::Map(BTreeMap::new()), |s| diff::normalize_live(&s.block, obj));
    let sensitive: BTreeSet<String> = schema
        .map(|s| s.block.attrs.iter().filter(|(_, a)| a.sensitive).map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    let (before, _, before_sensitive) = json::object(&before, &sensitive);
    let (module, name, index) = split_address(addr);
    ResourceChange {
        address: addr.into(),
        module_address: module,
        mode: Mode::Managed,
        ty: obj.ty.clone(),
        name,
        index,
        provider_name: PROVIDER_NAME.into(),
        change: Change {
            actions: vec![Action::Delete],
            before,
            after: serde_json::Value::Null,
            after_unknown: false.into(),
            before_sensitive,
            after_sensitive: false.into(),
            replace_paths: Vec::new(),
        },
        action_reason: Some("delete_because_no_resource_config".into()),
        drplan: ChangeDetail {
            region: obj.region.clone(),
            live_id: Some(obj.id.clone()),
            attributes: Vec::new(),
            shown: Vec::new(),
            reasons: vec!["owned by this stack but no longer in the configuration".into()],
        },
    }
}

/// `module.a.aws_x.y["k"]` -> (Some("module.a"), "y", Some("k")).
fn split_address(addr: &str) -> (Option<String>, String, Option<serde_json::Value>) {
    let (path, index) = match addr.find('[') {
        Some(i) if addr.ends_with(']') && !addr[..i].contains('[') => {
            let raw = &addr[i + 1..addr.len() - 1];
            let idx = serde_json::from_str::<serde_json::Value>(raw).ok();
            (&addr[..i], idx)
        }
        _ => (addr, None),
    };
    let parts: Vec<&str> = path.rsplitn(3, '.').collect();
    let name = parts.first().copied().unwrap_or(path).to_string();
    let module = parts.get(2).map(|m| m.to_string()).filter(|m| m.starts_with("module."));
    (module, name, index)
}

fn summarize<'c>(changes: impl Iterator<Item = &'c ResourceChange>) -> Summary {
    let mut s = Summary::default();
    for c in changes {
        match c.verb() {
            "create" => s.add += 1,
            "update" => s.change += 1,
            "delete" => s.destroy += 1,
            "replace" => {
                s.add += 1;
                s.destroy += 1;
            }
            "read" => s.read += 1,
            _ => {}
        }
    }
    s
}

/// Steps in dependency order; each depends on the nearest steps among its dependencies
/// (dependencies with no change are already satisfied, so they are looked through).
fn execution(exp: &Expansion, changes: &[(usize, ResourceChange)], deletes: &[ResourceChange]) -> Execution {
    let step_of: BTreeMap<usize, &ResourceChange> = changes.iter().map(|(i, c)| (*i, c)).collect();
    let mut steps = Vec::new();
    for (i, c) in changes {
        let mut deps = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<usize> = exp.instances[*i].deps.iter().copied().collect();
        while let Some(d) = stack.pop() {
            if !seen.insert(d) {
                continue;
            }
            match step_of.get(&d) {
                Some(dc) => {
                    deps.insert(dc.address.clone());
                }
                None => stack.extend(exp.instances[d].deps.iter().copied()),
            }
        }
        steps.push(Step {
            address: c.address.clone(),
            action: c.verb().into(),
            depends_on: deps.into_iter().collect(),
        });
    }
    // Deletes follow what AWS refuses (each type's `deleted_first`, in `resources`); an object being replaced goes after
    // the deletes that must precede its kind too.
    for d in deletes {
        let before = crate::resources::deleted_before(&d.ty);
        let depends_on = deletes
            .iter()
            .filter(|o| before.contains(o.ty.as_str()))
            .map(|o| o.address.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        steps.push(Step { address: d.address.clone(), action: "delete".into(), depends_on });
    }
    Execution { steps }
}

fn outputs(exp: &Expansion) -> BTreeMap<String, OutputChange> {
    exp.outputs
        .iter()
        .map(|o| {
            let (after, after_unknown) = json::output(&o.value, o.sensitive);
            // Without a state file the previous value is not known: outputs are always shown
            // as computed by this plan, and never count as changes.
            let change = OutputChange {
                actions: vec![Action::Create],
                before: serde_json::Value::Null,
                after,
                after_unknown,
                before_sensitive: false,
                after_sensitive: o.sensitive,
            };
            (o.name.clone(), change)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_like_terraform() {
        assert_eq!(
            split_address("module.net.aws_subnet.public[\"a\"]"),
            (Some("module.net".into()), "public".into(), Some("a".into()))
        );
        assert_eq!(split_address("aws_eip.nat[1]"), (None, "nat".into(), Some(1.into())));
        assert_eq!(split_address("aws_vpc.main"), (None, "main".into(), None));
    }
}
