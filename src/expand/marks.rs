//! Where a local's sensitive values sit inside it, as far as its object constructors tell:
//! Terraform marks values, not the objects holding them, so `local.db.username` is not
//! sensitive when only `local.db.password` is, and `issensitive(local.db)` is false.
//!
//! Only literal structure is followed (object constructors with literal keys, nested); a value
//! computed any other way from something sensitive is sensitive as a whole. The expander asks;
//! this module does not know what is sensitive, only where.

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey};

use crate::config::Expr;

/// The members of an object constructor that hold something sensitive.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Members(BTreeMap<String, Member>);

#[derive(Clone, Debug, PartialEq)]
enum Member {
    /// Sensitive as a whole.
    Whole,
    /// A nested constructor with sensitive members.
    Within(Members),
}

/// What a path into a value reaches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Found {
    /// Nothing sensitive.
    Not,
    /// A value sensitive as a whole.
    Whole,
    /// A value holding sensitive values, not sensitive itself.
    Within,
}

impl Members {
    /// For an object constructor with literal keys, where its sensitive values are
    /// (`sensitive(value)` answers for each value that is not itself a constructor).
    pub(super) fn of(expr: &Expr, sensitive: &dyn Fn(&Expr) -> bool) -> Option<Members> {
        let Expression::Object(object) = &expr.expr else { return None };
        let mut members = BTreeMap::new();
        for (key, value) in object.iter() {
            let name = match key {
                ObjectKey::Ident(i) => i.as_str().to_string(),
                ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                ObjectKey::Expression(_) => return None,
            };
            let value = Expr { expr: value.expr().clone(), file: expr.file };
            match Members::of(&value, sensitive) {
                Some(inner) if inner.0.is_empty() => {}
                Some(inner) => {
                    members.insert(name, Member::Within(inner));
                }
                None if sensitive(&value) => {
                    members.insert(name, Member::Whole);
                }
                None => {}
            }
        }
        Some(Members(members))
    }

    /// What `path` (member names from the top) reaches.
    pub(super) fn find(&self, path: &[String]) -> Found {
        let Some((first, rest)) = path.split_first() else {
            return if self.0.is_empty() { Found::Not } else { Found::Within };
        };
        match self.0.get(first) {
            None => Found::Not,
            Some(Member::Whole) => Found::Whole,
            Some(Member::Within(inner)) => inner.find(rest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(src: &str) -> Option<Members> {
        let expr = Expr { file: crate::diag::FileId(0), expr: hcl_edit::parser::parse_expr(src).unwrap() };
        let sensitive = |e: &Expr| e.expr.to_string().contains("secret");
        Members::of(&expr, &sensitive)
    }

    #[test]
    fn paths_find_what_is_sensitive_inside() {
        let m = members(r#"{ user = "admin", pass = var.secret, inner = { x = 1, y = upper(var.secret) } }"#).unwrap();
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(m.find(&path(&["user"])), Found::Not);
        assert_eq!(m.find(&path(&["pass"])), Found::Whole);
        assert_eq!(m.find(&path(&["inner"])), Found::Within);
        assert_eq!(m.find(&path(&["inner", "x"])), Found::Not);
        assert_eq!(m.find(&path(&["inner", "y"])), Found::Whole);
        assert_eq!(m.find(&path(&["pass", "deeper"])), Found::Whole);
        assert_eq!(m.find(&[]), Found::Within);
        assert_eq!(members(r#"{ (var.k) = 1 }"#), None, "a computed key: not followed");
        assert_eq!(members("var.secret"), None, "not a constructor");
    }
}
