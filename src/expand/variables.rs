//! Input variables: values from the caller (or the command line for the root module),
//! defaults, type conversion, `nullable` and `validation` blocks.

use std::collections::BTreeSet;

use super::inputs::RawInput;
use super::{Engine, Exported, Frame, ValuesWithDeps};
use crate::config::Module;
use crate::config::refs::Target;
use crate::diag::{Diagnostic, did_you_mean};
use crate::eval::Value;
use crate::eval::expr::{Evaluator, Scope};
use crate::eval::types::{Type, convert, parse_type};

impl Engine<'_> {
    pub(super) fn variable(&mut self, frame: &mut Frame, i: usize, inputs: Option<&ValuesWithDeps>) {
        let decl = &frame.module.variables[i];
        let empty = Scope::default();
        let default_eval = |e: &hcl_edit::expr::Expression| {
            Evaluator::new(&empty, decl.span.file).eval(e).map_err(|d| d.detail.unwrap_or(d.summary))
        };
        let ty = match &decl.type_expr {
            None => Type::Any,
            Some(t) => parse_type(&t.expr, &default_eval).unwrap_or_else(|msg| {
                self.diags.push(Diagnostic::error("Invalid type specification").detail(format!("{msg}.")).at(t.span()));
                Type::Any
            }),
        };
        let mut deps = BTreeSet::new();
        let mut sensitive = decl.sensitive;
        let mut only_within = false;
        let mut at = decl.span;
        let given: Option<Value> = match inputs {
            Some(child) => child.get(&decl.name).map(|c| {
                deps = c.deps.clone();
                sensitive |= c.sensitive;
                only_within = c.only_within && !decl.sensitive;
                c.value.clone()
            }),
            None => self.root_input(decl, &ty, &default_eval, &mut at),
        };
        let value = match (given, &decl.default) {
            (Some(v), _) => v,
            (None, Some(d)) => default_eval(&d.expr).unwrap_or_else(|msg| {
                self.diags.push(
                    Diagnostic::error("Invalid default value for variable").detail(format!("{msg}.")).at(d.span()),
                );
                Value::Unknown
            }),
            (None, None) => {
                // `validate` checks a configuration without values, as `terraform validate`
                // does: an unset required variable is unknown there, and an error only in a plan.
                if inputs.is_none() && !self.opts.lenient_keys {
                    self.diags.push(
                        Diagnostic::error("No value for required variable")
                            .detail(format!(
                                "The root module input variable \"{}\" is not set, and has no default value.",
                                decl.name
                            ))
                            .at(decl.span)
                            .hint(format!("set it with --var {0}=..., a .tfvars file, or DRPLAN_VAR_{0}", decl.name)),
                    );
                }
                Value::Unknown
            }
        };
        let value = match convert(&value, &ty) {
            Ok(v) => v,
            Err(msg) => {
                self.diags.push(
                    Diagnostic::error("Invalid value for input variable")
                        .detail(format!("The given value is not suitable for variable \"{}\": {msg}.", decl.name))
                        .at(at),
                );
                Value::Unknown
            }
        };
        if value.is_null() && !decl.nullable {
            self.diags.push(
                Diagnostic::error("Required variable not set")
                    .detail(format!("Variable \"{}\" is declared nullable = false, but its value is null.", decl.name))
                    .at(at),
            );
        }
        if inputs.is_none() {
            self.out.root_variables.insert(decl.name.clone(), (value.clone(), sensitive));
        }
        frame.scope.set_member("var", &decl.name, value.clone());
        let exported = Exported { all: deps, sensitive, only_within, ..Exported::default() };
        frame.exported.insert(Target::Var(decl.name.clone()), exported);
        if value.is_wholly_known() {
            for v in &decl.validations {
                self.validation(frame, decl, v);
            }
        }
    }

    /// A root module variable's value from the command line, a `.tfvars` file or the
    /// environment; `at` becomes where it was given, for later errors.
    fn root_input(
        &mut self,
        decl: &crate::config::VariableDecl,
        ty: &Type,
        default_eval: &dyn Fn(&hcl_edit::expr::Expression) -> Result<Value, String>,
        at: &mut crate::diag::Span,
    ) -> Option<Value> {
        match self.opts.inputs.get(&decl.name) {
            Some(RawInput::Value { value, span }) => {
                *at = span.unwrap_or(decl.span);
                Some(value.clone())
            }
            Some(RawInput::Text { text, origin }) if matches!(ty, Type::String | Type::Any) => {
                let _ = origin;
                Some(Value::from(text.as_str()))
            }
            Some(RawInput::Text { text, origin }) => {
                match value_expr(text).and_then(|e| match super::inputs::non_constant(&e) {
                    Some(_) => Err("only constant values are allowed (no function calls or references)".to_string()),
                    None => default_eval(&e),
                }) {
                    Ok(v) => Some(v),
                    Err(msg) => {
                        self.diags.push(
                            Diagnostic::error("Invalid value for input variable")
                                .detail(format!(
                                    "The value given by {origin} for variable \"{}\" is not a valid {ty}: {msg}.",
                                    decl.name
                                ))
                                .at(decl.span),
                        );
                        Some(Value::Unknown)
                    }
                }
            }
            None => None,
        }
    }

    pub(super) fn validation(
        &mut self,
        frame: &Frame,
        decl: &crate::config::VariableDecl,
        v: &crate::config::Validation,
    ) {
        let mut ev = Evaluator::new(&frame.scope, v.condition.file);
        let ok = match ev.eval(&v.condition.expr) {
            Ok(Value::Bool(b)) => b,
            Ok(Value::Unknown) => return,
            Ok(other) => {
                self.diags.push(
                    Diagnostic::error("Invalid validation condition")
                        .detail(format!("The condition must be a bool, but is a {}.", other.type_name()))
                        .at(v.condition.span()),
                );
                return;
            }
            Err(d) => {
                self.diags.push(if decl.sensitive { d.redacted() } else { d });
                return;
            }
        };
        if ok {
            return;
        }
        // As Terraform: a sensitive variable's message is not shown (it may interpolate it).
        let message = if decl.sensitive {
            Some("The error message included a sensitive value, so it will not be displayed.".to_string())
        } else {
            v.error_message
                .as_ref()
                .and_then(|m| Evaluator::new(&frame.scope, m.file).eval(&m.expr).ok())
                .and_then(|m| m.as_str().map(str::to_string))
        };
        self.diags.push(
            Diagnostic::error("Invalid value for variable")
                .detail(format!(
                    "{}\n\nThis was checked by the validation rule of variable \"{}\".",
                    message.unwrap_or_else(|| "The validation condition is false.".into()),
                    decl.name
                ))
                .at(v.condition.span()),
        );
    }

    pub(super) fn check_undeclared_inputs(&mut self, module: &Module) {
        let declared: BTreeSet<&str> = module.variables.iter().map(|v| v.name.as_str()).collect();
        for (name, raw) in &self.opts.inputs {
            if declared.contains(name.as_str()) {
                continue;
            }
            let hint = did_you_mean(name, declared.iter().copied()).map(|s| format!("did you mean \"{s}\"?"));
            let d = match raw {
                RawInput::Text { origin, .. } if origin.starts_with("--var") => Diagnostic::error("Value for undeclared variable").detail(format!("A variable named \"{name}\" was assigned on the command line, but the root module does not declare it.")),
                RawInput::Value { span, .. } => Diagnostic::warning("Value for undeclared variable").detail(format!("The root module does not declare a variable named \"{name}\"; the value is ignored.")).at(*span),
                RawInput::Text { .. } => continue,
            };
            self.diags.push(match hint {
                Some(h) => d.hint(h),
                None => d,
            });
        }
    }
}

