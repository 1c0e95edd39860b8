//! `data "aws_iam_policy_document"`: computed locally, rendering the JSON
//! terraform-provider-aws renders, so a policy drplan plans is byte-identical to Terraform's.
//!
//! The provider's rules, checked against its output (tests/fixtures/oracle/iam-policy-document):
//! keys in IAM order (Sid, Effect, Action, ..., Condition); a one-element list becomes a
//! string; set arguments (actions, resources, identifiers) are sorted in reverse; `&{` stands
//! for a policy variable `${`; statements merge by Sid (source documents, then the
//! configuration's statements, then override documents); `id` is the CRC-32 of the JSON; Go's
//! encoder escapes `<`, `>` and `&`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::eval::Value;

#[derive(Default, Serialize, Deserialize)]
struct Document {
    #[serde(rename = "Version", default, skip_serializing_if = "String::is_empty")]
    version: String,
    #[serde(rename = "Id", default, skip_serializing_if = "String::is_empty")]
    id: String,
    #[serde(rename = "Statement", default, skip_serializing_if = "Vec::is_empty", deserialize_with = "one_or_many")]
    statements: Vec<Statement>,
}

#[derive(Default, Serialize, Deserialize)]
struct Statement {
    #[serde(rename = "Sid", default, skip_serializing_if = "String::is_empty")]
    sid: String,
    #[serde(rename = "Effect", default, skip_serializing_if = "String::is_empty")]
    effect: String,
    #[serde(rename = "Action", default, skip_serializing_if = "Option::is_none")]
    action: Option<Json>,
    #[serde(rename = "NotAction", default, skip_serializing_if = "Option::is_none")]
    not_action: Option<Json>,
    #[serde(rename = "Resource", default, skip_serializing_if = "Option::is_none")]
    resource: Option<Json>,
    #[serde(rename = "NotResource", default, skip_serializing_if = "Option::is_none")]
    not_resource: Option<Json>,
    #[serde(rename = "Principal", default, skip_serializing_if = "Option::is_none")]
    principal: Option<Json>,
    #[serde(rename = "NotPrincipal", default, skip_serializing_if = "Option::is_none")]
    not_principal: Option<Json>,
    #[serde(rename = "Condition", default, skip_serializing_if = "Option::is_none")]
    condition: Option<Json>,
}

/// IAM accepts a single statement object where a list is expected.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Statement>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Many(Vec<Statement>),
        One(Box<Statement>),
    }
    Ok(match Either::deserialize(d)? {
        Either::Many(v) => v,
        Either::One(s) => vec![*s],
    })
}

impl Document {
    /// Statements with a Sid replace the one with the same Sid; the rest are appended.
    fn merge(&mut self, other: Document) {
        if !other.id.is_empty() {
            self.id = other.id;
        }
        if other.version > self.version {
            self.version = other.version;
        }
        for s in other.statements {
            match self.statements.iter_mut().find(|e| !s.sid.is_empty() && e.sid == s.sid) {
                Some(existing) => *existing = s,
                None => self.statements.push(s),
            }
        }
    }
}

/// Computes the data source's `json`, `minified_json` and `id` from its configuration.
pub(super) fn render(config: &Value) -> Result<Value, String> {
    let mut merged = Document::default();
    let docs = |name: &str| -> Result<Vec<Document>, String> {
        let mut out = Vec::new();
        let texts: Vec<String> = match config.get(name) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(v) => v.as_seq().unwrap_or_default().iter().filter_map(Value::as_str).map(str::to_string).collect(),
            None => Vec::new(),
        };
        for (i, text) in texts.iter().enumerate() {
            let mut doc: Document =
                serde_json::from_str(text).map_err(|e| format!("{name}[{i}] is not a policy document: {e}"))?;
            for s in &mut doc.statements {
                for v in [&mut s.principal, &mut s.not_principal, &mut s.condition].into_iter().flatten() {
                    sort_keys(v);
                }
            }
            out.push(doc);
        }
        Ok(out)
    };
    for d in docs("source_json")?.into_iter().chain(docs("source_policy_documents")?) {
        merged.merge(d);
    }
    merged.merge(configured(config)?);
    for d in docs("override_json")?.into_iter().chain(docs("override_policy_documents")?) {
        merged.merge(d);
    }
    let pretty = go_escape(&serde_json::to_string_pretty(&merged).map_err(|e| e.to_string())?);
    let minified = go_escape(&serde_json::to_string(&merged).map_err(|e| e.to_string())?);
    let mut out = config.as_map().cloned().unwrap_or_default();
    out.insert("id".into(), Value::from(crc32fast::hash(pretty.as_bytes()).to_string()));
    out.insert("json".into(), Value::from(pretty));
    out.insert("minified_json".into(), Value::from(minified));
    Ok(Value::Map(out.into()))
}

