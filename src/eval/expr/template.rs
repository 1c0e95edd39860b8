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
                Value::nfc_string(out)
            } else {
                Value::Unknown
            },
        )
    }

    /// Appends the template's text to `out`; returns false when something was unknown.
    /// `strip_first`/`strip_last`: the markers around this body (`%{ if c ~}`, `%{~ endif }`)
    /// strip its first and last literal. Strip markers only ever trim literal text next to
    /// them, never an interpolated value.
    pub(super) fn render_template(&mut self, template: &Template, out: &mut String, strip_first: bool) -> Result<bool> {
        self.render_body(template, out, strip_first, false)
    }

    fn render_body(
        &mut self,
        template: &Template,
        out: &mut String,
        strip_first: bool,
        strip_last: bool,
    ) -> Result<bool> {
        let elements: Vec<&Element> = template.iter().collect();
        let mut known = true;
        for (j, element) in elements.iter().enumerate() {
            match element {
                Element::Literal(lit) => {
                    let mut text = lit.value().as_str();
                    let after_stripping = if j == 0 { strip_first } else { ends_stripping(elements[j - 1]) };
                    if after_stripping {
                        text = text.trim_start();
                    }
                    let before_stripping =
                        if j + 1 == elements.len() { strip_last } else { starts_stripping(elements[j + 1]) };
                    if before_stripping {
                        text = text.trim_end();
                    }
                    out.push_str(text);
                    self.bounded(out, template)?;
                }
                Element::Interpolation(i) => {
                    let v = self.eval(&i.expr)?;
                    match v.to_template_string() {
                        Some(s) => {
                            out.push_str(&s);
                            self.bounded(out, &i.expr)?;
                        }
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
                }
                Element::Directive(d) => known &= self.render_directive(d, out)?,
            }
        }
        Ok(known)
    }

    /// Templates grow a string piece by piece (a `for` directive, a doubled local): it must
    /// stay within [`MAX_STRING_BYTES`](crate::eval::functions::MAX_STRING_BYTES).
    fn bounded(&self, out: &str, at: &impl hcl_edit::Span) -> Result<()> {
        crate::eval::functions::check_len(out.len(), "This template's result").map_err(|msg| {
            self.err("Value too large", format!("{msg}."), at)
                .hint("drplan bounds every string so a configuration cannot exhaust memory")
        })
    }

    pub(super) fn render_directive(&mut self, d: &Directive, out: &mut String) -> Result<bool> {
        match d {
            Directive::If(i) => {
                let cond = self.eval(&i.if_expr.cond_expr)?;
                match self.truthy(&cond, &i.if_expr.cond_expr, "Incorrect condition type")? {
                    None => Ok(false),
                    Some(true) => {
                        let closing =
                            i.else_expr.as_ref().map_or(i.endif_expr.strip.strip_start(), |e| e.strip.strip_start());
                        self.render_body(&i.if_expr.template, out, i.if_expr.strip.strip_end(), closing)
                    }
                    Some(false) => match &i.else_expr {
                        Some(e) => {
                            self.render_body(&e.template, out, e.strip.strip_end(), i.endif_expr.strip.strip_start())
                        }
                        None => Ok(true),
                    },
                }
            }
            Directive::For(f) => {
                let fe = &f.for_expr;
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
                    let r =
                        self.render_body(&fe.template, out, fe.strip.strip_end(), f.endfor_expr.strip.strip_start());
                    self.frames.truncate(depth);
                    known &= r?;
                }
                Ok(known)
            }
        }
    }
}

/// Whether an element's opening marker strips the literal before it (`${~`, `%{~ if`).
fn starts_stripping(e: &Element) -> bool {
    match e {
        Element::Literal(_) => false,
        Element::Interpolation(i) => i.strip.strip_start(),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(i) => i.if_expr.strip.strip_start(),
            Directive::For(f) => f.for_expr.strip.strip_start(),
        },
    }
}

/// Whether an element's closing marker strips the literal after it (`~}` of `${ }`, endif, endfor).
fn ends_stripping(e: &Element) -> bool {
    match e {
        Element::Literal(_) => false,
        Element::Interpolation(i) => i.strip.strip_end(),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(i) => i.endif_expr.strip.strip_end(),
            Directive::For(f) => f.endfor_expr.strip.strip_end(),
        },
    }
}
