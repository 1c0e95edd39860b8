//! Variable references and traversals: attribute access, indexing, splats, and the messages
//! for references to things that were never declared.

use hcl_edit::expr::{Expression, Traversal, TraversalOperator};

use super::{Evaluator, Result, Step, describe, is_resource_type};
use crate::diag::{Diagnostic, Span, did_you_mean};
use crate::eval::Seq;
use crate::eval::value::Value;

impl Evaluator<'_> {
    pub(super) fn eval_traversal(&mut self, t: &Traversal, whole: &Expression) -> Result<Value> {
        let mut steps = Vec::with_capacity(t.operators.len());
        for op in &t.operators {
            steps.push(match op.value() {
                TraversalOperator::GetAttr(id) => Step::Attr(id.as_str().to_string(), self.span_of(op)),
                TraversalOperator::Index(e) => Step::Index(self.eval(e)?, self.span_of(op)),
                TraversalOperator::LegacyIndex(i) => {
                    Step::LegacyIndex(Value::Number((*i.value()).into()), self.span_of(op))
                }
                TraversalOperator::AttrSplat(_) => Step::Splat { full: false },
                TraversalOperator::FullSplat(_) => Step::Splat { full: true },
            });
        }
        match &t.expr {
            Expression::Variable(v) => self.eval_traversal_parts(v.as_str(), self.span_of(v), &steps, whole),
            base => {
                let value = self.eval(base)?;
                self.apply(&value, &steps)
            }
        }
    }

    pub(super) fn lookup_root(&self, name: &str) -> Option<&Value> {
        self.frames.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v).or_else(|| self.scope.get(name))
    }

    pub(super) fn eval_traversal_parts(
        &self,
        root: &str,
        root_span: Option<Span>,
        steps: &[Step],
        whole: &Expression,
    ) -> Result<Value> {
        let Some(value) = self.lookup_root(root) else {
            return Err(self.unknown_root(root, root_span, steps, whole));
        };
        // Name the kind of thing that is missing: `var.x`, `local.x`, `aws_vpc.x`, `data.T.x`.
        let declared_level = match root {
            "var" | "local" | "module" => Some(0),
            "data" => Some(1),
            _ if is_resource_type(root) => Some(0),
            _ => None,
        };
        if let Some(level) = declared_level {
            let mut cur = value;
            for (i, step) in steps.iter().enumerate().take(level + 1) {
                let Step::Attr(name, span) = step else { break };
                match cur.get(name) {
                    Some(next) => cur = next,
                    None if cur.is_unknown() => break,
                    None => {
                        let keys: Vec<&str> =
                            cur.as_map().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
                        let path: Vec<&str> = steps[..=i]
                            .iter()
                            .filter_map(|s| if let Step::Attr(n, _) = s { Some(n.as_str()) } else { None })
                            .collect();
                        // From the root to the missing name, as Terraform highlights it.
                        let whole = match (root_span, *span) {
                            (Some(r), Some(s)) if r.file == s.file && r.start <= s.start => {
                                Some(Span { end: s.end, ..r })
                            }
                            (_, s) => s,
                        };
                        return Err(undeclared(root, &path, &keys, whole));
                    }
                }
            }
        }
        self.apply(value, steps)
    }

    pub(super) fn unknown_root(
        &self,
        root: &str,
        span: Option<Span>,
        steps: &[Step],
        whole: &Expression,
    ) -> Diagnostic {
        let at = span.or(self.span_of(whole));
        match root {
            "count" => Diagnostic::error("Reference to \"count\" in non-counted context")
                .detail("count.index is only available in blocks that set the count argument.")
                .at(at),
            "each" => Diagnostic::error("Reference to \"each\" in context without for_each")
                .detail("each.key and each.value are only available in blocks that set the for_each argument.")
                .at(at),
            "self" => Diagnostic::error("Invalid \"self\" reference")
                .detail("drplan has no provisioners, so \"self\" is never available.")
                .at(at),
            _ if is_resource_type(root) && matches!(steps.first(), Some(Step::Attr(..))) => {
                let name = if let Some(Step::Attr(n, _)) = steps.first() { n.as_str() } else { "" };
                let types: Vec<&str> =
                    self.scope.roots.keys().map(String::as_str).filter(|k| is_resource_type(k)).collect();
                let d = Diagnostic::error("Reference to undeclared resource")
                    .detail(format!("A managed resource \"{root}\" \"{name}\" has not been declared in this module."))
                    .at(at);
                match did_you_mean(root, types) {
                    Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                    None => d,
                }
            }
            _ => {
                let names: Vec<&str> = self
                    .frames
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .chain(["var", "local", "module", "data", "path"])
                    .collect();
                let d = Diagnostic::error("Unknown variable")
                    .detail(format!("There is no variable named \"{root}\"."))
                    .at(at);
                match did_you_mean(root, names) {
                    Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                    None => d,
                }
            }
        }
    }

    /// Walks `steps` from `value`, cloning only what the traversal ends on.
    pub(super) fn apply(&self, value: &Value, steps: &[Step]) -> Result<Value> {
        let mut cur = value;
        for (i, step) in steps.iter().enumerate() {
            if cur.is_unknown() {
                return Ok(Value::Unknown);
            }
            match step {
                Step::Splat { full } => {
                    // `[*]` applies everything after it per element; legacy `.*` only the attributes
                    // and `.0` indexes.
                    let rest_len = if *full {
                        steps.len() - i - 1
                    } else {
                        steps[i + 1..]
                            .iter()
                            .take_while(|s| matches!(s, Step::Attr(..) | Step::LegacyIndex(..)))
                            .count()
                    };
                    let rest = &steps[i + 1..i + 1 + rest_len];
                    let items: Vec<Value> = match cur {
                        Value::Null => Vec::new(),
                        Value::List(Seq { items, .. }) | Value::Set(items) => {
                            items.iter().map(|v| self.apply(v, rest)).collect::<Result<_>>()?
                        }
                        other => vec![self.apply(other, rest)?],
                    };
                    return self.apply(&Value::List(items.into()), &steps[i + 1 + rest_len..]);
                }
                Step::Attr(name, span) => cur = attribute(cur, name, *span)?,
                Step::Index(key, span) | Step::LegacyIndex(key, span) => match index(cur, key, *span)? {
                    Some(v) => cur = v,
                    None => return Ok(Value::Unknown),
                },
            }
        }
        Ok(cur.clone())
    }
}

