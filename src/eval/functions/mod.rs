//! Terraform's built-in functions: every one `terraform metadata functions` lists (1.11).
//!
//! The registry owns arity checks and unknown propagation, so individual functions see only
//! known arguments unless they declare themselves unknown-aware (`length` of a list whose
//! elements are unknown is still known). `try`, `can` and `templatefile` need the evaluator and
//! live there, not here.

mod collections;
pub(crate) mod encoding;
mod filesystem;
mod format;
mod hash;
mod numeric;
mod sets;
mod strings;
pub mod time;
mod yaml;

use super::number::Number;
use super::value::{Budget, MAX_VALUE_BYTES, Value};
use crate::eval::Seq;

pub type FnImpl = fn(&[Value]) -> Result<Value, String>;

pub struct FnDef {
    pub name: &'static str,
    pub min_args: usize,
    /// `None` for variadic functions.
    pub max_args: Option<usize>,
    /// Receives arguments that contain unknowns (but never an argument that *is* unknown).
    pub unknown_aware: bool,
    /// Returns a cty list (`split`, `range`), not a tuple: see [`Seq`].
    pub returns_list: bool,
    pub call: FnImpl,
}

const fn f(name: &'static str, min: usize, max: usize, call: FnImpl) -> FnDef {
    FnDef { name, min_args: min, max_args: Some(max), unknown_aware: false, returns_list: false, call }
}

const fn variadic(name: &'static str, min: usize, call: FnImpl) -> FnDef {
    FnDef { name, min_args: min, max_args: None, unknown_aware: false, returns_list: false, call }
}

const fn aware(mut def: FnDef) -> FnDef {
    def.unknown_aware = true;
    def
}

const fn list(mut def: FnDef) -> FnDef {
    def.returns_list = true;
    def
}

/// Names the evaluator implements itself, listed so "did you mean" and docs know them.
pub const SPECIAL_FUNCTIONS: &[&str] = &["can", "templatefile", "templatestring", "try"];

