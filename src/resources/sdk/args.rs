//! Reading a resource's evaluated configuration as SDK arguments. At apply time every
//! argument a call needs is known; one that is not is an error naming it, never a guess.

use std::collections::BTreeMap;

use crate::eval::Value;
use crate::live::{ADDRESS_TAG, STACK_TAG};
use crate::resources::StepError;

/// A resource's (or nested block's) evaluated arguments.
#[derive(Clone, Copy, Debug)]
pub struct Args<'a>(pub &'a Value);

impl<'a> Args<'a> {
    fn known(&self, key: &str) -> Option<&'a Value> {
        match self.0.get(key) {
            None | Some(Value::Null) | Some(Value::Unknown) => None,
            Some(v) => Some(v),
        }
    }

    /// An argument that must be set and known.
    pub fn req(&self, key: &str) -> Result<String, StepError> {
        self.str(key).ok_or_else(|| StepError::fatal(format!("argument {key} is not known at apply time")))
    }

    pub fn str(&self, key: &str) -> Option<String> {
        self.known(key).and_then(Value::to_template_string)
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.known(key)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn int(&self, key: &str) -> Option<i32> {
        match self.known(key)? {
            Value::Number(n) => n.to_i64().and_then(|n| i32::try_from(n).ok()),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn strs(&self, key: &str) -> Vec<String> {
        self.known(key)
            .and_then(Value::as_seq)
            .map(|items| items.iter().filter_map(Value::to_template_string).collect())
            .unwrap_or_default()
    }

    /// Nested blocks (`ingress`, `health_check`), in order.
    pub fn blocks(&self, key: &str) -> Vec<Args<'a>> {
        self.known(key).and_then(Value::as_seq).map(|items| items.iter().map(Args).collect()).unwrap_or_default()
    }

    pub fn block(&self, key: &str) -> Option<Args<'a>> {
        self.blocks(key).into_iter().next()
    }

    /// The user's `tags`, without ownership tags.
    pub fn user_tags(&self) -> BTreeMap<String, String> {
        self.known("tags")
            .and_then(Value::as_map)
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| !k.starts_with("drplan:"))
                    .filter_map(|(k, v)| Some((k.clone(), v.to_template_string()?)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A live object's recorded attributes as a value, to read with [`Args`] (deleting a record
/// or a target registration exactly as it is).
pub fn live_value(live: &crate::live::LiveObject) -> Value {
    Value::from_json(&serde_json::Value::Object(live.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect()))
}

/// The tags every object drplan creates carries: the user's, then ownership.
pub fn owned_tags(args: &Args, stack: &str, address: &str) -> BTreeMap<String, String> {
    let mut tags = args.user_tags();
    tags.insert(STACK_TAG.into(), stack.into());
    tags.insert(ADDRESS_TAG.into(), address.into());
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Fields;

    #[test]
    fn unknown_arguments_are_errors_not_guesses() {
        let v = Value::Map(Fields::from([
            ("a".to_string(), Value::Unknown),
            ("n".to_string(), Value::from(80.0)),
            ("tags".to_string(), Value::Map(Fields::from([("drplan:stack".to_string(), Value::from("x"))]))),
        ]));
        let args = Args(&v);
        assert!(args.req("a").unwrap_err().message.contains("argument a is not known"));
        assert_eq!(args.int("n"), Some(80));
        assert_eq!(args.str("n").as_deref(), Some("80"));
        let tags = owned_tags(&args, "s", "aws_vpc.main");
        assert_eq!(tags.get("drplan:stack").map(String::as_str), Some("s"));
        assert_eq!(tags.len(), 2);
    }
}
