//! Expansion over small in-memory configurations.

use super::*;
use crate::config;

fn expand_src(files: &[(&str, &str)], lenient: bool) -> (Expansion, Diagnostics) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let mut loaded = config::load(dir.path());
    let mut diags = std::mem::take(&mut loaded.diagnostics);
    let none = crate::provider::Hosted::default();
    let opts = options(lenient, &none);
    let exp = expand(&loaded, &opts, &mut diags);
    (exp, diags)
}

const REC: &str =
    "recovery {\n  stack = \"t\"\n  region = \"us-west-2\"\n  primary_region = \"us-east-1\"\n  rto = \"30m\"\n}\n";

/// Evaluation options for a whole configuration, nothing known live.
fn options(lenient_keys: bool, hosted: &crate::provider::Hosted) -> Options<'_> {
    Options {
        workspace: "default".into(),
        phase: Default::default(),
        inputs: BTreeMap::new(),
        live: &NothingKnown,
        lenient_keys,
        settings_only: false,
        focus: None,
        plans: None,
        hosted,
    }
}

fn addrs(e: &Expansion) -> Vec<&str> {
    e.instances.iter().map(|i| i.addr.as_str()).collect()
}

fn deps_of<'e>(e: &'e Expansion, addr: &str) -> Vec<&'e str> {
    let inst = e.instances.iter().find(|i| i.addr == addr).unwrap_or_else(|| panic!("{addr} not in {:?}", addrs(e)));
    inst.deps.iter().map(|&d| e.instances[d].addr.as_str()).collect()
}

#[test]
fn for_each_over_a_map_with_unknown_values_expands_by_known_keys() {
    let src = r#"
resource "aws_subnet" "a" {
  for_each   = { x = "10.0.1.0/24", y = "10.0.2.0/24" }
  vpc_id     = "vpc-1"
  cidr_block = each.value
}
resource "aws_route_table_association" "a" {
  for_each       = { for k, s in aws_subnet.a : k => s.id }
  subnet_id      = each.value
  route_table_id = "rtb-1"
}
"#;
    let (e, d) = expand_src(&[("main.tf", src), ("r.tf", REC)], false);
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(
        addrs(&e),
        [
            "aws_subnet.a[\"x\"]",
            "aws_subnet.a[\"y\"]",
            "aws_route_table_association.a[\"x\"]",
            "aws_route_table_association.a[\"y\"]"
        ]
    );
    let assoc = &e.instances[2];
    assert_eq!(assoc.config.get("subnet_id"), Some(&Value::Unknown));
    assert_eq!(e.instances[0].config.get("cidr_block"), Some(&Value::from("10.0.1.0/24")));
    assert_eq!(
        e.instances[0].config.get("map_public_ip_on_launch"),
        Some(&Value::Bool(false)),
        "defaults are filled in"
    );
    assert_eq!(e.instances[0].config.get("arn"), Some(&Value::Unknown), "computed attributes are unknown");
}

#[test]
fn literal_indexes_depend_on_one_instance_only() {
    let src = r#"
resource "aws_eip" "a" {
  count  = 3
  domain = "vpc"
}
resource "aws_nat_gateway" "n" {
  subnet_id     = "subnet-1"
  allocation_id = aws_eip.a[1].id
}
resource "aws_nat_gateway" "all" {
  subnet_id     = "subnet-1"
  allocation_id = (aws_eip.a[*].id)[0]
}
"#;
    let (e, d) = expand_src(&[("main.tf", src), ("r.tf", REC)], false);
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(deps_of(&e, "aws_nat_gateway.n"), ["aws_eip.a[1]"]);
    assert_eq!(deps_of(&e, "aws_nat_gateway.all"), ["aws_eip.a[0]", "aws_eip.a[1]", "aws_eip.a[2]"]);
}

#[test]
fn modules_with_count_get_addresses_outputs_and_dependencies() {
    let child = r#"
variable "cidr" { type = string }
variable "label" {
  type    = string
  default = "x"
}
resource "aws_vpc" "this" {
  cidr_block = var.cidr
  tags       = { Name = var.label }
}
output "id" { value = aws_vpc.this.id }
output "cidr" { value = aws_vpc.this.cidr_block }
"#;
    let root = r#"
module "net" {
  source = "./net"
  count  = 2
  cidr   = cidrsubnet("10.0.0.0/8", 8, count.index)
}
resource "aws_subnet" "s" {
  vpc_id     = module.net[1].id
  cidr_block = cidrsubnet(module.net[1].cidr, 8, 0)
}
output "cidrs" { value = module.net[*].cidr }
"#;
    let (e, d) = expand_src(&[("main.tf", root), ("r.tf", REC), ("net/main.tf", child)], false);
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(addrs(&e), ["module.net[0].aws_vpc.this", "module.net[1].aws_vpc.this", "aws_subnet.s"]);
    assert_eq!(e.module_instances, 2);
    let subnet = &e.instances[2];
    assert_eq!(subnet.config.get("cidr_block"), Some(&Value::from("10.1.0.0/24")));
    // Module outputs carry dependencies on the instances behind them (both instances: the
    // module call is indexed, which this analysis treats as the whole call).
    assert!(deps_of(&e, "aws_subnet.s").contains(&"module.net[1].aws_vpc.this"));
    assert_eq!(e.outputs[0].value, Value::List(vec!["10.0.0.0/16".into(), "10.1.0.0/16".into()].into()));
}

