//! Printing plan JSON values the way Terraform's plan output does.

use serde_json::Value as Json;

pub const UNKNOWN: &str = "(known after apply)";
pub const SENSITIVE: &str = "(sensitive value)";

/// A value on one line when it is short and flat; `None` when it needs several lines.
pub fn inline(v: &Json) -> Option<String> {
    let text = match v {
        Json::String(s) if s.contains('\n') => return None,
        Json::Array(items) if items.iter().all(|i| !i.is_array() && !i.is_object()) => {
            let parts: Vec<String> = items.iter().map(scalar).collect();
            format!("[{}]", parts.join(", "))
        }
        Json::Object(m) if m.is_empty() => "{}".into(),
        Json::Array(_) | Json::Object(_) => return None,
        other => scalar(other),
    };
    // Long strings stay on one line; long lists and maps go on several.
    (text.len() <= 80 || v.is_string()).then_some(text)
}

pub fn scalar(v: &Json) -> String {
    match v {
        Json::Null => "null".into(),
        Json::String(s) => Json::String(s.clone()).to_string(),
        other => other.to_string(),
    }
}

/// Whether a JSON array holds nested blocks (objects) rather than values.
pub fn is_blocks(v: &Json) -> bool {
    matches!(v, Json::Array(items) if !items.is_empty() && items.iter().all(Json::is_object))
}

/// The mask entry for a key: `true`, a nested mask, or false.
pub fn mask_at<'m>(mask: &'m Json, key: &str) -> &'m Json {
    static FALSE: Json = Json::Bool(false);
    match mask {
        Json::Object(m) => m.get(key).unwrap_or(&FALSE),
        _ => &FALSE,
    }
}

pub fn mask_index(mask: &Json, i: usize) -> &Json {
    static FALSE: Json = Json::Bool(false);
    match mask {
        Json::Array(items) => items.get(i).unwrap_or(&FALSE),
        Json::Bool(true) => mask,
        _ => &FALSE,
    }
}
