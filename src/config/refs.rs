//! Static reference analysis: which declarations an expression or block body refers to.
//!
//! Used to order evaluation and to build dependency edges. Names bound by `for` expressions,
//! template `for` directives and `dynamic` block iterators are not references.

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Directive, Element, Template};

use super::decl::{Expr, Mode};
use crate::diag::{FileId, Span};
use crate::eval::expr::is_resource_type;

/// A declaration in the same module that an expression depends on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Var(String),
    Local(String),
    Module(String),
    Resource(Mode, String, String),
    /// Not a declaration: the expression calls `sensitive()`, so its value is sensitive.
    SensitiveCall,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub target: Target,
    /// A literal instance key right after the name (`aws_subnet.a[0]`, `aws_x.y["k"]`).
    pub key: Option<String>,
    /// For `module.net.vpc_id`, the output name; for `aws_db_instance.db[0].password` and
    /// `local.db.username`, the attribute read.
    pub output: Option<String>,
    pub span: Option<Span>,
    /// Inside `nonsensitive(...)` or `issensitive(...)`: a dependency, but its sensitivity is
    /// removed.
    pub unmasked: bool,
    /// For locals, the members read after the name, as far as they are literal
    /// (`local.net.subnets.app` is `["subnets", "app"]`).
    pub within: Vec<String>,
    /// The whole argument of `length` or `keys`: only a mark on the value itself reaches the
    /// result, not marks on its members (Terraform's collection functions see only the top).
    pub shape: bool,
}

/// Whether every name an expression starts a traversal from is a declaration's root (`var`,
/// `local`, `module`, `data`, a resource type) or `count`, `path` or `terraform`: not `each`,
/// `self` or a name bound by `for`, whose values the declarations alone do not describe.
pub fn roots_are_declarations(e: &Expression) -> bool {
    struct Roots(bool);
    impl hcl_edit::visit::Visit for Roots {
        fn visit_expr(&mut self, e: &Expression) {
            if let Expression::Variable(name) = e {
                let n = name.as_str();
                let known = matches!(n, "var" | "local" | "module" | "data" | "count" | "path" | "terraform");
                self.0 &= known || is_resource_type(n);
            }
            hcl_edit::visit::visit_expr(self, e);
        }
    }
    let mut roots = Roots(true);
    hcl_edit::visit::Visit::visit_expr(&mut roots, e);
    roots.0
}

/// Whether `e` reads the name `name` (a `for` variable).
fn mentions(e: &Expression, name: &str) -> bool {
    struct Finder<'n>(&'n str, bool);
    impl hcl_edit::visit::Visit for Finder<'_> {
        fn visit_expr(&mut self, e: &Expression) {
            if let Expression::Variable(v) = e {
                self.1 |= v.as_str() == self.0;
            }
            hcl_edit::visit::visit_expr(self, e);
        }
    }
    let mut finder = Finder(name, false);
    hcl_edit::visit::Visit::visit_expr(&mut finder, e);
    finder.1
}

/// The member a traversal step reads, where it is written literally (`.name`, `["name"]`).
fn literal_member(op: &TraversalOperator) -> Option<String> {
    match op {
        TraversalOperator::GetAttr(a) => Some(a.as_str().to_string()),
        TraversalOperator::Index(Expression::String(s)) => Some(s.value().to_string()),
        _ => None,
    }
}

pub fn expr_refs(e: &Expr) -> Vec<Reference> {
    let mut w = Walker::new(e.file);
    w.expr(&e.expr);
    w.out
}

