//! `count` and `for_each`: which instance keys a resource or module call expands to.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Expr;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::Value;
use crate::eval::expr::Evaluator;

/// The key of one instance: none, a `count` index or a `for_each` key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InstanceKey {
    None,
    Int(usize),
    Str(String),
    /// `count`/`for_each` not known yet (validate, before data sources are read): one
    /// stand-in instance whose body is still checked.
    Deferred,
}

impl InstanceKey {
    /// `[0]`, `["web"]` or nothing, as in Terraform addresses.
    pub fn suffix(&self) -> String {
        match self {
            InstanceKey::None => String::new(),
            InstanceKey::Int(i) => format!("[{i}]"),
            InstanceKey::Str(s) => format!("[{}]", serde_json::Value::String(s.clone())),
            InstanceKey::Deferred => "[*]".to_string(),
        }
    }

    /// The key as a literal reference would spell it (see [`crate::config::refs::Reference::key`]).
    pub fn ref_key(&self) -> Option<String> {
        match self {
            InstanceKey::None | InstanceKey::Deferred => None,
            InstanceKey::Int(i) => Some(i.to_string()),
            InstanceKey::Str(s) => Some(format!("{s:?}")),
        }
    }
}

pub(crate) enum Keys {
    Single,
    Count(usize),
    ForEach(BTreeMap<String, Value>),
    /// count/for_each was invalid: no instances, and references to it are unknown.
    Invalid,
    /// Unknown in lenient mode: one deferred instance, and references to it are unknown.
    Deferred {
        counted: bool,
    },
}

impl Keys {
    /// Each key with its `each.value`.
    pub(super) fn iter(&self) -> Vec<(InstanceKey, Option<Value>)> {
        match self {
            Keys::Single => vec![(InstanceKey::None, None)],
            Keys::Count(n) => (0..*n).map(|i| (InstanceKey::Int(i), None)).collect(),
            Keys::ForEach(m) => m.iter().map(|(k, v)| (InstanceKey::Str(k.clone()), Some(v.clone()))).collect(),
            Keys::Invalid => Vec::new(),
            Keys::Deferred { counted } => {
                vec![(InstanceKey::Deferred, (!counted).then_some(Value::Unknown))]
            }
        }
    }

    /// The value a reference to the whole resource or module sees: object, list or map.
    pub(super) fn collect(&self, values: Vec<(InstanceKey, Value)>) -> Value {
        match self {
            Keys::Single => values.into_iter().next().map_or(Value::Unknown, |(_, v)| v),
            Keys::Count(_) => Value::List(values.into_iter().map(|(_, v)| v).collect()),
            Keys::ForEach(_) => Value::Map(
                values
                    .into_iter()
                    .map(|(k, v)| (if let InstanceKey::Str(s) = k { s } else { String::new() }, v))
                    .collect(),
            ),
            Keys::Invalid | Keys::Deferred { .. } => Value::Unknown,
        }
    }
}

/// Binds `count.index` or `each.key`/`each.value` for one instance.
pub(crate) fn bind(ev: &mut Evaluator, key: &InstanceKey, each: Option<&Value>) {
    match key {
        InstanceKey::None => {}
        InstanceKey::Int(i) => ev.push("count", Value::Map([("index".to_string(), Value::from(*i))].into())),
        InstanceKey::Deferred if each.is_none() => {
            ev.push("count", Value::Map([("index".to_string(), Value::Unknown)].into()))
        }
        InstanceKey::Deferred => ev.push(
            "each",
            Value::Map([("key".to_string(), Value::Unknown), ("value".to_string(), Value::Unknown)].into()),
        ),
        InstanceKey::Str(k) => ev.push(
            "each",
            Value::Map(
                [
                    ("key".to_string(), Value::from(k.as_str())),
                    ("value".to_string(), each.cloned().unwrap_or(Value::Null)),
                ]
                .into(),
            ),
        ),
    }
}

const UNKNOWN_HINT: &str = "use values known before apply: variables, locals, or keys written in the configuration; not attributes of resources that do not exist yet";

/// The most instances one `count` may make: enough for any real topology, and a bound that
/// keeps a typo (`count = 1e9`) from exhausting memory before it is reported.
pub(super) const MAX_INSTANCES: usize = 100_000;

/// Evaluates `count`/`for_each`. With `lenient`, a value not known yet defers expansion
/// instead of being an error (Terraform's validate does the same).
pub(crate) fn keys(
    ev: &mut Evaluator,
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    lenient: bool,
    diags: &mut Diagnostics,
) -> Keys {
    match (count, for_each) {
        (Some(_), Some(_)) => Keys::Invalid, // reported by the decoder
        (Some(c), None) => count_keys(ev, c, lenient, diags),
        (None, Some(fe)) => for_each_keys(ev, fe, lenient, diags),
        (None, None) => Keys::Single,
    }
}

