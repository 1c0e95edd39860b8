//! The parts of Terraform's JSON plan (`terraform show -json`) that restate the changes for
//! policy tools: `planned_values` (every resource as it will be), `prior_state` (what exists),
//! `resource_drift` and `relevant_attributes`. Checkov and OPA policies read these, not
//! `resource_changes`. Derived from the change records only; the `configuration` object comes
//! from [`crate::config::describe`].

use crate::resources::StepAction;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{Action, Doc, Drift, OutputChange, ResourceChange};

/// The Terraform release whose JSON plan format drplan writes (`terraform_version`).
pub const TERRAFORM_FORMAT: &str = "1.11.4";

/// An entry of `checks`: a check block and its status (Terraform's `checks` format).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub address: CheckAddress,
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<CheckInstance>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckAddress {
    pub kind: String,
    pub name: String,
    pub to_display: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckInstance {
    pub address: Json,
    pub status: String,
}

/// The `check` blocks, by name: not run by a plan, so `unknown`.
pub fn checks<'n>(names: impl Iterator<Item = &'n str>) -> Vec<CheckResult> {
    names
        .map(|name| {
            let display = format!("check.{name}");
            CheckResult {
                address: CheckAddress { kind: "check".into(), name: name.into(), to_display: display.clone() },
                status: "unknown".into(),
                instances: vec![CheckInstance {
                    address: serde_json::json!({ "to_display": display }),
                    status: "unknown".into(),
                }],
            }
        })
        .collect()
}

/// A root variable's value in `variables`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariableValue {
    pub value: Json,
}

/// The root variables a plan may show: known and not sensitive.
pub fn variables(root: &BTreeMap<String, (crate::eval::Value, bool)>) -> BTreeMap<String, VariableValue> {
    root.iter()
        .filter(|(_, (_, sensitive))| !sensitive)
        .filter_map(|(name, (v, _))| Some((name.clone(), VariableValue { value: v.to_json().ok()? })))
        .collect()
}

/// `planned_values` and `prior_state.values`: outputs and the module tree of resources. Written,
/// never read back: the values are borrowed from the change records they restate.
#[derive(Debug, Default, Serialize)]
pub struct Values<'p> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<&'p str, OutputValue<'p>>,
    pub root_module: ModuleValues<'p>,
}

#[derive(Debug, Serialize)]
pub struct OutputValue<'p> {
    pub sensitive: bool,
    /// Absent while unknown, and always for a sensitive output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<&'p Json>,
}

#[derive(Debug, Default, Serialize)]
pub struct ModuleValues<'p> {
    /// `module.a.module.b`; absent for the root module.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<&'p str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceValues<'p>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub child_modules: Vec<ModuleValues<'p>>,
}

#[derive(Debug, Serialize)]
pub struct ResourceValues<'p> {
    pub address: &'p str,
    pub mode: crate::config::Mode,
    #[serde(rename = "type")]
    pub ty: &'p str,
    pub name: &'p str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<&'p Json>,
    pub provider_name: &'p str,
    pub values: &'p Doc,
    pub sensitive_values: Masks<'p>,
}

/// A sensitivity mask: the change's own when it is an object, else an empty object.
#[derive(Debug)]
pub struct Masks<'p>(Option<&'p Doc>);

impl Serialize for Masks<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(mask) => mask.serialize(s),
            None => serde::ser::SerializeMap::end(s.serialize_map(Some(0))?),
        }
    }
}

/// `prior_state`: the live objects the plan starts from, in Terraform's state shape.
#[derive(Debug, Serialize)]
pub struct PriorState<'p> {
    pub format_version: &'static str,
    pub terraform_version: &'static str,
    pub values: Values<'p>,
}

/// An entry of `relevant_attributes`: an attribute of a resource that matters to the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RelevantAttribute {
    pub resource: String,
    pub attribute: Vec<Json>,
}

/// What every resource will be after apply (deleted ones are gone), and the outputs.
pub fn planned_values<'p>(changes: &'p [ResourceChange], outputs: &'p BTreeMap<String, OutputChange>) -> Values<'p> {
    let resources = changes
        .iter()
        .filter(|c| c.verb() != Some(StepAction::Delete))
        .map(|c| (c, resource(c, &c.change.after, &c.change.after_sensitive)));
    let outputs = outputs
        .iter()
        .map(|(name, o)| {
            let value = (!o.after_unknown && !o.after_sensitive).then_some(&o.after);
            (name.as_str(), OutputValue { sensitive: o.after_sensitive, value })
        })
        .collect();
    Values { outputs, root_module: tree(resources) }
}