/// A variable value given as text (`--var`, `TF_VAR_`) as an expression. Parsed as the value of
/// a one-attribute body: hcl-edit's body parser is linear where its standalone expression
/// parser backtracks exponentially on some malformed nestings (found by fuzzing), and the body
/// form also refuses text that smuggles in a second attribute.
fn value_expr(text: &str) -> Result<hcl_edit::expr::Expression, String> {
    let body = hcl_edit::parser::parse_body(&format!("v = {text}\n")).map_err(|e| e.message().to_string())?;
    let mut items = body.into_iter();
    match (items.next(), items.next()) {
        (Some(hcl_edit::structure::Structure::Attribute(a)), None) => Ok(a.value),
        _ => Err("expected a single value".into()),
    }
}

#[cfg(test)]
mod value_text_tests {
    use super::value_expr;

    #[test]
    fn values_given_as_text_parse_in_linear_time_and_alone() {
        assert!(value_expr("[1, 2]").is_ok());
        assert!(value_expr("{ a = 1 }").is_ok());
        assert_eq!(value_expr("1\nother = 2").unwrap_err(), "expected a single value");
        // A fuzzer's input that took minutes through the expression parser.
        let nested = format!("[{}", r#"{n%me="a",2*QQQQQQQQQQ==Q=={ka3QQQQ+Q="a",1*QQQQ"#.repeat(40));
        assert!(value_expr(&nested).is_err());
    }
}
