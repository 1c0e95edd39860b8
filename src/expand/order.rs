//! The evaluation order of one module's declarations, and the report of any cycle among them.

use std::collections::{BTreeSet, HashMap};

use petgraph::graph::DiGraph;

use crate::config::Module;
use crate::config::refs::{Reference, Target, body_refs, expr_refs};
use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    Var(usize),
    Local(usize),
    Provider(usize),
    /// The `recovery` block, with its header's span.
    Recovery(Span),
    Resource(usize),
    Module(usize),
    Output(usize),
    Check(usize),
}

/// Per module (not per instance): nodes, their references, and an order (None on a cycle).
pub(crate) struct ModulePlan {
    pub nodes: Vec<Node>,
    pub refs: Vec<Vec<Reference>>,
    /// The nodes each node references within the module.
    pub preds: Vec<BTreeSet<usize>>,
    /// Every node, dependencies first. On a cycle, its members come first and are not
    /// evaluated (they are unknown), so the rest of the module still reports its own errors.
    pub order: Vec<usize>,
    /// Members of a cycle (already reported).
    pub cyclic: BTreeSet<usize>,
    /// Module calls (and the locals between them) in a cycle that is not real per output: each
    /// group, by its representative (the member `order` reaches first), is evaluated together to
    /// a fixpoint.
    pub groups: std::collections::BTreeMap<usize, Vec<usize>>,
    /// What the module's `count` and `for_each` expressions read directly, computed once per
    /// module (asked per resource, a re-walk was quadratic in a flat root).
    pub key_targets: std::collections::HashSet<Target>,
}

fn describe(module: &Module, node: Node) -> (String, Span) {
    match node {
        Node::Var(i) => (format!("var.{}", module.variables[i].name), module.variables[i].span),
        Node::Local(i) => (format!("local.{}", module.locals[i].name), module.locals[i].span),
        Node::Provider(i) => (format!("provider.{}", module.providers[i].key()), module.providers[i].span),
        Node::Recovery(span) => ("recovery".to_string(), span),
        Node::Resource(i) => (module.resources[i].address_base(), module.resources[i].span),
        Node::Module(i) => (format!("module.{}", module.module_calls[i].name), module.module_calls[i].span),
        Node::Output(i) => (format!("output.{}", module.outputs[i].name), module.outputs[i].span),
        Node::Check(i) => (format!("check.{}", module.checks[i].name), module.checks[i].span),
    }
}

/// `depends_on` names something this module does not declare: an error, as in Terraform
/// (other references are checked when they are evaluated; depends_on is never evaluated).
fn undeclared_depends_on(module: &Module, targets: &HashMap<Target, usize>, diags: &mut Diagnostics) {
    let lists = module
        .resources
        .iter()
        .map(|r| &r.depends_on)
        .chain(module.module_calls.iter().map(|m| &m.depends_on))
        .chain(module.outputs.iter().map(|o| &o.depends_on));
    for r in lists.flatten().flat_map(expr_refs) {
        if targets.contains_key(&r.target) {
            continue;
        }
        let (summary, what) = match &r.target {
            Target::Resource(crate::config::Mode::Managed, ty, name) => (
                "Reference to undeclared resource",
                format!("A managed resource \"{ty}\" \"{name}\" has not been declared in this module."),
            ),
            Target::Resource(_, ty, name) => (
                "Reference to undeclared resource",
                format!("A data resource \"{ty}\" \"{name}\" has not been declared in this module."),
            ),
            Target::Module(name) => (
                "Reference to undeclared module",
                format!("No module call named \"{name}\" is declared in this module."),
            ),
            _ => continue,
        };
        diags.push(
            Diagnostic::error(summary)
                .detail(format!("{what} depends_on can only name declared resources and modules."))
                .at(r.span),
        );
    }
}

/// Every declaration of a module as a node, with what each one references.
struct Declared {
    nodes: Vec<Node>,
    refs: Vec<Vec<Reference>>,
    /// The node each referenceable declaration is.
    targets: HashMap<Target, usize>,
    /// The node of each provider configuration, by its key (`aws`, `aws.primary`).
    providers: HashMap<String, usize>,
}

