//! The evaluator: turns an hcl-edit expression into a [`Value`] within a [`Scope`].
//!
//! It implements the HCL expression language (operators, conditionals, `for` expressions,
//! splats, templates with directives, indexing, function calls) plus the three functions that
//! need the evaluator itself: `try`, `can` and `templatefile`. Unknown values flow through
//! everything. Errors come back as located [`Diagnostic`]s.
//!
//! ```
//! use drplan::eval::expr::{Evaluator, Scope};
//! use drplan::eval::Value;
//! use drplan::diag::FileId;
//!
//! let mut scope = Scope::default();
//! scope.set("var", Value::Map([("azs".to_string(), Value::from(2.0))].into()));
//! let expr = hcl_edit::parser::parse_expr(r#"[for i in range(var.azs) : cidrsubnet("10.0.0.0/16", 8, i)]"#).unwrap();
//! let value = Evaluator::new(&scope, FileId(0)).eval(&expr).unwrap();
//! assert_eq!(value.to_string(), r#"["10.0.0.0/24", "10.0.1.0/24"]"#);
//! ```

use std::collections::{BTreeMap, HashMap};

use hcl_edit::expr::{BinaryOperator, Expression, ForExpr, ObjectKey, UnaryOperator};

use super::number::Number;
use super::value::{Budget, Value};
use crate::diag::{Diagnostic, FileId, Span};

/// Named root values visible to expressions.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    roots: HashMap<String, Value>,
}

impl Scope {
    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        self.roots.insert(name.into(), value);
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.roots.get(name)
    }

    /// Sets `root.key` (e.g. `var.region`, `aws_vpc.main`), creating `root` as an object.
    pub fn set_member(&mut self, root: &str, key: &str, value: Value) {
        let entry = self.roots.entry(root.to_string()).or_insert_with(|| Value::Map(Default::default()));
        if let Value::Map(m) = entry {
            m.insert(key.to_string(), value);
        }
    }

    /// Sets `root.a.b` (e.g. `data.aws_ami.web`).
    pub fn set_member2(&mut self, root: &str, a: &str, b: &str, value: Value) {
        let entry = self.roots.entry(root.to_string()).or_insert_with(|| Value::Map(Default::default()));
        if let Value::Map(m) = entry
            && let Value::Map(inner) = m.entry(a.to_string()).or_insert_with(|| Value::Map(Default::default()))
        {
            inner.insert(b.to_string(), value);
        }
    }
}

/// One step of a traversal, with index keys already evaluated.
enum Step {
    Attr(String, Option<Span>),
    Index(Value, Option<Span>),
    /// `.0`: an index written as an attribute, which a legacy `.*` splat applies per element.
    LegacyIndex(Value, Option<Span>),
    Splat {
        full: bool,
    },
}

pub struct Evaluator<'a> {
    scope: &'a Scope,
    file: FileId,
    /// Variables bound by `for` expressions, template `for` directives and `dynamic` blocks.
    frames: Vec<(String, Value)>,
    /// Answers `issensitive(expr)` where the caller knows (`None`: unknown until apply).
    sensitivity: Option<&'a Sensitivity<'a>>,
}

/// Whether an expression's value is sensitive as a whole, where that can be told from its
/// references (`None` where it cannot); the expander knows which declarations are sensitive.
pub type Sensitivity<'a> = dyn Fn(&Expression, FileId) -> Option<bool> + 'a;

type Result<T> = std::result::Result<T, Diagnostic>;

impl<'a> Evaluator<'a> {
    pub fn new(scope: &'a Scope, file: FileId) -> Self {
        Evaluator { scope, file, frames: Vec::new(), sensitivity: None }
    }

    /// Lets `issensitive` answer: see [`Sensitivity`].
    pub fn with_sensitivity(mut self, sensitivity: &'a Sensitivity<'a>) -> Self {
        self.sensitivity = Some(sensitivity);
        self
    }

    /// Binds a local name (used for `dynamic` block iterators) until [`Evaluator::pop`].
    pub fn push(&mut self, name: &str, value: Value) {
        self.frames.push((name.to_string(), value));
    }

    pub fn pop(&mut self) {
        self.frames.pop();
    }

    fn span_of(&self, e: &impl hcl_edit::Span) -> Option<Span> {
        self.file.range(e.span())
    }

    fn err(&self, summary: &str, detail: impl Into<String>, at: &impl hcl_edit::Span) -> Diagnostic {
        Diagnostic::error(summary).detail(detail).at(self.span_of(at))
    }