pub static FUNCTIONS: &[FnDef] = &[
    f("abs", 1, 1, numeric::abs),
    f("abspath", 1, 1, filesystem::abspath),
    aware(variadic("alltrue", 1, collections::alltrue)),
    aware(variadic("anytrue", 1, collections::anytrue)),
    f("base64decode", 1, 1, encoding::base64decode),
    f("base64encode", 1, 1, encoding::base64encode),
    f("base64gzip", 1, 1, hash::base64gzip),
    f("base64sha256", 1, 1, hash::base64sha256),
    f("base64sha512", 1, 1, hash::base64sha512),
    f("basename", 1, 1, filesystem::basename),
    variadic("bcrypt", 1, unknown_until_apply),
    f("ceil", 1, 1, numeric::ceil),
    f("chomp", 1, 1, strings::chomp),
    list(aware(f("chunklist", 2, 2, collections::chunklist))),
    f("cidrhost", 2, 2, numeric::cidrhost),
    f("cidrnetmask", 1, 1, numeric::cidrnetmask),
    f("cidrsubnet", 3, 3, numeric::cidrsubnet),
    list(f("cidrsubnets", 2, usize::MAX, numeric::cidrsubnets)),
    variadic("coalesce", 1, collections::coalesce),
    aware(variadic("coalescelist", 1, collections::coalescelist)),
    list(f("compact", 1, 1, collections::compact)),
    aware(variadic("concat", 0, collections::concat)),
    f("contains", 2, 2, collections::contains),
    f("csvdecode", 1, 1, encoding::csvdecode),
    f("dirname", 1, 1, filesystem::dirname),
    list(f("distinct", 1, 1, collections::distinct)),
    aware(f("element", 2, 2, collections::element)),
    f("endswith", 2, 2, strings::endswith),
    aware(f("ephemeralasnull", 1, 1, encoding::identity)),
    f("file", 1, 1, encoding::file),
    f("filebase64", 1, 1, hash::filebase64),
    f("filebase64sha256", 1, 1, hash::filebase64sha256),
    f("filebase64sha512", 1, 1, hash::filebase64sha512),
    f("fileexists", 1, 1, encoding::fileexists),
    f("filemd5", 1, 1, hash::filemd5),
    f("fileset", 2, 2, filesystem::fileset),
    f("filesha1", 1, 1, hash::filesha1),
    f("filesha256", 1, 1, hash::filesha256),
    f("filesha512", 1, 1, hash::filesha512),
    f("flatten", 1, 1, collections::flatten),
    f("floor", 1, 1, numeric::floor),
    variadic("format", 1, strings::format),
    f("formatdate", 2, 2, time::formatdate),
    list(variadic("formatlist", 1, strings::formatlist)),
    f("indent", 2, 2, strings::indent),
    f("index", 2, 2, collections::index),
    aware(f("issensitive", 1, 1, unknown_until_apply)),
    f("join", 2, usize::MAX, strings::join),
    f("jsondecode", 1, 1, encoding::jsondecode),
    f("jsonencode", 1, 1, encoding::jsonencode),
    aware(f("keys", 1, 1, collections::keys)),
    aware(f("length", 1, 1, collections::length)),
    f("log", 2, 2, numeric::log),
    aware(f("lookup", 2, 3, collections::lookup)),
    f("lower", 1, 1, strings::lower),
    list(f("matchkeys", 3, 3, sets::matchkeys)),
    variadic("max", 1, numeric::max),
    f("md5", 1, 1, hash::md5),
    aware(variadic("merge", 0, collections::merge)),
    variadic("min", 1, numeric::min),
    aware(f("nonsensitive", 1, 1, encoding::identity)),
    aware(f("one", 1, 1, collections::one)),
    f("parseint", 2, 2, numeric::parseint),
    f("pathexpand", 1, 1, filesystem::pathexpand),
    f("plantimestamp", 0, 0, unknown_until_apply),
    f("pow", 2, 2, numeric::pow),
    list(f("range", 1, 3, numeric::range)),
    f("regex", 2, 2, strings::regex),
    list(f("regexall", 2, 2, strings::regexall)),
    f("replace", 3, 3, strings::replace),
    aware(f("reverse", 1, 1, collections::reverse)),
    f("rsadecrypt", 2, 2, hash::rsadecrypt),
    aware(f("sensitive", 1, 1, encoding::identity)),
    variadic("setintersection", 1, sets::setintersection),
    variadic("setproduct", 1, sets::setproduct),
    f("setsubtract", 2, 2, sets::setsubtract),
    variadic("setunion", 1, sets::setunion),
    f("sha1", 1, 1, hash::sha1),
    f("sha256", 1, 1, hash::sha256),
    f("sha512", 1, 1, hash::sha512),
    f("signum", 1, 1, numeric::signum),
    aware(f("slice", 3, 3, collections::slice)),
    list(f("sort", 1, 1, collections::sort)),
    list(f("split", 2, 2, strings::split)),
    f("startswith", 2, 2, strings::startswith),
    f("strcontains", 2, 2, strings::strcontains),
    f("strrev", 1, 1, strings::strrev),
    f("substr", 3, 3, strings::substr),
    f("sum", 1, 1, numeric::sum),
    f("textdecodebase64", 2, 2, hash::textdecodebase64),
    f("textencodebase64", 2, 2, hash::textencodebase64),
    f("timeadd", 2, 2, time::timeadd),
    f("timecmp", 2, 2, time::timecmp),
    f("timestamp", 0, 0, unknown_until_apply),
    f("title", 1, 1, strings::title),
    aware(f("tobool", 1, 1, encoding::tobool)),
    aware(f("tolist", 1, 1, encoding::tolist)),
    aware(f("tomap", 1, 1, encoding::tomap)),
    aware(f("tonumber", 1, 1, encoding::tonumber)),
    f("toset", 1, 1, encoding::toset),
    aware(f("tostring", 1, 1, encoding::tostring)),
    f("transpose", 1, 1, sets::transpose),
    f("trim", 2, 2, strings::trim),
    f("trimprefix", 2, 2, strings::trimprefix),
    f("trimspace", 1, 1, strings::trimspace),
    f("trimsuffix", 2, 2, strings::trimsuffix),
    f("upper", 1, 1, strings::upper),
    f("urlencode", 1, 1, hash::urlencode),
    f("uuid", 0, 0, unknown_until_apply),
    f("uuidv5", 2, 2, hash::uuidv5),
    aware(f("values", 1, 1, collections::values)),
    f("yamldecode", 1, 1, yaml::yamldecode),
    f("yamlencode", 1, 1, yaml::yamlencode),
    aware(f("zipmap", 2, 2, collections::zipmap)),
];

/// A function by name; `core::name` is the same function (Terraform's namespaced spelling).
/// Impure functions (`timestamp`, `uuid`, `bcrypt`, `plantimestamp`) are unknown until apply,
/// as in a Terraform plan, so plans stay byte-identical; so is `issensitive` where the
/// evaluator is not told which values are sensitive (`Evaluator::with_sensitivity`).
fn unknown_until_apply(_: &[Value]) -> Result<Value, String> {
    Ok(Value::Unknown)
}

pub fn lookup(name: &str) -> Option<&'static FnDef> {
    let name = name.strip_prefix("core::").unwrap_or(name);
    FUNCTIONS.iter().find(|d| d.name == name)
}

/// Every function name, sorted, including the evaluator's own.
pub fn all_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = FUNCTIONS.iter().map(|d| d.name).chain(SPECIAL_FUNCTIONS.iter().copied()).collect();
    names.sort_unstable();
    names
}

/// Why a call failed: the wrong number of arguments, or a bad argument value.
#[derive(Debug, PartialEq)]
pub enum CallError {
    Arity(String),
    Invalid(String),
}