/// What exists before apply: the live object of every change that has one. `None` when
/// nothing does (a plan from scratch), as Terraform leaves `prior_state` out.
pub fn prior_state(changes: &[ResourceChange]) -> Option<PriorState<'_>> {
    let existing: Vec<_> = changes
        .iter()
        .filter(|c| c.change.actions != [Action::Create] && c.change.actions != [Action::Read])
        .filter(|c| !c.change.before.is_null())
        .map(|c| (c, resource(c, &c.change.before, &c.change.before_sensitive)))
        .collect();
    if existing.is_empty() {
        return None;
    }
    Some(PriorState {
        format_version: "1.0",
        terraform_version: TERRAFORM_FORMAT,
        values: Values { outputs: BTreeMap::new(), root_module: tree(existing.into_iter()) },
    })
}

/// Drift as Terraform reports it: each drifted object changing from what the configuration
/// says (drplan keeps no state, so that is the last thing it applied) to what is live.
pub fn resource_drift(changes: &[ResourceChange], drift: &[Drift]) -> Vec<ResourceChange> {
    drift
        .iter()
        .filter_map(|d| {
            let c = changes.iter().find(|c| c.address == d.address)?;
            let (mut was, after) = (c.change.before.value(), c.change.after.value());
            for a in &d.attributes {
                if let (Some(slot), Some(v)) = (was.get_mut(a), after.get(a)) {
                    *slot = v.clone();
                }
            }
            let mut out = c.clone();
            out.change.actions = vec![Action::Update];
            out.change.after = c.change.before.clone();
            out.change.before = Doc::new(&was);
            out.change.after_unknown = serde_json::json!({}).into();
            out.change.after_sensitive = c.change.before_sensitive.clone();
            out.change.replace_paths = Vec::new();
            out.action_reason = None;
            Some(out)
        })
        .collect()
}

/// The resource attributes the plan depends on: those the configuration's expressions read
/// (`configuration`, as Terraform finds them) and the drifted ones; sorted, no duplicates.
pub fn relevant_attributes(configuration: &Json, drift: &[Drift]) -> Vec<RelevantAttribute> {
    let mut found = std::collections::BTreeSet::new();
    read_attributes(&configuration["root_module"], "", &mut found);
    for d in drift {
        found.extend(d.attributes.iter().map(|a| (d.address.clone(), vec![a.clone()])));
    }
    found
        .into_iter()
        .map(|(resource, path)| RelevantAttribute { resource, attribute: path.into_iter().map(Json::from).collect() })
        .collect()
}

/// (resource address, attribute path) for every resource reference in a module's
/// expressions, and in its module calls' modules.
fn read_attributes(module: &Json, prefix: &str, out: &mut std::collections::BTreeSet<(String, Vec<String>)>) {
    let mut lists = Vec::new();
    collect_references(module, &mut lists);
    for list in lists {
        // Each reference is listed from its longest form down to the object: keep the longest.
        let extends = |o: &str, r: &str| o.strip_prefix(r).is_some_and(|rest| rest.starts_with(['.', '[']));
        let longest = list.iter().filter(|r| !list.iter().any(|o| extends(o, r)));
        out.extend(longest.filter_map(|r| split_reference(r)).map(|(res, path)| (format!("{prefix}{res}"), path)));
    }
    for (name, call) in module["module_calls"].as_object().into_iter().flatten() {
        read_attributes(&call["module"], &format!("{prefix}module.{name}."), out);
    }
}

/// Every `references` list in a module's resources and outputs (not in its module calls).
fn collect_references(v: &Json, out: &mut Vec<Vec<String>>) {
    match v {
        Json::Object(m) => {
            if let Some(Json::Array(refs)) = m.get("references") {
                out.push(refs.iter().filter_map(|r| r.as_str().map(str::to_string)).collect());
            }
            m.iter().filter(|(k, _)| *k != "module_calls").for_each(|(_, v)| collect_references(v, out));
        }
        Json::Array(items) => items.iter().for_each(|v| collect_references(v, out)),
        _ => {}
    }
}

/// `aws_subnet.a[0].id` -> (`aws_subnet.a[0]`, [`id`]); `None` for what is not a resource.
fn split_reference(r: &str) -> Option<(String, Vec<String>)> {
    let (data, rest) = match r.strip_prefix("data.") {
        Some(rest) => ("data.", rest),
        None => ("", r),
    };
    let mut parts = rest.splitn(3, '.');
    let (ty, name) = (parts.next()?, parts.next()?);
    if ["var", "local", "module", "count", "each", "path", "terraform", "self"].contains(&ty) {
        return None;
    }
    let attribute = parts.next().map(|a| a.split('.').map(str::to_string).collect()).unwrap_or_default();
    Some((format!("{data}{ty}.{name}"), attribute))
}