pub(crate) fn plan(module: &Module, modules: &[Module], sources: &SourceMap, diags: &mut Diagnostics) -> ModulePlan {
    let Declared { nodes, refs, targets, providers } = declared(module);
    undeclared_depends_on(module, &targets, diags);
    let preds = predecessors(module, &nodes, &refs, &targets, &providers);
    // The earliest-declared ready node first: deterministic.
    if let Ok(order) = crate::graph::kahn(nodes.len(), |n| preds[n].iter().copied()) {
        let key_targets = key_targets(module);
        return ModulePlan {
            nodes,
            refs,
            preds,
            order,
            cyclic: BTreeSet::new(),
            groups: Default::default(),
            key_targets,
        };
    }
    let cycles = cycles(module, modules, &nodes, &preds, sources, diags);
    let order = condensed_order(&cycles.component, &preds);
    debug_assert_eq!(order.len(), nodes.len(), "the condensed graph is acyclic");
    let groups = cycles.resolvable.into_iter().filter_map(|g| Some((*g.last()?, g))).collect();
    ModulePlan { nodes, refs, preds, order, cyclic: cycles.cyclic, groups, key_targets: key_targets(module) }
}

/// See [`ModulePlan::key_targets`].
fn key_targets(module: &Module) -> std::collections::HashSet<Target> {
    let resources = module.resources.iter().flat_map(|r| r.count.iter().chain(&r.for_each));
    let calls = module.module_calls.iter().flat_map(|c| c.count.iter().chain(&c.for_each));
    resources.chain(calls).flat_map(expr_refs).map(|r| r.target).collect()
}

fn declared(module: &Module) -> Declared {
    let mut nodes = Vec::new();
    let mut refs: Vec<Vec<Reference>> = Vec::new();
    let mut targets: HashMap<Target, usize> = HashMap::new();
    let mut providers: HashMap<String, usize> = HashMap::new();
    for (i, v) in module.variables.iter().enumerate() {
        targets.insert(Target::Var(v.name.clone()), nodes.len());
        nodes.push(Node::Var(i));
        refs.push(Vec::new());
    }
    for (i, l) in module.locals.iter().enumerate() {
        targets.insert(Target::Local(l.name.clone()), nodes.len());
        nodes.push(Node::Local(i));
        refs.push(expr_refs(&l.value));
    }
    for (i, p) in module.providers.iter().enumerate() {
        providers.insert(p.key(), nodes.len());
        nodes.push(Node::Provider(i));
        let role = p.assume_role.iter().chain(&p.web_identity).flat_map(|r| r.attrs.iter().map(|(_, _, e)| e));
        let credentials =
            p.credentials.iter().chain(&p.ignore_tags).chain(&p.endpoints).chain(&p.settings).map(|(_, _, e)| e);
        let evaluated = p
            .region
            .iter()
            .chain(&p.allowed_account_ids)
            .chain(&p.forbidden_account_ids)
            .chain(&p.default_tags)
            .chain(role)
            .chain(credentials);
        refs.push(evaluated.flat_map(expr_refs).collect());
    }
    if let Some(r) = &module.recovery {
        nodes.push(Node::Recovery(r.span));
        let contacts = module.contacts.iter().flat_map(|c| c.attrs.iter());
        refs.push(r.attrs.iter().chain(contacts).flat_map(|(_, _, e)| expr_refs(e)).collect());
    }
    for (i, r) in module.resources.iter().enumerate() {
        targets.insert(Target::Resource(r.mode, r.ty.clone(), r.name.clone()), nodes.len());
        nodes.push(Node::Resource(i));
        let mut rs = body_refs(&r.body, r.file);
        rs.extend(r.count.iter().chain(&r.for_each).chain(&r.depends_on).flat_map(expr_refs));
        refs.push(rs);
    }
    for (i, m) in module.module_calls.iter().enumerate() {
        targets.insert(Target::Module(m.name.clone()), nodes.len());
        nodes.push(Node::Module(i));
        refs.push(
            m.inputs
                .iter()
                .map(|(_, _, e)| e)
                .chain(&m.count)
                .chain(&m.for_each)
                .chain(&m.depends_on)
                .flat_map(expr_refs)
                .collect(),
        );
    }
    for (i, o) in module.outputs.iter().enumerate() {
        nodes.push(Node::Output(i));
        refs.push(o.value.iter().chain(&o.depends_on).flat_map(expr_refs).collect());
    }
    for (i, c) in module.checks.iter().enumerate() {
        nodes.push(Node::Check(i));
        refs.push(c.attrs.iter().flat_map(|(_, _, e)| expr_refs(e)).collect());
    }

    Declared { nodes, refs, targets, providers }
}

