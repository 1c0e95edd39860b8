//! drplan's integration tests: one binary, driving the real `drplan` executable.

mod graph;
mod harness;
mod robustness;
mod validate;
