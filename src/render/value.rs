//! Printing plan JSON values the way Terraform's plan output does.

use serde_json::Value as Json;

use crate::plan::ResourceChange;

pub(super) const UNKNOWN: &str = "(known after apply)";
pub(super) const SENSITIVE: &str = "(sensitive value)";

/// A value on one line when it is short and flat; `None` when it needs several lines.
pub(super) fn inline(v: &Json) -> Option<String> {
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

pub(super) fn scalar(v: &Json) -> String {
    match v {
        Json::Null => "null".into(),
        Json::String(s) => Json::String(s.clone()).to_string(),
        other => other.to_string(),
    }
}

/// Text from the cloud (tags, ids, values) as it may be shown on a terminal: control characters
/// (an escape sequence in a tag would drive the terminal) become `\u{..}` escapes.
pub(super) fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect(),
    )
}

/// Whether a JSON array holds nested blocks (objects) rather than values.
pub(super) fn is_blocks(v: &Json) -> bool {
    matches!(v, Json::Array(items) if !items.is_empty() && items.iter().all(Json::is_object))
}

/// The mask entry for a key: `true`, a nested mask, or false.
pub(super) fn mask_at<'m>(mask: &'m Json, key: &str) -> &'m Json {
    static FALSE: Json = Json::Bool(false);
    match mask {
        Json::Object(m) => m.get(key).unwrap_or(&FALSE),
        _ => &FALSE,
    }
}

/// `value` with a `null` wherever the unknown mask marks an attribute the plan JSON leaves out
/// (as Terraform does), so a renderer can show it as known after apply.
pub(super) fn with_unknown_slots(value: &Json, unknown: &Json) -> Json {
    with_unknown_as(value, unknown, &Json::Null)
}

/// `value` with `placeholder` wherever the unknown mask says `true`.
pub(super) fn with_unknown_as(value: &Json, unknown: &Json, placeholder: &Json) -> Json {
    match (value, unknown) {
        (_, Json::Bool(true)) => placeholder.clone(),
        (Json::Object(obj), Json::Object(mask)) => {
            let mut out = obj.clone();
            for (k, m) in mask {
                let slot = out.entry(k.clone()).or_insert(Json::Null);
                *slot = with_unknown_as(slot, m, placeholder);
            }
            Json::Object(out)
        }
        (Json::Array(items), Json::Array(masks)) => Json::Array(
            items
                .iter()
                .zip(masks.iter().chain(std::iter::repeat(&Json::Bool(false))))
                .map(|(v, m)| with_unknown_as(v, m, placeholder))
                .collect(),
        ),
        _ => value.clone(),
    }
}

pub(super) fn mask_index(mask: &Json, i: usize) -> &Json {
    static FALSE: Json = Json::Bool(false);
    match mask {
        Json::Array(items) => items.get(i).unwrap_or(&FALSE),
        Json::Bool(true) => mask,
        _ => &FALSE,
    }
}

/// `c` with its single nested blocks (objects in the plan's values, as in Terraform's JSON) as
/// lists of one, which the renderers show as blocks like any other.
pub(super) fn with_single_blocks_as_lists(c: &ResourceChange) -> std::borrow::Cow<'_, ResourceChange> {
    if c.drplan.single_blocks.is_empty() {
        return std::borrow::Cow::Borrowed(c);
    }
    let mut c = c.clone();
    let ch = &mut c.change;
    for name in &c.drplan.single_blocks {
        for doc in
            [&mut ch.before, &mut ch.after, &mut ch.after_unknown, &mut ch.before_sensitive, &mut ch.after_sensitive]
        {
            let mut value = doc.value();
            if let Some(slot) = value.as_object_mut().and_then(|o| o.get_mut(name)).filter(|v| v.is_object()) {
                *slot = Json::Array(vec![slot.take()]);
                *doc = crate::plan::Doc::new(&value);
            }
        }
    }
    std::borrow::Cow::Owned(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn left_out_unknowns_get_a_slot() {
        let after = serde_json::json!({"name": "web", "tags": {"a": "b"}, "ids": ["x", null]});
        let unknown = serde_json::json!({"id": true, "tags": {"alarm": true}, "ids": [false, true]});
        assert_eq!(
            with_unknown_slots(&after, &unknown),
            serde_json::json!({"id": null, "name": "web", "tags": {"a": "b", "alarm": null}, "ids": ["x", null]})
        );
    }

    #[test]
    fn control_characters_from_the_cloud_are_escaped() {
        assert_eq!(printable("vpc-1"), "vpc-1");
        assert_eq!(printable("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(scalar(&Json::String("\u{1b}]0;x\u{7}".into())), "\"\\u001b]0;x\\u0007\"");
    }
}