/// The document the configuration's own arguments and `statement` blocks describe.
fn configured(config: &Value) -> Result<Document, String> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let mut doc = Document {
        version: Some(text(config.get("version"))).filter(|v| !v.is_empty()).unwrap_or_else(|| "2012-10-17".into()),
        id: text(config.get("policy_id")),
        statements: Vec::new(),
    };
    let mut sids = std::collections::BTreeSet::new();
    for s in config.get("statement").and_then(Value::as_seq).unwrap_or_default() {
        let sid = text(s.get("sid"));
        if !sid.is_empty() && !sids.insert(sid.clone()) {
            return Err(format!("found duplicate sid ({sid}); either remove the sid or ensure the sid is unique"));
        }
        doc.statements.push(Statement {
            sid,
            effect: Some(text(s.get("effect"))).filter(|e| !e.is_empty()).unwrap_or_else(|| "Allow".into()),
            action: string_list(s.get("actions")),
            not_action: string_list(s.get("not_actions")),
            resource: string_list(s.get("resources")),
            not_resource: string_list(s.get("not_resources")),
            principal: principals(s.get("principals")),
            not_principal: principals(s.get("not_principals")),
            condition: conditions(s.get("condition")),
        });
    }
    Ok(doc)
}

/// The strings of a set argument: absent when empty, a string when one, else reverse sorted.
fn string_list(v: Option<&Value>) -> Option<Json> {
    let mut items: Vec<String> = strings(v);
    match items.len() {
        0 => None,
        1 => Some(Json::String(items.remove(0))),
        _ => {
            items.sort_unstable_by(|a, b| b.cmp(a));
            Some(Json::Array(items.into_iter().map(Json::String).collect()))
        }
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    let items = v.and_then(Value::as_seq).unwrap_or_default();
    items.iter().filter_map(Value::as_str).map(|s| s.replace("&{", "${")).collect()
}

/// Principals by type; `"*"` alone for the everyone principal.
fn principals(v: Option<&Value>) -> Option<Json> {
    let blocks = v.and_then(Value::as_seq).unwrap_or_default();
    if blocks.is_empty() {
        return None;
    }
    let typed: Vec<(String, Vec<String>)> = blocks
        .iter()
        .map(|b| (b.get("type").and_then(Value::as_str).unwrap_or_default().to_string(), strings(b.get("identifiers"))))
        .collect();
    if let [(ty, ids)] = typed.as_slice()
        && ty == "*"
        && ids.as_slice() == ["*"]
    {
        return Some(Json::String("*".into()));
    }
    let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (ty, mut ids) in typed {
        ids.sort_unstable_by(|a, b| b.cmp(a));
        by_type.entry(ty).or_default().extend(ids);
    }
    Some(object(by_type.into_iter().map(|(k, mut ids)| {
        let v = if ids.len() == 1 {
            Json::String(ids.remove(0))
        } else {
            Json::Array(ids.into_iter().map(Json::String).collect())
        };
        (k, v)
    })))
}

/// Conditions by test, then variable; values keep their order (a string when one).
fn conditions(v: Option<&Value>) -> Option<Json> {
    let blocks = v.and_then(Value::as_seq).unwrap_or_default();
    if blocks.is_empty() {
        return None;
    }
    let mut by_test: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for b in blocks {
        let field = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        by_test
            .entry(field("test"))
            .or_default()
            .entry(field("variable"))
            .or_default()
            .extend(strings(b.get("values")));
    }
    Some(object(by_test.into_iter().map(|(test, vars)| {
        let inner = object(vars.into_iter().map(|(var, mut values)| {
            let v = if values.len() == 1 {
                Json::String(values.remove(0))
            } else {
                Json::Array(values.into_iter().map(Json::String).collect())
            };
            (var, v)
        }));
        (test, inner)
    })))
}

/// A JSON object with keys in the order given (callers pass them sorted, as Go writes maps).
fn object(pairs: impl Iterator<Item = (String, Json)>) -> Json {
    Json::Object(pairs.collect())
}

/// Object keys in sorted order, as Go writes the maps it decoded a document into.
fn sort_keys(v: &mut Json) {
    match v {
        Json::Object(map) => {
            let mut pairs: Vec<(String, Json)> = std::mem::take(map).into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, v) in &mut pairs {
                sort_keys(v);
            }
            *map = pairs.into_iter().collect();
        }
        Json::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// Go's encoder escapes these inside strings; serde_json does not.
fn go_escape(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Fields;

    #[test]
    fn go_escaping_and_policy_variables() {
        let statement = Value::Map(Fields::from([
            ("actions".to_string(), Value::set(vec!["s3:ListBucket".into()])),
            ("resources".to_string(), Value::set(vec!["arn:aws:s3:::b/&{aws:username}/<x>".into()])),
        ]));
        let config = Value::Map(Fields::from([("statement".to_string(), Value::List(vec![statement].into()))]));
        let out = render(&config).unwrap();
        let json = out.get("minified_json").unwrap().as_str().unwrap().to_string();
        assert!(json.contains(r#""Resource":"arn:aws:s3:::b/${aws:username}/\u003cx\u003e""#), "{json}");
    }

    #[test]
    fn a_duplicate_sid_is_an_error_and_a_bad_source_document_is_named() {
        let st = |sid: &str| Value::Map(Fields::from([("sid".to_string(), Value::from(sid))]));
        let config = Value::Map(Fields::from([("statement".to_string(), Value::List(vec![st("A"), st("A")].into()))]));
        assert!(render(&config).unwrap_err().contains("duplicate sid (A)"));
        let config = Value::Map(Fields::from([(
            "source_policy_documents".to_string(),
            Value::List(vec!["not json".into()].into()),
        )]));
        assert!(render(&config).unwrap_err().starts_with("source_policy_documents[0] is not a policy document"));
    }
}
