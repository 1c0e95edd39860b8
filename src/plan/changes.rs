//! The change records a plan is made of: a create, an update or replacement, a delete, a
//! deferred data-source read; the summary counts, the execution steps in dependency order, and
//! the outputs.

use std::collections::{BTreeMap, BTreeSet};

use super::decide::Decision;
use super::json;
use super::shown_tags::as_terraform_shows;
use super::*;
use crate::eval::Value;
use crate::expand::{Expansion, Instance, InstanceKey};
use crate::live::LiveObject;
use crate::schema;

fn index_json(key: &InstanceKey) -> Option<serde_json::Value> {
    match key {
        InstanceKey::Int(i) => Some((*i).into()),
        InstanceKey::Str(s) => Some(s.clone().into()),
        InstanceKey::None | InstanceKey::Deferred => None,
    }
}

pub(super) fn base(inst: &Instance, region: &str, change: Change) -> ResourceChange {
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
            config_digest: None,
            single_blocks: Vec::new(),
        },
    }
}

/// A change with nothing before it: a create, or a data source read during apply.
pub(super) fn fresh(inst: &Instance, region: &str, action: Action, why: Option<String>) -> ResourceChange {
    let shown = super::shown_tags::as_terraform_plans_afresh(inst, inst.config.clone());
    let (after, after_unknown, after_sensitive) = json::object(&shown, &inst.sensitive_attrs);
    let change = Change {
        actions: vec![action],
        before: Doc::default(),
        after: after.into(),
        after_unknown: after_unknown.into(),
        before_sensitive: false.into(),
        after_sensitive: after_sensitive.into(),
        replace_paths: Vec::new(),
    };
    let mut c = base(inst, region, change);
    c.drplan.shown = super::shown_tags::shown_on_create(inst);
    c.drplan.reasons.extend(why);
    c
}

pub(super) fn update(inst: &Instance, region: &str, live: &LiveObject, decision: &Decision) -> ResourceChange {
    let (diffs, replace) = (&decision.diffs, decision.replace());
    let after_value = if replace { inst.config.clone() } else { decision.planned(&inst.config) };
    let before = as_terraform_shows(inst, decision.before.clone());
    let (before_json, _, before_sensitive) = json::object(&before, &inst.sensitive_attrs);
    let after_value = match replace {
        true => super::shown_tags::as_terraform_plans_afresh(inst, after_value),
        false => as_terraform_shows(inst, after_value),
    };
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
        Change {
            actions,
            before: Doc::new(&before_json),
            after: Doc::new(&after),
            after_unknown: after_unknown.into(),
            before_sensitive: before_sensitive.into(),
            after_sensitive: after_sensitive.into(),
            replace_paths,
        },
    );
    c.drplan.live_id = Some(live.id.clone());
    c.drplan.attributes = super::shown_tags::changed_attributes(inst, diffs, &before_json, &after);
    if replace {
        c.action_reason = Some("replace_because_cannot_update".into());
        c.drplan.reasons =
            diffs.iter().filter(|d| d.forces_replacement).map(|d| format!("{} forces replacement", d.name)).collect();
    } else {
        c.drplan.reasons = decision.reasons.clone();
    }
    c
}

/// An instance whose live object already matches: Terraform's `no-op`, with the live object
/// (in the schema's shape, sensitive attributes masked) as both before and after, so policies
/// that check every resource see the unchanged ones too.
pub(super) fn unchanged(
    inst: &Instance,
    region: &str,
    live_id: &str,
    before: &Value,
    sensitive: &BTreeSet<String>,
) -> ResourceChange {
    let (value, _, mask) = json::object(&as_terraform_shows(inst, before.clone()), sensitive);
    let change = Change {
        actions: vec![Action::NoOp],
        before: value.clone().into(),
        after: value.into(),
        after_unknown: serde_json::json!({}).into(),
        before_sensitive: mask.clone().into(),
        after_sensitive: mask.into(),
        replace_paths: Vec::new(),
    };
    let mut c = base(inst, region, change);
    c.drplan.live_id = Some(live_id.to_string());
    c
}

/// `sensitive` and the attributes drplan's schema for `ty` marks sensitive: what a plan masks.
pub(super) fn with_schema_secrets(ty: &str, sensitive: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = sensitive.clone();
    if let Some(s) = schema::lookup(Mode::Managed, ty) {
        out.extend(s.block.attrs.iter().filter(|(_, a)| a.sensitive).map(|(k, _)| k.clone()));
    }
    out
}

