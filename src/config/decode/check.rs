//! Decoding `check` blocks: exactly one probe (`http`, `tcp`, `dns` or `sql`) with its own
//! arguments, and a `sql` probe's required ones. Values are checked once evaluated
//! (`expand::checks`).

use hcl_edit::structure::{Block, Structure};

use super::{Decoder, check_name};
use crate::config::Expr;
use crate::config::decl::CheckDecl;
use crate::diag::{Diagnostic, Span};

impl Decoder<'_> {
    /// `check "name" { http { url = ... } }`: exactly one probe block per check.
    pub(super) fn check(&mut self, block: &Block) -> Option<CheckDecl> {
        let labels = self.labels(block, &["name"])?;
        let name = labels[0].clone();
        let span = self.header_span(block)?;
        check_name(self, &name, span, "check");
        let mut probe: Option<CheckDecl> = None;
        for structure in block.body.iter() {
            match structure {
                Structure::Block(b) if PROBES.contains(&b.ident.as_str()) => {
                    if probe.is_some() {
                        self.error(
                            Diagnostic::error("Too many probes")
                                .detail(format!(
                                    "check \"{name}\" has more than one probe block; write one check per probe."
                                ))
                                .at(self.span(&b.ident)),
                        );
                        continue;
                    }
                    let allowed: &[&str] = match b.ident.as_str() {
                        "http" => &["url", "expected_status", "body_contains", "timeout", "interval", "method"],
                        "tcp" => &["host", "port", "timeout", "interval"],
                        "sql" => SQL_ARGS,
                        _ => &["name", "type", "expect", "timeout", "interval"],
                    };
                    let mut attrs = Vec::new();
                    for s in b.body.iter() {
                        match s {
                            Structure::Attribute(a) => {
                                let key = a.key.as_str();
                                if !allowed.contains(&key) {
                                    self.unsupported_arg(key, &a.key, b.ident.as_str(), allowed);
                                    continue;
                                }
                                let Some(k) = self.span(&a.key) else { continue };
                                attrs.push((key.to_string(), k, self.expr(&a.value)));
                            }
                            Structure::Block(inner) => self.unsupported_block(inner, b.ident.as_str(), &[]),
                        }
                    }
                    if b.ident.as_str() == "sql" {
                        self.sql_probe_complete(&name, &attrs, span);
                    }
                    probe = Some(CheckDecl { name: name.clone(), span, kind: b.ident.as_str().to_string(), attrs });
                }
                Structure::Block(b) => self.unsupported_block(b, "check", PROBES),
                Structure::Attribute(a) => self.unsupported_arg(a.key.as_str(), &a.key, "check", &[]),
            }
        }
        if probe.is_none() {
            self.error(
                Diagnostic::error("Missing probe")
                    .detail(format!("check \"{name}\" needs one http, tcp, dns or sql block."))
                    .at(span),
            );
        }
        probe
    }

    /// A `sql` probe needs an engine, a host, a query and a source of credentials (which one
    /// is decided once values are known: a null argument is an unset one).
    fn sql_probe_complete(&mut self, name: &str, attrs: &[(String, Span, Expr)], span: Span) {
        let has = |k: &str| attrs.iter().any(|(n, _, _)| n == k);
        let mut missing: Vec<&str> = ["engine", "host", "query"].into_iter().filter(|k| !has(k)).collect();
        if !has("password") && !has("secret_id") {
            missing.push("password or secret_id");
        }
        if !missing.is_empty() {
            self.error(
                Diagnostic::error("Missing sql probe arguments")
                    .detail(format!("check \"{name}\"'s sql block needs {}.", missing.join(", ")))
                    .at(span),
            );
        }
    }
}

/// The probe blocks a `check` may hold (one of them).
const PROBES: &[&str] = &["http", "tcp", "dns", "sql"];

/// A `sql` probe's arguments.
const SQL_ARGS: &[&str] = &[
    "engine",
    "host",
    "port",
    "database",
    "username",
    "password",
    "secret_id",
    "query",
    "min_rows",
    "expect",
    "max_age",
    "tls",
    "ca_file",
    "timeout",
    "interval",
];
