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
//! scope.set("var", Value::Map([("azs".to_string(), Value::Number(2.0))].into()));
//! let expr = hcl_edit::parser::parse_expr(r#"[for i in range(var.azs) : cidrsubnet("10.0.0.0/16", 8, i)]"#).unwrap();
//! let value = Evaluator::new(&scope, FileId(0), std::path::Path::new(".")).eval(&expr).unwrap();
//! assert_eq!(value.to_string(), r#"["10.0.0.0/24", "10.0.1.0/24"]"#);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use hcl_edit::expr::{BinaryOperator, Expression, ForExpr, FuncCall, ObjectKey, Traversal, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};

use super::functions::{self, FnCtx};
use super::value::Value;
use crate::diag::{Diagnostic, FileId, Span, did_you_mean};

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

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.roots.remove(name)
    }

    /// Sets `root.key` (e.g. `var.region`, `aws_vpc.main`), creating `root` as an object.
    pub fn set_member(&mut self, root: &str, key: &str, value: Value) {
        let entry = self.roots.entry(root.to_string()).or_insert_with(|| Value::Map(BTreeMap::new()));
        if let Value::Map(m) = entry {
            m.insert(key.to_string(), value);
        }
    }

    /// Sets `root.a.b` (e.g. `data.aws_ami.web`).
    pub fn set_member2(&mut self, root: &str, a: &str, b: &str, value: Value) {
        let entry = self.roots.entry(root.to_string()).or_insert_with(|| Value::Map(BTreeMap::new()));
        if let Value::Map(m) = entry
            && let Value::Map(inner) = m.entry(a.to_string()).or_insert_with(|| Value::Map(BTreeMap::new()))
        {
            inner.insert(b.to_string(), value);
        }
    }
}

/// One step of a traversal, with index keys already evaluated.
enum Step {
    Attr(String, Option<Span>),
    Index(Value, Option<Span>),
    Splat { full: bool },
}

pub struct Evaluator<'a> {
    scope: &'a Scope,
    file: FileId,
    module_dir: &'a Path,
    /// Variables bound by `for` expressions, template `for` directives and `dynamic` blocks.
    frames: Vec<(String, Value)>,
}

type Result<T> = std::result::Result<T, Diagnostic>;

