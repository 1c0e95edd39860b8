//! Values on the wire: drplan's [`Value`] to and from the MessagePack form of `DynamicValue`,
//! driven by the provider's schema, as Terraform's `docs/plugin-protocol/object-wire-format.md`
//! defines it: a block is a map of every attribute and nested block type; null is nil; unknown is
//! extension 0; `dynamic` is a `[type JSON, value]` pair; nested blocks follow their nesting mode.

use std::collections::BTreeMap;

use rmpv::Value as Mp;
use serde_json::Value as J;

use super::schema::Block;
use crate::eval::Seq;
use crate::eval::{Number, Value};

/// A block's value (a map, or null) in MessagePack, every attribute and block type present.
pub fn encode_block(value: &Value, block: &Block) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, &block_value(value, block));
    out
}

/// A block value read back from MessagePack (a planned or read state).
pub fn decode_block(bytes: &[u8], block: &Block) -> Result<Value, String> {
    let mp = rmpv::decode::read_value(&mut &bytes[..]).map_err(|e| format!("invalid MessagePack: {e}"))?;
    Ok(from_block(&mp, block))
}

/// A state recorded as JSON (a live snapshot's `attributes`) read with the type's schema, so sets,
/// numbers and nested blocks come back as the provider's state had them.
pub fn state_from_json(attributes: &serde_json::Map<String, J>, block: &Block) -> Value {
    from_block(&json_to_mp(&J::Object(attributes.clone())), block)
}

fn json_to_mp(j: &J) -> Mp {
    match j {
        J::Null => Mp::Nil,
        J::Bool(b) => Mp::Boolean(*b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Mp::from(i),
            (None, Some(f)) => Mp::F64(f),
            _ => Mp::Nil,
        },
        J::String(s) => Mp::from(s.as_str()),
        J::Array(items) => Mp::Array(items.iter().map(json_to_mp).collect()),
        J::Object(m) => Mp::Map(m.iter().map(|(k, v)| (Mp::from(k.as_str()), json_to_mp(v))).collect()),
    }
}