/// The nodes each node waits for: what it references, and a resource its provider's
/// configuration (its region).
fn predecessors(
    module: &Module,
    nodes: &[Node],
    refs: &[Vec<Reference>],
    targets: &HashMap<Target, usize>,
    providers: &HashMap<String, usize>,
) -> Vec<BTreeSet<usize>> {
    let mut preds: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); nodes.len()];
    for (n, rs) in refs.iter().enumerate() {
        preds[n].extend(rs.iter().filter_map(|r| targets.get(&r.target).copied()));
        if let Node::Resource(i) = nodes[n] {
            let key = module.resources[i].provider.as_ref().map_or("aws", |(k, _)| k.as_str());
            if let Some(&p) = providers.get(key) {
                preds[n].insert(p);
            }
            // Whether the DR stack builds a global object depends on every provider's region
            // (`global`): they are all known by then.
            if super::global::is_global(&module.resources[i].ty) {
                preds[n].extend(providers.values().copied());
            }
        }
    }
    preds
}

/// The strongly connected components of a module that has cycles.
struct Cycles {
    /// Each node's component, by its first member (itself when it is in no cycle).
    component: Vec<usize>,
    /// Members of real cycles (reported).
    cyclic: BTreeSet<usize>,
    /// Module-call cycles that are not real per output, evaluated to a fixpoint.
    resolvable: Vec<Vec<usize>>,
}

fn cycles(
    module: &Module,
    modules: &[Module],
    nodes: &[Node],
    preds: &[BTreeSet<usize>],
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Cycles {
    let mut graph = DiGraph::<usize, ()>::new();
    let ids: Vec<_> = (0..nodes.len()).map(|i| graph.add_node(i)).collect();
    for (n, ps) in preds.iter().enumerate() {
        for &p in ps {
            graph.add_edge(ids[p], ids[n], ());
        }
    }
    let mut cyclic = BTreeSet::new();
    let mut component = (0..nodes.len()).collect::<Vec<usize>>();
    let mut resolvable: Vec<Vec<usize>> = Vec::new();
    for scc in petgraph::algo::tarjan_scc(&graph) {
        let self_loop = scc.len() == 1 && preds[graph[scc[0]]].contains(&graph[scc[0]]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        let mut members: Vec<usize> = scc.iter().map(|&id| graph[id]).collect();
        members.sort_unstable();
        let fixpoint = !self_loop && super::module_cycles::resolvable(module, modules, &members, nodes);
        // A group is evaluated at its last member, a module call: after the providers and the
        // recovery block, which what the calls plan needs (a local may lead the group).
        let representative = if fixpoint { members[members.len() - 1] } else { members[0] };
        for &m in &members {
            component[m] = representative;
        }
        if fixpoint {
            resolvable.push(members);
            continue;
        }
        cyclic.extend(members.iter().copied());
        diags.push(cycle_error(module, nodes, &members, self_loop, sources));
    }
    Cycles { component, cyclic, resolvable }
}

fn cycle_error(module: &Module, nodes: &[Node], members: &[usize], self_loop: bool, sources: &SourceMap) -> Diagnostic {
    let described: Vec<(String, Span)> = members.iter().map(|&n| describe(module, nodes[n])).collect();
    let list: Vec<String> =
        described.iter().map(|(name, span)| format!("  {name} ({})", sources.short_location(*span))).collect();
    let names: Vec<&str> = described.iter().map(|(n, _)| n.as_str()).collect();
    Diagnostic::error("Cycle in configuration")
        .detail(format!(
            "These declarations depend on each other, so none can be evaluated first:\n{}",
            list.join("\n")
        ))
        .at(described[0].1)
        .hint(if self_loop {
            format!("{} refers to itself", names[0])
        } else {
            format!("break the cycle between {}", names.join(", "))
        })
}

/// Each cycle is one step of the order: its representative (the first member of a real cycle,
/// the last of a resolvable group) waits for
/// everything any member needs from outside the cycle, the other members wait for it. Members
/// of a real cycle are unknowns; a resolvable group is evaluated to a fixpoint at its
/// representative.
fn condensed_order(component: &[usize], preds: &[BTreeSet<usize>]) -> Vec<usize> {
    let mut step_preds: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); component.len()];
    for n in 0..component.len() {
        let rep = component[n];
        step_preds[rep].extend(preds[n].iter().copied().filter(|&p| component[p] != rep));
        if n != rep {
            step_preds[n].insert(rep);
        }
    }
    crate::graph::kahn(component.len(), |n| step_preds[n].iter().copied()).unwrap_or_default()
}
