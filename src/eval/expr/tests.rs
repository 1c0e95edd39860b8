use super::*;

fn scope() -> Scope {
    let mut s = Scope::default();
    s.set(
        "var",
        Value::Map(
            [
                ("azs".to_string(), Value::List(vec!["a".into(), "b".into()].into())),
                ("name".to_string(), "web".into()),
                (
                    "ports".to_string(),
                    Value::Map(
                        [("http".to_string(), Value::from(80.0)), ("https".to_string(), Value::from(443.0))].into(),
                    ),
                ),
            ]
            .into(),
        ),
    );
    s.set_member(
        "aws_vpc",
        "main",
        Value::Map([("id".to_string(), Value::Unknown), ("cidr_block".to_string(), "10.0.0.0/16".into())].into()),
    );
    s.set_member(
        "aws_subnet",
        "public",
        Value::List(
            vec![
                Value::Map([("id".to_string(), Value::Unknown), ("az".to_string(), "a".into())].into()),
                Value::Map([("id".to_string(), Value::Unknown), ("az".to_string(), "b".into())].into()),
            ]
            .into(),
        ),
    );
    s
}

fn eval(src: &str) -> std::result::Result<Value, Diagnostic> {
    let expr = hcl_edit::parser::parse_expr(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    let scope = scope();
    Evaluator::new(&scope, FileId(0)).eval(&expr)
}

fn ok(src: &str) -> String {
    eval(src).unwrap_or_else(|d| panic!("{src}: {d:?}")).to_string()
}

#[test]
fn operators_and_conditionals() {
    assert_eq!(ok("1 + 2 * 3"), "7");
    assert_eq!(ok("10 % 4 == 2 && !false"), "true");
    assert_eq!(ok("var.name == \"web\" ? \"yes\" : \"no\""), "\"yes\"");
    assert_eq!(ok("\"5\" + 1"), "6");
    assert_eq!(eval("1 / 0").unwrap_err().summary, "Division by zero");
}

#[test]
fn unknowns_propagate_without_breaking_the_rest() {
    assert_eq!(ok("aws_vpc.main.id"), "(known after apply)");
    assert_eq!(ok("\"${aws_vpc.main.id}-x\""), "(known after apply)");
    assert_eq!(ok("aws_vpc.main.id == \"x\" ? 1 : 2"), "(known after apply)");
    assert_eq!(ok("length(aws_subnet.public[*].id)"), "2");
    assert_eq!(ok("aws_vpc.main.cidr_block"), "\"10.0.0.0/16\"");
    assert_eq!(ok("upper(aws_vpc.main.id)"), "(known after apply)");
    assert_eq!(
        ok("{ for s in aws_subnet.public : s.az => s.id }"),
        "{a = (known after apply), b = (known after apply)}"
    );
    assert_eq!(ok("false && aws_vpc.main.id == \"x\""), "false");
}

#[test]
fn splats_and_indexing() {
    assert_eq!(ok("aws_subnet.public[*].az"), "[\"a\", \"b\"]");
    assert_eq!(ok("aws_subnet.public.*.az"), "[\"a\", \"b\"]");
    assert_eq!(ok("aws_subnet.public[1].az"), "\"b\"");
    assert_eq!(ok("var.ports[\"https\"]"), "443");
    assert_eq!(ok("var.azs.0"), "\"a\"");
    let err = eval("var.azs[5]").unwrap_err();
    assert_eq!(err.summary, "Invalid index");
    assert!(err.detail.unwrap().contains("out of range"));
}

#[test]
fn for_expressions() {
    assert_eq!(ok("[for i, az in var.azs : \"${i}:${az}\"]"), "[\"0:a\", \"1:b\"]");
    assert_eq!(ok("{ for k, v in var.ports : k => v if v > 100 }"), "{https = 443}");
    assert_eq!(ok("{ for az in [\"a\", \"b\", \"a\"] : az => az... }"), "{a = [\"a\", \"a\"], b = [\"b\"]}");
    assert_eq!(eval("{ for az in [\"a\", \"a\"] : az => 1 }").unwrap_err().summary, "Duplicate object key");
    assert_eq!(eval("[for x in 5 : x]").unwrap_err().summary, "Iteration over non-iterable value");
}

#[test]
fn templates_with_directives_and_strip_markers() {
    assert_eq!(ok("\"%{ for az in var.azs }${az},%{ endfor }\""), "\"a,b,\"");
    assert_eq!(ok("\"%{ if var.name == \"web\" }on%{ else }off%{ endif }\""), "\"on\"");
    assert_eq!(ok("\"a  ${~ \"b\" ~}  c\""), "\"abc\"");
    assert_eq!(ok("\"${var.name}\""), "\"web\"");
    assert_eq!(eval("\"x${var.azs}\"").unwrap_err().summary, "Invalid template interpolation value");
}

#[test]
fn functions_try_and_can() {
    assert_eq!(ok("try(var.missing, \"fallback\")"), "\"fallback\"");
    assert_eq!(ok("can(var.ports.nope)"), "false");
    assert_eq!(ok("can(var.ports.http)"), "true");
    assert_eq!(ok("max([1, 5, 3]...)"), "5");
    assert_eq!(eval("max(var.azs...)").unwrap_err().summary, "Invalid function argument");
    assert_eq!(ok("concat(var.azs, [\"c\"])"), "[\"a\", \"b\", \"c\"]");
    let err = eval("lenght(var.azs)").unwrap_err();
    assert_eq!(err.summary, "Call to unknown function");
    assert_eq!(err.hint.as_deref(), Some("did you mean \"length\"?"));
}

#[test]
fn undeclared_references_are_named() {
    let err = eval("var.nmae").unwrap_err();
    assert_eq!(err.summary, "Reference to undeclared input variable");
    assert_eq!(err.hint.as_deref(), Some("did you mean \"name\"?"));
    assert_eq!(eval("aws_vpc.other.id").unwrap_err().summary, "Reference to undeclared resource");
    assert_eq!(eval("aws_vcp.main.id").unwrap_err().hint.as_deref(), Some("did you mean \"aws_vpc\"?"));
    assert_eq!(eval("count.index").unwrap_err().summary, "Reference to \"count\" in non-counted context");
    assert_eq!(eval("aws_vpc.main.nope").unwrap_err().summary, "Unsupported attribute");
}
