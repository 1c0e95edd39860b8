//! Set functions (setunion, setintersection, setsubtract, setproduct) and the two functions
//! that pair collections: matchkeys and transpose.

use std::collections::BTreeMap;

use super::{map_arg, seq_arg};
use crate::eval::types::unify;
use crate::eval::value::Value;

fn as_set(v: &Value, what: &str) -> Result<Vec<Value>, String> {
    Ok(match v {
        Value::Set(items) => items.clone(),
        other => match Value::set(unify(seq_arg(other, what)?)?) {
            Value::Set(items) => items,
            _ => unreachable!("Value::set builds a set"),
        },
    })
}

/// All arguments' elements, unified to one type.
fn sets(a: &[Value]) -> Result<Vec<Vec<Value>>, String> {
    let all: Vec<Value> =
        a.iter().map(|v| seq_arg(v, "each argument").map(<[Value]>::to_vec)).collect::<Result<Vec<_>, _>>()?.concat();
    let unified = unify(&all)?;
    let mut out = Vec::new();
    let mut rest = &unified[..];
    for v in a {
        let n = v.as_seq().map_or(0, <[Value]>::len);
        out.push(as_set(&Value::List(rest[..n].to_vec().into()), "each argument")?);
        rest = &rest[n..];
    }
    Ok(out)
}

pub(super) fn setunion(a: &[Value]) -> Result<Value, String> {
    Ok(Value::set(sets(a)?.concat()))
}

pub(super) fn setintersection(a: &[Value]) -> Result<Value, String> {
    let mut sets = sets(a)?.into_iter();
    let first = sets.next().unwrap_or_default();
    let rest: Vec<Vec<Value>> = sets.collect();
    Ok(Value::set(first.into_iter().filter(|v| rest.iter().all(|s| s.contains(v))).collect()))
}

pub(super) fn setsubtract(a: &[Value]) -> Result<Value, String> {
    let sets = sets(a)?;
    Ok(Value::set(sets[0].iter().filter(|v| !sets[1].contains(v)).cloned().collect()))
}

/// Every combination, first argument slowest; a list when every argument is a list or tuple.
pub(super) fn setproduct(a: &[Value]) -> Result<Value, String> {
    let all_lists = a.iter().all(|v| matches!(v, Value::List(_)));
    let inputs: Vec<Vec<Value>> = a
        .iter()
        .map(|v| match v {
            Value::List(items) => unify(items),
            other => as_set(other, "each argument"),
        })
        .collect::<Result<_, _>>()?;
    let total: usize = inputs.iter().map(Vec::len).try_fold(1usize, |acc, n| acc.checked_mul(n)).unwrap_or(usize::MAX);
    if total > 100_000 {
        return Err(format!("the product would have {total} elements; drplan builds at most 100000"));
    }
    let mut out: Vec<Vec<Value>> = vec![Vec::new()];
    for input in &inputs {
        out = out
            .into_iter()
            .flat_map(|prefix| input.iter().map(move |v| [prefix.clone(), vec![v.clone()]].concat()))
            .collect();
    }
    let rows: Vec<Value> =
        if inputs.is_empty() { Vec::new() } else { out.into_iter().map(|row| Value::List(row.into())).collect() };
    Ok(if all_lists { Value::List(crate::eval::Seq::list(rows)) } else { Value::set(rows) })
}

pub(super) fn matchkeys(a: &[Value]) -> Result<Value, String> {
    let values = seq_arg(&a[0], "the values")?;
    let keys = unify(seq_arg(&a[1], "the keys")?)?;
    let search = unify(seq_arg(&a[2], "the search set")?)?;
    if values.len() != keys.len() {
        return Err("length of keys and values should be equal".into());
    }
    let wanted = |k: &Value| {
        search.iter().any(|s| s == k || s.to_template_string().is_some_and(|t| Some(t) == k.to_template_string()))
    };
    Ok(Value::List(values.iter().zip(&keys).filter(|(_, k)| wanted(k)).map(|(v, _)| v.clone()).collect()))
}

pub(super) fn transpose(a: &[Value]) -> Result<Value, String> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (key, list) in map_arg(&a[0], "the argument")? {
        for v in seq_arg(list, "each value")? {
            let name = v
                .as_str()
                .ok_or_else(|| format!("the values must be lists of strings, but {key:?} holds a {}", v.type_name()))?;
            out.entry(name.to_string()).or_default().push(Value::from(key.as_str()));
        }
    }
    let lists = out.into_iter().map(|(k, v)| (k, Value::List(crate::eval::Seq::list(v)))).collect();
    Ok(Value::Map(crate::eval::Fields::map(lists)))
}

#[cfg(test)]
mod tests {
    use crate::eval::functions::test_call as call;
    use crate::eval::value::Value;

    fn strs(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::from(*s)).collect())
    }

    #[test]
    fn sets_follow_terraform() {
        let u = call("setunion", vec![strs(&["a", "b"]), strs(&["b", "c"])]).unwrap();
        assert_eq!(u, Value::set(vec!["a".into(), "b".into(), "c".into()]));
        let i = call("setintersection", vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["b", "d"])]).unwrap();
        assert_eq!(i, Value::set(vec!["b".into()]));
        let d = call("setsubtract", vec![strs(&["a", "b", "c"]), strs(&["a", "c"])]).unwrap();
        assert_eq!(d, Value::set(vec!["b".into()]));
        let mixed = call("setunion", vec![strs(&["a"]), Value::List(vec![Value::from(1.0)].into())]).unwrap();
        assert_eq!(mixed, Value::set(vec!["1".into(), "a".into()]), "unified to strings");
        let p =
            call("setproduct", vec![strs(&["a", "b"]), Value::List(vec![Value::from(1.0), Value::from(2.0)].into())])
                .unwrap();
        let Value::List(rows) = p else { panic!("a list of lists") };
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1], Value::List(vec!["a".into(), Value::from(2.0)].into()));
    }

    #[test]
    fn matchkeys_and_transpose() {
        let m = call(
            "matchkeys",
            vec![strs(&["i-1", "i-2", "i-3"]), strs(&["us-west", "us-east", "us-west"]), strs(&["us-west"])],
        )
        .unwrap();
        assert_eq!(m, strs(&["i-1", "i-3"]));
        assert!(call("matchkeys", vec![strs(&["a"]), strs(&[]), strs(&[])]).is_err());
        let t = Value::Map([("a".to_string(), strs(&["1", "2"])), ("b".to_string(), strs(&["2", "3"]))].into());
        let out = call("transpose", vec![t]).unwrap();
        assert_eq!(out.get("2"), Some(&strs(&["a", "b"])));
        assert_eq!(out.get("3"), Some(&strs(&["b"])));
    }
}
