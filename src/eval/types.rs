//! Type constraints (`list(object({ name = string, port = optional(number, 80) }))`) and the
//! conversions Terraform applies when a value meets one.
//!
//! Parsing reads the constraint *expression* as written in a `variable` block; conversion is
//! pure and knows nothing of where the value came from (callers attach locations).

use std::collections::BTreeMap;
use std::fmt;

use hcl_edit::expr::{Expression, ObjectKey};

use super::number::Number;
use super::value::Value;
use crate::eval::{Fields, Seq};

#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(BTreeMap<String, ObjectAttr>),
}

/// One attribute of an object type; `optional(T, default)` sets `optional` and `default`.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectAttr {
    pub ty: Type,
    pub optional: bool,
    pub default: Option<Value>,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => write!(f, "any"),
            Type::String => write!(f, "string"),
            Type::Number => write!(f, "number"),
            Type::Bool => write!(f, "bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                let parts: Vec<String> = ts.iter().map(ToString::to_string).collect();
                write!(f, "tuple([{}])", parts.join(", "))
            }
            Type::Object(attrs) => {
                let parts: Vec<String> = attrs
                    .iter()
                    .map(
                        |(k, a)| {
                            if a.optional { format!("{k} = optional({})", a.ty) } else { format!("{k} = {}", a.ty) }
                        },
                    )
                    .collect();
                write!(f, "object({{{}}})", parts.join(", "))
            }
        }
    }
}

/// Parses a type constraint expression. `default_eval` evaluates `optional(T, default)` defaults.
pub fn parse_type(
    expr: &Expression,
    default_eval: &dyn Fn(&Expression) -> Result<Value, String>,
) -> Result<Type, String> {
    match expr {
        Expression::Variable(v) => match v.as_str() {
            "any" => Ok(Type::Any),
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "list" | "set" | "map" => Ok(wrap(v.as_str(), Type::Any)),
            other => Err(format!(
                "\"{other}\" is not a type; expected string, number, bool, any, list(...), set(...), map(...), tuple([...]) or object({{...}})"
            )),
        },
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            let args: Vec<&Expression> = call.args.iter().collect();
            match (name, args.as_slice()) {
                ("list" | "set" | "map", [inner]) => Ok(wrap(name, parse_type(inner, default_eval)?)),
                ("tuple", [Expression::Array(items)]) => {
                    Ok(Type::Tuple(items.iter().map(|e| parse_type(e, default_eval)).collect::<Result<_, _>>()?))
                }
                ("object", [Expression::Object(obj)]) => {
                    let mut attrs = BTreeMap::new();
                    for (key, value) in obj.iter() {
                        let key = object_key_name(key).ok_or("object type attribute names must be identifiers")?;
                        attrs.insert(key, parse_object_attr(value.expr(), default_eval)?);
                    }
                    Ok(Type::Object(attrs))
                }
                ("optional", _) => Err("optional(...) is only allowed for an attribute of an object type".into()),
                _ => Err(format!("invalid type constraint {name}(...)")),
            }
        }
        Expression::Parenthesis(p) => parse_type(p.inner(), default_eval),
        _ => Err("a type constraint must be a type keyword such as string or list(string)".into()),
    }
}

fn parse_object_attr(
    expr: &Expression,
    default_eval: &dyn Fn(&Expression) -> Result<Value, String>,
) -> Result<ObjectAttr, String> {
    if let Expression::FuncCall(call) = expr
        && call.name.name.as_str() == "optional"
    {
        let args: Vec<&Expression> = call.args.iter().collect();
        return match args.as_slice() {
            [ty] => Ok(ObjectAttr { ty: parse_type(ty, default_eval)?, optional: true, default: None }),
            [ty, default] => {
                let ty = parse_type(ty, default_eval)?;
                let default = convert(&default_eval(default)?, &ty)?;
                Ok(ObjectAttr { ty, optional: true, default: Some(default) })
            }
            _ => Err("optional(...) takes a type and an optional default".into()),
        };
    }
    Ok(ObjectAttr { ty: parse_type(expr, default_eval)?, optional: false, default: None })
}

fn wrap(kind: &str, inner: Type) -> Type {
    match kind {
        "list" => Type::List(Box::new(inner)),
        "set" => Type::Set(Box::new(inner)),
        _ => Type::Map(Box::new(inner)),
    }
}

/// The name of an object key written as an identifier or a quoted string.
pub fn object_key_name(key: &ObjectKey) -> Option<String> {
    match key {
        ObjectKey::Ident(id) => Some(id.as_str().to_string()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.as_str().to_string()),
        ObjectKey::Expression(Expression::Variable(v)) => Some(v.as_str().to_string()),
        _ => None,
    }
}

/// Converts a value to a type, as Terraform does for variables and arguments.
/// Null and unknown convert to anything.
pub fn convert(value: &Value, ty: &Type) -> Result<Value, String> {
    convert_at(value, ty, "")
}

