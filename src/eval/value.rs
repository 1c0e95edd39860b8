//! The value model of the expression language: cty-like values including *unknown*.
//!
//! An unknown stands for something that exists only after apply (`aws_vpc.main.id`). It
//! propagates through operators and most functions, and renders as `(known after apply)`.
//! Maps and objects share one representation (sorted by key, as Terraform iterates them);
//! tuples and lists share another ([`Seq`] tells which). Sets are kept sorted and de-duplicated.

use std::collections::BTreeMap;
use std::fmt;

use super::number::Number;

pub use super::fields::Fields;
pub use super::seq::Seq;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    /// Known only after apply.
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    /// A tuple or a list: [`Seq::list`] tells which (cty's types differ; the values do not).
    List(Seq),
    Set(Vec<Value>),
    /// An object or a map: [`Fields::is_map`] tells which.
    Map(Fields),
}

/// The most memory one value may hold: 256 MiB, as estimated by [`Value::footprint`]. A
/// documented limit (docs/configuration.md), checked as collections grow, so doubling a list
/// through locals or nesting `for` over large ranges is a located error, not an abort.
pub const MAX_VALUE_BYTES: usize = 256 << 20;

/// Adds up the footprints of values as a collection is built, against [`MAX_VALUE_BYTES`].
#[derive(Debug, Default)]
pub struct Budget {
    used: usize,
}

impl Budget {
    /// Counts `v`; false once the total is over the limit (stop building).
    pub fn add(&mut self, v: &Value) -> bool {
        self.used = self.used.saturating_add(v.footprint(MAX_VALUE_BYTES));
        self.used <= MAX_VALUE_BYTES
    }

    /// The message for a value that grew past the limit.
    pub fn exceeded(what: &str) -> String {
        format!("{what} would hold more than {} MiB, the most one value may hold", MAX_VALUE_BYTES >> 20)
    }
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A string as Terraform holds it: in Unicode normal form C (cty normalises every string
    /// value, so a decomposed `"an\u0303os"` is `"años"`).
    pub fn nfc_string(s: String) -> Value {
        use unicode_normalization::UnicodeNormalization as _;
        if s.is_ascii() || unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
            Value::String(s)
        } else {
            Value::String(s.nfc().collect())
        }
    }

