//! `drplan validate`: load, evaluate what is known, check schemas, build the graph.

use crate::config::Mode;
use crate::error::Error;
use crate::expand::NothingKnown;

use super::{Configuration, LoadOptions, load_configuration};

/// Counts for the success line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub resources: usize,
    pub data_sources: usize,
    pub modules: usize,
}

pub fn validate(opts: &LoadOptions) -> Result<(Configuration, Counts), Error> {
    let config = load_configuration(opts, &NothingKnown)?;
    let resources = config.expansion.instances.iter().filter(|i| i.mode == Mode::Managed).count();
    let counts = Counts {
        resources,
        data_sources: config.expansion.instances.len() - resources,
        modules: config.expansion.module_instances,
    };
    Ok((config, counts))
}
