//! The apply half of "every argument of a native type is honoured", generated from drplan's
//! own schema of each native type (`drplan::schema`), not hand-picked:
//!
//! - every argument the native writes apply: one block per argument over a valid base, all
//!   applied at once on moto, then planned again. Each that AWS (moto) accepted must be read back
//!   as configured: the second plan has no change for it. That is how a native create that drops
//!   an argument, or a read that loses it, fails here.
//! - every argument the native writes do not apply ([`ResourceType::not_applied`]): never
//!   silently dropped. Without terraform-provider-aws the plan says so, naming it; with it, the
//!   instance is the provider's to plan and apply.
//!
//! Values are generated from each argument's type and name (references into a small shared
//! network where the name says what it refers to). Values AWS or drplan's validation refuses
//! (a made-up instance profile, an argument conflicting with the base) are counted, not failed.

use std::collections::{BTreeMap, BTreeSet};

use drplan::config::Mode;
use drplan::eval::Value;
use drplan::eval::types::Type;
use serde_json::Value as Json;

use crate::apply::block_on;
use crate::harness::{InstalledProvider, Moto, drplan, drplan_moto};

/// What the cases refer to, created in the same configuration. `{zone}` is a hosted zone the
/// test creates beforehand (Route 53 zones are not a native type).
const WORLD: &str = r#"
resource "aws_vpc" "w" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "w1" {
  vpc_id            = aws_vpc.w.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-west-2a"
}
resource "aws_subnet" "w2" {
  vpc_id            = aws_vpc.w.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "us-west-2b"
}
resource "aws_internet_gateway" "w" {
  vpc_id = aws_vpc.w.id
}
resource "aws_route_table" "w" {
  vpc_id = aws_vpc.w.id
}
resource "aws_security_group" "w" {
  vpc_id = aws_vpc.w.id
}
resource "aws_instance" "w" {
  ami           = "ami-12c6146b"
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.w1.id
}
resource "aws_lb" "w" {
  subnets = [aws_subnet.w1.id, aws_subnet.w2.id]
}
resource "aws_lb_target_group" "w" {
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.w.id
}
resource "aws_db_subnet_group" "w" {
  subnet_ids = [aws_subnet.w1.id, aws_subnet.w2.id]
}
"#;

