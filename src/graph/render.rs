//! Printers for a [`Dag`]: Graphviz DOT and Mermaid. Nodes are grouped by module (the address
//! prefix before the resource), data sources drawn differently; output is sorted so it is
//! byte-identical run to run.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Dag;

/// Splits `module.a.module.b["x"].aws_vpc.main[0]` into its module path and the rest.
fn split_module(addr: &str) -> (&str, &str) {
    let mut module_end = 0;
    let mut rest = addr;
    while let Some(after) = rest.strip_prefix("module.") {
        // The module name runs to the next '.' that is not inside brackets.
        let mut depth = 0;
        let mut end = None;
        for (i, c) in after.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                '.' if depth == 0 => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        module_end += "module.".len() + end + 1;
        rest = &after[end + 1..];
    }
    (addr[..module_end].trim_end_matches('.'), rest)
}

fn sorted_nodes(dag: &Dag) -> Vec<usize> {
    let mut nodes: Vec<usize> = (0..dag.nodes.len()).collect();
    nodes.sort_by(|&a, &b| dag.nodes[a].cmp(&dag.nodes[b]));
    nodes
}

fn by_module(dag: &Dag) -> BTreeMap<&str, Vec<usize>> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for n in sorted_nodes(dag) {
        groups.entry(split_module(&dag.nodes[n]).0).or_default().push(n);
    }
    groups
}

fn sorted_edges(dag: &Dag) -> Vec<(&str, &str)> {
    let mut edges: Vec<(&str, &str)> =
        dag.edges.iter().map(|&(a, b)| (dag.nodes[a].as_str(), dag.nodes[b].as_str())).collect();
    edges.sort_unstable();
    edges
}

fn dot_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

pub fn dot(dag: &Dag) -> String {
    let mut out = String::from("digraph drplan {\n  rankdir = \"LR\";\n  node [shape = box];\n");
    for (module, nodes) in by_module(dag) {
        let indent = if module.is_empty() { "  " } else { "    " };
        if !module.is_empty() {
            let _ = writeln!(
                out,
                "  subgraph {} {{\n    label = {};",
                dot_quote(&format!("cluster_{module}")),
                dot_quote(module)
            );
        }
        for n in nodes {
            let name = &dag.nodes[n];
            let shape = if split_module(name).1.starts_with("data.") { " [shape = ellipse]" } else { "" };
            let _ = writeln!(out, "{indent}{}{shape};", dot_quote(name));
        }
        if !module.is_empty() {
            out.push_str("  }\n");
        }
    }
    for (a, b) in sorted_edges(dag) {
        let _ = writeln!(out, "  {} -> {};", dot_quote(a), dot_quote(b));
    }
    out.push_str("}\n");
    out
}

fn mermaid_label(s: &str) -> String {
    s.replace('"', "#quot;")
}

pub fn mermaid(dag: &Dag) -> String {
    let ids: BTreeMap<usize, String> =
        sorted_nodes(dag).into_iter().enumerate().map(|(i, n)| (n, format!("n{i}"))).collect();
    let mut out = String::from("flowchart LR\n");
    for (m, (module, nodes)) in by_module(dag).into_iter().enumerate() {
        let indent = if module.is_empty() { "  " } else { "    " };
        if !module.is_empty() {
            let _ = writeln!(out, "  subgraph m{m}[\"{}\"]", mermaid_label(module));
        }
        for n in nodes {
            let name = &dag.nodes[n];
            let label = mermaid_label(name);
            if split_module(name).1.starts_with("data.") {
                let _ = writeln!(out, "{indent}{}([\"{label}\"])", ids[&n]);
            } else {
                let _ = writeln!(out, "{indent}{}[\"{label}\"]", ids[&n]);
            }
        }
        if !module.is_empty() {
            out.push_str("  end\n");
        }
    }
    let mut edges: Vec<(&String, &String, &str, &str)> =
        dag.edges.iter().map(|&(a, b)| (&ids[&a], &ids[&b], dag.nodes[a].as_str(), dag.nodes[b].as_str())).collect();
    edges.sort_by(|x, y| (x.2, x.3).cmp(&(y.2, y.3)));
    for (a, b, _, _) in edges {
        let _ = writeln!(out, "  {a} --> {b}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_nested_module_paths() {
        assert_eq!(
            split_module("module.a.module.b[\"x.y\"].aws_vpc.main[0]"),
            ("module.a.module.b[\"x.y\"]", "aws_vpc.main[0]")
        );
        assert_eq!(split_module("data.aws_ami.web"), ("", "data.aws_ami.web"));
    }

    #[test]
    fn renders_clusters_and_escapes_quotes() {
        let mut g = Dag::default();
        let a = g.add("module.net.aws_vpc.main");
        let b = g.add("aws_instance.web[\"a\"]");
        g.edge(a, b);
        let d = dot(&g);
        assert!(d.contains("subgraph \"cluster_module.net\""), "{d}");
        assert!(d.contains("\"module.net.aws_vpc.main\" -> \"aws_instance.web[\\\"a\\\"]\";"), "{d}");
        let m = mermaid(&g);
        assert!(m.contains("n0[\"aws_instance.web[#quot;a#quot;]\"]"), "{m}");
        assert!(m.contains("n1 --> n0"), "{m}");
    }
}
