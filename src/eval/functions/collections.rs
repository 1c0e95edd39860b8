//! Collection functions: lists, sets, maps and the boolean reducers.

use std::collections::BTreeMap;

use super::{int_arg, map_arg, seq_arg, string_arg};
use crate::eval::value::Value;
use crate::eval::{Fields, Seq};

pub(super) fn length(a: &[Value]) -> Result<Value, String> {
    let n = match &a[0] {
        Value::List(Seq { items: v, .. }) | Value::Set(v) => v.len(),
        Value::Map(m) => m.len(),
        Value::String(s) => s.chars().count(),
        other => return Err(format!("cannot take the length of a {}", other.type_name())),
    };
    Ok(Value::from(n))
}

pub(super) fn element(a: &[Value]) -> Result<Value, String> {
    let items = seq_arg(&a[0], "the first argument")?;
    if items.is_empty() {
        return Err("cannot use element() on an empty list".into());
    }
    let i = int_arg(&a[1], "the index")?;
    if i < 0 {
        return Err("the index must not be negative".into());
    }
    // Terraform wraps around the end of the list.
    Ok(items[i as usize % items.len()].clone())
}

pub(super) fn index(a: &[Value]) -> Result<Value, String> {
    let items = seq_arg(&a[0], "the first argument")?;
    items.iter().position(|v| v == &a[1]).map(Value::from).ok_or_else(|| format!("{} is not in the list", a[1]))
}

pub(super) fn contains(a: &[Value]) -> Result<Value, String> {
    Ok(seq_arg(&a[0], "the first argument")?.contains(&a[1]).into())
}

pub(super) fn concat(a: &[Value]) -> Result<Value, String> {
    // Checked before copying: concat(l, l, l, l) of a large l would otherwise allocate first.
    let mut budget = crate::eval::value::Budget::default();
    if !a.iter().all(|v| budget.add(v)) {
        return Err(crate::eval::value::Budget::exceeded("the result"));
    }
    let mut out = Vec::new();
    for (i, v) in a.iter().enumerate() {
        out.extend_from_slice(seq_arg(v, &format!("argument {}", i + 1))?);
    }
    // Lists (not tuples) concatenate to one list when their element types unify, as cty's
    // ConcatFunc does: concat(tolist([1]), tolist(["a"])) is ["1", "a"].
    if !a.is_empty() && a.iter().all(|v| matches!(v, Value::List(s) if s.is_list())) {
        use crate::eval::unify;
        if let Ok(common) = unify::unify(&out.iter().map(unify::type_of).collect::<Vec<_>>()) {
            let items = out.iter().map(|v| crate::eval::types::convert(v, &common)).collect::<Result<_, _>>()?;
            return Ok(Value::List(Seq::list(items)));
        }
    }
    Ok(Value::List(out.into()))
}

pub(super) fn flatten(a: &[Value]) -> Result<Value, String> {
    fn walk(items: &[Value], out: &mut Vec<Value>) {
        for v in items {
            match v {
                Value::List(Seq { items: inner, .. }) | Value::Set(inner) => walk(inner, out),
                other => out.push(other.clone()),
            }
        }
    }
    let mut out = Vec::new();
    walk(seq_arg(&a[0], "the argument")?, &mut out);
    Ok(Value::List(out.into()))
}

/// The first occurrence of each element, in order: linear, by a canonical key per value (a
/// million elements take milliseconds, not minutes).
pub(super) fn distinct(a: &[Value]) -> Result<Value, String> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Value> = Vec::new();
    for v in seq_arg(&a[0], "the argument")? {
        if seen.insert(format!("{v:?}")) {
            out.push(v.clone());
        }
    }
    Ok(Value::List(out.into()))
}

pub(super) fn slice(a: &[Value]) -> Result<Value, String> {
    let items = seq_arg(&a[0], "the first argument")?;
    let (start, end) = (int_arg(&a[1], "start index")?, int_arg(&a[2], "end index")?);
    if start < 0 || end > items.len() as i64 || start > end {
        return Err(format!("slice({start}, {end}) is out of range for a list of {} elements", items.len()));
    }
    Ok(like(&a[0], items[start as usize..end as usize].to_vec()))
}

/// A list when `of` is one, else a tuple: `slice` and `reverse` keep their argument's kind.
fn like(of: &Value, items: Vec<Value>) -> Value {
    match of {
        Value::List(seq) if seq.is_list() => Value::List(Seq::list(items)),
        _ => Value::List(items.into()),
    }
}

pub(super) fn sort(a: &[Value]) -> Result<Value, String> {
    let mut items = seq_arg(&a[0], "the argument")?
        .iter()
        .map(|v| string_arg(v, "each sorted element"))
        .collect::<Result<Vec<_>, _>>()?;
    items.sort();
    Ok(Value::List(items.into_iter().map(Value::from).collect()))
}

