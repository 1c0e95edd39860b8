//! Root module input variable values, from every source Terraform users know, in Terraform's
//! order of precedence (later wins): `TF_VAR_name`, `DRPLAN_VAR_name`, `terraform.tfvars`,
//! `*.auto.tfvars` (sorted), then `--var` and `--var-file` in the order given.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Structure;

use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};
use crate::eval::Value;
use crate::eval::expr::{Evaluator, Scope};

/// A value given for a root variable, before conversion to its declared type.
#[derive(Clone, Debug)]
pub enum RawInput {
    /// From the command line or the environment: parsed by the variable's type (a `string`
    /// variable takes the text as is; others parse it as an HCL expression).
    Text { text: String, origin: String },
    /// From a variables file, already evaluated.
    Value { value: Value, span: Option<Span> },
}

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct VarArgs {
    /// In command-line order: `Ok((name, value))` for `--var`, `Err(path)` for `--var-file`.
    pub items: Vec<Result<(String, String), PathBuf>>,
}

impl VarArgs {
    /// Parses one `--var NAME=VALUE`. A malformed one is kept as an empty name and reported
    /// later without its text: what was typed may be the secret itself (`--var hunter2`).
    pub fn parse_var(arg: &str) -> Result<(String, String), String> {
        match arg.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_string(), value.to_string())),
            _ => Ok((String::new(), String::new())),
        }
    }
}

/// Collects raw inputs for the root module in `root_dir`. Files read are added to `sources`.
pub fn collect(
    root_dir: &Path,
    args: &VarArgs,
    env: &[(String, String)],
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> BTreeMap<String, RawInput> {
    let mut out = BTreeMap::new();
    for prefix in ["TF_VAR_", "DRPLAN_VAR_"] {
        for (k, v) in env {
            if let Some(name) = k.strip_prefix(prefix) {
                out.insert(
                    name.to_string(),
                    RawInput::Text { text: v.clone(), origin: format!("environment variable {k}") },
                );
            }
        }
    }
    let mut auto: Vec<PathBuf> = std::fs::read_dir(root_dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json")
                })
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    // As Terraform: terraform.tfvars, terraform.tfvars.json, then the auto files by name.
    for default in ["terraform.tfvars.json", "terraform.tfvars"] {
        let file = root_dir.join(default);
        if file.is_file() {
            auto.insert(0, file);
        }
    }
    for path in auto {
        read_file(&path, sources, diags, &mut out);
    }
    for item in &args.items {
        match item {
            Ok((name, _)) if name.is_empty() => diags.push(
                Diagnostic::error("Invalid --var")
                    .detail("A --var is not NAME=VALUE. Its text is not shown: it may be a secret.")
                    .hint("write --var NAME=VALUE, e.g. --var db_password=..."),
            ),
            Ok((name, text)) => {
                out.insert(name.clone(), RawInput::Text { text: text.clone(), origin: format!("--var {name}") });
            }
            Err(path) => read_file(path, sources, diags, &mut out),
        }
    }
    out
}

/// "an array", "a string", ...: what a JSON value is, for messages.
fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a bool",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The byte offset of a 1-based line and column (serde_json's error position).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (start + column.saturating_sub(1)).min(text.len())
}

fn read_file(path: &Path, sources: &mut SourceMap, diags: &mut Diagnostics, out: &mut BTreeMap<String, RawInput>) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error("Cannot read variables file").detail(format!("{}: {e}", path.display())));
            return;
        }
    };
    let file = sources.add(path.to_path_buf(), text);
    let text = &sources.file(file).text;
    if path.extension().is_some_and(|e| e == "json") {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(map)) => {
                for (k, v) in map {
                    out.insert(k, RawInput::Value { value: Value::from_json(&v), span: None });
                }
            }
            Ok(other) => diags.push(
                Diagnostic::error("Invalid variables file")
                    .detail(format!(
                        "A .tfvars.json file must hold a JSON object of NAME: VALUE, but holds {}.",
                        json_kind(&other)
                    ))
                    .at(file.span(0, 1)),
            ),
            Err(e) => {
                let at = offset_of(text, e.line(), e.column());
                let reason = e.to_string();
                let reason = reason.split(" at line ").next().unwrap_or(&reason).to_string();
                diags.push(
                    Diagnostic::error("Invalid variables file")
                        .detail(format!("The file is not valid JSON: {reason}."))
                        .at(file.span(at, (at + 1).min(text.len().max(1)))),
                );
            }
        }
        return;
    }
    let body = match hcl_edit::parser::parse_body(text) {
        Ok(b) => b,
        Err(e) => {
            let at = e.location().offset();
            diags.push(
                Diagnostic::error("Invalid syntax")
                    .detail(format!("The variables file could not be parsed here: {}.", e.message()))
                    .at(file.span(at, at + 1)),
            );
            return;
        }
    };
    let scope = Scope::default();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let span = file.range(a.value.span());
                if let Some(bad) = non_constant(&a.value) {
                    diags.push(
                        Diagnostic::error("Variables not allowed")
                            .detail(
                                "A variables file may contain only constant values: no function calls or references.",
                            )
                            .at(file.range(bad.span()).or(span)),
                    );
                    continue;
                }
                match Evaluator::new(&scope, file).eval(&a.value) {
                    Ok(value) => {
                        out.insert(a.key.as_str().to_string(), RawInput::Value { value, span });
                    }
                    Err(d) => diags.push(
                        Diagnostic::error("Variables not allowed")
                            .detail(format!(
                                "A variables file may contain only constant values: {}",
                                d.detail.unwrap_or(d.summary)
                            ))
                            .at(d.span.or(span)),
                    ),
                }
            }
            Structure::Block(b) => diags.push(
                Diagnostic::error("Unexpected block")
                    .detail("A variables file contains only NAME = VALUE assignments.")
                    .at(file.range(b.ident.span())),
            ),
        }
    }
}

/// The first part of a variable value that is not a constant: a function call, a reference,
/// a conditional, a `for`, or a template that uses one. Variable files and `--var` hold constants only
/// (as in Terraform), so a value can never read a file or another value.
pub(super) fn non_constant(e: &Expression) -> Option<&Expression> {
    use hcl_edit::template::Element;
    // A template is constant when every interpolation in it is (directives are not).
    let template = |t: &hcl_edit::template::Template| {
        t.iter().all(|el| match el {
            Element::Literal(_) => true,
            Element::Interpolation(i) => non_constant(&i.expr).is_none(),
            Element::Directive(_) => false,
        })
    };
    match e {
        Expression::Null(_) | Expression::Bool(_) | Expression::Number(_) | Expression::String(_) => None,
        Expression::StringTemplate(t) if template(t) => None,
        Expression::HeredocTemplate(h) if template(&h.template) => None,
        Expression::Array(a) => a.iter().find_map(non_constant),
        Expression::Object(o) => o.iter().find_map(|(k, v)| {
            let key = match k {
                hcl_edit::expr::ObjectKey::Expression(k) => non_constant(k),
                hcl_edit::expr::ObjectKey::Ident(_) => None,
            };
            key.or_else(|| non_constant(v.expr()))
        }),
        Expression::Parenthesis(p) => non_constant(p.inner()),
        Expression::UnaryOp(op) => non_constant(&op.expr),
        Expression::BinaryOp(op) => non_constant(&op.lhs_expr).or_else(|| non_constant(&op.rhs_expr)),
        other => Some(other),
    }
}
