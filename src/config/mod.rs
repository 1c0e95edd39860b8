//! Loading a configuration directory into a tree of modules made of declarations.
//!
//! This module owns reading `*.tf`/`*.hcl` files (sorted), parsing them with hcl-edit (which
//! keeps source spans), decoding top-level blocks into typed declarations, resolving module
//! sources (local paths, and registry or Git sources through `terraform init`'s manifest), and static checks that need no evaluation (duplicates, labels, meta-argument
//! combinations). It does not evaluate expressions: see [`crate::expand`].
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("main.tf"), r#"
//! resource "aws_vpc" "main" {
//!   cidr_block = "10.0.0.0/16"
//! }
//! "#).unwrap();
//! let loaded = drplan::config::load(dir.path());
//! assert!(!loaded.diagnostics.has_errors());
//! assert_eq!(loaded.tree.root().resources[0].address_base(), "aws_vpc.main");
//! ```

mod decl;
mod decode;
pub mod describe;
pub mod fmt;
pub mod json;
mod load;
pub mod manifest;
pub mod refs;
pub mod version;

pub use decl::*;
pub use load::{Loaded, load};