pub(super) fn reverse(a: &[Value]) -> Result<Value, String> {
    Ok(like(&a[0], seq_arg(&a[0], "the argument")?.iter().rev().cloned().collect()))
}

/// A map's keys or values are a list; an object's a tuple (cty's KeysFunc and ValuesFunc).
fn seq_like_map(of: &Value, items: Vec<Value>) -> Value {
    match of {
        Value::Map(m) if m.is_map() => Value::List(Seq::list(items)),
        _ => Value::List(items.into()),
    }
}

pub(super) fn keys(a: &[Value]) -> Result<Value, String> {
    let names = map_arg(&a[0], "the argument")?.keys().map(|k| Value::from(k.as_str())).collect();
    Ok(seq_like_map(&a[0], names))
}

pub(super) fn values(a: &[Value]) -> Result<Value, String> {
    Ok(seq_like_map(&a[0], map_arg(&a[0], "the argument")?.values().cloned().collect()))
}

pub(super) fn lookup(a: &[Value]) -> Result<Value, String> {
    let map = map_arg(&a[0], "the first argument")?;
    let key = string_arg(&a[1], "the key")?;
    match (map.get(&key), a.get(2)) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(format!("the map has no key {key:?} and no default was given")),
    }
}

pub(super) fn merge(a: &[Value]) -> Result<Value, String> {
    let mut out = BTreeMap::new();
    for (i, v) in a.iter().enumerate() {
        if v.is_null() {
            continue;
        }
        for (k, item) in map_arg(v, &format!("argument {}", i + 1))? {
            out.insert(k.clone(), item.clone());
        }
    }
    // As cty's MergeFunc: arguments all of one type keep it (maps of one element type make a
    // map); anything else makes an object.
    let given: Vec<&Value> = a.iter().filter(|v| !v.is_null()).collect();
    let first = given.first().map(|v| crate::eval::unify::type_of(v));
    let one_map_type = matches!(first, Some(crate::eval::types::Type::Map(_)))
        && given.iter().all(|v| Some(crate::eval::unify::type_of(v)) == first);
    Ok(Value::Map(if one_map_type { Fields::map(out) } else { out.into() }))
}

pub(super) fn zipmap(a: &[Value]) -> Result<Value, String> {
    let keys = seq_arg(&a[0], "the keys")?;
    let values = seq_arg(&a[1], "the values")?;
    if keys.len() != values.len() {
        return Err(format!("there are {} keys but {} values", keys.len(), values.len()));
    }
    let mut out = BTreeMap::new();
    for (k, v) in keys.iter().zip(values) {
        if k.is_unknown() {
            return Ok(Value::Unknown);
        }
        out.insert(string_arg(k, "each key")?, v.clone());
    }
    // Values in a list (or set) make a map; in a tuple, an object (cty's ZipmapFunc).
    let listed = matches!(&a[1], Value::List(v) if v.is_list()) || matches!(&a[1], Value::Set(_));
    Ok(Value::Map(if listed { Fields::map(out) } else { out.into() }))
}

/// The first argument that is not null (nor an empty string, when the arguments unify to
/// strings), converted to the type all arguments unify to: `coalesce(1, "a")` is `"1"`.
pub(super) fn coalesce(a: &[Value]) -> Result<Value, String> {
    use crate::eval::unify;
    let types: Vec<_> = a.iter().map(unify::type_of).collect();
    let common = unify::unify(&types).map_err(|why| format!("all arguments must have the same type: {why}"))?;
    for v in a.iter().filter(|v| !v.is_null()) {
        let v = crate::eval::types::convert(v, &common)?;
        if common == crate::eval::types::Type::String && v.as_str() == Some("") {
            continue;
        }
        return Ok(v);
    }
    Err("no non-null, non-empty argument".to_string())
}

pub(super) fn coalescelist(a: &[Value]) -> Result<Value, String> {
    for v in a {
        if !seq_arg(v, "each argument")?.is_empty() {
            return Ok(v.clone());
        }
    }
    Err("no non-empty list argument".into())
}

pub(super) fn compact(a: &[Value]) -> Result<Value, String> {
    Ok(Value::List(
        seq_arg(&a[0], "the argument")?.iter().filter(|v| !v.is_null() && v.as_str() != Some("")).cloned().collect(),
    ))
}

pub(super) fn one(a: &[Value]) -> Result<Value, String> {
    match seq_arg(&a[0], "the argument")? {
        [] => Ok(Value::Null),
        [v] => Ok(v.clone()),
        items => Err(format!("must be a list of zero or one element, but has {}", items.len())),
    }
}