/// `cur.name`: an object's attribute, or the error Terraform gives for any other value.
fn attribute<'v>(cur: &'v Value, name: &str, span: Option<Span>) -> Result<&'v Value> {
    Ok(match cur {
        Value::Map(m) => m.get(name).ok_or_else(|| {
            let d = Diagnostic::error("Unsupported attribute")
                .detail(format!("This object does not have an attribute named \"{name}\"."))
                .at(span);
            match did_you_mean(name, m.keys().map(String::as_str)) {
                Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                None => d,
            }
        })?,
        Value::Null => {
            return Err(Diagnostic::error("Attempt to get attribute from null value")
                .detail(format!("This value is null, so it does not have an attribute named \"{name}\"."))
                .at(span));
        }
        Value::List(Seq { items: _, .. }) | Value::Set(_) => {
            return Err(Diagnostic::error("Unsupported attribute")
                .detail(format!("This value is a {}, so it has no attribute \"{name}\".", cur.type_name()))
                .at(span)
                .hint(format!("to read \"{name}\" from every element, use a splat: [*].{name}")));
        }
        other => {
            return Err(Diagnostic::error("Unsupported attribute")
                .detail(format!("A {} value does not have attributes.", other.type_name()))
                .at(span));
        }
    })
}

/// `cur[key]`: a list element or a map value; `None` when the key is not known yet.
fn index<'v>(cur: &'v Value, key: &Value, span: Option<Span>) -> Result<Option<&'v Value>> {
    Ok(Some(match (cur, key) {
        (_, Value::Unknown) => return Ok(None),
        (Value::List(items), k) => {
            let idx = match k {
                Value::Number(n) if n.is_integer() => Some(n.clone()),
                Value::String(s) => crate::eval::Number::parse(s).filter(|n| n.is_integer()),
                _ => None,
            };
            match idx {
                Some(n) if n.to_usize().is_some_and(|i| i < items.len()) => &items[n.to_usize().unwrap_or_default()],
                Some(n) => {
                    return Err(Diagnostic::error("Invalid index")
                        .detail(format!("The index {n} is out of range for a list of {} element(s).", items.len()))
                        .at(span));
                }
                None => {
                    return Err(Diagnostic::error("Invalid index")
                        .detail(format!("A list index must be a whole number, but this is {}.", describe(k)))
                        .at(span));
                }
            }
        }
        (Value::Map(m), k) => {
            let name = k.to_template_string().unwrap_or_default();
            m.get(&name).ok_or_else(|| {
                Diagnostic::error("Invalid index")
                    .detail(format!("The given key {name:?} does not identify an element in this map."))
                    .at(span)
            })?
        }
        (Value::Set(_), _) => {
            return Err(Diagnostic::error("Invalid index")
                .detail("Elements of a set cannot be selected by index.")
                .at(span)
                .hint("convert it with tolist() first, or iterate it with a for expression"));
        }
        (other, _) => {
            return Err(Diagnostic::error("Invalid index")
                .detail(format!("A {} value cannot be indexed.", other.type_name()))
                .at(span));
        }
    }))
}

fn undeclared(root: &str, path: &[&str], declared: &[&str], span: Option<Span>) -> Diagnostic {
    let last = path.last().copied().unwrap_or_default();
    let (summary, detail) = match root {
        "var" => (
            "Reference to undeclared input variable",
            format!(
                "An input variable with the name \"{last}\" has not been declared. This variable can be declared with a variable \"{last}\" {{}} block."
            ),
        ),
        "local" => (
            "Reference to undeclared local value",
            format!("A local value with the name \"{last}\" has not been declared."),
        ),
        "module" => {
            ("Reference to undeclared module", format!("No module call named \"{last}\" is declared in this module."))
        }
        "data" if path.len() == 1 => (
            "Reference to undeclared resource",
            format!("No data source of type \"{last}\" is declared in this module."),
        ),
        "data" => (
            "Reference to undeclared resource",
            format!("A data source \"{}\" \"{last}\" has not been declared in this module.", path[0]),
        ),
        _ => (
            "Reference to undeclared resource",
            format!("A managed resource \"{root}\" \"{last}\" has not been declared in this module."),
        ),
    };
    let d = Diagnostic::error(summary).detail(detail).at(span);
    match did_you_mean(last, declared.iter().copied()) {
        Some(s) => d.hint(format!("did you mean \"{s}\"?")),
        None => d,
    }
}