    pub fn eval(&mut self, expr: &Expression) -> Result<Value> {
        match expr {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => self.number_literal(n, expr),
            Expression::String(s) => Ok(Value::nfc_string(s.value().to_string())),
            Expression::Array(items) => {
                let mut budget = Budget::default();
                let mut out = Vec::with_capacity(items.len());
                for e in items.iter() {
                    let v = self.eval(e)?;
                    if !budget.add(&v) {
                        return Err(self.too_large("This list", expr));
                    }
                    out.push(v);
                }
                Ok(Value::List(out.into()))
            }
            Expression::Object(obj) => {
                let mut out = BTreeMap::new();
                let mut budget = Budget::default();
                for (key, value) in obj.iter() {
                    let name = match key {
                        ObjectKey::Ident(id) => id.as_str().to_string(),
                        // A bare word as a key is a literal name, as in Terraform.
                        ObjectKey::Expression(Expression::Variable(v)) => v.as_str().to_string(),
                        // So is the keyword `null` (`true` and `false` print as their names).
                        ObjectKey::Expression(Expression::Null(_)) => "null".to_string(),
                        ObjectKey::Expression(e) => match self.eval(e)? {
                            Value::Unknown => return Ok(Value::Unknown),
                            k => k.to_template_string().ok_or_else(|| {
                                self.err(
                                    "Invalid object key",
                                    format!("An object key must be a string, but this is a {}.", k.type_name()),
                                    e,
                                )
                            })?,
                        },
                    };
                    let v = self.eval(value.expr())?;
                    if !budget.add(&v) {
                        return Err(self.too_large("This object", expr));
                    }
                    out.insert(name, v);
                }
                Ok(Value::Map(out.into()))
            }
            Expression::StringTemplate(t) => self.eval_template(t, expr),
            Expression::HeredocTemplate(h) => self.eval_template(&heredoc::prepare(h), expr),
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Variable(v) => self.eval_traversal_parts(v.as_str(), self.span_of(v), &[], expr),
            Expression::Traversal(t) => self.eval_traversal(t, expr),
            Expression::FuncCall(call) => self.eval_call(call, expr),
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr)?;
                match self.truthy(&cond, &c.cond_expr, "Incorrect condition type")? {
                    None => Ok(Value::Unknown),
                    Some(true) => self.eval_branch(&c.true_expr, &c.false_expr, expr),
                    Some(false) => self.eval_branch(&c.false_expr, &c.true_expr, expr),
                }
            }
            Expression::UnaryOp(op) => {
                let v = self.eval(&op.expr)?;
                if v.is_unknown() {
                    return Ok(Value::Unknown);
                }
                match op.operator.value() {
                    UnaryOperator::Neg => Ok(Value::Number(self.number(&v, &op.expr)?.neg())),
                    UnaryOperator::Not => {
                        Ok(Value::Bool(!self.truthy(&v, &op.expr, "Invalid operand")?.unwrap_or(false)))
                    }
                }
            }
            Expression::BinaryOp(op) => self.eval_binary(*op.operator.value(), &op.lhs_expr, &op.rhs_expr, expr),
            Expression::ForExpr(f) => self.eval_for(f),
        }
    }

    /// The chosen result of a conditional, converted to the type both results unify to, as
    /// HCL does (`true ? 1 : "a"` is `"1"`). The other result is evaluated only for its type:
    /// an error there is not the conditional's (it is dynamic), as in HCL.
    fn eval_branch(&mut self, chosen: &Expression, other: &Expression, whole: &Expression) -> Result<Value> {
        let value = self.eval(chosen)?;
        if matches!(value, Value::Null | Value::Unknown) {
            return Ok(value);
        }
        let depth = self.frames.len();
        let Ok(other) = self.eval(other) else {
            self.frames.truncate(depth);
            return Ok(value);
        };
        crate::eval::unify::to_common_type(value, &other).map_err(|why| {
            self.err(
                "Inconsistent conditional result types",
                format!("The true and false result expressions must have consistent types: {why}."),
                whole,
            )
        })
    }

    /// A value that grew past [`MAX_VALUE_BYTES`](crate::eval::value::MAX_VALUE_BYTES).
    fn too_large(&self, what: &str, at: &impl hcl_edit::Span) -> Diagnostic {
        self.err("Value too large", format!("{}.", Budget::exceeded(what)), at)
            .hint("drplan bounds every value so a configuration cannot exhaust memory; build smaller collections")
    }

    fn truthy(&self, v: &Value, at: &Expression, summary: &str) -> Result<Option<bool>> {
        match v {
            Value::Unknown => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            Value::String(s) if s == "true" || s == "false" => Ok(Some(s == "true")),
            other => {
                Err(self.err(summary, format!("A bool is required here, but this is a {}.", other.type_name()), at))
            }
        }
    }

    /// A literal at 512 bits, as Terraform reads it. hcl-edit holds it as a u64 or the nearest
    /// float64; the float's shortest digits are the literal's own unless it has more than 17.
    /// A number literal at Terraform's precision, from its source text where the parser kept
    /// it (a 39-digit integer keeps every digit; the parsed form is a float64 beyond u64).
    fn number_literal(&self, n: &hcl_edit::Formatted<hcl_edit::Number>, at: &Expression) -> Result<Value> {
        let source: Option<String> =
            n.as_repr().map(|r| r.chars().filter(|c| !c.is_whitespace()).collect::<String>()).filter(|t| !t.is_empty());
        let text = match (source, n.value().as_u64(), n.value().as_i64(), n.value().as_f64()) {
            (Some(text), ..) => text,
            (None, Some(u), _, _) => u.to_string(),
            (None, None, Some(i), _) => i.to_string(),
            (None, None, None, Some(f)) => format!("{f}"),
            (None, None, None, None) => String::new(),
        };
        Number::parse(&text)
            .map(Value::Number)
            .ok_or_else(|| self.err("Invalid number literal", format!("{text} is not a finite number."), at))
    }

    fn number(&self, v: &Value, at: &Expression) -> Result<Number> {
        match v {
            Value::Number(n) => Ok(n.clone()),
            Value::String(s) if Number::parse(s.trim()).is_some() => {
                Ok(Number::parse(s.trim()).unwrap_or_else(|| Number::from(0i64)))
            }
            other => Err(self.err(
                "Invalid operand",
                format!("A number is required here, but this is {}.", describe(other)),
                at,
            )),
        }
    }

    fn eval_binary(
        &mut self,
        op: BinaryOperator,
        lhs: &Expression,
        rhs: &Expression,
        whole: &Expression,
    ) -> Result<Value> {
        let l = self.eval(lhs)?;
        // Short-circuit only on known values, as cty does; unknowns still taint the result.
        if op == BinaryOperator::And && l == Value::Bool(false) {
            return Ok(Value::Bool(false));
        }
        if op == BinaryOperator::Or && l == Value::Bool(true) {
            return Ok(Value::Bool(true));
        }
        let r = self.eval(rhs)?;
        if matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq) {
            if !l.is_wholly_known() || !r.is_wholly_known() {
                return Ok(Value::Unknown);
            }
            let equal = (l == r && l.same_kinds(&r))
                || (l.to_template_string().is_some()
                    && l.to_template_string() == r.to_template_string()
                    && l.type_name() == r.type_name());
            return Ok(Value::Bool(if op == BinaryOperator::Eq { equal } else { !equal }));
        }
        if matches!(op, BinaryOperator::And | BinaryOperator::Or) {
            let (a, b) = (self.truthy(&l, lhs, "Invalid operand")?, self.truthy(&r, rhs, "Invalid operand")?);
            return Ok(match (op, a, b) {
                (BinaryOperator::And, _, Some(false)) => Value::Bool(false),
                (BinaryOperator::Or, _, Some(true)) => Value::Bool(true),
                (_, Some(a), Some(b)) => Value::Bool(if op == BinaryOperator::And { a && b } else { a || b }),
                _ => Value::Unknown,
            });
        }
        if l.is_unknown() || r.is_unknown() {
            return Ok(Value::Unknown);
        }
        let (a, b) = (self.number(&l, lhs)?, self.number(&r, rhs)?);
        let out_of_range = || self.err("Number out of range", "The result is too large or too small to hold.", whole);
        Ok(match op {
            BinaryOperator::Plus => Value::Number(a.add(&b)),
            BinaryOperator::Minus => Value::Number(a.sub(&b)),
            BinaryOperator::Mul => Value::Number(a.mul(&b).ok_or_else(out_of_range)?),
            // As cty: the remainder of a division by zero is the dividend (`5 % 0` is 5).
            BinaryOperator::Mod if b.is_zero() => Value::Number(a),
            BinaryOperator::Div if b.is_zero() => {
                return Err(self.err("Division by zero", "The right-hand operand is zero.", whole));
            }
            BinaryOperator::Div => Value::Number(a.div(&b).ok_or_else(out_of_range)?),
            // The remainder of truncated division, fractions included (11 % 5.1 is 0.8).
            BinaryOperator::Mod => Value::Number(a.rem(&b).ok_or_else(out_of_range)?),
            BinaryOperator::Less => Value::Bool(a.compare(&b).is_lt()),
            BinaryOperator::LessEq => Value::Bool(a.compare(&b).is_le()),
            BinaryOperator::Greater => Value::Bool(a.compare(&b).is_gt()),
            BinaryOperator::GreaterEq => Value::Bool(a.compare(&b).is_ge()),
            BinaryOperator::Eq | BinaryOperator::NotEq | BinaryOperator::And | BinaryOperator::Or => {
                unreachable!("handled above")
            }
        })
    }

    fn eval_for(&mut self, f: &ForExpr) -> Result<Value> {
        let collection = self.eval(&f.intro.collection_expr)?;
        if collection.is_unknown() {
            return Ok(Value::Unknown);
        }
        let Some(pairs) = collection.iteration_pairs() else {
            return Err(self.err(
                "Iteration over non-iterable value",
                format!("A for expression needs a list, set or map, but this is {}.", describe(&collection)),
                &f.intro.collection_expr,
            ));
        };
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let value_var = f.intro.value_var.as_str().to_string();
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut unknown = false;
        let mut budget = Budget::default();
        for (k, v) in pairs {
            let depth = self.frames.len();
            if let Some(name) = &key_var {
                self.frames.push((name.clone(), k));
            }
            self.frames.push((value_var.clone(), v));
            let result = self.for_element(f, &mut list, &mut map, &mut unknown, &mut budget);
            self.frames.truncate(depth);
            result?;
        }
        if unknown {
            return Ok(Value::Unknown);
        }
        Ok(if f.key_expr.is_some() { Value::Map(map.into()) } else { Value::List(list.into()) })
    }

    fn for_element(
        &mut self,
        f: &ForExpr,
        list: &mut Vec<Value>,
        map: &mut BTreeMap<String, Value>,
        unknown: &mut bool,
        budget: &mut Budget,
    ) -> Result<()> {
        if let Some(cond) = &f.cond {
            let c = self.eval(&cond.expr)?;
            match self.truthy(&c, &cond.expr, "Invalid for expression condition")? {
                None => {
                    *unknown = true;
                    return Ok(());
                }
                Some(false) => return Ok(()),
                Some(true) => {}
            }
        }
        let value = self.eval(&f.value_expr)?;
        if !budget.add(&value) {
            return Err(self.too_large("The result of this for expression", &f.value_expr));
        }
        let Some(key_expr) = &f.key_expr else {
            list.push(value);
            return Ok(());
        };
        let key = match self.eval(key_expr)? {
            Value::Unknown => {
                *unknown = true;
                return Ok(());
            }
            k => k.to_template_string().ok_or_else(|| {
                self.err(
                    "Invalid object key",
                    format!("The key must be a string, but this is a {}.", k.type_name()),
                    key_expr,
                )
            })?,
        };
        if f.grouping {
            match map.entry(key).or_insert_with(|| Value::List(Vec::new().into())) {
                Value::List(items) => items.push(value),
                _ => unreachable!("grouped entries are lists"),
            }
        } else {
            match map.entry(key) {
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                std::collections::btree_map::Entry::Occupied(slot) => {
                    return Err(self.err(
                        "Duplicate object key",
                        format!("Two elements produce the key {:?}. Add an ellipsis (...) after the value to group them instead.", slot.key()),
                        key_expr,
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Resource type names look like `aws_vpc`: a provider prefix and an underscore.
pub fn is_resource_type(name: &str) -> bool {
    // Terraform's rule: a root that is not one of its own (var, local, module, data, path, ...)
    // names a managed resource type, `<provider>_<type>`: aws_vpc, terraform_data, null_resource,
    // random_id. None of the reserved roots has an underscore.
    name.contains('_') && !name.starts_with('_')
}

pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            format!("the {} {v}", v.type_name())
        }
        other => format!("a {}", other.type_name()),
    }
}

mod call;
pub use call::render_template_string;
mod heredoc;
mod template;
mod traversal;

/// The text of a heredoc without interpolations or directives (`<<-EOT` indentation removed,
/// as Terraform does); `None` when it has any.
pub fn heredoc_literal(heredoc: &hcl_edit::template::HeredocTemplate) -> Option<String> {
    let template = heredoc::prepare(heredoc);
    template
        .iter()
        .all(|e| e.is_literal())
        .then(|| template.iter().filter_map(|e| e.as_literal().map(|l| l.value().clone())).collect())
}

#[cfg(test)]
mod tests;
