//! Evaluating only what one instance needs. Apply re-evaluates an instance before each step
//! (its arguments may reference objects created a moment ago); evaluating the whole
//! configuration each time would make apply quadratic. A [`Focus`] names, per module, the
//! declarations the instance references transitively: through locals, variables (and so the
//! calling module's arguments), module outputs, providers, data sources and other resources.
//! Evaluation order and results are otherwise exactly those of a full evaluation.
//!
//! [`Plans`] keeps each module's evaluation order, so repeated evaluations do not recompute it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::order::{self, ModulePlan, Node};
use crate::config::refs::Target;
use crate::config::{Loaded, Mode};
use crate::diag::Diagnostics;

/// Module evaluation orders, computed once per configuration and shared.
#[derive(Default)]
pub struct Plans(Mutex<HashMap<usize, (Arc<ModulePlan>, Diagnostics)>>);

impl std::fmt::Debug for Plans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Plans")
    }
}

impl Plans {
    /// The plan of module `index`, with the diagnostics (cycles) computing it produced.
    pub(crate) fn get(&self, loaded: &Loaded, index: usize) -> (Arc<ModulePlan>, Diagnostics) {
        let mut plans = self.0.lock().unwrap_or_else(|e| e.into_inner());
        plans
            .entry(index)
            .or_insert_with(|| {
                let mut diags = Diagnostics::default();
                let plan = order::plan(&loaded.tree.modules[index], &loaded.tree.modules, &loaded.sources, &mut diags);
                (Arc::new(plan), diags)
            })
            .clone()
    }
}

/// The declarations (per module, by node index) one instance's evaluation needs.
#[derive(Clone, Debug, Default)]
pub struct Focus {
    needed: HashMap<usize, HashSet<usize>>,
}

impl Focus {
    pub(crate) fn wants(&self, module: usize, node: usize) -> bool {
        self.needed.get(&module).is_some_and(|n| n.contains(&node))
    }
}

/// The focus of the instance at `address`, or `None` when the address names no declaration.
pub fn focus(loaded: &Loaded, plans: &Plans, address: &str) -> Option<Focus> {
    let (calls, mode, ty, name) = parse(address)?;
    let mut plan = |m: usize| plans.get(loaded, m).0;
    let mut module = 0;
    for call in &calls {
        module = loaded.tree.modules.get(module)?.module_calls.iter().find(|c| &c.name == call)?.child?;
    }
    let start = plan(module).nodes.iter().position(|n| match n {
        Node::Resource(i) => {
            let r = &loaded.tree.modules[module].resources[*i];
            r.mode == mode && r.ty == ty && r.name == name
        }
        _ => false,
    })?;
    let parents = callers(loaded);
    let mut focus = Focus::default();
    let mut work = vec![(module, start)];
    loop {
        close(&mut focus, work, &parents, &mut plan);
        // Module outputs that needed declarations read, and are not needed yet.
        work = outputs_read(loaded, &focus, &mut plan);
        if work.is_empty() {
            return Some(focus);
        }
    }
}

/// Adds `work` and everything it references: declarations in the same module, the module's
/// call in its calling module, and every module's providers and recovery settings.
fn close(
    focus: &mut Focus,
    mut work: Vec<(usize, usize)>,
    parents: &HashMap<usize, Vec<(usize, usize)>>,
    plan: &mut impl FnMut(usize) -> Arc<ModulePlan>,
) {
    while let Some((m, n)) = work.pop() {
        if !focus.needed.entry(m).or_default().insert(n) {
            continue;
        }
        let p = plan(m);
        work.extend(p.preds[n].iter().map(|&q| (m, q)));
        // A group evaluated to a fixpoint (module calls reading each other) is evaluated whole.
        if let Some(group) = p.groups.values().find(|g| g.contains(&n)) {
            work.extend(group.iter().map(|&q| (m, q)));
        }
        let settings = p.nodes.iter().enumerate().filter(|(_, k)| matches!(k, Node::Provider(_) | Node::Recovery(_)));
        work.extend(settings.map(|(q, _)| (m, q)));
        // A module is evaluated only through its call: whatever it needs, it needs the call.
        for &(parent, call) in parents.get(&m).into_iter().flatten() {
            if let Some(q) = plan(parent).nodes.iter().position(|k| *k == Node::Module(call)) {
                work.push((parent, q));
            }
        }
    }
}

/// Output nodes of child modules that needed declarations reference and the focus lacks.
fn outputs_read(
    loaded: &Loaded,
    focus: &Focus,
    plan: &mut impl FnMut(usize) -> Arc<ModulePlan>,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (&m, needed) in &focus.needed {
        let p = plan(m);
        for &n in needed {
            for r in &p.refs[n] {
                let Target::Module(call_name) = &r.target else { continue };
                let calls = &loaded.tree.modules[m].module_calls;
                let Some(child) = calls.iter().find(|c| &c.name == call_name).and_then(|c| c.child) else {
                    continue;
                };
                let outputs = &loaded.tree.modules[child].outputs;
                for (q, k) in plan(child).nodes.iter().enumerate() {
                    if let Node::Output(o) = k
                        && r.output.as_ref().is_none_or(|want| *want == outputs[*o].name)
                        && !focus.wants(child, q)
                    {
                        out.push((child, q));
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// For each module index, the (module, call index) pairs that call it.
fn callers(loaded: &Loaded) -> HashMap<usize, Vec<(usize, usize)>> {
    let mut out: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for (m, module) in loaded.tree.modules.iter().enumerate() {
        for (i, call) in module.module_calls.iter().enumerate() {
            if let Some(child) = call.child {
                out.entry(child).or_default().push((m, i));
            }
        }
    }
    out
}

/// `module.a["x"].module.b.aws_subnet.s[1]` -> (["a", "b"], Managed, "aws_subnet", "s").
fn parse(address: &str) -> Option<(Vec<String>, Mode, String, String)> {
    let mut parts = Vec::new();
    let (mut cur, mut depth, mut quoted) = (String::new(), 0usize, false);
    for ch in address.chars() {
        match ch {
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            '.' if !quoted && depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ if depth == 0 && !quoted => cur.push(ch),
            _ => {}
        }
    }
    parts.push(cur);
    let mut calls = Vec::new();
    let mut i = 0;
    while parts.get(i).map(String::as_str) == Some("module") {
        calls.push(parts.get(i + 1)?.clone());
        i += 2;
    }
    let (mode, rest) = if parts.get(i).map(String::as_str) == Some("data") {
        (Mode::Data, &parts[i + 1..])
    } else {
        (Mode::Managed, &parts[i..])
    };
    match rest {
        [ty, name] => Some((calls, mode, ty.clone(), name.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_through_modules_and_keys() {
        assert_eq!(
            parse("module.a[\"x.y\"].module.b[0].aws_subnet.s[1]"),
            Some((vec!["a".into(), "b".into()], Mode::Managed, "aws_subnet".into(), "s".into()))
        );
        assert_eq!(parse("data.aws_ami.web"), Some((vec![], Mode::Data, "aws_ami".into(), "web".into())));
        assert_eq!(parse("aws_vpc"), None);
    }
}
