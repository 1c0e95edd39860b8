//! The configuration as Terraform's JSON plan describes it (`configuration` in `show -json`):
//! provider configurations, and per module its resources with their expressions (a
//! `constant_value` or the `references` they read), module calls, variables and outputs.
//! Policy tools (Checkov, OPA) follow these references to tell, say, which security group an
//! instance uses. It describes what is written; it evaluates nothing that depends on anything.
//!
//! Sensitive values never appear: a sensitive variable's default, a constant in an attribute the
//! caller says is sensitive, or in a sensitive output, is written as an empty expression.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use serde_json::{Map, Value as Json, json};

use super::decl::{Expr, Mode, Module, ModuleTree, ResourceDecl};
use super::refs::terraform_refs;
use crate::diag::FileId;

/// Whether `attr` of a resource type holds a secret (its schema says so).
pub type IsSensitive<'a> = &'a dyn Fn(Mode, &str, &str) -> bool;

/// The `configuration` object of Terraform's JSON plan for `tree`.
pub fn describe(tree: &ModuleTree, provider_full_name: &str, sensitive: IsSensitive) -> Json {
    if tree.modules.is_empty() {
        return json!({});
    }
    let root = tree.root();
    let mut providers = Map::new();
    for p in &root.providers {
        let mut expressions = Map::new();
        if let Some(region) = &p.region {
            expressions.insert("region".into(), expression(region, false));
        }
        let mut entry = json!({ "name": p.name, "full_name": provider_full_name });
        if let Some(alias) = &p.alias {
            entry["alias"] = alias.clone().into();
        }
        if !expressions.is_empty() {
            entry["expressions"] = Json::Object(expressions);
        }
        providers.insert(p.key(), entry);
    }
    let mut out = json!({ "root_module": module(tree, 0, sensitive) });
    if !providers.is_empty() {
        out["provider_config"] = Json::Object(providers);
    }
    out
}

fn module(tree: &ModuleTree, index: usize, sensitive: IsSensitive) -> Json {
    let m: &Module = &tree.modules[index];
    let mut out = Map::new();
    let outputs: Map<String, Json> = m
        .outputs
        .iter()
        .map(|o| {
            let mut entry = json!({});
            if let Some(v) = &o.value {
                entry["expression"] = expression(v, o.sensitive);
            }
            if o.sensitive {
                entry["sensitive"] = true.into();
            }
            if let Some(d) = &o.description {
                entry["description"] = d.clone().into();
            }
            (o.name.clone(), entry)
        })
        .collect();
    insert_nonempty(&mut out, "outputs", Json::Object(outputs));
    let mut resources: Vec<Json> = m.resources.iter().map(|r| resource(r, sensitive)).collect();
    resources.sort_by(|a, b| a["address"].as_str().cmp(&b["address"].as_str()));
    insert_nonempty(&mut out, "resources", Json::Array(resources));
    let calls: Map<String, Json> = m
        .module_calls
        .iter()
        .map(|c| {
            let child_sensitive = |name: &str| {
                c.child.is_some_and(|i| tree.modules[i].variables.iter().any(|v| v.name == name && v.sensitive))
            };
            let expressions: Map<String, Json> =
                c.inputs.iter().map(|(name, _, e)| (name.clone(), expression(e, child_sensitive(name)))).collect();
            let mut entry = json!({ "source": c.source });
            insert_nonempty(entry.as_object_mut().expect("an object"), "expressions", Json::Object(expressions));
            if let Some((v, _)) = &c.version {
                entry["version_constraint"] = v.clone().into();
            }
            meta_arguments(&mut entry, c.count.as_ref(), c.for_each.as_ref(), &c.depends_on);
            if let Some(child) = c.child {
                entry["module"] = module(tree, child, sensitive);
            }
            (c.name.clone(), entry)
        })
        .collect();
    insert_nonempty(&mut out, "module_calls", Json::Object(calls));
    let variables: Map<String, Json> = m
        .variables
        .iter()
        .map(|v| {
            let mut entry = json!({});
            if let Some(d) = v.default.as_ref().filter(|_| !v.sensitive).and_then(constant) {
                entry["default"] = d;
            }
            if let Some(d) = &v.description {
                entry["description"] = d.clone().into();
            }
            if v.sensitive {
                entry["sensitive"] = true.into();
            }
            (v.name.clone(), entry)
        })
        .collect();
    insert_nonempty(&mut out, "variables", Json::Object(variables));
    Json::Object(out)
}

