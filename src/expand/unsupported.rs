//! The errors for blocks of types neither drplan nor the provider can plan here: one per
//! block, however many module instances hold it, with what the types have in common said once.

use std::collections::BTreeSet;

use super::Engine;
use crate::config::{Mode, ResourceDecl};
use crate::diag::{Diagnostic, did_you_mean};
use crate::schema;

impl Engine<'_> {
    /// A block of a type neither drplan nor the provider serves: said once per block, however
    /// many module instances contain it; what the types have in common is added once, to the
    /// first such error (see `Engine::summarize_unsupported`).
    pub(super) fn unsupported_type(&mut self, decl: &ResourceDecl) {
        if self.unsupported.insert(decl.span, (decl.mode, decl.ty.clone())).is_some() {
            return;
        }
        let kind = if decl.mode == Mode::Managed { "resource" } else { "data source" };
        let native = schema::type_names(decl.mode);
        let provider = crate::config::implied_provider(&decl.ty);
        if provider != "aws" {
            // Another provider's type (kubernetes, helm, tls, ...): no AWS provider can serve it.
            self.diags.push(
                Diagnostic::error(format!("Unsupported {kind} type"))
                    .detail(format!("\"{}\" belongs to the {provider} provider, which drplan does not run: it plans AWS and the utility types it serves itself (random, time, null, archive, ...).", decl.ty))
                    .at(decl.span)
                    .hint(format!("leave it to other tools: recovery {{ unmanaged = [\"{provider}_*\"] }}")),
            );
            return;
        }
        let (detail, names): (String, Vec<&str>) = match &self.opts.hosted.status {
            crate::provider::hosted::Status::Loaded { version, resources, data_sources } => {
                let all = if decl.mode == Mode::Managed { resources } else { data_sources };
                (
                    format!(
                        "terraform-provider-aws{} has no {kind} type \"{}\", and drplan does not serve it either.",
                        if version.is_empty() { String::new() } else { format!(" {version}") },
                        decl.ty
                    ),
                    all.iter().map(String::as_str).chain(native.iter().copied()).collect(),
                )
            }
            _ => (format!("drplan does not serve the {kind} type \"{}\" natively.", decl.ty), native.clone()),
        };
        let d = Diagnostic::error(format!("Unsupported {kind} type")).detail(detail).at(decl.span);
        self.diags.push(match did_you_mean(&decl.ty, names) {
            Some(s) => d.hint(format!("did you mean \"{s}\"?")),
            None => d,
        });
    }

    /// Adds, once, to the first unsupported-type error: how many blocks of how many types, and
    /// which types drplan serves.
    pub(super) fn summarize_unsupported(&mut self) {
        if self.unsupported.is_empty() {
            return;
        }
        let types: BTreeSet<&(Mode, String)> = self.unsupported.values().collect();
        let names: Vec<String> =
            types.iter().map(|(m, t)| if *m == Mode::Data { format!("data.{t}") } else { t.clone() }).collect();
        let summary = if self.unsupported.len() == 1 {
            String::new()
        } else {
            format!(
                "{} of {} unsupported {}: {}.",
                crate::error::plural(self.unsupported.len(), "block"),
                types.len(),
                if types.len() == 1 { "type" } else { "types" },
                names.join(", ")
            )
        };
        let modes: BTreeSet<Mode> = types.iter().map(|(m, _)| *m).collect();
        // Where the AWS provider was not found, and only an AWS type needs it.
        let any_aws = types.iter().any(|(_, t)| crate::config::implied_provider(t) == "aws");
        let provider = match &self.opts.hosted.status {
            crate::provider::hosted::Status::Unavailable(why) if any_aws => Some(why.clone()),
            _ => None,
        };
        // With the provider's schemas loaded, the error already says the provider lacks it.
        let loaded = matches!(self.opts.hosted.status, crate::provider::hosted::Status::Loaded { .. });
        let supported: Vec<String> = modes
            .iter()
            .filter(|_| !loaded)
            .map(|m| {
                let kind = if *m == Mode::Managed { "resource" } else { "data source" };
                format!("Supported {kind} types: {}.", crate::schema::type_names(*m).join(", "))
            })
            .collect();
        let first = self
            .diags
            .0
            .iter_mut()
            .filter(|d| d.summary.starts_with("Unsupported ") && d.summary.ends_with(" type"))
            .min_by_key(|d| d.span.map(|s| (s.file, s.start)));
        if let Some(first) = first {
            let parts =
                [first.detail.take().unwrap_or_default(), summary, provider.unwrap_or_default(), supported.join(" ")];
            let parts: Vec<&str> = parts.iter().map(String::as_str).filter(|p| !p.is_empty()).collect();
            first.detail = Some(parts.join(" "));
        }
    }

    /// A block of a type only the provider serves, not listed in `recovery.unmanaged`, that
    /// drplan cannot plan here: a data source (not read through the provider yet), or any type
    /// when only the provider's recorded schema is at hand. Said once per block.
    pub(super) fn not_planned_yet(&mut self, decl: &ResourceDecl) {
        if !self.not_planned.insert(decl.span) {
            return;
        }
        let version = match &self.opts.hosted.status {
            crate::provider::hosted::Status::Loaded { version, .. } if !version.is_empty() => format!(" {version}"),
            _ => String::new(),
        };
        let (kind, why) = match decl.mode {
            Mode::Managed => (
                "resource",
                "drplan plans it through the provider, and only the provider's recorded schema (DRPLAN_PROVIDER_SCHEMA) is here, not the provider itself",
            ),
            Mode::Data => (
                "data source",
                "drplan reads it through the provider, and only the provider's recorded schema (DRPLAN_PROVIDER_SCHEMA) is here, not the provider itself",
            ),
        };
        self.diags.push(
            Diagnostic::error(format!("Provider-served {kind} type not planned yet"))
                .detail(format!(
                    "\"{}\" is a terraform-provider-aws{version} type, checked against its schema, but {why}. Listing it in the recovery block's unmanaged setting leaves it to other tools: drplan plans around it (what it computes is unknown to its dependents) and the runbook lists it as a manual step.",
                    decl.ty
                ))
                .at(decl.span)
                .hint(format!("recovery {{ unmanaged = [\"{}\"] }}", decl.ty)),
        );
    }
}
