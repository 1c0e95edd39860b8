//! A dependency graph over named nodes: ordering, cycle detection and critical paths.
//!
//! The graph knows nothing of AWS or of configuration: nodes are addresses, edges run from a
//! dependency to its dependent. [`from_expansion`] builds it from expanded instances;
//! [`render`] prints it as DOT or Mermaid.
//!
//! ```
//! let mut g = drplan::graph::Dag::default();
//! let vpc = g.add("aws_vpc.main");
//! let subnet = g.add("aws_subnet.a");
//! g.edge(vpc, subnet);
//! assert_eq!(g.topo_order().unwrap(), vec![vpc, subnet]);
//! ```

pub mod render;

use std::collections::BTreeSet;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::expand::Expansion;

#[derive(Clone, Debug, Default)]
pub struct Dag {
    pub nodes: Vec<String>,
    /// (dependency, dependent), de-duplicated and sorted.
    pub edges: BTreeSet<(usize, usize)>,
}

impl Dag {
    pub fn add(&mut self, name: impl Into<String>) -> usize {
        self.nodes.push(name.into());
        self.nodes.len() - 1
    }

    pub fn edge(&mut self, from: usize, to: usize) {
        self.edges.insert((from, to));
    }

    fn petgraph(&self) -> DiGraph<usize, ()> {
        let mut g = DiGraph::with_capacity(self.nodes.len(), self.edges.len());
        for i in 0..self.nodes.len() {
            g.add_node(i);
        }
        for &(a, b) in &self.edges {
            g.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
        }
        g
    }

    /// Dependencies before dependents; ties broken by node index. `Err` lists each cycle.
    pub fn topo_order(&self) -> Result<Vec<usize>, Vec<Vec<usize>>> {
        let mut indegree = vec![0usize; self.nodes.len()];
        let mut succs: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for &(a, b) in &self.edges {
            indegree[b] += 1;
            succs[a].push(b);
        }
        let mut ready: BTreeSet<usize> = (0..self.nodes.len()).filter(|&n| indegree[n] == 0).collect();
        let mut order = Vec::with_capacity(self.nodes.len());
        while let Some(n) = ready.pop_first() {
            order.push(n);
            for &s in &succs[n] {
                indegree[s] -= 1;
                if indegree[s] == 0 {
                    ready.insert(s);
                }
            }
        }
        if order.len() == self.nodes.len() {
            return Ok(order);
        }
        let g = self.petgraph();
        let cycles = petgraph::algo::tarjan_scc(&g)
            .into_iter()
            .filter(|scc| scc.len() > 1 || self.edges.contains(&(scc[0].index(), scc[0].index())))
            .map(|scc| {
                let mut c: Vec<usize> = scc.into_iter().map(NodeIndex::index).collect();
                c.sort_unstable();
                c
            })
            .collect();
        Err(cycles)
    }
}

/// The instance graph: one node per resource or data-source instance, in expansion order.
pub fn from_expansion(expansion: &Expansion) -> Dag {
    let mut dag = Dag::default();
    for inst in &expansion.instances {
        dag.add(inst.addr.clone());
    }
    for (i, inst) in expansion.instances.iter().enumerate() {
        for &d in &inst.deps {
            dag.edge(d, i);
        }
    }
    dag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_node_of_a_cycle() {
        let mut g = Dag::default();
        let (a, b, c, d) = (g.add("a"), g.add("b"), g.add("c"), g.add("d"));
        g.edge(a, b);
        g.edge(b, c);
        g.edge(c, a);
        g.edge(d, a);
        assert_eq!(g.topo_order().unwrap_err(), vec![vec![a, b, c]]);
    }

    #[test]
    fn order_is_stable() {
        let mut g = Dag::default();
        let (a, b, c) = (g.add("a"), g.add("b"), g.add("c"));
        g.edge(c, a);
        assert_eq!(g.topo_order().unwrap(), vec![b, c, a]);
    }
}