#[test]
fn workspace_and_path_are_available() {
    let src = r#"
resource "aws_eip" "a" {
  domain = "vpc"
  tags   = { ws = drplan.workspace, tf = terraform.workspace, has_path = path.module != "" }
}
"#;
    let (e, d) = expand_src(&[("main.tf", src), ("r.tf", REC)], false);
    assert!(!d.has_errors(), "{d:?}");
    let tags = e.instances[0].config.get("tags").unwrap();
    assert_eq!(tags.get("ws"), Some(&Value::from("default")));
    assert_eq!(tags.get("tf"), Some(&Value::from("default")));
    assert_eq!(tags.get("has_path"), Some(&Value::from("true")));
}

#[test]
fn unknown_for_each_is_an_error_when_planning_and_deferred_when_validating() {
    let src = r#"
resource "aws_vpc" "v" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "s" {
  for_each = toset([aws_vpc.v.id])
  vpc_id   = each.value
}
"#;
    let (_, d) = expand_src(&[("main.tf", src), ("r.tf", REC)], false);
    assert!(d.0.iter().any(|d| d.summary == "Invalid for_each argument"), "{d:?}");
    let (e, d) = expand_src(&[("main.tf", src), ("r.tf", REC)], true);
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(addrs(&e), ["aws_vpc.v", "aws_subnet.s[*]"]);
}

#[test]
fn recovery_block_is_decoded() {
    let (e, d) = expand_src(&[("r.tf", REC)], false);
    assert!(!d.has_errors(), "{d:?}");
    let r = e.recovery.unwrap();
    assert_eq!(
        (r.stack.as_str(), r.region.as_str(), r.primary_region.as_deref(), r.rto_seconds, r.rpo_seconds),
        ("t", "us-west-2", Some("us-east-1"), Some(1800), None)
    );
}

#[test]
fn data_sources_may_use_the_primary_region() {
    let src = r#"
provider "aws" {
  alias  = "primary"
  region = "us-east-1"
}
data "aws_db_instance" "p" {
  provider               = aws.primary
  db_instance_identifier = "prod"
}
"#;
    let (e, d) = expand_src(&[("main.tf", src), ("r.tf", REC)], false);
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(e.instances[0].region.as_deref(), Some("us-east-1"));
}

#[test]
fn lifecycle_is_recorded() {
    let src = r#"
resource "aws_db_instance" "db" {
  identifier     = "db"
  instance_class = "db.t3.micro"
  lifecycle {
    prevent_destroy       = true
    create_before_destroy = true
    ignore_changes        = [tags, engine_version]
  }
}
"#;
    let (e, d) = expand_src(&[("main.tf", src), ("r.tf", REC)], false);
    assert!(!d.has_errors(), "{d:?}");
    let lc = &e.instances[0].lifecycle;
    assert!(lc.prevent_destroy && lc.create_before_destroy);
    assert_eq!(lc.ignore_changes, ["tags", "engine_version"]);
}

#[test]
fn templatefile_paths_are_relative_to_the_working_directory_via_path_module() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.tftpl"), "db=${db}").unwrap();
    std::fs::write(dir.path().join("r.tf"), REC).unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_instance\" \"w\" {\n  user_data = templatefile(\"${path.module}/t.tftpl\", { db = \"x\" })\n}\n",
    )
    .unwrap();
    let mut loaded = config::load(dir.path());
    let mut diags = std::mem::take(&mut loaded.diagnostics);
    let none = crate::provider::Hosted::default();
    let opts = options(false, &none);
    let e = expand(&loaded, &opts, &mut diags);
    assert!(!diags.has_errors(), "{diags:?}");
    assert_eq!(e.instances[0].config.get("user_data"), Some(&Value::from("db=x")));
}

