//! drplan's integration tests: one binary, driving the real `drplan` executable.

mod aws;
mod graph;
mod harness;
mod plan;
mod robustness;
mod validate;
