//! Evaluating a root `check` block: its arguments, which of them are sensitive, and the values
//! a check cannot run with (an unknown engine, a duration that does not parse), reported at
//! their location while planning rather than when the drill runs.

use std::collections::BTreeMap;

use super::{CheckValue, Engine, Frame};
use crate::config::CheckDecl;
use crate::config::refs::expr_refs;
use crate::diag::Diagnostic;
use crate::eval::Value;

/// The engines a check names, with the RDS engine names that speak the same protocol.
pub const ENGINES: &[&str] = &["postgres", "postgresql", "aurora-postgresql", "mysql", "mariadb", "aurora-mysql"];

/// How a check's connection is encrypted.
pub const TLS_MODES: &[&str] = &["require", "verify-full", "disable"];

/// Arguments that hold a secret whatever they refer to.
const ALWAYS_SENSITIVE: &[&str] = &["password"];

impl Engine<'_> {
    pub(super) fn check(&mut self, frame: &Frame, decl: &CheckDecl) -> CheckValue {
        let mut args = BTreeMap::new();
        let mut sensitive_args = std::collections::BTreeSet::new();
        for (name, key_span, expr) in &decl.attrs {
            let refs = expr_refs(expr);
            let (value, _) = self.eval_expr(frame, expr, &refs);
            let sensitive = ALWAYS_SENSITIVE.contains(&name.as_str()) || Self::sensitive_of(frame, &refs);
            if sensitive {
                sensitive_args.insert(name.clone());
            } else if let Some(d) = invalid(name, &value) {
                self.diags.push(d.at(*key_span));
            }
            args.insert(name.clone(), value);
        }
        if decl.kind == "sql"
            && let Some(d) = credentials_conflict(&args)
        {
            self.diags.push(d.at(decl.span));
        }
        CheckValue { name: decl.name.clone(), kind: decl.kind.clone(), span: decl.span, args, sensitive_args }
    }
}

/// At most one source of credentials, and a user name with a password. None at all is left
/// to the check to report when it runs: planning does not need them (the password is often
/// given only to the drill).
fn credentials_conflict(args: &BTreeMap<String, Value>) -> Option<Diagnostic> {
    let set = |k: &str| args.get(k).is_some_and(|v| !v.is_null());
    let known_null = |k: &str| args.get(k).is_none_or(|v| v.is_null());
    let error = |detail: &str| {
        Some(Diagnostic::error("Invalid sql check credentials").detail(format!("The sql probe {detail}")))
    };
    if set("password") && set("secret_id") {
        error("sets both password and secret_id; use one (a null argument is unset).")
    } else if set("password") && known_null("username") {
        error("has a password but no username.")
    } else {
        None
    }
}
/// Why a known argument value cannot work, if it cannot.
fn invalid(name: &str, value: &Value) -> Option<Diagnostic> {
    let text = value.to_template_string()?;
    let one_of = |allowed: &[&str]| {
        (!allowed.contains(&text.as_str())).then(|| {
            Diagnostic::error("Invalid check argument")
                .detail(format!("{name} = {text:?} is not one of: {}.", allowed.join(", ")))
        })
    };
    match name {
        "engine" => one_of(ENGINES),
        "tls" => one_of(TLS_MODES),
        "timeout" | "interval" | "max_age" => crate::timefmt::parse_duration(&text)
            .err()
            .map(|e| Diagnostic::error("Invalid check argument").detail(format!("{name} = {text:?}: {e}"))),
        "min_rows" | "port" | "expected_status" => text.parse::<u64>().is_err().then(|| {
            Diagnostic::error("Invalid check argument").detail(format!("{name} = {text:?} is not a whole number."))
        }),
        _ => None,
    }
}
