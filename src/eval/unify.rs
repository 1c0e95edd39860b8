//! Type unification of whole values, as cty's `convert.UnifyUnsafe` does it for the two results
//! of a conditional: `true ? 1 : "a"` is `"1"`, `true ? [1] : ["a", "b"]` is `["1"]`,
//! `true ? {a = 1} : {b = "x"}` is `{a = "1"}`.
//!
//! drplan's values do not carry their whole cty type, so a type is inferred from the value: a
//! list ([`Seq::is_list`](super::Seq::is_list)) is a list of what its elements unify to, any
//! other sequence a tuple of its elements' types, a map ([`Fields::is_map`](super::Fields::is_map))
//! a map of what its elements unify to, any other an object of its attributes' types,
//! null and unknown are dynamic ([`Type::Any`]). Where cty would try conversions by preference
//! (a set beside a tuple, say), unification gives up as dynamic, so the value is kept as it is.
//! This module does not know where the values came from; the evaluator attaches locations.

use std::collections::{BTreeMap, BTreeSet};

use super::types::{ObjectAttr, Type, convert};
use super::value::Value;

/// The type cty would give `v`, as far as a value tells it (see the module docs).
pub fn type_of(v: &Value) -> Type {
    match v {
        Value::Null | Value::Unknown => Type::Any,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) if items.is_list() => {
            let types: Vec<Type> = items.iter().map(type_of).collect();
            Type::List(Box::new(unify(&types).unwrap_or(Type::Any)))
        }
        Value::List(items) => Type::Tuple(items.iter().map(type_of).collect()),
        Value::Set(items) => {
            let types: Vec<Type> = items.iter().map(type_of).collect();
            Type::Set(Box::new(unify(&types).unwrap_or(Type::Any)))
        }
        Value::Map(m) if m.is_map() => {
            let types: Vec<Type> = m.values().map(type_of).collect();
            Type::Map(Box::new(unify(&types).unwrap_or(Type::Any)))
        }
        Value::Map(m) => Type::Object(m.iter().map(|(k, v)| (k.clone(), attr(type_of(v)))).collect()),
    }
}

/// The one type all of `types` convert to, or why there is none.
/// A dynamic type (a null or unknown) converts to anything and so takes no part.
pub fn unify(types: &[Type]) -> Result<Type, String> {
    let known: Vec<Type> = types.iter().filter(|t| **t != Type::Any).cloned().collect();
    let types = &known[..];
    let Some(first) = types.first() else { return Ok(Type::Any) };
    if types.iter().all(|t| t == first) {
        return Ok(first.clone());
    }
    let count = |kind: fn(&Type) -> bool| types.iter().filter(|t| kind(t)).count();
    let (maps, objects) = (count(|t| matches!(t, Type::Map(_))), count(|t| matches!(t, Type::Object(_))));
    let (lists, tuples) = (count(|t| matches!(t, Type::List(_))), count(|t| matches!(t, Type::Tuple(_))));
    let sets = count(|t| matches!(t, Type::Set(_)));
    let all = types.len();
    match () {
        _ if types.iter().all(is_primitive) => unify_primitives(types),
        _ if maps + objects == all => match objects_same_attributes(types) {
            Some(names) if maps == 0 => unify_objects(types, &names),
            _ => Ok(Type::Map(Box::new(unify(&elements_of(types))?))),
        },
        _ if lists + tuples == all => match tuples_same_length(types) {
            Some(len) if lists == 0 => unify_tuples(types, len),
            _ => Ok(Type::List(Box::new(unify(&elements_of(types))?))),
        },
        _ if sets == all => Ok(Type::Set(Box::new(unify(&elements_of(types))?))),
        _ if objects + maps > 0 && tuples + lists + sets > 0 => Err(mismatch(types)),
        _ if types.iter().any(is_primitive) && types.iter().any(|t| !is_primitive(t)) => Err(mismatch(types)),
        // A set beside a tuple or list: cty converts by preference; drplan keeps the value.
        _ => Ok(Type::Any),
    }
}

/// `value` converted to the type it unifies to with the other branch's `other`, or the reason
/// the two cannot be one type (Terraform's "Inconsistent conditional result types").
pub fn to_common_type(value: Value, other: &Value) -> Result<Value, String> {
    let common = unify(&[type_of(&value), type_of(other)])?;
    if common == Type::Any {
        return Ok(value);
    }
    convert(&value, &common)
}

fn attr(ty: Type) -> ObjectAttr {
    ObjectAttr { ty, optional: false, default: None }
}

fn is_primitive(t: &Type) -> bool {
    matches!(t, Type::String | Type::Number | Type::Bool)
}

fn unify_primitives(types: &[Type]) -> Result<Type, String> {
    if types.contains(&Type::String) { Ok(Type::String) } else { Err(mismatch(types)) }
}

/// Every element type of every collection, structural or not (a map's values, a tuple's
/// elements), for unifying them as one map or list.
fn elements_of(types: &[Type]) -> Vec<Type> {
    let mut out = Vec::new();
    for t in types {
        match t {
            Type::List(e) | Type::Set(e) | Type::Map(e) => out.push((**e).clone()),
            Type::Tuple(elems) => out.extend(elems.iter().cloned()),
            Type::Object(attrs) => out.extend(attrs.values().map(|a| a.ty.clone())),
            other => out.push(other.clone()),
        }
    }
    out
}