fn count_keys(ev: &mut Evaluator, c: &Expr, lenient: bool, diags: &mut Diagnostics) -> Keys {
    let value = match ev.eval(&c.expr) {
        Ok(v) => v,
        Err(d) => {
            diags.push(d);
            return Keys::Invalid;
        }
    };
    let invalid = |detail: String| Diagnostic::error("Invalid count argument").detail(detail).at(c.span());
    let too_many = |n: String| {
        invalid(format!(
            "The \"count\" argument is {n}, more than the {MAX_INSTANCES} instances one resource or module may have."
        ))
        .hint("split the resource, or check the expression: a count this large is usually a mistake")
    };
    match value {
        Value::Number(n) if n.to_usize().is_some_and(|n| n <= MAX_INSTANCES) => {
            Keys::Count(n.to_usize().unwrap_or_default())
        }
        Value::Number(n) if n.is_integer() && !n.is_negative() => {
            let shown = n.to_string();
            diags.push(too_many(if shown.len() < 16 { shown } else { format!("{:e}", n.to_f64()) }));
            Keys::Invalid
        }
        Value::Unknown if lenient => Keys::Deferred { counted: true },
        Value::Unknown => {
            diags.push(invalid("The \"count\" value depends on values that are known only after apply, so drplan cannot predict how many instances will be created.".into()).hint(UNKNOWN_HINT));
            Keys::Invalid
        }
        Value::String(s) if s.parse::<u128>().is_ok_and(|n| n > MAX_INSTANCES as u128) => {
            diags.push(too_many(s));
            Keys::Invalid
        }
        Value::String(s) if s.parse::<usize>().is_ok() => Keys::Count(s.parse().unwrap_or(0)),
        other => {
            diags.push(invalid(format!(
                "The \"count\" argument must be a whole number of zero or more, but is {other}."
            )));
            Keys::Invalid
        }
    }
}

fn for_each_keys(ev: &mut Evaluator, fe: &Expr, lenient: bool, diags: &mut Diagnostics) -> Keys {
    let value = match ev.eval(&fe.expr) {
        Ok(v) => v,
        Err(d) => {
            diags.push(d);
            return Keys::Invalid;
        }
    };
    let invalid = |detail: String| Diagnostic::error("Invalid for_each argument").detail(detail).at(fe.span());
    let n = match &value {
        Value::Map(m) => m.len(),
        Value::Set(items) => items.len(),
        _ => 0,
    };
    if n > MAX_INSTANCES {
        diags.push(invalid(format!(
            "The \"for_each\" value has {n} elements, more than the {MAX_INSTANCES} instances one resource or module may have."
        )));
        return Keys::Invalid;
    }
    match value {
        // Keys must be known; values may be unknown, as in Terraform.
        Value::Map(m) => Keys::ForEach(m.into_map()),
        Value::Set(items) => {
            let mut m = BTreeMap::new();
            for item in items {
                match item {
                    Value::String(s) => {
                        m.insert(s.clone(), Value::String(s));
                    }
                    Value::Unknown if lenient => return Keys::Deferred { counted: false },
                    Value::Unknown => {
                        diags.push(invalid("The \"for_each\" set includes values known only after apply, so drplan cannot predict the instance keys.".into()).hint(UNKNOWN_HINT));
                        return Keys::Invalid;
                    }
                    other => {
                        diags.push(invalid(format!(
                            "A \"for_each\" set must contain strings, but contains a {}.",
                            other.type_name()
                        )));
                        return Keys::Invalid;
                    }
                }
            }
            Keys::ForEach(m)
        }
        Value::List(_) => {
            diags.push(
                invalid("The \"for_each\" argument must be a map, or set of strings, and you have provided a value of type list.".into())
                    .hint("convert it with toset(...), or build a map with a for expression: { for x in list : x.name => x }"),
            );
            Keys::Invalid
        }
        Value::Unknown if lenient => Keys::Deferred { counted: false },
        Value::Unknown => {
            diags.push(invalid("The \"for_each\" value depends on values known only after apply, so drplan cannot predict the instance keys.".into()).hint(UNKNOWN_HINT));
            Keys::Invalid
        }
        other => {
            diags.push(invalid(format!(
                "The \"for_each\" argument must be a map, or set of strings, but is {}.",
                if other.is_null() { "null".to_string() } else { format!("a {}", other.type_name()) }
            )));
            Keys::Invalid
        }
    }
}