#[test]
fn sensitivity_follows_values_through_locals_and_modules() {
    let child = r#"
variable "secret" { type = string }
output "derived" { value = "x-${var.secret}" }
output "plain" { value = "x" }
"#;
    let root = r#"
variable "pw" {
  type      = string
  sensitive = true
  default   = "s3cret"
}
locals { conn = "db:${var.pw}" }
module "m" {
  source = "./m"
  secret = var.pw
}
resource "aws_db_instance" "a" {
  instance_class = "db.t3.micro"
  identifier     = module.m.plain
  tags           = { c = local.conn }
  engine         = module.m.derived
}
"#;
    let (e, d) = expand_src(&[("main.tf", root), ("r.tf", REC), ("m/main.tf", child)], false);
    assert!(!d.has_errors(), "{d:?}");
    let s: Vec<&str> = e.instances[0].sensitive_attrs.iter().map(String::as_str).collect();
    assert_eq!(
        s,
        ["engine", "password", "tags", "tags_all"],
        "schema-sensitive password, plus values derived from var.pw (and tags_all, which holds the tags)"
    );
}

/// Provider-served types: a block is checked against the provider's schema, and an argument of
/// type list or set of objects may be written as blocks, static or `dynamic`, as Terraform
/// allows (`ingress { ... }` on `aws_default_security_group`).
#[test]
fn attributes_may_be_written_as_blocks_for_provider_schemas() {
    let schema: crate::provider::ProviderSchema = serde_json::from_str(
        r#"{"resource_schemas":{"aws_default_security_group":{"version":1,"block":{"attributes":{
            "vpc_id":{"type":"string","optional":true,"computed":true},
            "ingress":{"type":["set",["object",{"from_port":"number","protocol":"string","cidr_blocks":["list","string"]}]],"optional":true,"computed":true}}}}}}"#,
    )
    .unwrap();
    let declared = [(Mode::Managed, "aws_default_security_group".to_string())].into();
    let hosted = crate::provider::Hosted::from_schema("5.100.0", &schema, &declared);
    let dir = tempfile::tempdir().unwrap();
    let main = format!(
        "{REC}resource \"aws_default_security_group\" \"d\" {{\n  ingress {{\n    from_port = 443\n    protocol  = \"tcp\"\n  }}\n  dynamic \"ingress\" {{\n    for_each = [80]\n    content {{\n      from_port   = ingress.value\n      protocol    = \"tcp\"\n      cidr_blocks = [\"10.0.0.0/8\"]\n    }}\n  }}\n}}\n"
    );
    std::fs::write(dir.path().join("main.tf"), main).unwrap();
    let mut loaded = config::load(dir.path());
    let mut diags = std::mem::take(&mut loaded.diagnostics);
    let opts = options(false, &hosted);
    let e = expand(&loaded, &opts, &mut diags);
    let errors: Vec<&str> =
        diags.0.iter().filter(|d| d.severity == crate::diag::Severity::Error).map(|d| d.summary.as_str()).collect();
    assert_eq!(errors, ["Provider-served resource type not planned yet"], "only the missing unmanaged entry");
    let ingress = e.instances[0].config.get("ingress").unwrap();
    let rule = |port: f64, cidrs: Value| {
        Value::Map(
            [
                ("cidr_blocks".to_string(), cidrs),
                ("from_port".to_string(), Value::from(port)),
                ("protocol".to_string(), Value::from("tcp")),
            ]
            .into(),
        )
    };
    let want =
        Value::set(vec![rule(443.0, Value::Null), rule(80.0, Value::List(vec![Value::from("10.0.0.0/8")].into()))]);
    assert_eq!(ingress, &want);
    assert!(e.instances[0].written.contains("ingress"));
}

#[test]
fn sql_checks_hide_sensitive_arguments_and_refuse_values_that_cannot_work() {
    let src = r#"
variable "pw" {
  type      = string
  sensitive = true
  default   = "hunter2"
}
check "orders" {
  sql {
    engine   = "postgres"
    host     = "db.local"
    database = "shop-${var.pw}"
    username = "app"
    password = var.pw
    query    = "select 1"
    expect   = "1"
  }
}
check "bad" {
  sql {
    engine    = "oracle"
    host      = "db.local"
    password  = "p"
    secret_id = "s"
    query     = "select 1"
    max_age   = "soon"
    tls       = "on"
    min_rows  = "many"
  }
}
check "incomplete" {
  sql {
    engine = "mysql"
    query  = "select 1"
  }
}
"#;
    let (e, d) = expand_src(&[("main.tf", src), ("r.tf", REC)], false);
    let orders = e.checks.iter().find(|c| c.name == "orders").unwrap();
    let hidden: Vec<&str> = orders.sensitive_args.iter().map(String::as_str).collect();
    assert_eq!(hidden, ["database", "password"], "what refers to a sensitive value, and the password");
    let text = format!("{d:?}");
    for want in [
        "engine = \\\"oracle\\\" is not one of: postgres",
        "tls = \\\"on\\\" is not one of: require, verify-full, disable",
        "max_age = \\\"soon\\\"",
        "min_rows = \\\"many\\\" is not a whole number",
        "sets both password and secret_id",
        "check \\\"incomplete\\\"'s sql block needs host, password or secret_id",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    assert!(!text.contains("hunter2"));
}
