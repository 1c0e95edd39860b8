//! Evaluating `provider "aws"` blocks: the region, the account guards, the credentials (profile,
//! shared files, role to assume) and the default tags of each configuration, and warnings for the settings drplan does not apply
//! yet. What the root's configurations say is gathered into the expansion (`regions`,
//! `account_guards`, `identities`); every module's frame keeps its configurations for the resources
//! that name them.

use std::collections::BTreeMap;

use super::{Engine, Frame, ProviderConf, recovery};
use crate::diag::{Diagnostic, Span};
use crate::eval::Seq;
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
            let mut identity = self.credentials(frame, &decl.credentials);
            identity.assume_role = self.assume_role(frame, decl.assume_role.as_ref());
            identity.web_identity = self.web_identity(frame, decl.web_identity.as_ref());
            identity.endpoints = self.endpoints(frame, &decl.endpoints);
            identity.settings = self.settings(frame, &decl.settings);
            if !identity.is_default() {
                self.out.identities.push((region.clone(), identity));
            }
        }
        for (name, at) in &decl.not_honoured {
            let instead = match name.as_str() {
                "ignore_tags" => "drift on every tag is reported",
                _ => "it acts with the credentials of the profile named here, or of the environment",
            };
            self.diags.push(
                Diagnostic::warning("Provider setting not applied yet")
                    .detail(format!("drplan does not apply provider {}'s \"{name}\" yet: {instead}.", decl.key()))
                    .at(*at)
                    .hint("set allowed_account_ids on the provider: drplan refuses to apply with credentials of any other account"),
            );
        }
        let default_tags = self.default_tags(frame, decl.default_tags.as_ref());
        let ignore_tags = self.ignore_tags(frame, &decl.ignore_tags);
        if frame.prefix.is_empty() && !ignore_tags.is_empty() {
            self.out.ignore_tags.push((region.clone(), ignore_tags.clone()));
        }
        frame.providers.insert(decl.key(), ProviderConf { region, default_tags, ignore_tags });
    }

    /// A provider's static keys, `profile` and shared files, evaluated; an argument of the
    /// wrong type is an error there (never showing a key).
    fn credentials(&mut self, frame: &Frame, args: &[(String, Span, crate::config::Expr)]) -> crate::cloud::Identity {
        let mut identity = crate::cloud::Identity::default();
        let mut keys = crate::cloud::StaticKeys::default();
        for (name, _, expr) in args {
            let (value, _) = self.eval_expr(frame, expr, &[]);
            let strings = |v: &Value| match v {
                Value::List(Seq { items, .. }) | Value::Set(items) => {
                    items.iter().map(|i| i.as_str().map(str::to_string)).collect::<Option<Vec<_>>>()
                }
                _ => None,
            };
            match (name.as_str(), &value) {
                (_, Value::Null | Value::Unknown) => {}
                ("profile", Value::String(s)) => identity.profile = Some(s.clone()),
                ("access_key", Value::String(s)) => keys.access_key = s.clone(),
                ("secret_key", Value::String(s)) => keys.secret_key = s.clone(),
                ("token", Value::String(s)) => keys.token = Some(s.clone()),
                ("access_key" | "secret_key" | "token", _) => {
                    let d = Diagnostic::error("Invalid provider argument")
                        .detail(format!("{name} must be a string, but is a {}.", value.type_name()));
                    self.diags.push(d.at(expr.span()));
                }
                ("shared_config_files", v) if strings(v).is_some() => {
                    identity.shared_config_files = strings(v).unwrap_or_default()
                }
                ("shared_credentials_files", v) if strings(v).is_some() => {
                    identity.shared_credentials_files = strings(v).unwrap_or_default()
                }
                _ => {
                    let want = if name == "profile" { "a string" } else { "a list of file paths" };
                    let d = Diagnostic::error("Invalid provider argument")
                        .detail(format!("{name} must be {want}, but is {value}."));
                    self.diags.push(d.at(expr.span()));
                }
            }
        }
        if !keys.access_key.is_empty() && !keys.secret_key.is_empty() {
            identity.static_keys = Some(keys);
        } else if !keys.access_key.is_empty() || !keys.secret_key.is_empty() {
            let at = args.iter().find(|(n, _, _)| n == "access_key" || n == "secret_key").map(|(_, at, _)| *at);
            let d = Diagnostic::error("Incomplete provider credentials")
                .detail("access_key and secret_key are set together (with token for temporary credentials).");
            self.diags.push(d.at(at));
        }
        identity
    }

    /// A provider's `assume_role` block, evaluated; `None` without one, or when its role is not
    /// known yet (validate), or after an error at the argument.
    fn assume_role(
        &mut self,
        frame: &Frame,
        block: Option<&crate::config::AssumeRoleDecl>,
    ) -> Option<crate::cloud::AssumeRole> {
        let decl = block?;
        let applied = crate::config::ASSUME_ROLE_ARGUMENTS;
        let mut role = crate::cloud::AssumeRole::default();
        for (name, value, span) in self.role_arguments(frame, decl, "assume_role", applied)? {
            match (name.as_str(), value) {
                ("role_arn", RoleArgument::Text(text)) => role.role_arn = text,
                ("session_name", RoleArgument::Text(text)) => role.session_name = Some(text),
                ("external_id", RoleArgument::Text(text)) => role.external_id = Some(text),
                ("policy", RoleArgument::Text(text)) => role.policy = Some(text),
                ("policy_arns", RoleArgument::List(arns)) => role.policy_arns = arns,
                ("tags", RoleArgument::Map(tags)) => role.tags = tags,
                ("transitive_tag_keys", RoleArgument::List(keys)) => role.transitive_tag_keys = keys,
                ("source_identity", RoleArgument::Text(text)) => role.source_identity = Some(text),
                ("duration", RoleArgument::Text(text)) => {
                    role.duration_seconds = self.role_duration("assume_role", &text, span)
                }
                (name, _) => self.role_argument_type(name, span),
            }
        }
        if role.role_arn.is_empty() {
            let d = Diagnostic::error("Missing required argument").detail("assume_role needs role_arn.");
            self.diags.push(d.at(decl.span));
            return None;
        }
        Some(role)
    }

    /// A provider's `assume_role_with_web_identity` block, evaluated; `None` without one, while
    /// its role or token is not known yet, or after an error. The token may come from the file
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` names, as in provider-aws.
    fn web_identity(
        &mut self,
        frame: &Frame,
        block: Option<&crate::config::AssumeRoleDecl>,
    ) -> Option<crate::cloud::WebIdentity> {
        use crate::cloud::WebIdentityToken;
        let decl = block?;
        let what = "assume_role_with_web_identity";
        let applied = crate::config::WEB_IDENTITY_ARGUMENTS;
        let mut web = crate::cloud::WebIdentity::default();
        let mut token = None;
        for (name, value, span) in self.role_arguments(frame, decl, what, applied)? {
            let text = match (name.as_str(), value) {
                ("policy_arns", RoleArgument::List(arns)) => {
                    web.policy_arns = arns;
                    continue;
                }
                (_, RoleArgument::Text(text)) => text,
                _ => {
                    self.role_argument_type(&name, span);
                    return None;
                }
            };
            match name.as_str() {
                "policy" => web.policy = Some(text),
                "role_arn" => web.role_arn = text,
                "session_name" => web.session_name = Some(text),
                "web_identity_token" => token = Some(WebIdentityToken::Inline(text)),
                "web_identity_token_file" => token = Some(WebIdentityToken::File(text)),
                _ => web.duration_seconds = self.role_duration(what, &text, span),
            }
        }
        let token = token.or_else(|| std::env::var("AWS_WEB_IDENTITY_TOKEN_FILE").ok().map(WebIdentityToken::File));
        let missing = match (web.role_arn.is_empty(), &token) {
            (true, _) => "role_arn",
            (false, None) => "web_identity_token or web_identity_token_file (or AWS_WEB_IDENTITY_TOKEN_FILE)",
            (false, Some(_)) => "",
        };
        if !missing.is_empty() {
            let d = Diagnostic::error("Missing required argument").detail(format!("{what} needs {missing}."));
            self.diags.push(d.at(decl.span));
            return None;
        }
        web.token = token?;
        Some(web)
    }

    /// The arguments of a role block (`what`) drplan applies (`applied`), evaluated: (name,
    /// value, where the value is written). Others get a warning; `None` while one is unknown,
    /// or after an error at one.
    fn role_arguments(
        &mut self,
        frame: &Frame,
        decl: &crate::config::AssumeRoleDecl,
        what: &str,
        applied: &[&str],
    ) -> Option<Vec<(String, RoleArgument, Option<Span>)>> {
        let mut out = Vec::new();
        for (name, at, expr) in &decl.attrs {
            let (value, _) = self.eval_expr(frame, expr, &[]);
            let strings =
                |items: &[Value]| items.iter().map(|i| i.as_str().map(str::to_string)).collect::<Option<Vec<String>>>();
            let argument = match &value {
                Value::Null => continue,
                _ if !applied.contains(&name.as_str()) => {
                    self.not_applied_yet(name, *at);
                    continue;
                }
                _ if !value.is_wholly_known() => return None,
                Value::String(s) => Some(RoleArgument::Text(s.clone())),
                Value::List(Seq { items, .. }) | Value::Set(items) => strings(items).map(RoleArgument::List),
                Value::Map(m) => m
                    .iter()
                    .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect::<Option<_>>()
                    .map(RoleArgument::Map),
                _ => None,
            };
            let Some(argument) = argument else {
                let d = Diagnostic::error("Invalid provider argument")
                    .detail(format!("{what}'s {name} cannot be a {}.", value.type_name()));
                self.diags.push(d.at(expr.span()));
                return None;
            };
            out.push((name.clone(), argument, expr.span()));
        }
        Some(out)
    }

    /// An error at a role block's argument of the wrong kind.
    fn role_argument_type(&mut self, name: &str, at: Option<Span>) {
        let want = match name {
            "policy_arns" => "a list of ARNs",
            "tags" => "a map of strings",
            _ => "a string",
        };
        let d = Diagnostic::error("Invalid provider argument").detail(format!("{name} must be {want}."));
        self.diags.push(d.at(at));
    }

    /// A role block's `duration` ("1h"), in seconds; an error at it when it does not parse.
    fn role_duration(&mut self, what: &str, text: &str, at: Option<Span>) -> Option<u64> {
        match crate::timefmt::parse_duration(text) {
            Ok(seconds) => Some(seconds),
            Err(e) => {
                let d =
                    Diagnostic::error("Invalid provider argument").detail(format!("{what}'s duration {text:?}: {e}."));
                self.diags.push(d.at(at));
                None
            }
        }
    }

    /// A provider's `endpoints` block, evaluated: each service's URL (unset ones left out).
    fn endpoints(&mut self, frame: &Frame, args: &[(String, Span, crate::config::Expr)]) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (name, _, expr) in args {
            match self.eval_expr(frame, expr, &[]).0 {
                Value::String(url) => {
                    out.insert(name.clone(), url);
                }
                Value::Null | Value::Unknown => {}
                other => {
                    let d = Diagnostic::error("Invalid provider argument")
                        .detail(format!("endpoints' {name} must be a URL string, but is a {}.", other.type_name()));
                    self.diags.push(d.at(expr.span()));
                }
            }
        }
        out
    }

    /// The provider's other arguments, evaluated (unknown and null ones left out).
    fn settings(
        &mut self,
        frame: &Frame,
        args: &[(String, Span, crate::config::Expr)],
    ) -> BTreeMap<String, serde_json::Value> {
        let mut out = BTreeMap::new();
        for (name, _, expr) in args {
            let (value, _) = self.eval_expr(frame, expr, &[]);
            if value.is_null() || !value.is_wholly_known() {
                continue;
            }
            if let Ok(json) = value.to_json() {
                out.insert(name.clone(), json);
            }
        }
        out
    }

    fn not_applied_yet(&mut self, name: &str, at: Span) {
        self.diags.push(
            Diagnostic::warning("Provider setting not applied yet")
                .detail(format!("drplan does not apply the role's \"{name}\" yet: the role is assumed without it."))
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

    /// A provider's `ignore_tags`: lists of strings; anything else is an error there.
    fn ignore_tags(
        &mut self,
        frame: &Frame,
        args: &[(String, Span, crate::config::Expr)],
    ) -> crate::config::IgnoreTags {
        let mut out = crate::config::IgnoreTags::default();
        for (name, _, expr) in args {
            let (value, _) = self.eval_expr(frame, expr, &[]);
            let strings = match &value {
                Value::Null | Value::Unknown => continue,
                Value::List(Seq { items, .. }) | Value::Set(items) => {
                    items.iter().map(|i| i.as_str().map(str::to_string)).collect::<Option<Vec<_>>>()
                }
                _ => None,
            };
            let Some(strings) = strings else {
                let d = Diagnostic::error("Invalid provider argument")
                    .detail(format!("ignore_tags' {name} must be a set of strings, but is {value}."));
                self.diags.push(d.at(expr.span()));
                continue;
            };
            match name.as_str() {
                "keys" => out.keys = strings,
                _ => out.key_prefixes = strings,
            }
        }
        out
    }

    /// A provider's list of account ids; an invalid one is an error at the argument.
    fn account_ids(&mut self, frame: &Frame, expr: Option<&crate::config::Expr>, name: &str) -> Vec<String> {
        let Some(expr) = expr else { return Vec::new() };
        let (value, _) = self.eval_expr(frame, expr, &[]);
        let items = match &value {
            Value::Unknown => return Vec::new(),
            Value::List(Seq { items, .. }) | Value::Set(items) => items,
            _ => &Vec::new(),
        };
        let ids: Vec<String> = items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
        let valid = |id: &String| id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit());
        if !matches!(value, Value::List(Seq { items: _, .. }) | Value::Set(_))
            || ids.len() != items.len()
            || !ids.iter().all(valid)
        {
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

/// One argument of a role block, by kind.
enum RoleArgument {
    Text(String),
    List(Vec<String>),
    Map(BTreeMap<String, String>),
}
