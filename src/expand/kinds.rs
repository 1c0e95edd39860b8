//! A resource's attribute values take the list and map kinds its schema gives them, as
//! Terraform's values carry their schema types: `aws_subnet.a.ipv6_cidr_blocks == []` compares a
//! list with a tuple there, so it is false whatever the list holds.
//!
//! Values read natively, or computed from configuration, are built as tuples and objects;
//! this pass marks them once where references see them. It changes no value, only its kind,
//! and it leaves nested blocks' own kinds (list or set nesting) as they were built.

use crate::eval::types::Type;
use crate::eval::{Fields, Seq, Value};
use crate::schema::BlockSchema;

/// Marks `value`'s attributes (and its nested blocks' attributes) with their schema kinds.
/// Only what is not marked yet is written.
pub(super) fn mark_block(value: &mut Value, schema: &BlockSchema) {
    if block_settled(value, schema) {
        return;
    }
    let Value::Map(fields) = value else { return };
    for (name, item) in fields.iter_mut() {
        if let Some(attr) = schema.attrs.get(name) {
            mark(item, &attr.ty);
        } else if let Some(nested) = schema.blocks.get(name) {
            match item {
                Value::List(Seq { items: blocks, .. }) | Value::Set(blocks) => {
                    blocks.iter_mut().for_each(|b| mark_block(b, &nested.block));
                }
                one => mark_block(one, &nested.block),
            }
        }
    }
}

/// Whether every attribute of `value` has its schema's kinds already.
fn block_settled(value: &Value, schema: &BlockSchema) -> bool {
    let Value::Map(fields) = value else { return true };
    fields.iter().all(|(name, item)| match (schema.attrs.get(name), schema.blocks.get(name)) {
        (Some(attr), _) => settled(item, &attr.ty),
        (None, Some(nested)) => match item {
            Value::List(Seq { items: blocks, .. }) | Value::Set(blocks) => {
                blocks.iter().all(|b| block_settled(b, &nested.block))
            }
            one => block_settled(one, &nested.block),
        },
        (None, None) => true,
    })
}

/// Whether `value` has the kinds of `ty` at every level.
fn settled(value: &Value, ty: &Type) -> bool {
    match (value, ty) {
        (Value::List(items), Type::List(inner)) => items.is_list() && items.iter().all(|v| settled(v, inner)),
        (Value::Set(items), Type::Set(inner)) => items.iter().all(|v| settled(v, inner)),
        (Value::List(items), Type::Tuple(types)) => items.iter().zip(types).all(|(v, t)| settled(v, t)),
        (Value::Map(fields), Type::Map(inner)) => fields.is_map() && fields.values().all(|v| settled(v, inner)),
        (Value::Map(fields), Type::Object(attrs)) => {
            fields.iter().all(|(name, v)| attrs.get(name).is_none_or(|a| settled(v, &a.ty)))
        }
        _ => true,
    }
}

/// Marks one value with the kinds of `ty`, at every level.
fn mark(value: &mut Value, ty: &Type) {
    if settled(value, ty) {
        return;
    }
    match (value, ty) {
        (Value::List(items), Type::List(inner)) => {
            items.iter_mut().for_each(|v| mark(v, inner));
            *items = Seq::list(std::mem::take(&mut items.items));
        }
        (Value::Set(items), Type::Set(inner)) => items.iter_mut().for_each(|v| mark(v, inner)),
        (Value::List(items), Type::Tuple(types)) => items.iter_mut().zip(types).for_each(|(v, t)| mark(v, t)),
        (Value::Map(fields), Type::Map(inner)) => {
            fields.values_mut().for_each(|v| mark(v, inner));
            *fields = Fields::map(std::mem::take(&mut fields.items));
        }
        (Value::Map(fields), Type::Object(attrs)) => {
            for (name, v) in fields.iter_mut() {
                if let Some(attr) = attrs.get(name) {
                    mark(v, &attr.ty);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_take_their_schema_kinds() {
        let schema = crate::schema::lookup(crate::schema::Mode::Data, "aws_availability_zones").expect("schema");
        let mut value = Value::Map(Fields::from([
            ("names".to_string(), Value::List(vec![Value::from("us-west-2a")].into())),
            ("state".to_string(), Value::from("available")),
        ]));
        mark_block(&mut value, &schema.block);
        let Value::Map(f) = &value else { unreachable!() };
        assert!(matches!(&f["names"], Value::List(s) if s.is_list()), "names is a list(string)");
        assert_eq!(f["state"], Value::from("available"));
        let vpc = crate::schema::lookup(crate::schema::Mode::Managed, "aws_vpc").expect("schema");
        let mut value = Value::Map(Fields::from([(
            "tags".to_string(),
            Value::Map(Fields::from([("Name".to_string(), Value::from("a"))])),
        )]));
        mark_block(&mut value, &vpc.block);
        let Value::Map(f) = &value else { unreachable!() };
        assert!(matches!(&f["tags"], Value::Map(m) if m.is_map()), "tags is a map(string)");
    }
}