/// A valid block of each native type; `{n}` makes each case's unique where AWS wants it so.
/// A route table association gets a subnet of its own (a subnet has one association).
const BASES: &[(&str, &str)] = &[
    ("aws_vpc", r#"cidr_block = "10.{n}.0.0/16""#),
    ("aws_subnet", "vpc_id = aws_vpc.w.id\n  cidr_block = \"10.0.{n}.0/24\""),
    ("aws_internet_gateway", ""),
    ("aws_eip", r#"domain = "vpc""#),
    ("aws_nat_gateway", "subnet_id = aws_subnet.w1.id\n  connectivity_type = \"private\""),
    ("aws_route_table", "vpc_id = aws_vpc.w.id"),
    (
        "aws_route",
        "route_table_id = aws_route_table.w.id\n  destination_cidr_block = \"172.16.{n}.0/24\"\n  gateway_id = aws_internet_gateway.w.id",
    ),
    ("aws_route_table_association", "route_table_id = aws_route_table.w.id\n  subnet_id = aws_subnet.s{n}.id"),
    ("aws_security_group", "vpc_id = aws_vpc.w.id"),
    (
        "aws_vpc_security_group_ingress_rule",
        "security_group_id = aws_security_group.w.id\n  ip_protocol = \"tcp\"\n  from_port = {n}\n  to_port = {n}\n  cidr_ipv4 = \"10.0.0.0/8\"",
    ),
    (
        "aws_vpc_security_group_egress_rule",
        "security_group_id = aws_security_group.w.id\n  ip_protocol = \"tcp\"\n  from_port = {n}\n  to_port = {n}\n  cidr_ipv4 = \"0.0.0.0/0\"",
    ),
    ("aws_instance", "ami = \"ami-12c6146b\"\n  instance_type = \"t3.micro\"\n  subnet_id = aws_subnet.w1.id"),
    ("aws_lb", "subnets = [aws_subnet.w1.id, aws_subnet.w2.id]"),
    ("aws_lb_target_group", "port = 80\n  protocol = \"HTTP\"\n  vpc_id = aws_vpc.w.id"),
    (
        "aws_lb_listener",
        "load_balancer_arn = aws_lb.w.arn\n  port = {n}\n  default_action {\n    type = \"forward\"\n    target_group_arn = aws_lb_target_group.w.arn\n  }",
    ),
    (
        "aws_lb_target_group_attachment",
        "target_group_arn = aws_lb_target_group.w.arn\n  target_id = aws_instance.w.id\n  port = {n}",
    ),
    ("aws_db_subnet_group", "subnet_ids = [aws_subnet.w1.id, aws_subnet.w2.id]"),
    (
        "aws_db_instance",
        "instance_class = \"db.t3.micro\"\n  engine = \"postgres\"\n  allocated_storage = 20\n  username = \"dr\"\n  password = \"drplan-generated-1\"\n  skip_final_snapshot = true",
    ),
    (
        "aws_route53_health_check",
        "type = \"HTTP\"\n  fqdn = \"h{n}.example.com\"\n  port = 80\n  resource_path = \"/\"\n  failure_threshold = 3\n  request_interval = 30",
    ),
    (
        "aws_route53_record",
        "zone_id = \"{zone}\"\n  name = \"r{n}.example.com\"\n  type = \"A\"\n  ttl = 60\n  records = [\"192.0.2.1\"]",
    ),
];

/// Arguments whose name says what they refer to or how they are shaped.
const BY_NAME: &[(&str, &str)] = &[
    ("vpc_id", "aws_vpc.w.id"),
    ("subnet_id", "aws_subnet.w1.id"),
    ("instance", "aws_instance.w.id"),
    ("security_groups", "[aws_security_group.w.id]"),
    ("vpc_security_group_ids", "[aws_security_group.w.id]"),
    ("security_group_id", "aws_security_group.w.id"),
    ("referenced_security_group_id", "aws_security_group.w.id"),
    ("gateway_id", "aws_internet_gateway.w.id"),
    ("network_interface_id", "aws_instance.w.primary_network_interface_id"),
    ("db_subnet_group_name", "aws_db_subnet_group.w.name"),
    ("availability_zone", "\"us-west-2a\""),
    ("availability_zone_id", "\"usw2-az1\""),
    ("user_data", "\"#!/bin/sh\\necho generated\\n\""),
    ("user_data_base64", "base64encode(\"#!/bin/sh\\n\")"),
    ("cidr_ipv4", "\"10.1.0.0/16\""),
    ("cidr_ipv6", "\"2001:db8::/64\""),
    ("cidr_block", "\"10.0.{n}.0/24\""),
    ("ipv6_cidr_block", "\"2001:db8:1::/64\""),
    ("private_ip", "\"10.0.1.{n}\""),
    ("description", "\"generated\""),
    ("name", "\"gen-{n}\""),
    ("name_prefix", "\"gen\""),
    ("identifier", "\"gen-{n}\""),
    ("identifier_prefix", "\"gen\""),
    ("tags", "{ Team = \"dr\" }"),
];

/// Where moto differs from AWS, so that a value drplan sent is not read back; checked against
/// moto's source (moto 5).
const MOTO_DIFFERS: &[(&str, &str, &str)] = &[
    ("aws_nat_gateway", "private_ip", "moto gives a NAT gateway a random private IP, ignoring PrivateIpAddress"),
    ("aws_instance", "tenancy", "moto's instances have no tenancy: Placement.Tenancy is ignored, none is described"),
];

/// A value for `name` of type `ty`: by name, else one of its allowed values (not its default),
/// else by type; `None` for a type this generator does not build.
fn value_for(name: &str, attr: &drplan::schema::AttrSchema, n: usize) -> Option<String> {
    if let Some((_, v)) = BY_NAME.iter().find(|(k, _)| *k == name) {
        return Some(v.replace("{n}", &n.to_string()));
    }
    // Not the default: where the schema names none, the first allowed value usually is AWS's.
    let default = attr.default.as_ref().and_then(Value::as_str).or_else(|| attr.one_of.first().map(String::as_str));
    let choices = attr.one_of.iter().filter(|v| attr.one_of.len() == 1 || Some(v.as_str()) != default);
    if let Some(choice) = choices.into_iter().next() {
        return Some(format!("{choice:?}"));
    }
    match &attr.ty {
        Type::Bool => Some(if attr.default == Some(Value::Bool(true)) { "false" } else { "true" }.into()),
        Type::Number => Some("7".into()),
        Type::String => Some("\"gen\"".into()),
        Type::List(t) | Type::Set(t) if **t == Type::String => Some("[\"gen\"]".into()),
        Type::Map(t) if **t == Type::String => Some("{ k = \"v\" }".into()),
        _ => None,
    }
}

/// A second value for `name`, different from [`value_for`]'s: back to the default or another
/// allowed value, the other boolean, another number or string. `None` where the first value is
/// a reference or shaped by its name (those are not changed).
fn second_value_for(name: &str, attr: &drplan::schema::AttrSchema, n: usize) -> Option<String> {
    match name {
        "description" => return Some("\"generated again\"".into()),
        "name" => return Some(format!("\"gen-{n}-b\"")),
        "identifier" => return Some(format!("\"gen-{n}-b\"")),
        "tags" => return Some("{ Team = \"dr\", Tier = \"b\" }".into()),
        "user_data" => return Some("\"#!/bin/sh\\necho again\\n\"".into()),
        _ if BY_NAME.iter().any(|(k, _)| *k == name) => return None,
        _ => {}
    }
    let first = value_for(name, attr, n)?;
    if let Some(other) = attr.one_of.iter().map(|v| format!("{v:?}")).find(|v| *v != first) {
        return Some(other);
    }
    match &attr.ty {
        Type::Bool => Some(if first == "true" { "false" } else { "true" }.into()),
        Type::Number => Some("9".into()),
        Type::String => Some("\"gen2\"".into()),
        Type::List(t) | Type::Set(t) if **t == Type::String => Some("[\"gen2\"]".into()),
        Type::Map(t) if **t == Type::String => Some("{ k = \"w\" }".into()),
        _ => None,
    }
}

/// A generated block: its address, the argument it adds, its text (with the blocks only it
/// uses, at `helpers`), and the text with the argument's second value, if it has one.
#[derive(Clone)]
struct Case {
    address: String,
    argument: String,
    text: String,
    helpers: Vec<String>,
    changed: Option<String>,
}

/// One case per settable top-level argument of each native type; `applied`: the arguments the
/// native writes apply, else those they do not.
fn cases(zone: &str, applied: bool) -> Vec<Case> {
    let mut out = Vec::new();
    let mut n = 10;
    for (ty, base) in BASES {
        let schema = drplan::schema::lookup(Mode::Managed, ty).unwrap_or_else(|| panic!("{ty} has a native schema"));
        let not_applied = drplan::resources::get(ty).map(|t| t.not_applied()).unwrap_or_default();
        let set_in_base = |name: &str| base.lines().any(|l| l.trim_start().starts_with(&format!("{name} = ")));
        for (name, attr) in &schema.block.attrs {
            let settable = attr.optional || attr.required;
            if !settable || set_in_base(name) || not_applied.contains(&name.as_str()) == applied {
                continue;
            }
            n += 1;
            let Some(value) = value_for(name, attr, n) else { continue };
            let address = format!("{ty}.a_{name}");
            let (own_subnet, helpers) = if *ty == "aws_route_table_association" {
                let block = format!(
                    "resource \"aws_subnet\" \"s{n}\" {{\n  vpc_id = aws_vpc.w.id\n  cidr_block = \"10.0.{n}.0/24\"\n}}\n"
                );
                (block, vec![format!("aws_subnet.s{n}")])
            } else {
                (String::new(), Vec::new())
            };
            let base = base.replace("{n}", &n.to_string()).replace("{zone}", zone);
            let block = |value: &str| {
                format!("{own_subnet}resource \"{ty}\" \"a_{name}\" {{\n  {base}\n  {name} = {value}\n}}\n")
            };
            let changed = second_value_for(name, attr, n).map(|v| block(&v));
            out.push(Case { address, argument: name.clone(), text: block(&value), helpers, changed });
        }
    }
    out
}

/// A configuration directory of the world and `cases`; the first line of each case's block.
fn write(dir: &std::path::Path, cases: &[&Case]) -> Vec<(usize, String)> {
    let recovery = "recovery {\n  stack = \"gen\"\n  region = \"us-west-2\"\n}\n";
    std::fs::write(dir.join("dr.drplan.hcl"), recovery).unwrap();
    let mut text = format!("provider \"aws\" {{\n  region = \"us-west-2\"\n}}\n{WORLD}");
    let mut starts = Vec::new();
    for c in cases {
        starts.push((text.lines().count() + 1, c.address.clone()));
        text.push_str(&c.text);
    }
    std::fs::write(dir.join("main.tf"), text).unwrap();
    starts
}

/// The case each located error of `stderr` points into.
fn refused(stderr: &str, starts: &[(usize, String)]) -> BTreeSet<String> {
    let line = |chunk: &str| chunk.split("main.tf:").nth(1)?.split(':').next()?.parse::<usize>().ok();
    let block = |l: usize| starts.iter().rev().find(|(s, _)| *s <= l).map(|(_, a)| a.clone());
    stderr.split("Error: ").skip(1).filter_map(|chunk| block(line(chunk)?)).collect()
}

fn hosted_zone(moto: &Moto) -> String {
    block_on(async {
        let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
        let zone = r53.create_hosted_zone().name("example.com").caller_reference("gen").send().await.unwrap();
        zone.hosted_zone().unwrap().id().trim_start_matches("/hostedzone/").to_string()
    })
}

/// Drops from `left`, round by round, the cases drplan's validation refuses (conflicts with the
/// base, values out of range), or with `fallback`, puts back the case's first version instead.
fn drop_invalid<'c>(
    moto: &Moto,
    dir: &std::path::Path,
    left: &mut Vec<&'c Case>,
    fallback: &'c [Case],
) -> BTreeSet<String> {
    let mut invalid = BTreeSet::new();
    for _ in 0..4 {
        let starts = write(dir, left);
        let run = drplan_moto(moto, &["plan", &dir.display().to_string()]);
        if run.code == 0 {
            break;
        }
        let bad = refused(&run.stderr, &starts);
        assert!(!bad.is_empty(), "errors outside the generated blocks:\n{}", run.stderr);
        if fallback.is_empty() {
            left.retain(|c| !bad.contains(&c.address));
        } else {
            for c in left.iter_mut().filter(|c| bad.contains(&c.address)) {
                *c = fallback.iter().find(|f| f.address == c.address).unwrap();
            }
        }
        invalid.extend(bad);
    }
    invalid
}

/// Applies the configuration in `dir`: what AWS (moto) refused, by address. drplan's own
/// failures are defects.
fn apply_refused(moto: &Moto, dir: &str) -> BTreeMap<String, String> {
    let apply = drplan_moto(moto, &["apply", dir, "--auto-approve"]);
    let mut failed = BTreeMap::new();
    for line in apply.stdout.lines() {
        let Some((address, why)) = line.split_once(": FAILED after ") else { continue };
        failed.insert(address.to_string(), why.to_string());
    }
    for (address, why) in &failed {
        for ours in ["not known at apply time", "panicked", "is not expected"] {
            assert!(!why.contains(ours), "drplan failed {address}: {why}");
        }
    }
    failed
}

/// Plans `dir` again: the addresses with a change, with their actions, and the plan's text.
fn changes(moto: &Moto, dir: &str) -> (BTreeMap<String, String>, String) {
    let again = drplan_moto(moto, &["plan", dir, "--format", "json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let plan: Json = serde_json::from_str(&again.stdout).unwrap();
    let changed = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
        .map(|c| (c["address"].as_str().unwrap().to_string(), c["change"]["actions"].to_string()))
        .collect();
    (changed, again.stdout)
}

/// The cases of `cases` planned with a change (where moto is not known to differ).
fn not_read_back(cases: &[&Case], changed: &BTreeMap<String, String>, differs: &[(&str, &str, &str)]) -> Vec<String> {
    let moto_differs =
        |c: &Case| differs.iter().any(|(t, a, _)| c.address.starts_with(&format!("{t}.")) && c.argument == *a);
    cases
        .iter()
        .filter(|c| changed.contains_key(&c.address) && !moto_differs(c))
        .map(|c| format!("{} ({}): {}", c.address, c.argument, changed[&c.address]))
        .collect()
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn every_argument_native_writes_apply_is_read_back_as_configured() {
    let moto = Moto::start();
    let zone = hosted_zone(&moto);
    let all = cases(&zone, true);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().display().to_string();
    let mut left: Vec<&Case> = all.iter().collect();
    let invalid = drop_invalid(&moto, tmp.path(), &mut left, &[]);
    write(tmp.path(), &left);
    let failed = apply_refused(&moto, &dir);
    left.retain(|c| !failed.contains_key(&c.address));
    write(tmp.path(), &left);
    let (changed, plan) = changes(&moto, &dir);
    let wrong = not_read_back(&left, &changed, MOTO_DIFFERS);
    assert_eq!(wrong, Vec::<String>::new(), "applied, then planned again with changes:\n{plan}");
    // "No change" proves nothing for an argument the read never reports: each must be read.
    let unread = missing_from_reads(&moto, tmp.path(), &left);
    assert_eq!(unread, NOT_READ.iter().map(|(t, a, _)| format!("{t}.{a}")).collect::<BTreeSet<_>>());
    // A case whose create failed after its object was made (an address allocated, then not
    // associated) is deleted with its helpers, now that it is out of the configuration.
    let of_a_case = |a: &str| all.iter().any(|c| c.address == a || c.helpers.iter().any(|h| h == a));
    let stray: Vec<&String> = changed.keys().filter(|a| !of_a_case(a)).collect();
    assert!(stray.is_empty(), "changes outside the cases (the shared network): {stray:?}");
    // The generator must keep producing cases that apply (a route table association has none
    // of its own: both its targets are in the base, or conflict with it).
    assert!(left.len() * 2 > all.len(), "only {} of {} generated arguments applied", left.len(), all.len());
    eprintln!(
        "{} generated arguments: {} applied and read back, {} refused by drplan's validation, {} by AWS (moto)",
        all.len(),
        left.len(),
        invalid.len(),
        failed.len()
    );
    changed_in_place_or_replaced(&moto, tmp.path(), &left);
}

/// Generated arguments the object read back does not carry, and why: state-only arguments (as
/// in provider-aws), moto's answers to made-up values, and drplan's gaps (marked "gap": a change
/// to one plans nothing; docs/architecture.md).
const NOT_READ: &[(&str, &str, &str)] = &[
    ("aws_db_instance", "apply_immediately", "how to change, not a property: provider-aws keeps it in state only"),
    ("aws_db_instance", "final_snapshot_identifier", "used at deletion: provider-aws keeps it in state only"),
    (
        "aws_db_instance",
        "kms_key_id",
        "set without storage_encrypted, which AWS refuses; moto drops it (read otherwise)",
    ),
    ("aws_eip", "address", "the address asked for: provider-aws keeps it in state only"),
    ("aws_eip", "associate_with_private_ip", "used when associating: provider-aws keeps it in state only"),
    ("aws_eip", "public_ipv4_pool", "read; moto reports no pool for the made-up one (not established further)"),
    ("aws_instance", "placement_group", "read; moto reports none for the made-up group (not established further)"),
    ("aws_instance", "user_data", "DescribeInstances does not report it: compared by the drplan:user-data tag"),
    ("aws_instance", "user_data_base64", "as user_data"),
    ("aws_route53_health_check", "child_health_threshold", "read; moto reports HealthThreshold for CALCULATED only"),
    ("aws_route53_health_check", "reference_name", "part of the caller reference: provider-aws keeps it in state only"),
    ("aws_subnet", "ipv6_cidr_block", "read; the made-up block is outside the VPC's, moto associates none"),
];

/// The `type.argument` of each applied case whose object, as `drplan snapshot` reads it, does
/// not carry the argument (objects found by their ownership tags).
fn missing_from_reads(moto: &Moto, dir: &std::path::Path, cases: &[&Case]) -> BTreeSet<String> {
    let file = dir.join("live.json");
    let run = drplan_moto(moto, &["snapshot", &dir.display().to_string(), "--out", &file.display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snapshot: Json = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    std::fs::remove_file(&file).unwrap();
    let objects = snapshot["objects"].as_array().unwrap();
    let object = |address: &str| objects.iter().find(|o| o["tags"]["drplan:address"] == address);
    let mut out = BTreeSet::new();
    for c in cases {
        let ty = c.address.split('.').next().unwrap_or_default();
        // Objects AWS cannot tag (routes, rules, records) are found by natural key: their
        // key arguments are read by construction.
        let Some(o) = object(&c.address) else { continue };
        if c.argument != "tags" && o["attributes"][&c.argument].is_null() {
            out.insert(format!("{ty}.{}", c.argument));
        }
    }
    out
}

/// Where moto's updates differ from AWS's, checked against moto's source (moto 5).
const MOTO_UPDATE_DIFFERS: &[(&str, &str, &str)] = &[(
    "aws_db_subnet_group",
    "description",
    "moto's ModifyDBSubnetGroup pops the group and never puts it back (moto/rds/models.py)",
)];

/// The update half: every applied case changed to its second value, applied (in place or by
/// replacement, as planned), then planned again with no change.
fn changed_in_place_or_replaced(moto: &Moto, dir: &std::path::Path, applied: &[&Case]) {
    let first: Vec<Case> =
        applied.iter().map(|c| Case { changed: None, helpers: Vec::new(), ..(*c).clone() }).collect();
    let second: Vec<Case> = applied
        .iter()
        .filter_map(|c| Some(Case { text: c.changed.clone()?, changed: None, helpers: Vec::new(), ..(*c).clone() }))
        .collect();
    let mut now: Vec<&Case> =
        first.iter().map(|c| second.iter().find(|s| s.address == c.address).unwrap_or(c)).collect();
    let invalid = drop_invalid(moto, dir, &mut now, &first);
    let shown = dir.display().to_string();
    write(dir, &now);
    let failed = apply_refused(moto, &shown);
    let (changed, plan) = changes(moto, &shown);
    let differs: Vec<_> = MOTO_DIFFERS.iter().chain(MOTO_UPDATE_DIFFERS).copied().collect();
    let checked: Vec<&Case> = now.iter().filter(|c| !failed.contains_key(&c.address)).copied().collect();
    let wrong = not_read_back(&checked, &changed, &differs);
    assert_eq!(wrong, Vec::<String>::new(), "changed, applied, then planned again with changes:\n{plan}");
    eprintln!(
        "{} applied arguments changed: {} read back, {} refused by drplan's validation, {} by AWS (moto): {:?}",
        second.len(),
        second.len() - invalid.len() - failed.len(),
        invalid.len(),
        failed.len(),
        failed
    );
}

/// Without the provider, every argument the native writes do not apply is named in a warning.
#[test]
fn arguments_native_writes_do_not_apply_are_named_without_the_provider() {
    let all = cases("Z0123456789ABCDEFGHIJ", false);
    assert!(all.len() >= 20, "{} generated", all.len());
    let tmp = tempfile::tempdir().unwrap();
    let refs: Vec<&Case> = all.iter().collect();
    write(tmp.path(), &refs);
    let run = drplan(&["validate", &tmp.path().display().to_string()]);
    let warned = |c: &Case| {
        let (ty, name) = c.address.split_once('.').unwrap();
        let header =
            format!("resource \"{ty}\" \"{name}\" sets {}, which drplan's native {ty} does not apply", c.argument);
        run.stderr.contains(&header) || run.stdout.contains(&header)
    };
    let silent: Vec<&str> = all.iter().filter(|c| !warned(c)).map(|c| c.address.as_str()).collect();
    assert_eq!(silent, Vec::<&str>::new(), "planned without a word:\n{}\n{}", run.stdout, run.stderr);
}

/// With the provider, such an instance is the provider's to plan and apply: its step is
/// delegated in the plan (the apply of a delegated instance on moto: tests/integration/delegated.rs).
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn arguments_native_writes_do_not_apply_make_the_instance_the_providers() {
    let p = InstalledProvider::required();
    let all = cases("Z0123456789ABCDEFGHIJ", false);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().display().to_string();
    let mut left: Vec<&Case> = all.iter().collect();
    let (plan, stderr) = loop {
        let starts = write(tmp.path(), &left);
        let run = p.drplan(&["plan", &dir, "--live", "empty", "--format", "json"]);
        if run.code == 0 {
            break (serde_json::from_str::<Json>(&run.stdout).unwrap(), run.stderr);
        }
        let bad = refused(&run.stderr, &starts);
        assert!(!bad.is_empty() && bad.len() < left.len(), "{}", run.stderr);
        left.retain(|c| !bad.contains(&c.address));
    };
    assert!(!stderr.contains("does not apply"), "{stderr}");
    let steps = plan["execution"]["steps"].as_array().unwrap();
    let native: Vec<&str> = left
        .iter()
        .filter(|c| !steps.iter().any(|s| s["address"] == c.address.as_str() && s["delegated"] == true))
        .map(|c| c.address.as_str())
        .collect();
    assert_eq!(native, Vec::<&str>::new(), "left to native writes that would drop the argument");
}
