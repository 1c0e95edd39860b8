//! drplan's integration tests: one binary, driving the real `drplan` executable.

mod apply;
mod architecture;
mod aws;
mod corpus;
mod cutover;
mod data_checks;
mod databases;
mod drill;
mod failback;
mod faults;
mod fmt;
mod graph;
mod harness;
mod phases;
mod plan;
mod policy;
mod promote;
mod provider;
mod readiness;
mod remote_state;
mod robustness;
mod seed;
mod served;
mod validate;
mod warm_standby;
mod zones;