fn resource(r: &ResourceDecl, sensitive: IsSensitive) -> Json {
    let secret = |attr: &str| sensitive(r.mode, &r.ty, attr);
    let mut entry = json!({
        "address": r.address_base(),
        "mode": r.mode,
        "type": r.ty,
        "name": r.name,
        "provider_config_key": r.provider.as_ref().map_or_else(|| "aws".to_string(), |(p, _)| p.clone()),
        "expressions": body(&r.body, r.file, &secret),
    });
    meta_arguments(&mut entry, r.count.as_ref(), r.for_each.as_ref(), &r.depends_on);
    entry
}

/// `count_expression`, `for_each_expression` and `depends_on`, where written.
fn meta_arguments(entry: &mut Json, count: Option<&Expr>, for_each: Option<&Expr>, depends_on: &[Expr]) {
    if let Some(c) = count {
        entry["count_expression"] = expression(c, false);
    }
    if let Some(f) = for_each {
        entry["for_each_expression"] = expression(f, false);
    }
    let deps: Vec<String> =
        depends_on.iter().flat_map(|d| terraform_refs(&d.expr, d.file).into_iter().take(1)).collect();
    if !deps.is_empty() {
        entry["depends_on"] = deps.into();
    }
}

/// A block body's expressions: attributes, and nested blocks as arrays of bodies. Meta-arguments
/// and `lifecycle`, `dynamic`, `provisioner` and `connection` blocks are not arguments.
fn body(b: &Body, file: FileId, secret: &dyn Fn(&str) -> bool) -> Json {
    const META: &[&str] = &["count", "for_each", "depends_on", "provider"];
    const NOT_ARGUMENTS: &[&str] = &["lifecycle", "dynamic", "provisioner", "connection"];
    let mut out = Map::new();
    for s in b.iter() {
        match s {
            Structure::Attribute(a) if !META.contains(&a.key.as_str()) => {
                let e = Expr { file, expr: a.value.clone() };
                out.insert(a.key.to_string(), expression(&e, secret(a.key.as_str())));
            }
            Structure::Block(inner) if !NOT_ARGUMENTS.contains(&inner.ident.as_str()) => {
                let slot = out.entry(inner.ident.to_string()).or_insert_with(|| Json::Array(Vec::new()));
                if let Json::Array(items) = slot {
                    items.push(body(&inner.body, file, &|_| false));
                }
            }
            _ => {}
        }
    }
    Json::Object(out)
}

/// `{"constant_value": v}` for an expression that refers to nothing, `{"references": [...]}`
/// otherwise; `{}` when it is a secret or cannot be known without evaluating (a function call).
fn expression(e: &Expr, secret: bool) -> Json {
    let references = terraform_refs(&e.expr, e.file);
    if !references.is_empty() {
        return json!({ "references": references });
    }
    match constant(e).filter(|_| !secret) {
        Some(v) => json!({ "constant_value": v }),
        None => json!({}),
    }
}

/// The value of an expression that refers to nothing and calls no function, as Terraform
/// computes `constant_value` (without an evaluation context).
fn constant(e: &Expr) -> Option<Json> {
    if calls_function(&e.expr) {
        return None;
    }
    let scope = crate::eval::expr::Scope::default();
    crate::eval::expr::Evaluator::new(&scope, e.file).eval(&e.expr).ok()?.to_json().ok()
}

fn calls_function(e: &Expression) -> bool {
    struct Finder(bool);
    impl hcl_edit::visit::Visit for Finder {
        fn visit_func_call(&mut self, _: &hcl_edit::expr::FuncCall) {
            self.0 = true;
        }
    }
    let mut f = Finder(false);
    hcl_edit::visit::Visit::visit_expr(&mut f, e);
    f.0
}

fn insert_nonempty(out: &mut Map<String, Json>, key: &str, value: Json) {
    let empty = match &value {
        Json::Object(m) => m.is_empty(),
        Json::Array(a) => a.is_empty(),
        _ => false,
    };
    if !empty {
        out.insert(key.into(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(src: &str) -> Expr {
        Expr { file: FileId(0), expr: hcl_edit::parser::parse_expr(src).unwrap() }
    }

    #[test]
    fn expressions_are_constants_or_references() {
        assert_eq!(expression(&expr("[\"0.0.0.0/0\"]"), false), json!({"constant_value": ["0.0.0.0/0"]}));
        assert_eq!(expression(&expr("{ a = 1 }"), false), json!({"constant_value": {"a": 1}}));
        assert_eq!(
            expression(&expr("aws_vpc.main.id"), false),
            json!({"references": ["aws_vpc.main.id", "aws_vpc.main"]})
        );
        assert_eq!(expression(&expr("timestamp()"), false), json!({}), "not evaluated, as Terraform does not");
        assert_eq!(expression(&expr("\"hunter2\""), true), json!({}), "a secret is never written");
    }
}
