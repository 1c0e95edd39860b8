//! The provider's own validation of every block it knows, for every command (a plan refuses
//! what `validate` refuses): each instance (of native types too, whose provider-side checks
//! drplan's schema does not repeat) is sent to terraform-provider-aws (`ValidateResourceTypeConfig`,
//! `ValidateDataSourceConfig`) as Terraform does, and what it reports becomes a located
//! diagnostic, at the attribute it names when the block sets it. Runs only where a provider
//! binary was found (not from a recorded schema file) and only on a configuration with no
//! errors so far, so a broken configuration does not start a 700 MB process.

use crate::config::{Loaded, Mode, ResourceDecl};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::expand::Expansion;
use crate::provider::{self, Hosted, codec, wire};

/// Validates every instance the provider knows; problems are added to `diags`.
/// `running`: a provider already started for this command (a plan's host), asked instead of
/// starting another.
pub(super) fn check(
    hosted: &Hosted,
    loaded: &Loaded,
    expansion: &Expansion,
    running: Option<&provider::Plugin>,
    diags: &mut Diagnostics,
) {
    let Some(located) = &hosted.located else { return };
    let served: Vec<_> = expansion.instances.iter().filter_map(|i| Some((i, hosted.block(i.mode, &i.ty)?))).collect();
    if served.is_empty() {
        return;
    }
    let started;
    let plugin = match running {
        Some(p) => p,
        None => match provider::Plugin::start(&located.binary, provider::START_LIMIT) {
            Ok(p) => {
                started = p;
                &started
            }
            Err(e) => {
                diags.push(
                    Diagnostic::error("Provider unavailable")
                        .detail(format!("terraform-provider-aws could not check the blocks it serves: {e}."))
                        .at(served[0].0.span),
                );
                return;
            }
        },
    };
    // Identical blocks (instances of one `count`) are asked about once; the rest all at once.
    let mut asked = std::collections::HashSet::new();
    let mut asking = Vec::new();
    let mut requests = Vec::new();
    for (inst, block) in served {
        let config = codec::encode_block(&codec::configuration(&inst.config, block, &inst.written), block);
        if asked.insert((inst.span, config.clone())) {
            requests.push((inst.mode == Mode::Data, inst.ty.clone(), config));
            asking.push(inst);
        }
    }
    let answers = plugin.validate_all(requests, provider::CALL_LIMIT);
    for (inst, answer) in asking.into_iter().zip(answers) {
        let found = match answer {
            Ok(found) => found,
            Err(e) => {
                let d = Diagnostic::error("Provider validation failed").detail(format!("{}: {e}.", inst.addr));
                diags.push(d.at(inst.span));
                continue;
            }
        };
        let decl = declaration(loaded, inst.span);
        let secrets = sensitive_strings(inst);
        for d in found {
            diags.push(redact(finding(&d, &inst.addr, decl, inst.span), &secrets));
        }
    }
}

/// A provider diagnostic, at the attribute it names when the block sets it.
fn finding(d: &wire::Diagnostic, addr: &str, decl: Option<&ResourceDecl>, block: Span) -> Diagnostic {
    let path = d.attribute.as_ref().map(wire::AttributePath::text).unwrap_or_default();
    let at = first_attribute(d.attribute.as_ref()).and_then(|name| attribute_span(decl?, &name)).unwrap_or(block);
    let detail = match (path.is_empty(), d.detail.trim().is_empty()) {
        (true, true) => format!("{addr}: reported by terraform-provider-aws."),
        (true, false) => format!("{addr}: {}", d.detail.trim()),
        (false, true) => format!("{addr}, {path}: reported by terraform-provider-aws."),
        (false, false) => format!("{addr}, {path}: {}", d.detail.trim()),
    };
    let diag = if d.severity() == wire::Severity::Warning {
        Diagnostic::warning(&d.summary)
    } else {
        Diagnostic::error(&d.summary)
    };
    diag.detail(detail).at(at)
}

/// The strings a block holds in its sensitive attributes: a provider's message may quote the
/// value it refuses, and drplan never prints a sensitive value.
fn sensitive_strings(inst: &crate::expand::Instance) -> Vec<String> {
    fn strings(v: &crate::eval::Value, out: &mut Vec<String>) {
        match v {
            crate::eval::Value::String(s) if !s.is_empty() => out.push(s.clone()),
            crate::eval::Value::Number(n) => out.push(n.to_string()),
            crate::eval::Value::List(crate::eval::Seq { items, .. }) | crate::eval::Value::Set(items) => {
                items.iter().for_each(|i| strings(i, out))
            }
            crate::eval::Value::Map(m) => m.values().for_each(|i| strings(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for name in &inst.sensitive_attrs {
        if let Some(v) = inst.config.get(name) {
            strings(v, &mut out);
        }
    }
    // Longest first, so a value containing another is replaced whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

fn redact(mut d: Diagnostic, secrets: &[String]) -> Diagnostic {
    d.summary = hide(&d.summary, secrets);
    d.detail = d.detail.map(|t| hide(&t, secrets));
    d
}

fn hide(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_string(), |t, s| t.replace(s.as_str(), "(sensitive value)"))
}

fn first_attribute(path: Option<&wire::AttributePath>) -> Option<String> {
    match path?.steps.first()?.selector.as_ref()? {
        wire::Selector::AttributeName(n) => Some(n.clone()),
        _ => None,
    }
}

fn declaration(loaded: &Loaded, span: Span) -> Option<&ResourceDecl> {
    loaded.tree.modules.iter().flat_map(|m| &m.resources).find(|r| r.span == span)
}

fn attribute_span(decl: &ResourceDecl, name: &str) -> Option<Span> {
    use hcl_edit::Span as _;
    let structure = decl.body.iter().find(|s| match s {
        hcl_edit::structure::Structure::Attribute(a) => a.key.as_str() == name,
        hcl_edit::structure::Structure::Block(b) => b.ident.as_str() == name,
    })?;
    decl.file.range(structure.span())
}
