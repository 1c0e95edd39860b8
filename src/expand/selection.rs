//! Lists of resources in the `recovery` block: `unmanaged` (left to other tools), `cutover`
//! (moves traffic, so applied last in failover and failback) and `approve` (apply stops for an
//! operator's approval first). Each entry is a resource type (`aws_sfn_state_machine`), a glob
//! over types (`aws_ecs_*`) or an address (`aws_sns_topic.alerts`,
//! `module.app.aws_sqs_queue.jobs`, with or without an instance key). This module owns the
//! entries' grammar and matching; what a setting means is its user's business.

use globset::{Glob, GlobMatcher};

use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::eval::Value;

/// The compiled entries of one setting.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug)]
enum Entry {
    Type(String),
    TypeGlob(String, GlobMatcher),
    Address(String),
}

/// Equal when written the same: the compiled globs follow from the text.
impl PartialEq for Selection {
    fn eq(&self, other: &Self) -> bool {
        self.written() == other.written()
    }
}

impl Selection {
    /// The entry matching a resource of type `ty` at `addr` (`module.a.aws_x.y["k"]`), if any,
    /// as written in the configuration.
    pub fn matching(&self, ty: &str, addr: &str) -> Option<&str> {
        let base = without_instance_key(addr);
        self.entries.iter().find_map(|e| match e {
            Entry::Type(t) if t == ty => Some(t.as_str()),
            Entry::TypeGlob(text, g) if g.is_match(ty) => Some(text.as_str()),
            Entry::Address(a) if a == addr || a == base => Some(a.as_str()),
            _ => None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries as written, for the plan and the runbook.
    pub fn written(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|e| match e {
                Entry::Type(t) | Entry::TypeGlob(t, _) | Entry::Address(t) => t.clone(),
            })
            .collect()
    }
}

/// Decodes the recovery argument `name`: a list of strings, each a type, a type glob or an
/// address; strings in `keywords` are passed over here (their setting gives them a meaning).
/// `None` when it is invalid (the reason is in `diags`).
pub fn decode(
    name: &str,
    value: Option<&(Span, Span, Value)>,
    keywords: &[&str],
    diags: &mut Diagnostics,
) -> Option<Selection> {
    let Some((_, span, value)) = value else { return Some(Selection::default()) };
    let invalid = |diags: &mut Diagnostics, why: String| {
        let also: String = keywords.iter().map(|k| format!(", {k:?}")).collect();
        diags.push(
            Diagnostic::error("Invalid recovery argument")
                .detail(format!("\"{name}\" {why}."))
                .at(*span)
                .hint(format!("list resource types (\"aws_sns_topic\"), type globs (\"aws_ecs_*\") or addresses (\"aws_sns_topic.alerts\"){also}")),
        );
    };
    let Some(items) = value.as_seq() else {
        invalid(diags, format!("must be a list of strings, but is {value}"));
        return None;
    };
    let mut entries = Vec::new();
    for item in items {
        let Some(text) = item.as_str() else {
            invalid(diags, format!("must list strings, but lists {item}"));
            return None;
        };
        if keywords.contains(&text) {
            continue;
        }
        match entry(text) {
            Ok(e) => entries.push(e),
            Err(why) => {
                invalid(diags, format!("lists {text:?}: {why}"));
                return None;
            }
        }
    }
    Some(Selection { entries })
}

fn entry(text: &str) -> Result<Entry, String> {
    // Any provider's type (`aws_sns_topic`, `tls_private_key`, `kubernetes_namespace`): a
    // provider name, an underscore, a name.
    let is_type = |t: &str| {
        t.split_once('_').is_some_and(|(p, n)| !p.is_empty() && !n.is_empty())
            && t.starts_with(|c: char| c.is_ascii_lowercase())
            && t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if text.contains(['*', '?', '[']) && !text.contains('.') {
        let glob = Glob::new(text).map_err(|e| e.kind().to_string())?;
        return Ok(Entry::TypeGlob(text.to_string(), glob.compile_matcher()));
    }
    if !text.contains('.') {
        return if is_type(text) {
            Ok(Entry::Type(text.to_string()))
        } else {
            Err("not a resource type (provider_name, like \"aws_sns_topic\")".into())
        };
    }
    // An address: [module.NAME[KEY].]...TYPE.NAME[KEY]; keys are checked by matching only.
    let base = without_keys(text);
    let parts: Vec<&str> = base.split('.').collect();
    let resource_at = parts.len().checked_sub(2).ok_or("not an address")?;
    let ident = |n: &str| {
        n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let module_parts_ok = parts[..resource_at].chunks(2).all(|c| c.len() == 2 && c[0] == "module" && ident(c[1]));
    if !module_parts_ok || !is_type(parts[resource_at]) || !ident(parts[resource_at + 1]) {
        return Err("not a resource address like \"aws_sns_topic.alerts\" or \"module.app.aws_sqs_queue.jobs\"".into());
    }
    Ok(Entry::Address(text.to_string()))
}

/// `module.a["x"].aws_b.c[0]` -> `module.a["x"].aws_b.c`: the address of the block.
fn without_instance_key(addr: &str) -> &str {
    match addr.strip_suffix(']').and_then(|a| a.rfind('[')) {
        Some(i) if !addr[..i].ends_with(']') => &addr[..i],
        _ => addr,
    }
}

/// Every `[...]` removed (module and instance keys), for checking an address's shape.
fn without_keys(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    fn set(items: &[&str]) -> Selection {
        let value = Value::List(items.iter().map(|s| Value::from(*s)).collect());
        let mut diags = Diagnostics::default();
        decode("unmanaged", Some(&(FileId(0).span(0, 0), FileId(0).span(0, 0), value)), &[], &mut diags).unwrap()
    }

    #[test]
    fn types_globs_and_addresses_match() {
        let any = set(&["tls_private_key"]);
        assert_eq!(any.matching("tls_private_key", "tls_private_key.k"), Some("tls_private_key"));
        let u = set(&["aws_sns_topic", "aws_ecs_*", "module.app.aws_sqs_queue.jobs", "aws_lambda_function.f[\"a\"]"]);
        assert_eq!(u.matching("aws_sns_topic", "module.x.aws_sns_topic.t"), Some("aws_sns_topic"));
        assert_eq!(u.matching("aws_ecs_service", "aws_ecs_service.web"), Some("aws_ecs_*"));
        assert_eq!(
            u.matching("aws_sqs_queue", "module.app.aws_sqs_queue.jobs[0]"),
            Some("module.app.aws_sqs_queue.jobs")
        );
        assert_eq!(u.matching("aws_sqs_queue", "aws_sqs_queue.jobs"), None);
        assert_eq!(
            u.matching("aws_lambda_function", "aws_lambda_function.f[\"a\"]"),
            Some("aws_lambda_function.f[\"a\"]")
        );
        assert_eq!(u.matching("aws_lambda_function", "aws_lambda_function.f[\"b\"]"), None);
        let keyed = set(&["module.net[0].aws_vpc.this"]);
        assert_eq!(keyed.matching("aws_vpc", "module.net[0].aws_vpc.this"), Some("module.net[0].aws_vpc.this"));
        assert_eq!(keyed.matching("aws_vpc", "module.net[1].aws_vpc.this"), None);
    }

    #[test]
    fn malformed_entries_are_errors() {
        // `sns_topic` is some provider's type now (any provider's types can be listed).
        for bad in ["sns", "_topic", "aws_", "aws_x.", "mod.a.aws_x.y", "aws_[", "AWS_VPC"] {
            let value = Value::List(vec![Value::from(bad)].into());
            let mut diags = Diagnostics::default();
            let at = (FileId(0).span(0, 0), FileId(0).span(0, 0), value);
            assert!(decode("cutover", Some(&at), &["cutover"], &mut diags).is_none(), "{bad}");
            assert!(diags.has_errors());
        }
    }
}
