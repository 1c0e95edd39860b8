//! `drplan graph`: the instance dependency graph as DOT or Mermaid.

use crate::error::Error;
use crate::expand::NothingKnown;
use crate::graph::render;

use super::{LoadOptions, load_configuration};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

pub fn graph(opts: &LoadOptions, format: GraphFormat) -> Result<String, Error> {
    let config = load_configuration(opts, &NothingKnown)?;
    Ok(match format {
        GraphFormat::Dot => render::dot(&config.graph),
        GraphFormat::Mermaid => render::mermaid(&config.graph),
    })
}