/// A live object's attributes as a plan records them (`before`), sensitive ones masked.
pub fn recorded(obj: &LiveObject) -> Doc {
    delete(obj, "", &BTreeSet::new()).change.before
}

/// A delete of `obj`; `sensitive` adds the attributes the configuration marks sensitive (a
/// destroy of a declared instance), so their live values are masked too.
pub(super) fn delete(obj: &LiveObject, addr: &str, sensitive: &BTreeSet<String>) -> ResourceChange {
    let schema = schema::lookup(Mode::Managed, &obj.ty);
    let before = schema.map_or_else(|| Value::Map(Default::default()), |s| diff::normalize_live(&s.block, obj));
    let (before, _, before_sensitive) = json::object(&before, &with_schema_secrets(&obj.ty, sensitive));
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
            before: before.into(),
            after: Doc::default(),
            after_unknown: false.into(),
            before_sensitive: before_sensitive.into(),
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
            config_digest: None,
            single_blocks: Vec::new(),
        },
    }
}

/// `module.a.aws_x.y["k"]` -> (Some("module.a"), "y", Some("k")).
pub(super) fn split_address(addr: &str) -> (Option<String>, String, Option<serde_json::Value>) {
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

pub(super) fn summarize<'c>(changes: impl Iterator<Item = &'c ResourceChange>) -> Summary {
    let mut s = Summary::default();
    for c in changes {
        match c.verb() {
            Some(StepAction::Create) => s.add += 1,
            Some(StepAction::Update) => s.change += 1,
            Some(StepAction::Delete) => s.destroy += 1,
            Some(StepAction::Replace) => {
                s.add += 1;
                s.destroy += 1;
            }
            Some(StepAction::Read) => s.read += 1,
            _ => {}
        }
    }
    s
}

/// Steps in dependency order; each depends on the nearest steps among its dependencies
/// (dependencies with no change are already satisfied, so they are looked through).
pub(super) fn execution(exp: &Expansion, changes: &[(usize, ResourceChange)], deletes: &[ResourceChange]) -> Execution {
    let step_of: BTreeMap<usize, &ResourceChange> = changes.iter().map(|(i, c)| (*i, c)).collect();
    let mut steps = Vec::new();
    for (i, c) in changes {
        let Some(action) = c.verb() else { continue };
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
            action,
            depends_on: deps.into_iter().collect(),
            cutover: false,
            approval: false,
            delegated: exp.instances[*i].via_provider && crate::resources::get(&c.ty).is_some(),
        });
    }
    // Deletes follow what AWS refuses (each type's `deleted_first`, in `resources`), and, as in
    // Terraform, an instance the configuration still declares is deleted after the deleted
    // instances that depend on it (an alarm before the topic it notifies).
    let dependents = dependents_deleted(exp, deletes);
    for d in deletes {
        let before = crate::resources::deleted_before(&d.ty);
        let mut depends_on: BTreeSet<String> =
            deletes.iter().filter(|o| before.contains(o.ty.as_str())).map(|o| o.address.clone()).collect();
        depends_on.extend(dependents.get(d.address.as_str()).into_iter().flatten().cloned());
        depends_on.remove(&d.address);
        steps.push(Step {
            address: d.address.clone(),
            action: StepAction::Delete,
            depends_on: depends_on.into_iter().collect(),
            cutover: false,
            approval: false,
            delegated: false,
        });
    }
    Execution { steps }
}

/// For each deleted address the configuration declares: the deleted addresses whose instances
/// depend on it, directly or through instances not being deleted.
fn dependents_deleted<'d>(exp: &Expansion, deletes: &'d [ResourceChange]) -> BTreeMap<&'d str, BTreeSet<String>> {
    let deleted: BTreeMap<&str, &str> = deletes.iter().map(|d| (d.address.as_str(), d.address.as_str())).collect();
    let index: BTreeMap<&str, usize> =
        exp.instances.iter().enumerate().map(|(i, inst)| (inst.addr.as_str(), i)).collect();
    let mut out: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for d in deletes {
        let Some(&start) = index.get(d.address.as_str()) else { continue };
        let (mut stack, mut seen) = (exp.instances[start].deps.iter().copied().collect::<Vec<_>>(), BTreeSet::new());
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            match deleted.get(exp.instances[n].addr.as_str()) {
                Some(dep) => {
                    out.entry(*dep).or_default().insert(d.address.clone());
                }
                None => stack.extend(exp.instances[n].deps.iter().copied()),
            }
        }
    }
    out
}

pub(super) fn outputs(exp: &Expansion) -> BTreeMap<String, OutputChange> {
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
