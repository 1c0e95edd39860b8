//! String templates and heredocs: interpolation, `%{ if }` and `%{ for }` directives, and the
//! `~` strip markers.

use hcl_edit::expr::Expression;
use hcl_edit::template::{Directive, Element, Template};

use super::{Evaluator, Result, describe};
use crate::eval::value::Value;

impl Evaluator<'_> {
    pub(super) fn eval_template(&mut self, template: &Template, whole: &Expression) -> Result<Value> {
        // "${x}" alone yields x itself, not its string form.
        if let Some(Element::Interpolation(i)) = template.as_single_element() {
            return self.eval(&i.expr);
        }
        let mut out = String::new();
        Ok(
            if self.render_template(template, &mut out, false).map_err(|d| {
                let at = d.span.or(self.span_of(whole));
                d.at(at)
            })? {
                Value::String(out)
            } else {
                Value::Unknown
            },
        )
    }

    /// Appends the template's text to `out`; returns false when something was unknown.
    pub(super) fn render_template(
        &mut self,
        template: &Template,
        out: &mut String,
        mut strip_next: bool,
    ) -> Result<bool> {
        let mut known = true;
        for element in template.iter() {
            match element {
                Element::Literal(lit) => {
                    let text = lit.value();
                    out.push_str(if strip_next { text.trim_start() } else { text });
                    strip_next = false;
                }
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        trim_end_in_place(out);
                    }
                    let v = self.eval(&i.expr)?;
                    match v.to_template_string() {
                        Some(s) => out.push_str(&s),
                        None if !v.is_wholly_known() => known = false,
                        None if v.is_null() => {
                            return Err(self.err(
                                "Invalid template interpolation value",
                                "The expression result is null.",
                                &i.expr,
                            ));
                        }
                        None => {
                            return Err(self
                                .err(
                                    "Invalid template interpolation value",
                                    format!("Cannot include a {} in a string template.", v.type_name()),
                                    &i.expr,
                                )
                                .hint("use jsonencode() or join() to turn it into a string"));
                        }
                    }
                    strip_next = i.strip.strip_end();
                }
                Element::Directive(d) => {
                    known &= self.render_directive(d, out)?;
                    strip_next = match d.as_ref() {
                        Directive::If(i) => i.endif_expr.strip.strip_end(),
                        Directive::For(f) => f.endfor_expr.strip.strip_end(),
                    };
                }
            }
        }
        Ok(known)
    }

    pub(super) fn render_directive(&mut self, d: &Directive, out: &mut String) -> Result<bool> {
        match d {
            Directive::If(i) => {
                if i.if_expr.strip.strip_start() {
                    trim_end_in_place(out);
                }
                let cond = self.eval(&i.if_expr.cond_expr)?;
                match self.truthy(&cond, &i.if_expr.cond_expr, "Incorrect condition type")? {
                    None => Ok(false),
                    Some(true) => self.render_template(&i.if_expr.template, out, i.if_expr.strip.strip_end()),
                    Some(false) => match &i.else_expr {
                        Some(e) => self.render_template(&e.template, out, e.strip.strip_end()),
                        None => Ok(true),
                    },
                }
            }
            Directive::For(f) => {
                let fe = &f.for_expr;
                if fe.strip.strip_start() {
                    trim_end_in_place(out);
                }
                let collection = self.eval(&fe.collection_expr)?;
                if collection.is_unknown() {
                    return Ok(false);
                }
                let Some(pairs) = collection.iteration_pairs() else {
                    return Err(self.err(
                        "Iteration over non-iterable value",
                        format!("A template for directive needs a collection, but this is {}.", describe(&collection)),
                        &fe.collection_expr,
                    ));
                };
                let mut known = true;
                for (k, v) in pairs {
                    let depth = self.frames.len();
                    if let Some(kv) = &fe.key_var {
                        self.frames.push((kv.as_str().to_string(), k));
                    }
                    self.frames.push((fe.value_var.as_str().to_string(), v));
                    let r = self.render_template(&fe.template, out, fe.strip.strip_end());
                    self.frames.truncate(depth);
                    known &= r?;
                }
                Ok(known)
            }
        }
    }
}

fn trim_end_in_place(s: &mut String) {
    let len = s.trim_end().len();
    s.truncate(len);
}