fn objects_same_attributes(types: &[Type]) -> Option<BTreeSet<String>> {
    let names = |t: &Type| match t {
        Type::Object(attrs) => Some(attrs.keys().cloned().collect::<BTreeSet<_>>()),
        _ => None,
    };
    let first = names(&types[0])?;
    types[1..].iter().all(|t| names(t).as_ref() == Some(&first)).then_some(first)
}

fn unify_objects(types: &[Type], names: &BTreeSet<String>) -> Result<Type, String> {
    let mut out = BTreeMap::new();
    for name in names {
        let of: Vec<Type> = types
            .iter()
            .filter_map(|t| match t {
                Type::Object(attrs) => attrs.get(name).map(|a| a.ty.clone()),
                _ => None,
            })
            .collect();
        out.insert(name.clone(), attr(unify(&of).map_err(|e| format!("attribute \"{name}\": {e}"))?));
    }
    Ok(Type::Object(out))
}

fn tuples_same_length(types: &[Type]) -> Option<usize> {
    let len = |t: &Type| match t {
        Type::Tuple(elems) => Some(elems.len()),
        _ => None,
    };
    let first = len(&types[0])?;
    types[1..].iter().all(|t| len(t) == Some(first)).then_some(first)
}

fn unify_tuples(types: &[Type], len: usize) -> Result<Type, String> {
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        let of: Vec<Type> = types
            .iter()
            .filter_map(|t| match t {
                Type::Tuple(elems) => elems.get(i).cloned(),
                _ => None,
            })
            .collect();
        out.push(unify(&of).map_err(|e| format!("element {i}: {e}"))?);
    }
    Ok(Type::Tuple(out))
}

fn mismatch(types: &[Type]) -> String {
    let names: Vec<String> = types.iter().map(short_name).collect();
    format!("{} cannot be converted to one type", names.join(" and "))
}

/// A type's kind as Terraform's messages name it ("number", "tuple", "object").
fn short_name(t: &Type) -> String {
    match t {
        Type::Tuple(_) => "tuple".into(),
        Type::Object(_) => "object".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common(a: Value, b: Value) -> Result<Value, String> {
        to_common_type(a, &b)
    }

    fn json(s: &str) -> Value {
        Value::from_json(&serde_json::from_str(s).unwrap())
    }

    /// Each pair as `terraform console` evaluated `true ? A : B` (Terraform 1.11.4).
    #[test]
    fn conditional_results_unify_as_terraform_does() {
        let cases = [
            ("1", "\"a\"", "\"1\""),
            ("1", "null", "1"),
            ("[1]", "[\"a\"]", "[\"1\"]"),
            ("[1]", "[\"a\", \"b\"]", "[\"1\"]"),
            ("[1, true]", "[\"a\", \"b\"]", "[\"1\", \"true\"]"),
            ("[]", "[\"a\"]", "[]"),
            ("[[1]]", "[[\"a\", \"b\"]]", "[[\"1\"]]"),
            ("{\"a\": 1}", "{\"b\": 2}", "{\"a\": 1}"),
            ("{\"a\": 1}", "{\"b\": \"x\"}", "{\"a\": \"1\"}"),
            ("{\"a\": 1}", "{}", "{\"a\": 1}"),
            ("{\"a\": [1]}", "{\"a\": [\"x\"]}", "{\"a\": [\"1\"]}"),
            ("{\"a\": 1}", "null", "{\"a\": 1}"),
        ];
        for (a, b, want) in cases {
            assert_eq!(common(json(a), json(b)), Ok(json(want)), "true ? {a} : {b}");
        }
        assert_eq!(common(Value::Unknown, json("1")), Ok(Value::Unknown));
        assert_eq!(common(json("[1, null]"), json("[\"a\", \"b\"]")), Ok(json("[\"1\", null]")));
    }

    /// A list (not a tuple) unifies as a list: `true ? tolist([1]) : tolist(["a"])` is
    /// `tolist(["1"])`, and `true ? [1] : tolist(["a", "b"])` too (Terraform 1.11.4).
    #[test]
    fn lists_unify_as_lists() {
        let list = |v: &str| match json(v) {
            Value::List(items) => Value::List(crate::eval::Seq::list(items.into_vec())),
            _ => unreachable!(),
        };
        assert_eq!(type_of(&list("[1, 2]")), Type::List(Box::new(Type::Number)));
        assert_eq!(type_of(&json("[1, 2]")), Type::Tuple(vec![Type::Number, Type::Number]));
        let unified = common(list("[1]"), list("[\"a\"]")).unwrap();
        assert_eq!(unified, json("[\"1\"]"));
        assert!(matches!(&unified, Value::List(items) if items.is_list()), "a list still");
        let unified = common(json("[1]"), list("[\"a\", \"b\"]")).unwrap();
        assert!(matches!(&unified, Value::List(items) if items.is_list() && items[0] == Value::from("1")));
    }

    /// Terraform refuses these as "Inconsistent conditional result types".
    #[test]
    fn results_of_no_common_type_are_named() {
        for (a, b) in [("true", "1"), ("{\"a\": 1}", "{\"b\": [1]}"), ("{\"a\": 1, \"b\": [1]}", "{}"), ("[1]", "{}")] {
            let err = common(json(a), json(b)).unwrap_err();
            assert!(err.contains("cannot be converted to one type"), "true ? {a} : {b}: {err}");
        }
    }
}
