//! Cycles through module calls that Terraform resolves: module A reads B's output `x` while B
//! reads A's output `y`, and neither output depends on the other input. Terraform's graph is per
//! output; drplan evaluates a module call as a whole, so such a group is evaluated to a fixpoint
//! instead (see `Engine::module_group`). This module decides whether a cycle among module calls
//! is real, from each child's outputs and the inputs they reach; locals between the calls (a
//! `templatefile` of one call's output passed to another call) are part of such a cycle.

use std::collections::{BTreeSet, HashMap};

use super::order::Node;
use crate::config::refs::{Reference, Target, body_refs, expr_refs};
use crate::config::{Module, ModuleCall};

const META: &str = "\0meta";
/// The pseudo-call the group's locals belong to (no module can be named so).
const LOCAL: &str = "\0local";

/// Whether the cycle among these nodes (module calls, and the locals between them) disappears
/// when dependencies are traced per input and output.
pub(crate) fn resolvable(module: &Module, modules: &[Module], members: &[usize], nodes: &[Node]) -> bool {
    let mut calls: Vec<&ModuleCall> = Vec::new();
    let mut locals: Vec<&crate::config::LocalDecl> = Vec::new();
    for &m in members {
        match nodes[m] {
            Node::Module(i) if module.module_calls[i].child.is_some() => calls.push(&module.module_calls[i]),
            // A module not installed is reported as such; its inside is unknown, so a cycle
            // through it is not one drplan can claim.
            Node::Module(_) => return true,
            Node::Local(i) => locals.push(&module.locals[i]),
            _ => return false,
        }
    }
    if calls.is_empty() {
        return false;
    }
    let names: BTreeSet<&str> = calls.iter().map(|c| c.name.as_str()).collect();
    let local_names: BTreeSet<&str> = locals.iter().map(|l| l.name.as_str()).collect();
    let mut ids: HashMap<(String, String), usize> = HashMap::new();
    let mut id = |call: &str, port: String| {
        let n = ids.len();
        *ids.entry((call.to_string(), port)).or_insert(n)
    };
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let outputs_of = |call: &ModuleCall| -> Vec<String> {
        call.child.map(|c| modules[c].outputs.iter().map(|o| o.name.clone()).collect()).unwrap_or_default()
    };
    // What a reference from inside the group reaches: a member's output, or a member local.
    let sources = |r: &Reference| -> Vec<(String, String)> {
        match &r.target {
            Target::Module(other) if names.contains(other.as_str()) => {
                let other_call = calls.iter().find(|c| &c.name == other).expect("a member");
                let outs = match &r.output {
                    Some(o) => vec![o.clone()],
                    None => outputs_of(other_call),
                };
                outs.into_iter().map(|o| (other.clone(), format!("out:{o}"))).collect()
            }
            Target::Local(l) if local_names.contains(l.as_str()) => vec![(LOCAL.to_string(), l.clone())],
            _ => Vec::new(),
        }
    };
    for local in &locals {
        let to = id(LOCAL, local.name.clone());
        for r in expr_refs(&local.value) {
            for (node, port) in sources(&r) {
                edges.push((id(&node, port), to));
            }
        }
    }
    for call in &calls {
        let child = &modules[call.child.expect("checked above")];
        let meta: Vec<Reference> =
            call.count.iter().chain(&call.for_each).chain(&call.depends_on).flat_map(expr_refs).collect();
        let inputs = call.inputs.iter().map(|(n, _, e)| (n.clone(), expr_refs(e))).chain([(META.to_string(), meta)]);
        for (input, refs) in inputs {
            let to = id(&call.name, format!("in:{input}"));
            for r in refs {
                for (node, port) in sources(&r) {
                    edges.push((id(&node, port), to));
                }
            }
        }
        for (output, vars) in output_inputs(child) {
            let out = id(&call.name, format!("out:{output}"));
            for v in vars.into_iter().chain([META.to_string()]) {
                edges.push((id(&call.name, format!("in:{v}")), out));
            }
        }
    }
    let n = ids.len();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (from, to) in edges {
        preds[to].push(from);
    }
    crate::graph::kahn(n, |i| preds[i].clone()).is_ok()
}

/// For each output of a module, the input variables it reaches (through locals, resources and
/// nested module calls, conservatively: a nested call depends on all of its inputs).
fn output_inputs(child: &Module) -> Vec<(String, BTreeSet<String>)> {
    let mut refs: HashMap<Target, Vec<Reference>> = HashMap::new();
    for l in &child.locals {
        refs.insert(Target::Local(l.name.clone()), expr_refs(&l.value));
    }
    for r in &child.resources {
        let mut rs = body_refs(&r.body, r.file);
        rs.extend(r.count.iter().chain(&r.for_each).chain(&r.depends_on).flat_map(expr_refs));
        refs.insert(Target::Resource(r.mode, r.ty.clone(), r.name.clone()), rs);
    }
    for m in &child.module_calls {
        let rs = m.inputs.iter().map(|(_, _, e)| e).chain(&m.count).chain(&m.for_each).chain(&m.depends_on);
        refs.insert(Target::Module(m.name.clone()), rs.flat_map(expr_refs).collect());
    }
    child
        .outputs
        .iter()
        .map(|o| {
            let mut vars = BTreeSet::new();
            let mut seen: BTreeSet<Target> = BTreeSet::new();
            let mut stack: Vec<Reference> = o.value.iter().chain(&o.depends_on).flat_map(expr_refs).collect();
            while let Some(r) = stack.pop() {
                if let Target::Var(v) = &r.target {
                    vars.insert(v.clone());
                } else if seen.insert(r.target.clone()) {
                    stack.extend(refs.get(&r.target).cloned().unwrap_or_default());
                }
            }
            (o.name.clone(), vars)
        })
        .collect()
}
