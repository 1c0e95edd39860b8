//! Every argument provider-aws 5.100 has on a type drplan serves natively, generated from the
//! provider's recorded schema (tests/fixtures/provider/schema-subset.json), not hand-picked:
//! one block per argument, over a valid base block of its type, all planned at once with the
//! provider. drplan never refuses one as its own ("not expected", "Unsupported"), and each the
//! provider accepts is in the plan's values (honoured natively or by delegation, never
//! dropped). Values the provider itself refuses (an enum it validates, an argument that
//! conflicts with the base block's) are the provider's word and are counted, not failed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::harness::{InstalledProvider, root};

/// A valid block of each native AWS type, written by hand; what is generated is the argument
/// added to it.
const BASES: &[(&str, &str)] = &[
    ("aws_vpc", r#"cidr_block = "10.0.0.0/16""#),
    (
        "aws_subnet",
        r#"vpc_id = "vpc-0123456789abcdef0"
  cidr_block = "10.0.1.0/24""#,
    ),
    ("aws_internet_gateway", ""),
    ("aws_eip", r#"domain = "vpc""#),
    ("aws_nat_gateway", r#"subnet_id = "subnet-0123456789abcdef0""#),
    ("aws_route_table", r#"vpc_id = "vpc-0123456789abcdef0""#),
    (
        "aws_route",
        r#"route_table_id = "rtb-0123456789abcdef0"
  destination_cidr_block = "0.0.0.0/0"
  gateway_id = "igw-0123456789abcdef0""#,
    ),
    (
        "aws_route_table_association",
        r#"route_table_id = "rtb-0123456789abcdef0"
  subnet_id = "subnet-0123456789abcdef0""#,
    ),
    ("aws_security_group", r#"vpc_id = "vpc-0123456789abcdef0""#),
    (
        "aws_vpc_security_group_ingress_rule",
        r#"security_group_id = "sg-0123456789abcdef0"
  ip_protocol = "tcp"
  from_port = 443
  to_port = 443
  cidr_ipv4 = "10.0.0.0/8""#,
    ),
    (
        "aws_vpc_security_group_egress_rule",
        r#"security_group_id = "sg-0123456789abcdef0"
  ip_protocol = "-1"
  cidr_ipv4 = "0.0.0.0/0""#,
    ),
    (
        "aws_instance",
        r#"ami = "ami-0123456789abcdef0"
  instance_type = "t3.micro""#,
    ),
    (
        "aws_ami_copy",
        r#"name = "gen"
  source_ami_id = "ami-0123456789abcdef0"
  source_ami_region = "us-east-1""#,
    ),
    ("aws_lb", r#"subnets = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]"#),
    (
        "aws_lb_target_group",
        r#"port = 80
  protocol = "HTTP"
  vpc_id = "vpc-0123456789abcdef0""#,
    ),
    (
        "aws_lb_listener",
        r#"load_balancer_arn = "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/gen/0123456789abcdef"
  port = 80
  default_action {
    type = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/gen/0123456789abcdef"
  }"#,
    ),
    (
        "aws_lb_target_group_attachment",
        r#"target_group_arn = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/gen/0123456789abcdef"
  target_id = "i-0123456789abcdef0""#,
    ),
    ("aws_db_subnet_group", r#"subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]"#),
    (
        "aws_db_instance",
        r#"instance_class = "db.t3.micro"
  engine = "postgres"
  allocated_storage = 20
  username = "dr"
  password = "drplan-generated-1"
  skip_final_snapshot = true"#,
    ),
    (
        "aws_db_snapshot_copy",
        r#"source_db_snapshot_identifier = "arn:aws:rds:us-east-1:123456789012:snapshot:gen"
  target_db_snapshot_identifier = "gen-copy""#,
    ),
    (
        "aws_route53_health_check",
        r#"type = "HTTP"
  fqdn = "example.com"
  port = 80
  resource_path = "/"
  failure_threshold = 3
  request_interval = 30"#,
    ),
    (
        "aws_route53_record",
        r#"zone_id = "Z0123456789ABCDEFGHIJ"
  name = "gen.example.com"
  type = "A"
  ttl = 60
  records = ["192.0.2.1"]"#,
    ),
];

/// A value of the attribute's type, shaped by its name where providers validate shapes
/// (ARNs, CIDR blocks, regions); `None` for types this generator does not build.
fn value_for(name: &str, ty: &Json) -> Option<String> {
    let string = || {
        let v = if name.ends_with("_arn") || name.ends_with("_arns") {
            "arn:aws:iam::123456789012:role/gen"
        } else if name.contains("ipv6") && name.contains("cidr") {
            "2001:db8::/56"
        } else if name.contains("cidr") {
            "10.0.2.0/24"
        } else if matches!(name, "create" | "read" | "update" | "delete") {
            "10m" // a `timeouts` block's durations
        } else if name.contains("region") {
            "us-east-1"
        } else {
            "gen"
        };
        format!("\"{v}\"")
    };
    match ty {
        Json::String(s) if s == "string" => Some(string()),
        Json::String(s) if s == "number" => Some("1".into()),
        Json::String(s) if s == "bool" => Some("true".into()),
        Json::Array(a) if a.len() == 2 && (a[0] == "list" || a[0] == "set") => {
            Some(format!("[{}]", value_for(name.trim_end_matches('s'), &a[1])?))
        }
        Json::Array(a) if a.len() == 2 && a[0] == "map" => Some(format!("{{ gen = {} }}", value_for(name, &a[1])?)),
        _ => None,
    }
}

/// A nested block: its required attributes, or its first settable one. A block with nothing
/// settable is the provider's output only (an AMI copy's `ebs_block_device`; configuring it
/// crashes provider-aws 5.100, under Terraform too): none.
fn block_for(name: &str, nested: &Json) -> Option<String> {
    let attrs = nested["block"]["attributes"].as_object()?;
    let settable = |a: &Json| a["required"] == true || a["optional"] == true;
    attrs.values().find(|a| settable(a))?;
    let mut chosen: Vec<(&String, &Json)> = attrs.iter().filter(|(_, a)| a["required"] == true).collect();
    if chosen.is_empty() {
        chosen.extend(attrs.iter().find(|(_, a)| settable(a)));
    }
    let mut body = String::new();
    for (n, a) in chosen {
        let _ = write!(body, "\n    {n} = {}", value_for(n, &a["type"])?);
    }
    Some(format!("{name} {{{body}\n  }}"))
}

/// One generated block per settable argument and nested block of `ty` not in its base:
/// (resource name, argument, the block's text).
fn cases(ty: &str, base: &str, schema: &Json) -> Vec<(String, String, String)> {
    let block = &schema[ty]["block"];
    let set_in_base = |n: &str| base.lines().any(|l| l.trim_start().starts_with(&format!("{n} ")));
    let mut out = Vec::new();
    for (name, a) in block["attributes"].as_object().unwrap() {
        let settable = a["optional"] == true || a["required"] == true;
        if !settable || set_in_base(name) || matches!(name.as_str(), "id" | "tags_all") {
            continue;
        }
        if let Some(v) = value_for(name, &a["type"]) {
            out.push((format!("a_{name}"), name.clone(), format!("{name} = {v}")));
        }
    }
    for (name, nested) in block["block_types"].as_object().into_iter().flatten() {
        if !set_in_base(name)
            && let Some(b) = block_for(name, nested)
        {
            out.push((format!("b_{name}"), name.clone(), b));
        }
    }
    out.into_iter()
        .map(|(r, n, body)| {
            let text = format!("resource \"{ty}\" \"{r}\" {{\n  {base}\n  {body}\n}}\n");
            (r, n, text)
        })
        .collect()
}

/// Arguments the provider itself plans as null for the base block, as Terraform's plan shows
/// them (checked with `terraform plan`, Terraform 1.11.4 and provider-aws 5.100.0, 2026-12-06):
/// an application load balancer always balances across zones.
const CLEARED_BY_THE_PROVIDER: &[(&str, &str)] = &[("aws_lb", "enable_cross_zone_load_balancing")];

/// A generated case: the address of its block, the argument it adds, its text.
struct Case {
    address: String,
    argument: String,
    text: String,
}

fn all_cases() -> Vec<Case> {
    let path = root().join("tests/fixtures/provider/schema-subset.json");
    let recorded: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let schema = &recorded["provider_schemas"]["registry.terraform.io/hashicorp/aws"]["resource_schemas"];
    let mut out = Vec::new();
    for (ty, base) in BASES {
        for (name, argument, text) in cases(ty, base, schema) {
            out.push(Case { address: format!("{ty}.{name}"), argument, text });
        }
    }
    out
}

/// Plans `cases` in one configuration; on errors, each error's block (by the line it points
/// at) with its text; unlocated errors under "".
fn plan(p: &InstalledProvider, cases: &[&Case]) -> Result<Json, BTreeMap<String, String>> {
    let tmp = tempfile::tempdir().unwrap();
    let recovery = "recovery {\n  stack = \"gen\"\n  region = \"us-west-2\"\n  primary_region = \"us-east-1\"\n}\n";
    std::fs::write(tmp.path().join("dr.drplan.hcl"), recovery).unwrap();
    let (mut text, mut starts) = (String::new(), Vec::new());
    for c in cases {
        starts.push((text.lines().count() + 1, c.address.clone()));
        text.push_str(&c.text);
    }
    std::fs::write(tmp.path().join("main.tf"), &text).unwrap();
    // For a look at what was planned: each round's configuration, main-1.tf, main-2.tf, ...
    if let Some(keep) = std::env::var_os("DRPLAN_KEEP_GENERATED").map(std::path::PathBuf::from) {
        let round = (1..).find(|n| !keep.join(format!("main-{n}.tf")).exists()).unwrap_or(1);
        std::fs::write(keep.join(format!("main-{round}.tf")), &text).unwrap();
    }
    let dir = tmp.path().display().to_string();
    let run = p.drplan(&["plan", &dir, "--live", "empty", "--format", "json"]);
    if run.code == 0 {
        return Ok(serde_json::from_str(&run.stdout).unwrap());
    }
    let mut errors = BTreeMap::new();
    for chunk in run.stderr.split("Error: ").skip(1) {
        let line = chunk
            .split("main.tf:")
            .nth(1)
            .and_then(|rest| rest.split(':').next())
            .and_then(|n| n.parse::<usize>().ok());
        let block = line.and_then(|l| starts.iter().rev().find(|(s, _)| *s <= l)).map(|(_, a)| a.clone());
        errors.entry(block.unwrap_or_default()).or_insert_with(|| chunk.to_string());
    }
    Err(errors)
}

/// Whether the plan shows `argument` of the block at `address`: its value, or unknown where the
/// provider says so.
fn shown(plan: &Json, address: &str, argument: &str) -> bool {
    let changes = plan["resource_changes"].as_array().unwrap();
    let Some(c) = changes.iter().find(|c| c["address"] == address) else { return false };
    let change = &c["change"];
    let present = match &change["after"][argument] {
        Json::Null => false,
        Json::Array(items) => !items.is_empty(),
        _ => true,
    };
    // Unknown where the provider plans it so (an HTTP listener's TLS header names, as in
    // Terraform's plan); secrets are masked.
    present || change["after_unknown"][argument] == true || change["after_sensitive"][argument] == true
}

#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn every_provider_argument_of_a_native_type_is_accepted_and_shown() {
    let p = InstalledProvider::required();
    let cases = all_cases();
    let mut left: Vec<&Case> = cases.iter().collect();
    let mut refused: BTreeMap<String, String> = BTreeMap::new();
    let plan = loop {
        match plan(&p, &left) {
            Ok(plan) => break plan,
            Err(errors) => {
                assert!(!errors.contains_key(""), "an error at no generated block: {errors:#?}");
                for (address, why) in &errors {
                    for drplans_own in ["is not expected", "Unsupported argument", "Unsupported block", "natively"] {
                        assert!(!why.contains(drplans_own), "drplan refused {address}: {why}");
                    }
                    for crashed in ["transport error", "os error", "did not answer"] {
                        assert!(!why.contains(crashed), "the provider crashed planning {address}: {why}");
                    }
                }
                assert!(refused.len() < cases.len(), "{errors:#?}");
                left.retain(|c| !errors.contains_key(&c.address));
                refused.extend(errors);
            }
        }
    };
    let dropped: Vec<String> = left
        .iter()
        .filter(|c| !shown(&plan, &c.address, &c.argument))
        .filter(|c| {
            !CLEARED_BY_THE_PROVIDER.iter().any(|(ty, a)| c.address.starts_with(&format!("{ty}.")) && c.argument == *a)
        })
        .map(|c| format!("{} ({})", c.address, c.argument))
        .collect();
    assert_eq!(dropped, Vec::<String>::new(), "arguments planned without their value");
    for (ty, _) in BASES {
        let ours = |a: &String| a.starts_with(&format!("{ty}."));
        let honoured = left.iter().filter(|c| ours(&c.address)).count();
        let why: Vec<_> = refused.iter().filter(|(a, _)| ours(a)).collect();
        assert!(honoured > 0, "no argument of {ty} planned; refused: {why:#?}");
    }
    let (all, planned) = (cases.len(), left.len());
    eprintln!("{all} generated arguments: {planned} planned with their values, {} refused as invalid", refused.len());
}

/// provider-aws 5.100 crashes (a Go panic, under Terraform too) planning an AMI copy whose
/// computed-only `ebs_block_device` is configured. The crash is one error, at a block it left
/// unplanned, with what the provider said (the panic); the blocks planned after it are not
/// each reported again.
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn a_provider_crash_while_planning_is_one_error_with_its_reason() {
    let p = InstalledProvider::required();
    let tmp = tempfile::tempdir().unwrap();
    let recovery = "recovery {\n  stack = \"crash\"\n  region = \"us-west-2\"\n  primary_region = \"us-east-1\"\n}\n";
    std::fs::write(tmp.path().join("dr.drplan.hcl"), recovery).unwrap();
    let base = BASES.iter().find(|(t, _)| *t == "aws_ami_copy").unwrap().1;
    let mut text = format!("resource \"aws_ami_copy\" \"crash\" {{\n  {base}\n  ebs_block_device {{\n  }}\n}}\n");
    for n in 0..8 {
        let _ = write!(text, "resource \"aws_vpc\" \"v{n}\" {{\n  cidr_block = \"10.{n}.0.0/16\"\n}}\n");
    }
    std::fs::write(tmp.path().join("main.tf"), text).unwrap();
    let run = p.drplan(&["plan", &tmp.path().display().to_string(), "--live", "empty"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stderr.matches("Error: ").count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("terraform-provider-aws stopped answering while planning"), "{}", run.stderr);
    assert!(run.stderr.contains("it said: panic: interface conversion"), "what the provider said: {}", run.stderr);
}