/// Calls a function: checks arity, propagates unknowns, then runs it.
pub fn call(def: &FnDef, args: &[Value]) -> Result<Value, CallError> {
    if args.len() < def.min_args || def.max_args.is_some_and(|max| args.len() > max) {
        let expected = match def.max_args {
            Some(max) if max == def.min_args => format!("{max}"),
            Some(usize::MAX) | None => format!("at least {}", def.min_args),
            Some(max) => format!("{} to {max}", def.min_args),
        };
        return Err(CallError::Arity(format!("{}() takes {expected} argument(s), but got {}", def.name, args.len())));
    }
    let unknown =
        if def.unknown_aware { args.iter().any(Value::is_unknown) } else { args.iter().any(|a| !a.is_wholly_known()) };
    if unknown {
        return Ok(Value::Unknown);
    }
    let mut result = (def.call)(args).map_err(CallError::Invalid)?;
    if let (true, Value::List(items)) = (def.returns_list, &mut result) {
        *items = Seq::list(std::mem::take(&mut items.items));
    }
    // One check for every function: nothing may return more than a value may hold.
    if result.footprint(MAX_VALUE_BYTES) > MAX_VALUE_BYTES {
        return Err(CallError::Invalid(Budget::exceeded("the result")));
    }
    if let Value::String(s) = &result {
        check_len(s.len(), "the result").map_err(CallError::Invalid)?;
    }
    Ok(result)
}

// Argument helpers shared by the function groups.

pub(crate) fn string_arg(v: &Value, what: &str) -> Result<String, String> {
    v.to_template_string().ok_or_else(|| format!("{what} must be a string, but got a {}", v.type_name()))
}

/// A number argument exactly; a string converts as `tonumber` would.
pub(crate) fn exact_number_arg(v: &Value, what: &str) -> Result<Number, String> {
    match v {
        Value::Number(n) => Ok(n.clone()),
        Value::String(s) => Number::parse(s.trim()).ok_or_else(|| format!("{what} must be a number, but got {v}")),
        _ => Err(format!("{what} must be a number, but got a {}", v.type_name())),
    }
}

/// A number argument as the float64 Terraform's float functions (`pow`, `log`, `ceil`) use.
pub(crate) fn number_arg(v: &Value, what: &str) -> Result<f64, String> {
    exact_number_arg(v, what).map(|n| n.to_f64())
}

/// The longest string a function may build (16 MiB): a documented limit, checked before
/// allocating, so `indent(1e12, ...)` or `format("%999999999d", 1)` is an error, not an abort.
pub const MAX_STRING_BYTES: usize = 16 << 20;

/// An error when a string of `n` bytes would exceed [`MAX_STRING_BYTES`].
pub(crate) fn check_len(n: usize, what: &str) -> Result<(), String> {
    if n > MAX_STRING_BYTES {
        return Err(format!("{what} would be {n} bytes, more than the {MAX_STRING_BYTES} a string may hold"));
    }
    Ok(())
}

pub(crate) fn int_arg(v: &Value, what: &str) -> Result<i64, String> {
    let n = exact_number_arg(v, what)?;
    if !n.is_integer() {
        return Err(format!("{what} must be a whole number, but got {n}"));
    }
    n.to_i64().ok_or_else(|| format!("{what} must be a whole number within 64 bits, but got {n}"))
}

pub(crate) fn seq_arg<'v>(v: &'v Value, what: &str) -> Result<&'v [Value], String> {
    v.as_seq().ok_or_else(|| format!("{what} must be a list or set, but got a {}", v.type_name()))
}

pub(crate) fn map_arg<'v>(v: &'v Value, what: &str) -> Result<&'v std::collections::BTreeMap<String, Value>, String> {
    v.as_map().ok_or_else(|| format!("{what} must be a map or object, but got a {}", v.type_name()))
}

#[cfg(test)]
pub(crate) fn test_call(name: &str, args: Vec<Value>) -> Result<Value, String> {
    call(lookup(name).expect("function exists"), &args).map_err(|e| match e {
        CallError::Arity(m) | CallError::Invalid(m) => m,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_unique() {
        let names: Vec<&str> = FUNCTIONS.iter().map(|d| d.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn unknowns_propagate_unless_the_function_copes() {
        let list = Value::List(vec![Value::Unknown, Value::from("a")].into());
        assert_eq!(test_call("length", vec![list.clone()]).unwrap(), Value::from(2.0));
        assert_eq!(test_call("join", vec![",".into(), list]).unwrap(), Value::Unknown);
        assert_eq!(test_call("upper", vec![Value::Unknown]).unwrap(), Value::Unknown);
    }

    #[test]
    fn arity_errors_say_what_was_expected() {
        let err = test_call("cidrsubnet", vec!["10.0.0.0/16".into()]).unwrap_err();
        assert_eq!(err, "cidrsubnet() takes 3 argument(s), but got 1");
    }
}

#[cfg(test)]
mod doc_tests {
    #[test]
    fn every_function_is_documented() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/configuration.md")).unwrap();
        for name in super::all_names() {
            assert!(doc.contains(&format!("`{name}`")), "docs/configuration.md does not list {name}()");
        }
    }
}
