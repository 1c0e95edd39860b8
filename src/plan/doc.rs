//! A JSON value of the plan held as its text ([`serde_json::value::RawValue`]): what a plan
//! keeps per change (`before`, `after`, the masks) and its `configuration`. A parsed
//! `serde_json::Value` costs several times its text in allocations, and a plan of 100,000
//! resources holds hundreds of thousands of them; most are only ever written out again.
//! Readers parse what they read ([`Doc::value`]), once per use; writing parses it too, one
//! value at a time.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

#[derive(Clone, Debug, Deserialize)]
#[serde(transparent)]
pub struct Doc(Box<RawValue>);

/// Written as the value it holds, so a pretty-printed plan is pretty throughout; the parsed
/// value lives only while it is written.
impl Serialize for Doc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

impl Doc {
    /// The text of `value`.
    pub fn new(value: &serde_json::Value) -> Doc {
        // Serializing a `Value` cannot fail (its map keys are strings).
        Doc(serde_json::value::to_raw_value(value).unwrap_or_else(|_| null()))
    }

    /// The value, parsed.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(self.0.get()).unwrap_or(serde_json::Value::Null)
    }

    pub fn is_null(&self) -> bool {
        self.0.get() == "null"
    }

    pub fn is_object(&self) -> bool {
        self.0.get().starts_with('{')
    }
}

fn null() -> Box<RawValue> {
    RawValue::from_string("null".into()).expect("null is JSON")
}

impl Default for Doc {
    fn default() -> Doc {
        Doc(null())
    }
}

impl From<serde_json::Value> for Doc {
    fn from(value: serde_json::Value) -> Doc {
        Doc::new(&value)
    }
}

impl From<bool> for Doc {
    fn from(value: bool) -> Doc {
        Doc::new(&serde_json::Value::Bool(value))
    }
}

/// Equal values, whatever the spacing of their texts (a plan file may be pretty-printed).
impl PartialEq for Doc {
    fn eq(&self, other: &Doc) -> bool {
        self.0.get() == other.0.get() || self.value() == other.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doc_keeps_its_value() {
        let v = serde_json::json!({"b": 1, "a": [true, null, "x"]});
        let doc = Doc::new(&v);
        assert_eq!(doc.value(), v);
        assert!(doc.is_object() && !doc.is_null());
        assert!(Doc::default().is_null());
        let pretty: Doc = serde_json::from_str(&serde_json::to_string_pretty(&v).unwrap()).unwrap();
        assert_eq!(pretty, doc, "equal whatever the spacing");
        assert_eq!(serde_json::to_string(&doc).unwrap(), serde_json::to_string(&v).unwrap());
    }
}
