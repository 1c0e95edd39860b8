//! Evaluating `provider "aws"` blocks: the region, the account guards, the role to assume and
//! the default tags of each configuration, and warnings for the settings drplan does not apply
//! yet. What the root's configurations say is gathered into the expansion (`regions`,
//! `account_guards`, `roles`); every module's frame keeps its configurations for the resources
//! that name them.

use std::collections::BTreeMap;

use super::{Engine, Frame, ProviderConf, recovery};
use crate::diag::{Diagnostic, Span};
use crate::eval::Value;

/// A provider configuration's `allowed_account_ids` / `forbidden_account_ids`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountGuard {
    /// `aws` or `aws.ALIAS`.
    pub provider: String,
    /// Its region, when known.
    pub region: Option<String>,
    pub allowed: Vec<String>,
    pub forbidden: Vec<String>,
}

impl AccountGuard {
    /// Why `account` may not be written with, if it may not.
    pub fn refuses(&self, account: &str) -> Option<String> {
        if !self.allowed.is_empty() && !self.allowed.iter().any(|a| a == account) {
            return Some(format!(
                "the credentials are for AWS account {account}, which provider {}'s allowed_account_ids ({}) does not list",
                self.provider,
                self.allowed.join(", ")
            ));
        }
        self.forbidden.iter().any(|a| a == account).then(|| {
            format!(
                "the credentials are for AWS account {account}, which provider {}'s forbidden_account_ids lists",
                self.provider
            )
        })
    }
}

impl Engine<'_> {
    pub(super) fn provider(&mut self, frame: &mut Frame, i: usize) {
        let decl = &frame.module.providers[i];
        let region = decl.region.as_ref().and_then(|r| {
            let (v, _) = self.eval_expr(frame, r, &[]);
            match v {
                Value::String(s) if !recovery::valid_region(&s) => {
                    self.diags.push(recovery::invalid_region(&s, r.span()));
                    None
                }
                Value::String(s) => Some(s),
                Value::Unknown => None,
                other => {
                    self.diags.push(
                        Diagnostic::error("Invalid provider region")
                            .detail(format!("region must be a string, but is a {}.", other.type_name()))
                            .at(r.span()),
                    );
                    None
                }
            }
        });
        if frame.prefix.is_empty() {
            self.out.regions.extend(region.clone());
            let allowed = self.account_ids(frame, decl.allowed_account_ids.as_ref(), "allowed_account_ids");
            let forbidden = self.account_ids(frame, decl.forbidden_account_ids.as_ref(), "forbidden_account_ids");
            if !allowed.is_empty() || !forbidden.is_empty() {
                let guard = AccountGuard { provider: decl.key(), region: region.clone(), allowed, forbidden };
                self.out.account_guards.push(guard);
            }
            if let Some(role) = self.assume_role(frame, decl.assume_role.as_ref()) {
                self.out.roles.push((region.clone(), role));
            }
        }
        for (name, at) in &decl.not_honoured {
            self.diags.push(
                Diagnostic::warning("Provider setting not applied yet")
                    .detail(format!("drplan does not apply provider {}'s \"{name}\" yet: it acts with the environment's AWS credentials and endpoints, and writes no default tags.", decl.key()))
                    .at(*at)
                    .hint("set allowed_account_ids on the provider: drplan refuses to apply with credentials of any other account"),
            );
        }
        let default_tags = self.default_tags(frame, decl.default_tags.as_ref());
        frame.providers.insert(decl.key(), ProviderConf { region, default_tags });
    }

    /// A provider's `assume_role` block, evaluated; `None` without one, or when its role is not
    /// known yet (validate), or after an error at the argument.
    fn assume_role(
        &mut self,
        frame: &Frame,
        block: Option<&crate::config::AssumeRoleDecl>,
    ) -> Option<crate::cloud::AssumeRole> {
        let crate::config::AssumeRoleDecl { span: header, attrs } = block?;
        let mut role = crate::cloud::AssumeRole::default();
        for (name, at, expr) in attrs {
            let (value, _) = self.eval_expr(frame, expr, &[]);
            let text = match value {
                Value::String(s) => s,
                Value::Null => continue,
                Value::Unknown => return None,
                _ if !matches!(name.as_str(), "role_arn" | "session_name" | "external_id" | "duration") => {
                    self.not_applied_yet(name, *at);
                    continue;
                }
                other => {
                    let d = Diagnostic::error("Invalid provider argument")
                        .detail(format!("assume_role's {name} must be a string, but is {other}."));
                    self.diags.push(d.at(expr.span()));
                    return None;
                }
            };
            match name.as_str() {
                "role_arn" => role.role_arn = text,
                "session_name" => role.session_name = Some(text),
                "external_id" => role.external_id = Some(text),
                "duration" => match crate::timefmt::parse_duration(&text) {
                    Ok(seconds) => role.duration_seconds = Some(seconds),
                    Err(e) => {
                        let d = Diagnostic::error("Invalid provider argument")
                            .detail(format!("assume_role's duration {text:?}: {e}."));
                        self.diags.push(d.at(expr.span()));
                    }
                },
                _ => self.not_applied_yet(name, *at),
            }
        }
        if role.role_arn.is_empty() {
            self.diags
                .push(Diagnostic::error("Missing required argument").detail("assume_role needs role_arn.").at(*header));
            return None;
        }
        Some(role)
    }

    fn not_applied_yet(&mut self, name: &str, at: Span) {
        self.diags.push(
            Diagnostic::warning("Provider setting not applied yet")
                .detail(format!("drplan does not apply assume_role's \"{name}\" yet: the role is assumed without it."))
                .at(at),
        );
    }

    /// A provider's `default_tags { tags }`: a map of strings; anything else is an error there.
    fn default_tags(&mut self, frame: &Frame, expr: Option<&crate::config::Expr>) -> BTreeMap<String, String> {
        let Some(expr) = expr else { return BTreeMap::new() };
        let (value, _) = self.eval_expr(frame, expr, &[]);
        let tags = match &value {
            Value::Map(m) => {
                m.iter().map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect::<Option<_>>()
            }
            Value::Null | Value::Unknown => Some(BTreeMap::new()),
            _ => None,
        };
        tags.unwrap_or_else(|| {
            let d = Diagnostic::error("Invalid provider argument")
                .detail(format!("default_tags' tags must be a map of strings, but is {value}."));
            self.diags.push(d.at(expr.span()));
            BTreeMap::new()
        })
    }

    /// A provider's list of account ids; an invalid one is an error at the argument.
    fn account_ids(&mut self, frame: &Frame, expr: Option<&crate::config::Expr>, name: &str) -> Vec<String> {
        let Some(expr) = expr else { return Vec::new() };
        let (value, _) = self.eval_expr(frame, expr, &[]);
        let items = match &value {
            Value::Unknown => return Vec::new(),
            Value::List(items) | Value::Set(items) => items,
            _ => &Vec::new(),
        };
        let ids: Vec<String> = items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
        let valid = |id: &String| id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit());
        if !matches!(value, Value::List(_) | Value::Set(_)) || ids.len() != items.len() || !ids.iter().all(valid) {
            self.diags.push(
                Diagnostic::error("Invalid provider argument")
                    .detail(format!("{name} must be a list of 12-digit AWS account ids, but is {value}."))
                    .at(expr.span()),
            );
            return Vec::new();
        }
        ids
    }
}
