//! drplan: a Terraform-style recovery planner for AWS.
//!
//! Data flows one way: [`config`] loads HCL into declarations, [`expand`] evaluates them into
//! resource instances (with [`eval`] and checked against [`schema`]), [`graph`] orders them, and
//! [`ops`] holds one function per CLI command. Rendering never computes; computing never prints.

#![forbid(unsafe_code)]
// The library never prints: output is the CLI's business (`cli`, and `main`). Clippy enforces it.
#![warn(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]
#![warn(unreachable_pub)]

pub mod apply;
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub mod cli;
pub mod cloud;
pub mod config;
pub mod diag;
pub mod error;
pub mod eval;
pub mod expand;
pub mod gocompress;
pub mod graph;
pub mod live;
pub mod ops;
pub mod plan;
pub mod provider;
pub mod readiness;
pub mod recovery;
pub mod render;
pub mod resources;
pub mod schema;
pub mod timefmt;
