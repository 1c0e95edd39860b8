//! The expression language: values, type constraints, built-in functions and the evaluator.
//!
//! Nothing here knows about resources or AWS; callers hand the evaluator a [`expr::Scope`] of
//! named root values (`var`, `local`, `aws_vpc`, `each`, ...).

pub mod expr;
mod fields;
pub mod functions;
pub mod number;
mod seq;
pub mod types;
pub mod unify;
pub mod value;

pub use fields::Fields;
pub use number::Number;
pub use seq::Seq;
pub use value::Value;