fn resource<'p>(c: &'p ResourceChange, values: &'p Doc, sensitive: &'p Doc) -> ResourceValues<'p> {
    ResourceValues {
        address: &c.address,
        mode: c.mode,
        ty: &c.ty,
        name: &c.name,
        index: c.index.as_ref(),
        provider_name: &c.provider_name,
        values,
        sensitive_values: Masks(sensitive.is_object().then_some(sensitive)),
    }
}

/// Resources grouped into their modules (`module.a`, then `module.a.module.b` inside it),
/// each list sorted by address.
fn tree<'p>(resources: impl Iterator<Item = (&'p ResourceChange, ResourceValues<'p>)>) -> ModuleValues<'p> {
    let mut by_module: BTreeMap<&str, Vec<ResourceValues>> = BTreeMap::new();
    for (c, r) in resources {
        by_module.entry(c.module_address.as_deref().unwrap_or_default()).or_default().push(r);
    }
    for list in by_module.values_mut() {
        list.sort_by(|a, b| a.address.cmp(b.address));
    }
    let mut root = ModuleValues { resources: by_module.remove("").unwrap_or_default(), ..ModuleValues::default() };
    for (address, resources) in by_module {
        insert(&mut root, address, resources);
    }
    root
}

/// Puts a module's resources at its place in the tree, creating the modules on the way.
fn insert<'p>(parent: &mut ModuleValues<'p>, address: &'p str, resources: Vec<ResourceValues<'p>>) {
    let prefix_len = parent.address.map_or(0, |a| a.len() + 1);
    let rest = &address[prefix_len..];
    // The next step: `module.name` or `module.name[key]`, up to the following `.module.`.
    let step_len = rest.find(".module.").unwrap_or(rest.len());
    let child_address = &address[..prefix_len + step_len];
    let pos = match parent.child_modules.iter().position(|m| m.address == Some(child_address)) {
        Some(p) => p,
        None => {
            parent.child_modules.push(ModuleValues { address: Some(child_address), ..ModuleValues::default() });
            parent.child_modules.sort_by(|a, b| a.address.cmp(&b.address));
            parent.child_modules.iter().position(|m| m.address == Some(child_address)).unwrap_or(0)
        }
    };
    let child = &mut parent.child_modules[pos];
    if child_address == address {
        child.resources = resources;
    } else {
        insert(child, address, resources);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rv(addr: &str) -> ResourceValues<'_> {
        static NULL: std::sync::LazyLock<Doc> = std::sync::LazyLock::new(Doc::default);
        ResourceValues {
            address: addr,
            mode: crate::config::Mode::Managed,
            ty: "aws_vpc",
            name: "x",
            index: None,
            provider_name: "",
            values: &NULL,
            sensitive_values: Masks(None),
        }
    }

    #[test]
    fn relevant_attributes_are_what_expressions_read() {
        let config = serde_json::json!({"root_module": {"module_calls": {"app": {"module": {"resources": [
            {"expressions": {"subnet_id": {"references": ["aws_subnet.public[0].id", "aws_subnet.public[0]", "aws_subnet.public"]},
             "subnets": {"references": ["aws_subnet.public"]}, "name": {"references": ["var.name"]}}}
        ]}}}}});
        let found: Vec<(String, Json)> =
            relevant_attributes(&config, &[]).into_iter().map(|r| (r.resource, Json::from(r.attribute))).collect();
        assert_eq!(
            found,
            [
                ("module.app.aws_subnet.public".to_string(), serde_json::json!([])),
                ("module.app.aws_subnet.public[0]".to_string(), serde_json::json!(["id"])),
            ]
        );
    }

    #[test]
    fn modules_nest_like_terraform() {
        let mut root = ModuleValues::default();
        insert(&mut root, "module.a.module.b[\"k\"]", vec![rv("module.a.module.b[\"k\"].aws_vpc.x")]);
        insert(&mut root, "module.a", vec![rv("module.a.aws_vpc.x")]);
        assert_eq!(root.child_modules.len(), 1);
        let a = &root.child_modules[0];
        assert_eq!(a.address, Some("module.a"));
        assert_eq!(a.resources[0].address, "module.a.aws_vpc.x");
        assert_eq!(a.child_modules[0].address, Some("module.a.module.b[\"k\"]"));
    }
}
