//! Dependency graphs: a DAG over named nodes ([`Dag`]), and the two algorithms every part of
//! drplan orders things with, once: [`kahn`] (a deterministic topological order) and
//! [`longest_path`] (critical paths).
//!
//! The graph knows nothing of AWS or of configuration: nodes are addresses, edges run from a
//! dependency to its dependent. [`render`] prints it as DOT or Mermaid.
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
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for &(a, b) in &self.edges {
            preds[b].push(a);
        }
        if let Ok(order) = kahn(self.nodes.len(), |n| preds[n].iter().copied()) {
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

/// Kahn's algorithm over nodes `0..n`, where `preds(i)` are the nodes `i` depends on:
/// dependencies first, and among the nodes ready at once the smallest index first, so the
/// order is deterministic. `Err` holds the nodes a cycle left unordered.
pub fn kahn<I>(n: usize, preds: impl Fn(usize) -> I) -> Result<Vec<usize>, Vec<usize>>
where
    I: IntoIterator<Item = usize>,
{
    let mut remaining = vec![0usize; n];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, count) in remaining.iter_mut().enumerate() {
        for p in preds(i) {
            *count += 1;
            succs[p].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| remaining[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &s in &succs[i] {
            remaining[s] -= 1;
            if remaining[s] == 0 {
                ready.insert(s);
            }
        }
    }
    if order.len() == n { Ok(order) } else { Err((0..n).filter(|&i| remaining[i] > 0).collect()) }
}

/// The longest path through a DAG, visiting nodes in the topological `order`, each weighing
/// `weight(i)`: its length and its nodes, first to last. Ties go to the predecessor with the
/// larger index and to the path ending at the smaller index, so the answer is deterministic.
pub fn longest_path<W, I>(order: &[usize], preds: impl Fn(usize) -> I, weight: impl Fn(usize) -> W) -> (W, Vec<usize>)
where
    W: Copy + Ord + Default + std::ops::Add<Output = W>,
    I: IntoIterator<Item = usize>,
{
    let n = order.iter().max().map_or(0, |m| m + 1);
    let mut finish = vec![W::default(); n];
    let mut via: Vec<Option<usize>> = vec![None; n];
    for &i in order {
        let (start, pred) = preds(i).into_iter().map(|p| (finish[p], Some(p))).max().unwrap_or_default();
        finish[i] = start + weight(i);
        via[i] = pred;
    }
    let Some(&end) = order.iter().max_by_key(|&&i| (finish[i], std::cmp::Reverse(i))) else {
        return (W::default(), Vec::new());
    };
    let mut path = vec![end];
    while let Some(p) = via[*path.last().unwrap_or(&end)] {
        path.push(p);
    }
    path.reverse();
    (finish[end], path)
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
    fn the_longest_path_is_the_heaviest_chain() {
        // 0 -> 1 -> 3 and 0 -> 2 -> 3; 2 is heavier than 1.
        let preds: [&[usize]; 4] = [&[], &[0], &[0], &[1, 2]];
        let order = kahn(4, |i| preds[i].iter().copied()).unwrap();
        let weights = [1u64, 2, 5, 1];
        assert_eq!(longest_path(&order, |i| preds[i].iter().copied(), |i| weights[i]), (7, vec![0, 2, 3]));
        assert_eq!(longest_path(&[], |_| std::iter::empty(), |_| 1u64), (0, Vec::new()));
        assert!(kahn(2, |i| [1 - i]).is_err(), "a cycle is not ordered");
    }

    #[test]
    fn order_is_stable() {
        let mut g = Dag::default();
        let (a, b, c) = (g.add("a"), g.add("b"), g.add("c"));
        g.edge(c, a);
        assert_eq!(g.topo_order().unwrap(), vec![b, c, a]);
    }
}