pub(super) fn chunklist(a: &[Value]) -> Result<Value, String> {
    let items = seq_arg(&a[0], "the first argument")?;
    let size = int_arg(&a[1], "the chunk size")?;
    if size <= 0 {
        return Ok(Value::List(vec![Value::List(Seq::list(items.to_vec()))].into()));
    }
    Ok(Value::List(items.chunks(size as usize).map(|c| Value::List(Seq::list(c.to_vec()))).collect()))
}

fn bools(a: &[Value]) -> Result<Vec<Option<bool>>, String> {
    let mut out = Vec::new();
    for v in a {
        for item in seq_arg(v, "each argument")? {
            out.push(match item {
                Value::Bool(b) => Some(*b),
                Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
                Value::Unknown => None,
                other => {
                    return Err(format!("elements must be bools, but got a {}", other.type_name()));
                }
            });
        }
    }
    Ok(out)
}

pub(super) fn alltrue(a: &[Value]) -> Result<Value, String> {
    let items = bools(a)?;
    if items.contains(&Some(false)) {
        return Ok(false.into());
    }
    Ok(if items.contains(&None) { Value::Unknown } else { true.into() })
}

pub(super) fn anytrue(a: &[Value]) -> Result<Value, String> {
    let items = bools(a)?;
    if items.contains(&Some(true)) {
        return Ok(true.into());
    }
    Ok(if items.contains(&None) { Value::Unknown } else { false.into() })
}

#[cfg(test)]
mod tests {
    use crate::eval::functions::test_call as call;
    use crate::eval::value::Value;

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::from(*s)).collect())
    }

    #[test]
    fn list_functions() {
        assert_eq!(call("element", vec![list(&["a", "b"]), Value::from(3.0)]).unwrap(), Value::from("b"));
        assert_eq!(call("distinct", vec![list(&["a", "b", "a"])]).unwrap(), list(&["a", "b"]));
        let mixed = Value::List(
            vec![
                Value::from(1.0),
                Value::from("1"),
                Value::from(1.0),
                Value::List(vec![Value::from(1.0)].into()),
                Value::List(vec![Value::from(1.0)].into()),
            ]
            .into(),
        );
        let want =
            Value::List(vec![Value::from(1.0), Value::from("1"), Value::List(vec![Value::from(1.0)].into())].into());
        assert_eq!(call("distinct", vec![mixed]).unwrap(), want, "a number and a string are different values");
        assert_eq!(
            call("flatten", vec![Value::List(vec![list(&["a"]), list(&["b", "c"])].into())]).unwrap(),
            list(&["a", "b", "c"])
        );
        assert_eq!(call("compact", vec![list(&["a", "", "b"])]).unwrap(), list(&["a", "b"]));
        assert!(call("slice", vec![list(&["a"]), Value::from(0.0), Value::from(2.0)]).is_err());
        assert_eq!(call("index", vec![list(&["a", "b"]), "b".into()]).unwrap(), Value::from(1.0));
        assert_eq!(call("sort", vec![list(&["b", "a"])]).unwrap(), list(&["a", "b"]));
    }

    #[test]
    fn map_functions_keep_unknown_values() {
        let m = Value::Map([("a".to_string(), Value::Unknown)].into());
        assert_eq!(call("keys", vec![m.clone()]).unwrap(), list(&["a"]));
        assert_eq!(call("lookup", vec![m.clone(), "z".into(), "d".into()]).unwrap(), Value::from("d"));
        let merged = call("merge", vec![m, Value::Map([("b".to_string(), Value::from("x"))].into())]).unwrap();
        assert_eq!(merged.as_map().unwrap().len(), 2);
        assert_eq!(call("zipmap", vec![list(&["k"]), list(&["v"])]).unwrap().get("k"), Some(&Value::from("v")));
    }

    #[test]
    fn reducers_and_coalesce() {
        assert_eq!(
            call("alltrue", vec![Value::List(vec![true.into(), Value::Unknown].into())]).unwrap(),
            Value::Unknown
        );
        assert_eq!(
            call("anytrue", vec![Value::List(vec![true.into(), Value::Unknown].into())]).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(call("coalesce", vec![Value::Null, "".into(), "x".into()]).unwrap(), Value::from("x"));
        // Terraform 1.11.4: the arguments unify to string, so the number comes back as one.
        assert_eq!(call("coalesce", vec![Value::Null, Value::from(1i64), "a".into()]).unwrap(), Value::from("1"));
        assert!(call("coalesce", vec![true.into(), Value::from(1i64)]).unwrap_err().contains("same type"));
        assert_eq!(call("one", vec![Value::List(vec![].into())]).unwrap(), Value::Null);
        assert!(call("one", vec![list(&["a", "b"])]).is_err());
    }
}