/// The references of an expression as Terraform's JSON configuration lists them: each
/// traversal from its longest form to the object (`aws_subnet.a[0].id`, `aws_subnet.a[0]`,
/// `aws_subnet.a`), and `count.index`, `each.key`, `path.module` and the like; no duplicates.
pub fn terraform_refs(expr: &Expression, file: FileId) -> Vec<String> {
    let mut w = Walker::new(file);
    w.expr(expr);
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for r in &w.out {
        let base = match &r.target {
            Target::Var(n) => format!("var.{n}"),
            Target::Local(n) => format!("local.{n}"),
            Target::Module(n) => {
                if let Some(o) = &r.output {
                    push(format!("module.{n}.{o}"));
                }
                push(format!("module.{n}"));
                continue;
            }
            Target::Resource(Mode::Managed, t, n) => format!("{t}.{n}"),
            Target::Resource(Mode::Data, t, n) => format!("data.{t}.{n}"),
            Target::SensitiveCall => continue,
        };
        let keyed = r.key.as_ref().map(|k| format!("{base}[{k}]"));
        if matches!(r.target, Target::Resource(..))
            && let Some(o) = &r.output
        {
            push(format!("{}.{o}", keyed.as_deref().unwrap_or(&base)));
        }
        push(keyed.unwrap_or_default());
        push(base);
    }
    out.retain(|s| !s.is_empty());
    for m in w.meta {
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// References from every attribute and nested block of a body (resource bodies).
pub fn body_refs(body: &Body, file: FileId) -> Vec<Reference> {
    let mut w = Walker::new(file);
    w.body(body);
    w.out
}

/// The references that mark an expression's value as a whole, as Terraform's value marks do:
/// an object constructor is marked only through its keys (a sensitive attribute value marks
/// that attribute, not the object), a `for` expression through its collection, keys and
/// condition; anything else through every reference. `for_each` is refused only when its
/// value as a whole is sensitive.
pub fn whole_value_refs(e: &Expr) -> Vec<Reference> {
    let mut w = Walker::new(e.file);
    w.whole_value(&e.expr);
    w.out
}

/// Whether an attribute or nested block reads `each.value`, whose sensitivity is that of the
/// `for_each` value it comes from.
pub fn reads_each_value(s: &Structure, file: FileId) -> bool {
    let mut w = Walker::new(file);
    match s {
        Structure::Attribute(a) => w.expr(&a.value),
        Structure::Block(b) => w.body(&b.body),
    }
    w.meta.iter().any(|m| m == "each.value")
}

struct Walker {
    file: FileId,
    bound: Vec<String>,
    out: Vec<Reference>,
    /// `count.index`, `each.key`, `path.module` and the like (not declarations).
    meta: Vec<String>,
    /// Depth of `nonsensitive(...)` calls around the current expression.
    unmasking: usize,
    /// The current expression is `length()`'s argument: a whole resource read there yields
    /// only its size, which carries no attribute's sensitivity (Terraform marks values, and
    /// `length` keeps only the collection's own mark).
    shape_only: bool,
}

impl Walker {
    fn new(file: FileId) -> Self {
        Walker { file, bound: Vec::new(), out: Vec::new(), meta: Vec::new(), unmasking: 0, shape_only: false }
    }

    /// See [`whole_value_refs`].
    fn whole_value(&mut self, e: &Expression) {
        match e {
            Expression::Parenthesis(p) => self.whole_value(p.inner()),
            Expression::Object(o) => {
                // A bare identifier key is a literal name, not a reference.
                for (k, _) in o.iter() {
                    if let ObjectKey::Expression(k) = k
                        && !matches!(k, Expression::Variable(_))
                    {
                        self.expr(k);
                    }
                }
            }
            Expression::ForExpr(f) if f.key_expr.is_some() => {
                self.expr(&f.intro.collection_expr);
                let depth = self.bound.len();
                self.bound.extend(f.intro.key_var.iter().map(|k| k.as_str().to_string()));
                self.bound.push(f.intro.value_var.as_str().to_string());
                self.expr(f.key_expr.as_ref().expect("checked"));
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(depth);
            }
            other => self.expr(other),
        }
    }

    fn body(&mut self, body: &Body) {
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => self.expr(&a.value),
                Structure::Block(b) if b.ident.as_str() == "dynamic" => {
                    let iterator = b
                        .body
                        .get_attribute("iterator")
                        .and_then(|a| {
                            if let Expression::Variable(v) = &a.value { Some(v.as_str().to_string()) } else { None }
                        })
                        .or_else(|| b.labels.first().map(|l| l.as_str().to_string()))
                        .unwrap_or_default();
                    if let Some(fe) = b.body.get_attribute("for_each") {
                        self.expr(&fe.value);
                    }
                    self.bound.push(iterator);
                    for inner in b.body.iter() {
                        match inner {
                            Structure::Attribute(a) if a.key.as_str() == "labels" => self.expr(&a.value),
                            Structure::Block(c) if c.ident.as_str() == "content" => self.body(&c.body),
                            _ => {}
                        }
                    }
                    self.bound.pop();
                }
                Structure::Block(b) => self.body(&b.body),
            }
        }
    }

    fn template(&mut self, t: &Template) {
        for el in t.iter() {
            match el {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(i) => {
                        self.expr(&i.if_expr.cond_expr);
                        self.template(&i.if_expr.template);
                        if let Some(e) = &i.else_expr {
                            self.template(&e.template);
                        }
                    }
                    Directive::For(f) => {
                        self.expr(&f.for_expr.collection_expr);
                        let depth = self.bound.len();
                        self.bound.extend(f.for_expr.key_var.iter().map(|k| k.as_str().to_string()));
                        self.bound.push(f.for_expr.value_var.as_str().to_string());
                        self.template(&f.for_expr.template);
                        self.bound.truncate(depth);
                    }
                },
            }
        }
    }

    fn expr(&mut self, e: &Expression) {
        match e {
            Expression::Null(_) | Expression::Bool(_) | Expression::Number(_) | Expression::String(_) => {}
            Expression::Array(items) => items.iter().for_each(|i| self.expr(i)),
            Expression::Object(obj) => {
                for (k, v) in obj.iter() {
                    if let ObjectKey::Expression(k) = k
                        && !matches!(k, Expression::Variable(_))
                    {
                        self.expr(k);
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => self.reference(v.as_str(), &[], e),
            Expression::Traversal(t) => {
                for op in &t.operators {
                    if let TraversalOperator::Index(i) = op.value() {
                        self.expr(i);
                    }
                }
                match &t.expr {
                    Expression::Variable(v) => {
                        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
                        self.reference(v.as_str(), &ops, e);
                    }
                    Expression::Object(object) => self.selected_member(object, t.operators.first().map(|o| o.value())),
                    other => self.expr(other),
                }
            }
            Expression::FuncCall(c) => {
                let name = c.name.name.as_str();
                let core = c.name.namespace.iter().all(|n| n.as_str() == "core");
                if name == "sensitive" && core {
                    let unmasked = self.unmasking > 0;
                    self.out.push(Reference {
                        target: Target::SensitiveCall,
                        key: None,
                        output: None,
                        span: None,
                        unmasked,
                        within: Vec::new(),
                        shape: false,
                    });
                }
                // `issensitive(x)` is a bool about `x`, not sensitive itself.
                let unmask = matches!(name, "nonsensitive" | "issensitive") && core;
                self.unmasking += usize::from(unmask);
                let sized = matches!(name, "length" | "keys") && core && c.args.len() == 1;
                for a in c.args.iter() {
                    self.shape_only = sized && matches!(a, Expression::Traversal(_) | Expression::Variable(_));
                    self.expr(a);
                    self.shape_only = false;
                }
                self.unmasking -= usize::from(unmask);
            }
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::UnaryOp(op) => self.expr(&op.expr),
            Expression::BinaryOp(op) => {
                self.expr(&op.lhs_expr);
                self.expr(&op.rhs_expr);
            }
            Expression::ForExpr(f) => {
                // Only the keys are read (`[for k, v in local.db : k]`): a member's mark does
                // not reach the result, only a mark on the collection itself.
                let value = f.intro.value_var.as_str();
                let body = [f.key_expr.as_ref(), Some(&f.value_expr), f.cond.as_ref().map(|c| &c.expr)];
                let keys_only = f.intro.key_var.is_some() && !body.into_iter().flatten().any(|e| mentions(e, value));
                let direct = matches!(f.intro.collection_expr, Expression::Traversal(_) | Expression::Variable(_));
                let was = std::mem::replace(&mut self.shape_only, keys_only && direct);
                self.expr(&f.intro.collection_expr);
                self.shape_only = was;
                let depth = self.bound.len();
                self.bound.extend(f.intro.key_var.iter().map(|k| k.as_str().to_string()));
                self.bound.push(f.intro.value_var.as_str().to_string());
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(depth);
            }
        }
    }

    /// `{ a = var.secret, b = "x" }.b`: every member is a dependency, but only the selected
    /// one's sensitivity reaches the result (Terraform marks values, not the object).
    fn selected_member(&mut self, object: &hcl_edit::expr::Object, first: Option<&TraversalOperator>) {
        let selected = match first {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
            Some(TraversalOperator::Index(Expression::String(s))) => Some(s.value().to_string()),
            _ => None,
        };
        for (key, value) in object.iter() {
            let name = match key {
                ObjectKey::Ident(i) => Some(i.as_str().to_string()),
                ObjectKey::Expression(Expression::String(s)) => Some(s.value().to_string()),
                ObjectKey::Expression(k) => {
                    self.expr(k);
                    None
                }
            };
            let other = selected.is_some() && name.is_some() && name != selected;
            self.unmasking += usize::from(other);
            self.expr(value.expr());
            self.unmasking -= usize::from(other);
        }
    }

    fn reference(&mut self, root: &str, ops: &[&TraversalOperator], whole: &Expression) {
        if self.bound.iter().any(|b| b == root) {
            return;
        }
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
            _ => None,
        };
        if let ("count" | "each" | "path" | "terraform" | "self", Some(a)) = (root, attr(0)) {
            self.meta.push(format!("{root}.{a}"));
            return;
        }
        let key_at = |i: usize| match ops.get(i) {
            Some(TraversalOperator::Index(Expression::Number(n))) => n.value().as_u64().map(|n| n.to_string()),
            Some(TraversalOperator::Index(Expression::String(s))) => Some(format!("{:?}", s.value())),
            Some(TraversalOperator::LegacyIndex(i)) => Some(i.value().to_string()),
            _ => None,
        };
        let (target, key, output) = match root {
            "var" => match attr(0) {
                Some(n) => (Target::Var(n), None, None),
                None => return,
            },
            // For locals, `output` is the attribute read (`local.db.username`).
            "local" => match attr(0) {
                Some(n) => (Target::Local(n), None, ops.get(1).and_then(|op| literal_member(op))),
                None => return,
            },
            "module" => match attr(0) {
                Some(n) => (Target::Module(n), None, attr(1)),
                None => return,
            },
            // For resources, `output` is the attribute read (after an index, if any).
            "data" => match (attr(0), attr(1)) {
                (Some(t), Some(n)) => {
                    let key = key_at(2);
                    let read = if key.is_some() { attr(3) } else { attr(2) };
                    (Target::Resource(Mode::Data, t, n), key, read)
                }
                _ => return,
            },
            _ if is_resource_type(root) => match attr(0) {
                Some(n) => {
                    let key = key_at(1);
                    let read = if key.is_some() { attr(2) } else { attr(1) };
                    (Target::Resource(Mode::Managed, root.to_string(), n), key, read)
                }
                None => return,
            },
            _ => return,
        };
        let whole_resource = matches!(target, Target::Resource(..)) && output.is_none();
        let unmasked = self.unmasking > 0 || (self.shape_only && whole_resource);
        let within = match target {
            Target::Local(_) => ops.iter().skip(1).map_while(|op| literal_member(op)).collect(),
            _ => Vec::new(),
        };
        let span = self.file.range(whole.span());
        self.out.push(Reference { target, key, output, span, unmasked, within, shape: self.shape_only });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<(Target, Option<String>)> {
        let e = Expr { file: FileId(0), expr: hcl_edit::parser::parse_expr(src).unwrap() };
        expr_refs(&e).into_iter().map(|r| (r.target, r.key)).collect()
    }

    #[test]
    fn a_value_is_sensitive_as_a_whole_only_through_keys_and_collections() {
        let whole = |src: &str| {
            let e = Expr { file: FileId(0), expr: hcl_edit::parser::parse_expr(src).unwrap() };
            whole_value_refs(&e).into_iter().map(|r| r.target).collect::<Vec<_>>()
        };
        let var = |n: &str| Target::Var(n.into());
        assert_eq!(whole("{ a = var.secret, b = \"plain\" }"), vec![]);
        assert_eq!(whole("({ (var.k) = var.secret })"), vec![var("k")]);
        assert_eq!(whole("{ for k, v in var.m : k => var.secret if v != var.c }"), vec![var("m"), var("c")]);
        assert_eq!(whole("merge(var.m, {})"), vec![var("m")]);
    }

    #[test]
    fn finds_references_but_not_bound_names() {
        let r = refs("[for s in aws_subnet.public : s.id if var.enabled]");
        assert_eq!(
            r,
            vec![
                (Target::Resource(Mode::Managed, "aws_subnet".into(), "public".into()), None),
                (Target::Var("enabled".into()), None)
            ]
        );
        let r = refs("data.aws_ami.web[0].id");
        assert_eq!(r, vec![(Target::Resource(Mode::Data, "aws_ami".into(), "web".into()), Some("0".into()))]);
        assert_eq!(refs("\"${local.name}-${each.key}\""), vec![(Target::Local("name".into()), None)]);
        assert_eq!(refs("module.net.vpc_id"), vec![(Target::Module("net".into()), None)]);
    }

    #[test]
    fn references_as_terraform_lists_them() {
        let tf = |src: &str| terraform_refs(&hcl_edit::parser::parse_expr(src).unwrap(), FileId(0));
        assert_eq!(
            tf("aws_subnet.public[0].id"),
            ["aws_subnet.public[0].id", "aws_subnet.public[0]", "aws_subnet.public"]
        );
        assert_eq!(tf("cidrsubnet(var.cidr, 8, count.index)"), ["var.cidr", "count.index"]);
        assert_eq!(tf("module.app.dns_name"), ["module.app.dns_name", "module.app"]);
        assert_eq!(tf("aws_subnet.public[*].id"), ["aws_subnet.public"]);
        assert_eq!(tf("[for s in data.aws_subnet.x : s.id]"), ["data.aws_subnet.x"]);
        assert_eq!(tf("\"a\""), Vec::<String>::new());
    }
}
