//! drplan's integration tests: one binary, driving the real `drplan` executable.

mod harness;
mod validate;
mod graph;