fn convert_at(value: &Value, ty: &Type, path: &str) -> Result<Value, String> {
    let mismatch = || {
        let at = if path.is_empty() { String::new() } else { format!(" at {path}") };
        Err(format!("{ty} required{at}, but got a {}", value.type_name()))
    };
    match (value, ty) {
        (Value::Null | Value::Unknown, _) | (_, Type::Any) => Ok(value.clone()),
        (Value::String(_), Type::String) | (Value::Number(_), Type::Number) | (Value::Bool(_), Type::Bool) => {
            Ok(value.clone())
        }
        (Value::Number(n), Type::String) => Ok(Value::String(n.to_string())),
        (Value::Bool(b), Type::String) => Ok(Value::String(b.to_string())),
        (Value::String(s), Type::Number) => match Number::parse(s.trim()) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(format!("a number is required{}, but got the string {}", at(path), value)),
        },
        (Value::String(s), Type::Bool) => match s.as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("a bool is required{}, but got the string {}", at(path), value)),
        },
        (Value::List(Seq { items, .. }) | Value::Set(items), Type::List(inner)) => {
            let inner = element_type(items, inner);
            Ok(Value::List(Seq::list(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| convert_at(v, &inner, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )))
        }
        (Value::List(Seq { items, .. }) | Value::Set(items), Type::Set(inner)) => Ok(Value::set(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| convert_at(v, inner, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        )),
        (Value::List(Seq { items, .. }) | Value::Set(items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                return Err(format!(
                    "a tuple of {} elements is required{}, but got {}",
                    types.len(),
                    at(path),
                    items.len()
                ));
            }
            Ok(Value::List(
                items
                    .iter()
                    .zip(types)
                    .enumerate()
                    .map(|(i, (v, t))| convert_at(v, t, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            ))
        }
        (Value::Map(m), Type::Map(inner)) => {
            let values: Vec<Value> = m.values().cloned().collect();
            let inner = element_type(&values, inner);
            Ok(Value::Map(Fields::map(
                m.iter()
                    .map(|(k, v)| Ok((k.clone(), convert_at(v, &inner, &format!("{path}[\"{k}\"]"))?)))
                    .collect::<Result<_, String>>()?,
            )))
        }
        (Value::Map(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(format!("attribute \"{extra}\" is not expected{}; the type is {ty}", at(path)));
            }
            let mut out = BTreeMap::new();
            for (name, attr) in attrs {
                let child = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                match m.get(name) {
                    Some(v) if !v.is_null() => {
                        out.insert(name.clone(), convert_at(v, &attr.ty, &child)?);
                    }
                    _ if attr.optional => {
                        out.insert(name.clone(), attr.default.clone().unwrap_or(Value::Null));
                    }
                    Some(_) => {
                        out.insert(name.clone(), Value::Null);
                    }
                    None => return Err(format!("attribute \"{name}\" is required{}", at(path))),
                }
            }
            Ok(Value::Map(out.into()))
        }
        _ => mismatch(),
    }
}

/// The element type of a `list(...)` conversion: `any` stands for the type the elements unify
/// to (`list(any)` of `[1, "a"]` is `["1", "a"]`), as cty converts to a list of dynamic type.
fn element_type(items: &[Value], inner: &Type) -> Type {
    if *inner != Type::Any {
        return inner.clone();
    }
    let types: Vec<Type> = items.iter().map(crate::eval::unify::type_of).collect();
    crate::eval::unify::unify(&types).unwrap_or(Type::Any)
}

/// Elements of one collection brought to one type, as cty's unification does when a tuple
/// becomes a list or set: mixed primitives become strings when a string is among them
/// (`tolist(["a", true])` is `["a", "true"]`); numbers and bools alone do not mix.
pub fn unify(items: &[Value]) -> Result<Vec<Value>, String> {
    let kinds: std::collections::BTreeSet<&str> =
        items.iter().filter(|v| !v.is_null() && !v.is_unknown()).map(Value::type_name).collect();
    if kinds.len() <= 1 {
        return Ok(items.to_vec());
    }
    let primitive = kinds.iter().all(|k| matches!(*k, "string" | "number" | "bool"));
    if primitive && kinds.contains("string") {
        return items.iter().map(|v| convert(v, &Type::String)).collect();
    }
    if kinds.iter().all(|k| matches!(*k, "list" | "set")) || kinds.iter().all(|k| *k == "object") {
        return Ok(items.to_vec());
    }
    Err(format!(
        "all elements must have the same type, but they are {}",
        kinds.into_iter().collect::<Vec<_>>().join(", ")
    ))
}

fn at(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!(" at {path}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> Type {
        let expr = hcl_edit::parser::parse_expr(src).unwrap();
        parse_type(&expr, &|e| {
            Ok(crate::eval::value::Value::from_json(&serde_json::json!(e.as_number().and_then(|n| n.as_f64()))))
        })
        .unwrap()
    }

    #[test]
    fn optional_attributes_take_defaults() {
        let t = ty("object({ name = string, port = optional(number, 80) })");
        let v = Value::Map([("name".to_string(), Value::from("web"))].into());
        let out = convert(&v, &t).unwrap();
        assert_eq!(out.get("port"), Some(&Value::from(80.0)));
    }

    #[test]
    fn mismatches_name_the_path() {
        let t = ty("list(object({ port = number }))");
        let v = Value::List(vec![Value::Map([("port".to_string(), Value::from("http"))].into())].into());
        let err = convert(&v, &t).unwrap_err();
        assert!(err.contains("[0].port"), "{err}");
    }

    #[test]
    fn primitives_convert_like_terraform() {
        assert_eq!(convert(&Value::from(5.0), &Type::String).unwrap(), Value::from("5"));
        assert_eq!(convert(&Value::from("true"), &Type::Bool).unwrap(), Value::Bool(true));
        assert!(convert(&Value::from("x"), &Type::Number).is_err());
        assert_eq!(convert(&Value::Unknown, &Type::Number).unwrap(), Value::Unknown);
    }
}
