//! Function calls, including the evaluator's own `try`, `can` and `templatefile`.

use hcl_edit::expr::{Expression, FuncCall};

use super::{Evaluator, Result, Scope};
use crate::diag::did_you_mean;
use crate::eval::functions;
use crate::eval::value::Value;

impl Evaluator<'_> {
    pub(super) fn eval_call(&mut self, call: &FuncCall, whole: &Expression) -> Result<Value> {
        let name = call.name.name.as_str();
        // `core::name` is Terraform's spelling of a built-in; other namespaces are providers'.
        let core = call.name.namespace.len() == 1 && call.name.namespace[0].as_str() == "core";
        if call.name.is_namespaced() && !core {
            let spelled: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).chain([name]).collect();
            return Err(self.err(
                "Call to unknown function",
                format!("Provider-defined functions such as \"{}\" are not supported by drplan.", spelled.join("::")),
                whole,
            ));
        }
        match name {
            "try" => return self.eval_try(call, whole),
            "can" => {
                let arg = self.single_arg(call, whole)?;
                return Ok(match self.eval(arg) {
                    Ok(v) if !v.is_wholly_known() => Value::Unknown,
                    Ok(_) => Value::Bool(true),
                    Err(_) => Value::Bool(false),
                });
            }
            "issensitive" => {
                let arg = self.single_arg(call, whole)?;
                self.eval(arg)?;
                let known = self.sensitivity.and_then(|f| f(arg, self.file));
                return Ok(known.map_or(Value::Unknown, Value::Bool));
            }
            _ => {}
        }
        let mut args = Vec::with_capacity(call.args.len());
        for arg in call.args.iter() {
            args.push(self.eval(arg)?);
        }
        if call.args.expand_final() {
            match args.pop() {
                Some(Value::List(crate::eval::Seq { items, .. }) | Value::Set(items)) => args.extend(items),
                Some(Value::Unknown) => return Ok(Value::Unknown),
                _ => {
                    return Err(self.err(
                        "Invalid expanding argument",
                        "The argument before ... must be a list or set.",
                        whole,
                    ));
                }
            }
        }
        if name == "templatefile" {
            return self.templatefile(&args, whole);
        }
        if name == "templatestring" {
            return self.templatestring(&args, whole);
        }
        let Some(def) = functions::lookup(name) else {
            let d = self.err(
                "Call to unknown function",
                format!("There is no function named \"{name}\"."),
                &call.name.name,
            );
            return Err(match did_you_mean(name, functions::all_names()) {
                Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                None => d.hint("see docs/configuration.md for the list of supported functions"),
            });
        };
        functions::call(def, &args).map_err(|e| match e {
            functions::CallError::Arity(msg) => {
                self.err("Wrong number of function arguments", format!("{msg}."), whole)
            }
            functions::CallError::Invalid(msg) => {
                self.err("Invalid function argument", format!("Invalid value for {name}(): {msg}."), whole)
            }
        })
    }

    pub(super) fn single_arg<'e>(&self, call: &'e FuncCall, whole: &Expression) -> Result<&'e Expression> {
        match call.args.len() {
            1 => Ok(call.args.get(0).expect("length checked")),
            n => Err(self.err(
                "Invalid function argument",
                format!("{}() takes exactly 1 argument, but got {n}.", call.name.name.as_str()),
                whole,
            )),
        }
    }

    pub(super) fn eval_try(&mut self, call: &FuncCall, whole: &Expression) -> Result<Value> {
        let mut last = None;
        for arg in call.args.iter() {
            match self.eval(arg) {
                Ok(v) if !v.is_wholly_known() => return Ok(Value::Unknown),
                Ok(v) => return Ok(v),
                Err(d) => last = Some(d),
            }
        }
        Err(self.err(
            "Error in function call",
            format!(
                "try(): no expression succeeded; the last error was: {}",
                last.map_or("none".into(), |d| d.detail.unwrap_or(d.summary))
            ),
            whole,
        ))
    }

    pub(super) fn templatefile(&self, args: &[Value], whole: &Expression) -> Result<Value> {
        let [path, vars] = args else {
            return Err(self.err(
                "Invalid function argument",
                format!("templatefile() takes 2 arguments, but got {}.", args.len()),
                whole,
            ));
        };
        if !path.is_wholly_known() || !vars.is_wholly_known() {
            return Ok(Value::Unknown);
        }
        let (Some(rel), Some(vars)) = (path.as_str(), vars.as_map()) else {
            return Err(self.err(
                "Invalid function argument",
                "templatefile() takes a path string and a map of variables.",
                whole,
            ));
        };
        // Relative to the working directory, as in Terraform (configurations use path.module).
        let full = std::path::PathBuf::from(rel);
        let text = functions::encoding::read_text_file(&full, rel)
            .map_err(|e| self.err("Invalid function argument", format!("templatefile(): {e}."), whole))?;
        self.render_text(&text, rel, vars, whole)
    }

    /// `templatestring(template, vars)`: a template given as a string value, rendered with
    /// only the variables given, as templatefile renders a file.
    pub(super) fn templatestring(&self, args: &[Value], whole: &Expression) -> Result<Value> {
        let [template, vars] = args else {
            return Err(self.err(
                "Invalid function argument",
                format!("templatestring() takes 2 arguments, but got {}.", args.len()),
                whole,
            ));
        };
        if !template.is_wholly_known() || !vars.is_wholly_known() {
            return Ok(Value::Unknown);
        }
        let (Some(text), Some(vars)) = (template.as_str(), vars.as_map()) else {
            return Err(self.err(
                "Invalid function argument",
                "templatestring() takes a template string and a map of variables.",
                whole,
            ));
        };
        self.render_text(text, "the template", vars, whole)
    }

    fn render_text(
        &self,
        text: &str,
        rel: &str,
        vars: &std::collections::BTreeMap<String, Value>,
        whole: &Expression,
    ) -> Result<Value> {
        let template = hcl_edit::parser::parse_template(text).map_err(|e| {
            self.err(
                "Invalid template",
                format!("{rel}:{}:{}: {}", e.location().line(), e.location().column(), e.message()),
                whole,
            )
        })?;
        let mut scope = Scope::default();
        for (k, v) in vars {
            scope.set(k.clone(), v.clone());
        }
        let mut inner = Evaluator::new(&scope, self.file);
        let mut out = String::new();
        match inner.render_template(&template, &mut out, false) {
            Ok(true) => Ok(Value::String(out)),
            Ok(false) => Ok(Value::Unknown),
            Err(d) => {
                Err(self.err("Error in template file", format!("{rel}: {}", d.detail.unwrap_or(d.summary)), whole))
            }
        }
    }
}

/// Renders `text` as a template with only `vars` in scope (the `template_file` data source, as
/// `templatestring` renders): `Ok(Unknown)` while a variable is unknown; the error says where in
/// the template.
pub fn render_template_string(
    text: &str,
    vars: &std::collections::BTreeMap<String, Value>,
) -> std::result::Result<Value, String> {
    let template = hcl_edit::parser::parse_template(text)
        .map_err(|e| format!("the template, {}:{}: {}", e.location().line(), e.location().column(), e.message()))?;
    let mut scope = Scope::default();
    for (k, v) in vars {
        scope.set(k.clone(), v.clone());
    }
    let mut inner = Evaluator::new(&scope, crate::diag::FileId(0));
    let mut out = String::new();
    match inner.render_template(&template, &mut out, false) {
        Ok(true) => Ok(Value::String(out)),
        Ok(false) => Ok(Value::Unknown),
        Err(d) => Err(format!("the template: {}", d.detail.unwrap_or(d.summary))),
    }
}