/// The configuration of a block as Terraform sends it to a provider: what it does not set is
/// null. drplan's evaluated blocks also carry computed attributes (unknown until apply); at the
/// top level `written` says what the configuration sets, in nested blocks attributes only a
/// provider can set are dropped.
pub fn configuration(value: &Value, block: &Block, written: &std::collections::BTreeSet<String>) -> Value {
    let Value::Map(fields) = value else { return value.clone() };
    let kept = fields
        .iter()
        .filter(|(k, _)| written.contains(*k))
        .map(|(k, v)| {
            let v = match block.block_types.get(k) {
                Some(bt) => nested_configuration(v, &bt.block),
                None => v.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    Value::Map(kept)
}

fn nested_configuration(value: &Value, block: &Block) -> Value {
    match value {
        Value::List(items) => Value::List(items.iter().map(|i| nested_configuration(i, block)).collect()),
        Value::Set(items) => Value::Set(items.iter().map(|i| nested_configuration(i, block)).collect()),
        Value::Map(fields) => Value::Map(
            fields
                .iter()
                .filter(|(k, _)| block.attributes.get(*k).is_none_or(|a| a.required || a.optional))
                .map(|(k, v)| match block.block_types.get(k) {
                    Some(bt) => (k.clone(), nested_configuration(v, &bt.block)),
                    None => (k.clone(), v.clone()),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn unknown() -> Mp {
    Mp::Ext(0, vec![0])
}

fn block_value(value: &Value, block: &Block) -> Mp {
    let fields = match value {
        Value::Unknown => return unknown(),
        Value::Map(m) => m,
        _ => return Mp::Nil,
    };
    let mut out = Vec::with_capacity(block.attributes.len() + block.block_types.len());
    for (name, attr) in &block.attributes {
        out.push((Mp::from(name.as_str()), typed(fields.get(name).unwrap_or(&Value::Null), &attr.ty)));
    }
    for (name, bt) in &block.block_types {
        let given = fields.get(name).unwrap_or(&Value::Null);
        let items: Vec<&Value> = match given {
            Value::List(Seq { items: v, .. }) | Value::Set(v) => v.iter().collect(),
            Value::Null => Vec::new(),
            Value::Unknown => {
                out.push((Mp::from(name.as_str()), unknown()));
                continue;
            }
            one => vec![one],
        };
        let encoded = match bt.nesting_mode.as_str() {
            "single" => items.first().map_or(Mp::Nil, |v| block_value(v, &bt.block)),
            "group" => block_value(items.first().copied().unwrap_or(&Value::Map(Default::default())), &bt.block),
            "map" => match given {
                Value::Map(m) => {
                    Mp::Map(m.iter().map(|(k, v)| (Mp::from(k.as_str()), block_value(v, &bt.block))).collect())
                }
                _ => Mp::Map(Vec::new()),
            },
            _ => Mp::Array(items.into_iter().map(|v| block_value(v, &bt.block)).collect()),
        };
        out.push((Mp::from(name.as_str()), encoded));
    }
    Mp::Map(out)
}

/// A value of cty type `ty` (its JSON form).
fn typed(value: &Value, ty: &J) -> Mp {
    match value {
        Value::Unknown => return unknown(),
        Value::Null => return Mp::Nil,
        _ => {}
    }
    match ty {
        J::String(s) => match s.as_str() {
            "string" => match value {
                Value::String(s) => Mp::from(s.as_str()),
                Value::Bool(b) => Mp::from(if *b { "true" } else { "false" }),
                Value::Number(n) => Mp::from(n.to_string().as_str()),
                _ => Mp::Nil,
            },
            "number" => match value {
                Value::Number(n) => number(n),
                Value::String(s) => Number::parse(s.trim()).map_or(Mp::Nil, |n| number(&n)),
                _ => Mp::Nil,
            },
            "bool" => match value {
                Value::Bool(b) => Mp::Boolean(*b),
                Value::String(s) if s == "true" || s == "false" => Mp::Boolean(s == "true"),
                _ => Mp::Nil,
            },
            _ => dynamic(value),
        },
        J::Array(parts) => match (parts.first().and_then(J::as_str), parts.get(1)) {
            (Some("list" | "set"), Some(t)) => match value {
                Value::List(Seq { items: v, .. }) | Value::Set(v) => Mp::Array(v.iter().map(|x| typed(x, t)).collect()),
                _ => Mp::Nil,
            },
            (Some("map"), Some(t)) => match value {
                Value::Map(m) => Mp::Map(m.iter().map(|(k, v)| (Mp::from(k.as_str()), typed(v, t))).collect()),
                _ => Mp::Nil,
            },
            (Some("object"), Some(J::Object(attrs))) => match value {
                Value::Map(m) => Mp::Map(
                    attrs
                        .iter()
                        .map(|(k, t)| (Mp::from(k.as_str()), typed(m.get(k).unwrap_or(&Value::Null), t)))
                        .collect(),
                ),
                _ => Mp::Nil,
            },
            (Some("tuple"), Some(J::Array(types))) => match value {
                Value::List(Seq { items: v, .. }) | Value::Set(v) => Mp::Array(
                    types.iter().enumerate().map(|(i, t)| typed(v.get(i).unwrap_or(&Value::Null), t)).collect(),
                ),
                _ => Mp::Nil,
            },
            _ => dynamic(value),
        },
        _ => dynamic(value),
    }
}

/// The smallest exact form: an integer when the number is one, else a float.
/// As cty writes a number: an integer, a float64 when it is exactly one, else its decimal text.
fn number(n: &Number) -> Mp {
    if let Some(i) = n.to_i64() {
        return Mp::from(i);
    }
    let f = n.to_f64();
    if Number::from_f64(f).is_some_and(|exact| &exact == n) { Mp::F64(f) } else { Mp::from(n.to_string().as_str()) }
}

/// `dynamic`: `[type as JSON, value]`, the type inferred from the value.
fn dynamic(value: &Value) -> Mp {
    let ty = infer(value);
    let json = serde_json::to_vec(&ty).unwrap_or_default();
    Mp::Array(vec![Mp::Binary(json), typed(value, &ty)])
}

fn infer(value: &Value) -> J {
    match value {
        Value::String(_) => J::from("string"),
        Value::Number(_) => J::from("number"),
        Value::Bool(_) => J::from("bool"),
        Value::List(v) => J::Array(vec![J::from("tuple"), J::Array(v.iter().map(infer).collect())]),
        Value::Set(v) => J::Array(vec![J::from("set"), v.first().map_or(J::from("dynamic"), infer)]),
        Value::Map(m) => {
            J::Array(vec![J::from("object"), J::Object(m.iter().map(|(k, v)| (k.clone(), infer(v))).collect())])
        }
        Value::Null | Value::Unknown => J::from("dynamic"),
    }
}

fn from_block(mp: &Mp, block: &Block) -> Value {
    let fields: BTreeMap<&str, &Mp> = match mp {
        Mp::Map(m) => m.iter().filter_map(|(k, v)| Some((k.as_str()?, v))).collect(),
        Mp::Ext(..) => return Value::Unknown,
        _ => return Value::Null,
    };
    let mut out = BTreeMap::new();
    for (name, attr) in &block.attributes {
        out.insert(name.clone(), from_typed(fields.get(name.as_str()).copied().unwrap_or(&Mp::Nil), &attr.ty));
    }
    for (name, bt) in &block.block_types {
        let v = match fields.get(name.as_str()).copied().unwrap_or(&Mp::Nil) {
            Mp::Ext(..) => Value::Unknown,
            // An absent single block is null, as Terraform shows it; absent lists and sets are empty.
            Mp::Nil if bt.nesting_mode == "single" => Value::Null,
            Mp::Nil => Value::List(Vec::new().into()),
            Mp::Array(items) => {
                let items = items.iter().map(|i| from_block(i, &bt.block)).collect();
                if bt.nesting_mode == "set" { Value::set(items) } else { Value::List(Seq::list(items)) }
            }
            Mp::Map(m) if bt.nesting_mode == "map" => Value::Map(
                m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), from_block(v, &bt.block)))).collect(),
            ),
            // single and group: one block, kept as a list of one like drplan's own blocks.
            one => Value::List(vec![from_block(one, &bt.block)].into()),
        };
        out.insert(name.clone(), v);
    }
    Value::Map(out.into())
}

fn from_typed(mp: &Mp, ty: &J) -> Value {
    match mp {
        Mp::Nil => return Value::Null,
        Mp::Ext(..) => return Value::Unknown,
        _ => {}
    }
    let kind = match ty {
        J::String(s) => s.as_str(),
        J::Array(parts) => parts.first().and_then(J::as_str).unwrap_or("dynamic"),
        _ => "dynamic",
    };
    let elem = match ty {
        J::Array(parts) => parts.get(1).cloned().unwrap_or(J::Null),
        _ => J::Null,
    };
    match (kind, mp) {
        ("dynamic", Mp::Array(pair)) if pair.len() == 2 => {
            let ty = match &pair[0] {
                Mp::Binary(b) => serde_json::from_slice(b).unwrap_or(J::Null),
                _ => J::Null,
            };
            from_typed(&pair[1], &ty)
        }
        (_, Mp::String(s)) => {
            let s = s.as_str().unwrap_or_default();
            if kind == "number" { Number::parse(s).map_or(Value::Null, Value::Number) } else { Value::from(s) }
        }
        (_, Mp::Boolean(b)) => Value::Bool(*b),
        (_, Mp::Integer(i)) => match (i.as_i64(), i.as_u64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(u)) => Value::Number(u.into()),
            _ => Value::Null,
        },
        (_, Mp::F64(f)) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        (_, Mp::F32(f)) => Number::from_f64(f64::from(*f)).map_or(Value::Null, Value::Number),
        ("set", Mp::Array(items)) => Value::set(items.iter().map(|i| from_typed(i, &elem)).collect()),
        ("tuple", Mp::Array(items)) => {
            let types = elem.as_array().cloned().unwrap_or_default();
            Value::List(
                items.iter().enumerate().map(|(i, v)| from_typed(v, types.get(i).unwrap_or(&J::Null))).collect(),
            )
        }
        (_, Mp::Array(items)) => Value::List(Seq::list(items.iter().map(|i| from_typed(i, &elem)).collect())),
        ("object", Mp::Map(m)) => Value::Map(
            m.iter()
                .filter_map(|(k, v)| {
                    let k = k.as_str()?;
                    Some((k.to_string(), from_typed(v, elem.get(k).unwrap_or(&J::Null))))
                })
                .collect(),
        ),
        (_, Mp::Map(m)) => Value::Map(crate::eval::Fields::map(
            m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), from_typed(v, &elem)))).collect(),
        )),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block() -> Block {
        serde_json::from_str(
            r#"{"attributes":{
                "name":{"type":"string","required":true},
                "size":{"type":"number","optional":true},
                "tags":{"type":["map","string"],"optional":true},
                "ids":{"type":["set","string"],"optional":true},
                "any":{"type":"dynamic","optional":true},
                "arn":{"type":"string","computed":true}},
              "block_types":{
                "rule":{"nesting_mode":"list","block":{"attributes":{"port":{"type":"number","required":true}}}},
                "one":{"nesting_mode":"single","block":{"attributes":{"k":{"type":"string","optional":true}}}}}}"#,
        )
        .unwrap()
    }

    #[test]
    fn a_block_has_every_attribute_and_block_type() {
        let v = Value::Map(
            [
                ("name".to_string(), Value::from("web")),
                ("size".to_string(), Value::from(2.0)),
                ("ids".to_string(), Value::set(vec![Value::from("b"), Value::Unknown])),
                (
                    "rule".to_string(),
                    Value::List(vec![Value::Map([("port".to_string(), Value::from(443.0))].into())].into()),
                ),
            ]
            .into(),
        );
        let bytes = encode_block(&v, &block());
        let mp = rmpv::decode::read_value(&mut &bytes[..]).unwrap();
        let keys: Vec<&str> = mp.as_map().unwrap().iter().map(|(k, _)| k.as_str().unwrap()).collect();
        assert_eq!(keys, ["any", "arn", "ids", "name", "size", "tags", "one", "rule"]);
        let get = |k: &str| mp.as_map().unwrap().iter().find(|(n, _)| n.as_str() == Some(k)).unwrap().1.clone();
        assert_eq!(get("size"), Mp::from(2));
        assert_eq!(get("arn"), Mp::Nil);
        assert_eq!(get("one"), Mp::Nil, "an absent single block is nil");
        assert!(matches!(&get("ids"), Mp::Array(a) if a.iter().any(|x| matches!(x, Mp::Ext(0, _)))));
        assert_eq!(decode_block(&bytes, &block()).unwrap().get("rule"), v.get("rule"));
    }

    #[test]
    fn the_configuration_holds_only_what_is_written() {
        let mut b = block();
        b.block_types
            .get_mut("rule")
            .unwrap()
            .block
            .attributes
            .insert("arn".into(), serde_json::from_str(r#"{"type":"string","computed":true}"#).unwrap());
        let rule = Value::Map([("port".to_string(), Value::from(1.0)), ("arn".to_string(), Value::Unknown)].into());
        let v = Value::Map(
            [
                ("name".into(), Value::from("x")),
                ("arn".into(), Value::Unknown),
                ("rule".into(), Value::List(vec![rule].into())),
            ]
            .into(),
        );
        let written = ["name".to_string(), "rule".to_string()].into();
        let c = configuration(&v, &b, &written);
        assert_eq!(c.get("arn"), None);
        assert_eq!(c.get("rule").unwrap().as_seq().unwrap()[0].get("arn"), None);
        assert_eq!(c.get("name"), Some(&Value::from("x")));
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let mut b = block();
        b.block_types.clear();
        let v = Value::Map(
            [
                ("name".into(), Value::from("x")),
                ("any".into(), Value::List(vec![Value::from("a"), Value::from(1.5)].into())),
            ]
            .into(),
        );
        let bytes = encode_block(&v, &b);
        let back = decode_block(&bytes, &b).unwrap();
        assert_eq!(back.get("any"), v.get("any"));
        assert_eq!(back.get("tags"), Some(&Value::Null));
    }

    /// Bytes Terraform itself sends for `{"name" = "a", "n" = 1}` under an object type with one
    /// unknown attribute: fixmap(3) "n" 1 "name" "a" "u" ext0.
    #[test]
    fn a_json_state_reads_back_with_its_types() {
        let state = serde_json::json!({"name": "web", "ids": ["b", "a"], "size": 2.5, "rule": [{"port": 22}]});
        let v = state_from_json(state.as_object().unwrap(), &block());
        assert_eq!(v.get("name"), Some(&Value::from("web")));
        assert_eq!(v.get("ids"), Some(&Value::set(vec![Value::from("a"), Value::from("b")])));
        assert_eq!(v.get("size"), Some(&Value::from(2.5)));
        let port = Value::Map([("port".to_string(), Value::from(22.0))].into());
        assert_eq!(v.get("rule"), Some(&Value::List(vec![port].into())));
        assert_eq!(v.get("arn"), Some(&Value::Null), "every schema attribute is present");
    }

    #[test]
    fn terraform_bytes_decode() {
        let bytes = [0x83, 0xa1, b'n', 0x01, 0xa4, b'n', b'a', b'm', b'e', 0xa1, b'a', 0xa1, b'u', 0xd4, 0x00, 0x00];
        let b: Block = serde_json::from_str(
            r#"{"attributes":{"n":{"type":"number"},"name":{"type":"string"},"u":{"type":"string"}}}"#,
        )
        .unwrap();
        let v = decode_block(&bytes, &b).unwrap();
        assert_eq!(v.get("n"), Some(&Value::from(1.0)));
        assert_eq!(v.get("u"), Some(&Value::Unknown));
    }
}