impl<'a> Evaluator<'a> {
    pub fn new(scope: &'a Scope, file: FileId, module_dir: &'a Path) -> Self {
        Evaluator { scope, file, module_dir, frames: Vec::new() }
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
            Expression::Number(n) => Ok(Value::Number(n.value().as_f64().unwrap_or(f64::NAN))),
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(items) => Ok(Value::List(items.iter().map(|e| self.eval(e)).collect::<Result<_>>()?)),
            Expression::Object(obj) => {
                let mut out = BTreeMap::new();
                for (key, value) in obj.iter() {
                    let name = match key {
                        ObjectKey::Ident(id) => id.as_str().to_string(),
                        // A bare word as a key is a literal name, as in Terraform.
                        ObjectKey::Expression(Expression::Variable(v)) => v.as_str().to_string(),
                        ObjectKey::Expression(e) => match self.eval(e)? {
                            Value::Unknown => return Ok(Value::Unknown),
                            k => k.to_template_string().ok_or_else(|| {
                                self.err("Invalid object key", format!("An object key must be a string, but this is a {}.", k.type_name()), e)
                            })?,
                        },
                    };
                    let v = self.eval(value.expr())?;
                    out.insert(name, v);
                }
                Ok(Value::Map(out))
            }
            Expression::StringTemplate(t) => self.eval_template(t, expr),
            Expression::HeredocTemplate(h) => self.eval_template(&h.template, expr),
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Variable(v) => self.eval_traversal_parts(v.as_str(), self.span_of(v), &[], expr),
            Expression::Traversal(t) => self.eval_traversal(t, expr),
            Expression::FuncCall(call) => self.eval_call(call, expr),
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr)?;
                match self.truthy(&cond, &c.cond_expr, "Incorrect condition type")? {
                    None => Ok(Value::Unknown),
                    Some(true) => self.eval(&c.true_expr),
                    Some(false) => self.eval(&c.false_expr),
                }
            }
            Expression::UnaryOp(op) => {
                let v = self.eval(&op.expr)?;
                if v.is_unknown() {
                    return Ok(Value::Unknown);
                }
                match op.operator.value() {
                    UnaryOperator::Neg => Ok(Value::Number(-self.number(&v, &op.expr)?)),
                    UnaryOperator::Not => Ok(Value::Bool(!self.truthy(&v, &op.expr, "Invalid operand")?.unwrap_or(false))),
                }
            }
            Expression::BinaryOp(op) => self.eval_binary(*op.operator.value(), &op.lhs_expr, &op.rhs_expr, expr),
            Expression::ForExpr(f) => self.eval_for(f),
        }
    }

    fn truthy(&self, v: &Value, at: &Expression, summary: &str) -> Result<Option<bool>> {
        match v {
            Value::Unknown => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            Value::String(s) if s == "true" || s == "false" => Ok(Some(s == "true")),
            other => Err(self.err(summary, format!("A bool is required here, but this is a {}.", other.type_name()), at)),
        }
    }

    fn number(&self, v: &Value, at: &Expression) -> Result<f64> {
        match v {
            Value::Number(n) => Ok(*n),
            Value::String(s) if s.trim().parse::<f64>().is_ok() => Ok(s.trim().parse().unwrap_or_default()),
            other => Err(self.err("Invalid operand", format!("A number is required here, but this is {}.", describe(other)), at)),
        }
    }

    fn eval_binary(&mut self, op: BinaryOperator, lhs: &Expression, rhs: &Expression, whole: &Expression) -> Result<Value> {
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
            let equal = l == r || (l.to_template_string().is_some() && l.to_template_string() == r.to_template_string() && l.type_name() == r.type_name());
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
        Ok(match op {
            BinaryOperator::Plus => Value::Number(a + b),
            BinaryOperator::Minus => Value::Number(a - b),
            BinaryOperator::Mul => Value::Number(a * b),
            BinaryOperator::Div | BinaryOperator::Mod if b == 0.0 => {
                return Err(self.err("Division by zero", "The right-hand operand is zero.", whole));
            }
            BinaryOperator::Div => Value::Number(a / b),
            BinaryOperator::Mod => Value::Number((a as i64 % b as i64) as f64),
            BinaryOperator::Less => Value::Bool(a < b),
            BinaryOperator::LessEq => Value::Bool(a <= b),
            BinaryOperator::Greater => Value::Bool(a > b),
            BinaryOperator::GreaterEq => Value::Bool(a >= b),
            BinaryOperator::Eq | BinaryOperator::NotEq | BinaryOperator::And | BinaryOperator::Or => unreachable!("handled above"),
        })
    }

    fn eval_for(&mut self, f: &ForExpr) -> Result<Value> {
        let collection = self.eval(&f.intro.collection_expr)?;
        let pairs: Vec<(Value, Value)> = match &collection {
            Value::Unknown => return Ok(Value::Unknown),
            Value::List(items) => items.iter().enumerate().map(|(i, v)| (Value::Number(i as f64), v.clone())).collect(),
            Value::Set(items) => items.iter().map(|v| (v.clone(), v.clone())).collect(),
            Value::Map(m) => m.iter().map(|(k, v)| (Value::from(k.as_str()), v.clone())).collect(),
            other => {
                return Err(self.err(
                    "Iteration over non-iterable value",
                    format!("A for expression needs a list, set or map, but this is {}.", describe(other)),
                    &f.intro.collection_expr,
                ));
            }
        };
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let value_var = f.intro.value_var.as_str().to_string();
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut unknown = false;
        for (k, v) in pairs {
            let depth = self.frames.len();
            if let Some(name) = &key_var {
                self.frames.push((name.clone(), k));
            }
            self.frames.push((value_var.clone(), v));
            let result = self.for_element(f, &mut list, &mut map, &mut unknown);
            self.frames.truncate(depth);
            result?;
        }
        if unknown {
            return Ok(Value::Unknown);
        }
        Ok(if f.key_expr.is_some() { Value::Map(map) } else { Value::List(list) })
    }

    fn for_element(&mut self, f: &ForExpr, list: &mut Vec<Value>, map: &mut BTreeMap<String, Value>, unknown: &mut bool) -> Result<()> {
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
                self.err("Invalid object key", format!("The key must be a string, but this is a {}.", k.type_name()), key_expr)
            })?,
        };
        if f.grouping {
            match map.entry(key).or_insert_with(|| Value::List(Vec::new())) {
                Value::List(items) => items.push(value),
                _ => unreachable!("grouped entries are lists"),
            }
        } else if map.contains_key(&key) {
            return Err(self.err(
                "Duplicate object key",
                format!("Two elements produce the key {key:?}. Add an ellipsis (...) after the value to group them instead."),
                key_expr,
            ));
        } else {
            map.insert(key, value);
        }
        Ok(())
    }

    fn eval_traversal(&mut self, t: &Traversal, whole: &Expression) -> Result<Value> {
        let mut steps = Vec::with_capacity(t.operators.len());
        for op in &t.operators {
            steps.push(match op.value() {
                TraversalOperator::GetAttr(id) => Step::Attr(id.as_str().to_string(), self.span_of(op)),
                TraversalOperator::Index(e) => Step::Index(self.eval(e)?, self.span_of(op)),
                TraversalOperator::LegacyIndex(i) => Step::Index(Value::Number(*i.value() as f64), self.span_of(op)),
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

    fn lookup_root(&self, name: &str) -> Option<&Value> {
        self.frames.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v).or_else(|| self.scope.get(name))
    }

    fn eval_traversal_parts(&self, root: &str, root_span: Option<Span>, steps: &[Step], whole: &Expression) -> Result<Value> {
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
                        let keys: Vec<&str> = cur.as_map().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
                        let path: Vec<&str> = steps[..=i].iter().filter_map(|s| if let Step::Attr(n, _) = s { Some(n.as_str()) } else { None }).collect();
                        return Err(undeclared(root, &path, &keys, *span));
                    }
                }
            }
        }
        self.apply(value, steps)
    }

    fn unknown_root(&self, root: &str, span: Option<Span>, steps: &[Step], whole: &Expression) -> Diagnostic {
        let at = span.or(self.span_of(whole));
        match root {
            "count" => Diagnostic::error("Reference to \"count\" in non-counted context")
                .detail("count.index is only available in blocks that set the count argument.")
                .at(at),
            "each" => Diagnostic::error("Reference to \"each\" in context without for_each")
                .detail("each.key and each.value are only available in blocks that set the for_each argument.")
                .at(at),
            "self" => Diagnostic::error("Invalid \"self\" reference").detail("drplan has no provisioners, so \"self\" is never available.").at(at),
            _ if is_resource_type(root) && matches!(steps.first(), Some(Step::Attr(..))) => {
                let name = if let Some(Step::Attr(n, _)) = steps.first() { n.as_str() } else { "" };
                let types: Vec<&str> = self.scope.roots.keys().map(String::as_str).filter(|k| is_resource_type(k)).collect();
                let d = Diagnostic::error("Reference to undeclared resource")
                    .detail(format!("A managed resource \"{root}\" \"{name}\" has not been declared in this module."))
                    .at(at);
                match did_you_mean(root, types) {
                    Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                    None => d,
                }
            }
            _ => {
                let names: Vec<&str> = self.frames.iter().map(|(n, _)| n.as_str()).chain(["var", "local", "module", "data", "path"]).collect();
                let d = Diagnostic::error("Unknown variable").detail(format!("There is no variable named \"{root}\".")).at(at);
                match did_you_mean(root, names) {
                    Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                    None => d,
                }
            }
        }
    }

    /// Walks `steps` from `value`, cloning only what the traversal ends on.
    fn apply(&self, value: &Value, steps: &[Step]) -> Result<Value> {
        let mut cur = value;
        for (i, step) in steps.iter().enumerate() {
            if cur.is_unknown() {
                return Ok(Value::Unknown);
            }
            match step {
                Step::Splat { full } => {
                    // `[*]` applies everything after it per element; legacy `.*` only the attributes.
                    let rest_len = if *full { steps.len() - i - 1 } else { steps[i + 1..].iter().take_while(|s| matches!(s, Step::Attr(..))).count() };
                    let rest = &steps[i + 1..i + 1 + rest_len];
                    let items: Vec<Value> = match cur {
                        Value::Null => Vec::new(),
                        Value::List(items) | Value::Set(items) => items.iter().map(|v| self.apply(v, rest)).collect::<Result<_>>()?,
                        other => vec![self.apply(other, rest)?],
                    };
                    return self.apply(&Value::List(items), &steps[i + 1 + rest_len..]);
                }
                Step::Attr(name, span) => {
                    cur = match cur {
                        Value::Map(m) => m.get(name).ok_or_else(|| {
                            let d = Diagnostic::error("Unsupported attribute")
                                .detail(format!("This object does not have an attribute named \"{name}\"."))
                                .at(*span);
                            match did_you_mean(name, m.keys().map(String::as_str)) {
                                Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                                None => d,
                            }
                        })?,
                        Value::Null => {
                            return Err(Diagnostic::error("Attempt to get attribute from null value")
                                .detail(format!("This value is null, so it does not have an attribute named \"{name}\"."))
                                .at(*span));
                        }
                        Value::List(_) | Value::Set(_) => {
                            return Err(Diagnostic::error("Unsupported attribute")
                                .detail(format!("This value is a {}, so it has no attribute \"{name}\".", cur.type_name()))
                                .at(*span)
                                .hint(format!("to read \"{name}\" from every element, use a splat: [*].{name}")));
                        }
                        other => {
                            return Err(Diagnostic::error("Unsupported attribute")
                                .detail(format!("A {} value does not have attributes.", other.type_name()))
                                .at(*span));
                        }
                    }
                }
                Step::Index(key, span) => {
                    cur = match (cur, key) {
                        (_, Value::Unknown) => return Ok(Value::Unknown),
                        (Value::List(items), k) => {
                            let idx = match k {
                                Value::Number(n) if n.fract() == 0.0 => Some(*n),
                                Value::String(s) => s.parse::<f64>().ok(),
                                _ => None,
                            };
                            match idx {
                                Some(n) if n >= 0.0 && (n as usize) < items.len() => &items[n as usize],
                                Some(n) => {
                                    return Err(Diagnostic::error("Invalid index")
                                        .detail(format!("The index {} is out of range for a list of {} element(s).", crate::eval::value::format_number(n), items.len()))
                                        .at(*span));
                                }
                                None => {
                                    return Err(Diagnostic::error("Invalid index").detail(format!("A list index must be a whole number, but this is {}.", describe(k))).at(*span));
                                }
                            }
                        }
                        (Value::Map(m), k) => {
                            let name = k.to_template_string().unwrap_or_default();
                            m.get(&name).ok_or_else(|| {
                                Diagnostic::error("Invalid index").detail(format!("The given key {name:?} does not identify an element in this map.")).at(*span)
                            })?
                        }
                        (Value::Set(_), _) => {
                            return Err(Diagnostic::error("Invalid index")
                                .detail("Elements of a set cannot be selected by index.")
                                .at(*span)
                                .hint("convert it with tolist() first, or iterate it with a for expression"));
                        }
                        (other, _) => {
                            return Err(Diagnostic::error("Invalid index").detail(format!("A {} value cannot be indexed.", other.type_name())).at(*span));
                        }
                    };
                }
            }
        }
        Ok(cur.clone())
    }

    fn eval_call(&mut self, call: &FuncCall, whole: &Expression) -> Result<Value> {
        let name = call.name.name.as_str();
        if call.name.is_namespaced() {
            return Err(self.err("Call to unknown function", format!("Provider-defined functions such as \"{name}\" are not supported by drplan."), whole));
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
            _ => {}
        }
        let mut args = Vec::with_capacity(call.args.len());
        for arg in call.args.iter() {
            args.push(self.eval(arg)?);
        }
        if call.args.expand_final() {
            match args.pop() {
                Some(Value::List(items) | Value::Set(items)) => args.extend(items),
                Some(Value::Unknown) => return Ok(Value::Unknown),
                _ => return Err(self.err("Invalid expanding argument", "The argument before ... must be a list or set.", whole)),
            }
        }
        if name == "templatefile" {
            return self.templatefile(&args, whole);
        }
        let Some(def) = functions::lookup(name) else {
            let d = self.err("Call to unknown function", format!("There is no function named \"{name}\"."), &call.name.name);
            return Err(match did_you_mean(name, functions::all_names()) {
                Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                None => d.hint("see docs/configuration.md for the list of supported functions"),
            });
        };
        functions::call(def, &args, &FnCtx { module_dir: self.module_dir }).map_err(|e| match e {
            functions::CallError::Arity(msg) => self.err("Wrong number of function arguments", format!("{msg}."), whole),
            functions::CallError::Invalid(msg) => self.err("Invalid function argument", format!("Invalid value for {name}(): {msg}."), whole),
        })
    }

    fn single_arg<'e>(&self, call: &'e FuncCall, whole: &Expression) -> Result<&'e Expression> {
        match call.args.len() {
            1 => Ok(call.args.get(0).expect("length checked")),
            n => Err(self.err("Invalid function argument", format!("{}() takes exactly 1 argument, but got {n}.", call.name.name.as_str()), whole)),
        }
    }

    fn eval_try(&mut self, call: &FuncCall, whole: &Expression) -> Result<Value> {
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
            format!("try(): no expression succeeded; the last error was: {}", last.map_or("none".into(), |d| d.detail.unwrap_or(d.summary))),
            whole,
        ))
    }

    fn templatefile(&self, args: &[Value], whole: &Expression) -> Result<Value> {
        let [path, vars] = args else {
            return Err(self.err("Invalid function argument", format!("templatefile() takes 2 arguments, but got {}.", args.len()), whole));
        };
        if !path.is_wholly_known() || !vars.is_wholly_known() {
            return Ok(Value::Unknown);
        }
        let (Some(rel), Some(vars)) = (path.as_str(), vars.as_map()) else {
            return Err(self.err("Invalid function argument", "templatefile() takes a path string and a map of variables.", whole));
        };
        let full = self.module_dir.join(rel);
        let text = std::fs::read_to_string(&full)
            .map_err(|e| self.err("Invalid function argument", format!("templatefile(): cannot read {rel:?}: {e}."), whole))?;
        let template = hcl_edit::parser::parse_template(&text).map_err(|e| {
            self.err("Invalid template file", format!("{rel}:{}:{}: {}", e.location().line(), e.location().column(), e.message()), whole)
        })?;
        let mut scope = Scope::default();
        for (k, v) in vars {
            scope.set(k.clone(), v.clone());
        }
        let mut inner = Evaluator::new(&scope, self.file, self.module_dir);
        let mut out = String::new();
        match inner.render_template(&template, &mut out, false) {
            Ok(true) => Ok(Value::String(out)),
            Ok(false) => Ok(Value::Unknown),
            Err(d) => Err(self.err("Error in template file", format!("{rel}: {}", d.detail.unwrap_or(d.summary)), whole)),
        }
    }

    fn eval_template(&mut self, template: &Template, whole: &Expression) -> Result<Value> {
        // "${x}" alone yields x itself, not its string form.
        if let Some(Element::Interpolation(i)) = template.as_single_element() {
            return self.eval(&i.expr);
        }
        let mut out = String::new();
        Ok(if self.render_template(template, &mut out, false).map_err(|d| {
            let at = d.span.or(self.span_of(whole));
            d.at(at)
        })? {
            Value::String(out)
        } else {
            Value::Unknown
        })
    }

    /// Appends the template's text to `out`; returns false when something was unknown.
    fn render_template(&mut self, template: &Template, out: &mut String, mut strip_next: bool) -> Result<bool> {
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
                            return Err(self.err("Invalid template interpolation value", "The expression result is null.", &i.expr));
                        }
                        None => {
                            return Err(self.err(
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

    fn render_directive(&mut self, d: &Directive, out: &mut String) -> Result<bool> {
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
                let pairs: Vec<(Value, Value)> = match &collection {
                    Value::Unknown => return Ok(false),
                    Value::List(items) => items.iter().enumerate().map(|(i, v)| (Value::Number(i as f64), v.clone())).collect(),
                    Value::Set(items) => items.iter().map(|v| (v.clone(), v.clone())).collect(),
                    Value::Map(m) => m.iter().map(|(k, v)| (Value::from(k.as_str()), v.clone())).collect(),
                    other => {
                        return Err(self.err("Iteration over non-iterable value", format!("A template for directive needs a collection, but this is {}.", describe(other)), &fe.collection_expr));
                    }
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

/// Resource type names look like `aws_vpc`: a provider prefix and an underscore.
pub fn is_resource_type(name: &str) -> bool {
    name.starts_with("aws_")
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => format!("the {} {v}", v.type_name()),
        other => format!("a {}", other.type_name()),
    }
}

fn undeclared(root: &str, path: &[&str], declared: &[&str], span: Option<Span>) -> Diagnostic {
    let last = path.last().copied().unwrap_or_default();
    let (summary, detail) = match root {
        "var" => ("Reference to undeclared input variable", format!("An input variable named \"{last}\" has not been declared.")),
        "local" => ("Reference to undeclared local value", format!("A local value named \"{last}\" has not been declared.")),
        "module" => ("Reference to undeclared module", format!("No module call named \"{last}\" is declared in this module.")),
        "data" if path.len() == 1 => ("Reference to undeclared resource", format!("No data source of type \"{last}\" is declared in this module.")),
        "data" => ("Reference to undeclared resource", format!("A data source \"{}\" \"{last}\" has not been declared in this module.", path[0])),
        _ => ("Reference to undeclared resource", format!("A managed resource \"{root}\" \"{last}\" has not been declared in this module.")),
    };
    let d = Diagnostic::error(summary).detail(detail).at(span);
    match did_you_mean(last, declared.iter().copied()) {
        Some(s) => d.hint(format!("did you mean \"{s}\"?")),
        None => d,
    }
}

#[cfg(test)]
mod tests;
