//! One function per CLI command, over the library. Commands print; ops compute and return data.

pub mod graph;
pub mod plan;
pub mod validate;

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{self, Loaded};
use crate::diag::Diagnostics;
use crate::error::Error;
use crate::expand::inputs::{self, VarArgs};
use crate::expand::{self, Expansion, LiveView, Options};
use crate::graph::{self as dag, Dag};

/// What every command that reads a configuration needs to know.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub dir: PathBuf,
    pub vars: VarArgs,
    pub workspace: String,
    /// See [`Options::lenient_keys`]: true for validate and graph, false when planning.
    pub lenient_keys: bool,
}

/// A configuration that loaded and evaluated without errors.
#[derive(Debug)]
pub struct Configuration {
    pub loaded: Loaded,
    pub expansion: Expansion,
    pub graph: Dag,
    /// Warnings only: errors make [`load_configuration`] fail.
    pub warnings: Diagnostics,
}

/// Loads, evaluates and orders a configuration, collecting every diagnostic.
pub fn load_configuration(opts: &LoadOptions, live: &dyn LiveView) -> Result<Configuration, Error> {
    let mut loaded = config::load(&opts.dir);
    let mut diags = std::mem::take(&mut loaded.diagnostics);
    let env: Vec<(String, String)> = std::env::vars().collect();
    let raw = inputs::collect(&opts.dir, &opts.vars, &env, &mut loaded.sources, &mut diags);
    let expansion = expand::expand(
        &loaded,
        &Options { workspace: opts.workspace.clone(), inputs: raw, live, lenient_keys: opts.lenient_keys },
        &mut diags,
    );
    let graph = dag::from_expansion(&expansion);
    if let Err(cycles) = graph.topo_order() {
        for cycle in cycles {
            let names: Vec<&str> = cycle.iter().map(|&n| graph.nodes[n].as_str()).collect();
            let first = &expansion.instances[cycle[0]];
            diags.push(
                crate::diag::Diagnostic::error("Cycle between resource instances")
                    .detail(format!("These instances depend on each other: {}.", names.join(", ")))
                    .at(first.span),
            );
        }
    }
    let diags = diags.sorted();
    if diags.has_errors() {
        return Err(Error::Config { diagnostics: diags, sources: Arc::new(loaded.sources) });
    }
    Ok(Configuration { loaded, expansion, graph, warnings: diags })
}
