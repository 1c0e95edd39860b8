//! The proposed new state Terraform sends with `PlanResourceChange`: the configuration, with
//! what it leaves to the provider (computed attributes it does not set) taken from the prior
//! state, so the provider plans "keep what it computed before" unless it decides otherwise.
//! This follows Terraform's documented rule (`objchange.ProposedNew`): attributes by name, nested
//! blocks by nesting mode (lists by index, maps by key, sets by matching the elements whose
//! configurable attributes are equal). A create has a null prior, so everything it does not
//! configure is null and the provider marks what it will compute as unknown.

use std::collections::BTreeMap;

use super::schema::Block;
use crate::eval::Seq;
use crate::eval::Value;

/// `config` merged with `prior` as Terraform proposes it; both in drplan's block shape (nested
/// blocks as lists of maps). A null configuration (a delete) proposes null.
pub fn proposed_new(prior: &Value, config: &Value, block: &Block) -> Value {
    let Value::Map(config_fields) = config else { return config.clone() };
    let empty = BTreeMap::new();
    let prior_fields = match prior {
        Value::Map(m) => m,
        _ => &empty,
    };
    let field = |m: &BTreeMap<String, Value>, name: &str| m.get(name).cloned().unwrap_or(Value::Null);
    let mut out = BTreeMap::new();
    for (name, attr) in &block.attributes {
        let configured = field(config_fields, name);
        let value = match configured.is_null() && attr.computed {
            true => field(prior_fields, name),
            false => configured,
        };
        out.insert(name.clone(), value);
    }
    for (name, bt) in &block.block_types {
        let configured = field(config_fields, name);
        let before = field(prior_fields, name);
        let value = match (&configured, bt.nesting_mode.as_str()) {
            (Value::Unknown, _) => Value::Unknown,
            (Value::Map(items), "map") => {
                let before = match &before {
                    Value::Map(m) => m.clone(),
                    _ => Default::default(),
                };
                Value::Map(
                    items
                        .iter()
                        .map(|(k, v)| (k.clone(), proposed_new(before.get(k).unwrap_or(&Value::Null), v, &bt.block)))
                        .collect(),
                )
            }
            (Value::List(Seq { items, .. }) | Value::Set(items), "set") => Value::set(
                items.iter().map(|item| proposed_new(matching(&before, item, &bt.block), item, &bt.block)).collect(),
            ),
            (Value::List(Seq { items, .. }) | Value::Set(items), _) => {
                let before = elements(&before);
                Value::List(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| proposed_new(before.get(i).unwrap_or(&Value::Null), item, &bt.block))
                        .collect(),
                )
            }
            _ if bt.nesting_mode == "single" => Value::Null,
            _ => Value::List(Vec::new().into()),
        };
        out.insert(name.clone(), value);
    }
    Value::Map(out.into())
}

fn elements(v: &Value) -> &[Value] {
    match v {
        Value::List(Seq { items, .. }) | Value::Set(items) => items,
        _ => &[],
    }
}

/// The prior set element that is the same as `item` in everything the configuration can set.
fn matching<'a>(prior: &'a Value, item: &Value, block: &Block) -> &'a Value {
    let configurable = |v: &Value| -> BTreeMap<String, Value> {
        let Value::Map(m) = v else { return BTreeMap::new() };
        m.iter()
            .filter(|(k, _)| block.attributes.get(*k).is_some_and(|a| !a.computed || a.optional))
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let wanted = configurable(item);
    elements(prior).iter().find(|p| configurable(p) == wanted).unwrap_or(&Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::schema::{Attribute, BlockType};

    fn attr(optional: bool, computed: bool) -> Attribute {
        Attribute { ty: "string".into(), optional, computed, ..Attribute::default() }
    }

    fn block() -> Block {
        let rule = Block {
            attributes: [("port".to_string(), attr(true, false)), ("rule_id".to_string(), attr(false, true))].into(),
            ..Block::default()
        };
        Block {
            attributes: [
                ("name".to_string(), attr(true, false)),
                ("arn".to_string(), attr(false, true)),
                ("policy".to_string(), attr(true, true)),
            ]
            .into(),
            block_types: [
                (
                    "rule".to_string(),
                    BlockType { nesting_mode: "set".into(), block: rule.clone(), ..BlockType::default() },
                ),
                ("step".to_string(), BlockType { nesting_mode: "list".into(), block: rule, ..BlockType::default() }),
            ]
            .into(),
            ..Block::default()
        }
    }

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    /// Computed attributes the configuration leaves unset keep their prior values; what it sets
    /// wins, including an optional+computed one; an optional one it drops becomes null.
    #[test]
    fn computed_attributes_come_from_the_prior_state() {
        let prior = map(&[("name", s("a")), ("arn", s("arn:1")), ("policy", s("{}"))]);
        let config = map(&[("name", Value::Null)]);
        let got = proposed_new(&prior, &config, &block());
        assert_eq!(got.get("arn"), Some(&s("arn:1")));
        assert_eq!(got.get("policy"), Some(&s("{}")));
        assert_eq!(got.get("name"), Some(&Value::Null));
        let config = map(&[("policy", s("{\"v\":1}"))]);
        assert_eq!(proposed_new(&prior, &config, &block()).get("policy"), Some(&s("{\"v\":1}")));
    }

    /// A create proposes nulls for everything unset (the provider marks its computations unknown).
    #[test]
    fn a_create_has_no_prior() {
        let got = proposed_new(&Value::Null, &map(&[("name", s("a"))]), &block());
        assert_eq!(got.get("arn"), Some(&Value::Null));
        assert_eq!(got.get("rule"), Some(&Value::List(Vec::new().into())));
        assert_eq!(proposed_new(&map(&[("name", s("a"))]), &Value::Null, &block()), Value::Null);
    }

    /// Set elements merge with the prior element equal in what can be configured; list
    /// elements merge by position.
    #[test]
    fn nested_blocks_merge_by_nesting_mode() {
        let el = |port: &str, id: Option<&str>| map(&[("port", s(port)), ("rule_id", id.map_or(Value::Null, s))]);
        let prior = map(&[
            ("rule", Value::set(vec![el("80", Some("r-80")), el("443", Some("r-443"))])),
            ("step", Value::List(vec![el("1", Some("s-1"))].into())),
        ]);
        let config = map(&[
            ("rule", Value::set(vec![el("443", None), el("8080", None)])),
            ("step", Value::List(vec![el("2", None), el("3", None)].into())),
        ]);
        let got = proposed_new(&prior, &config, &block());
        assert_eq!(got.get("rule"), Some(&Value::set(vec![el("443", Some("r-443")), el("8080", None)])));
        assert_eq!(got.get("step"), Some(&Value::List(vec![el("2", Some("s-1")), el("3", None)].into())));
    }
}