    /// Builds a set: sorted by canonical form and de-duplicated.
    pub fn set(mut items: Vec<Value>) -> Value {
        items.sort_by(Value::total_cmp);
        items.dedup();
        Value::Set(items)
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "unknown",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "object",
        }
    }

    /// An estimate of the memory this value holds (a node's size plus its strings), counted
    /// only until it passes `cap`: the cost is bounded by the cap, not by the value.
    pub fn footprint(&self, cap: usize) -> usize {
        const NODE: usize = std::mem::size_of::<Value>();
        // Nodes are counted when their parent is reached, so the stack never holds more than
        // the cap's worth of them.
        let mut total = NODE;
        let mut stack = vec![self];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) => total = total.saturating_add(s.len()),
                Value::List(Seq { items, .. }) | Value::Set(items) => {
                    total = total.saturating_add(items.len().saturating_mul(NODE));
                    if total <= cap {
                        stack.extend(items);
                    }
                }
                Value::Map(m) => {
                    total = total.saturating_add(m.len().saturating_mul(2 * NODE));
                    if total <= cap {
                        for (k, item) in m {
                            total = total.saturating_add(k.len());
                            stack.push(item);
                        }
                    }
                }
                _ => {}
            }
            if total > cap {
                break;
            }
        }
        total
    }

    /// Whether two values that are equal ([`PartialEq`]) are also of one cty type as far as
    /// drplan tracks it: lists apart from tuples and maps apart from objects, at every level.
    /// The language's `==` asks both (`tolist([]) == []` is false, as in Terraform).
    pub fn same_kinds(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::List(a), Value::List(b)) => {
                a.is_list() == b.is_list() && a.iter().zip(b.iter()).all(|(x, y)| x.same_kinds(y))
            }
            (Value::Set(a), Value::Set(b)) => a.iter().zip(b).all(|(x, y)| x.same_kinds(y)),
            (Value::Map(a), Value::Map(b)) => {
                a.is_map() == b.is_map() && a.values().zip(b.values()).all(|(x, y)| x.same_kinds(y))
            }
            _ => true,
        }
    }

    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(Seq { items: v, .. }) | Value::Set(v) => v.iter().all(Value::is_wholly_known),
            Value::Map(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Elements of a list, tuple or set.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::List(Seq { items: v, .. }) | Value::Set(v) => Some(v),
            _ => None,
        }
    }

    /// What `for` expressions, template `for` directives and `dynamic` blocks iterate: index and
    /// element of a list, each set element as both key and value, key and value of a map.
    /// `None` for anything that is not a collection (including unknown).
    pub fn iteration_pairs(&self) -> Option<Vec<(Value, Value)>> {
        match self {
            Value::List(items) => {
                Some(items.iter().enumerate().map(|(i, v)| (Value::Number(i.into()), v.clone())).collect())
            }
            Value::Set(items) => Some(items.iter().map(|v| (v.clone(), v.clone())).collect()),
            Value::Map(m) => Some(m.iter().map(|(k, v)| (Value::from(k.as_str()), v.clone())).collect()),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// The string form used by templates and string conversion; `None` for non-primitives.
    pub fn to_template_string(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A total order for sorting set members deterministically: numbers by value, strings
    /// lexically, anything else by its rendering.
    pub fn total_cmp(a: &Value, b: &Value) -> std::cmp::Ordering {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.compare(y),
            (Value::String(x), Value::String(y)) => x.cmp(y),
            _ => (a.type_name(), a.to_string()).cmp(&(b.type_name(), b.to_string())),
        }
    }

    pub fn to_json(&self) -> Result<serde_json::Value, String> {
        Ok(match self {
            Value::Null => serde_json::Value::Null,
            Value::Unknown => return Err("value is not known until apply".into()),
            Value::Bool(b) => (*b).into(),
            Value::Number(n) => number_to_json(n),
            Value::String(s) => s.clone().into(),
            Value::List(Seq { items: v, .. }) | Value::Set(v) => {
                serde_json::Value::Array(v.iter().map(Value::to_json).collect::<Result<_, _>>()?)
            }
            Value::Map(m) => serde_json::Value::Object(
                m.iter().map(|(k, v)| Ok((k.clone(), v.to_json()?))).collect::<Result<_, String>>()?,
            ),
        })
    }

    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => number_from_json(n),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => {
                Value::Map(o.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }
}

/// Integers exactly (up to 64 bits), other numbers as the nearest float64: JSON readers (and
/// serde_json) hold no more.
fn number_to_json(n: &Number) -> serde_json::Value {
    match n.integer_parts() {
        Some((false, m)) if m <= u128::from(u64::MAX) => (m as u64).into(),
        Some((true, m)) if m <= 1 << 63 => n.to_i64().map_or(serde_json::Value::Null, Into::into),
        _ => serde_json::Number::from_f64(n.to_f64()).map_or(serde_json::Value::Null, serde_json::Value::Number),
    }
}

/// JSON numbers as Terraform reads them: their decimal text at 512 bits.
fn number_from_json(n: &serde_json::Number) -> Value {
    Number::parse(&n.to_string()).map_or(Value::Null, Value::Number)
}

impl fmt::Display for Value {
    /// HCL-like rendering, used in messages and human output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Unknown => write!(f, "(known after apply)"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
            Value::List(Seq { items: v, .. }) | Value::Set(v) => {
                write!(f, "[")?;
                for (i, item) in v.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
            Value::Map(m) => {
                write!(f, "{{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k} = {v}")?;
                }
                write!(f, "}}")
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n.into())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n.into())
    }
}

impl From<usize> for Value {
    fn from(n: usize) -> Self {
        Value::Number(n.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_render_like_terraform() {
        assert_eq!(Value::from(3.0).to_string(), "3");
        assert_eq!(Value::from(2.5).to_string(), "2.5");
    }

    #[test]
    fn sets_are_sorted_and_unique() {
        let s = Value::set(vec!["b".into(), "a".into(), "b".into()]);
        assert_eq!(s, Value::Set(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn footprints_count_nodes_and_strings_and_stop_at_the_cap() {
        let node = std::mem::size_of::<Value>();
        assert_eq!(Value::from("abcd").footprint(usize::MAX), node + 4);
        let list = Value::List(vec![Value::from("ab"), Value::from(1.0)].into());
        assert_eq!(list.footprint(usize::MAX), 3 * node + 2);
        // A huge list is not walked past the cap.
        let huge = Value::List(vec![Value::Null; 1_000_000].into());
        assert!(huge.footprint(1000) > 1000);
        let mut budget = Budget::default();
        assert!(budget.add(&list));
        assert!(!budget.add(&Value::String("x".repeat(MAX_VALUE_BYTES))));
    }

    #[test]
    fn unknown_is_detected_deeply() {
        let v = Value::List(vec![Value::Map([("id".to_string(), Value::Unknown)].into())].into());
        assert!(!v.is_wholly_known());
        assert!(v.to_json().is_err());
    }
}
