//! Produces a "converged" live snapshot for an example without AWS, by simulating apply:
//! plan against a snapshot, create every step whose configured values are all known (with
//! deterministic ids and the computed attributes AWS would fill in), and repeat until nothing
//! is left to create. Used to make the recorded states under `examples/*/live/`.
//!
//! `cargo run --example simulate_apply -- examples/webapp-dr examples/webapp-dr/live/empty.json > converged.json`

use std::collections::BTreeMap;
use std::path::PathBuf;

use drplan::cloud::Offline;
use drplan::expand::inputs::VarArgs;
use drplan::live::{ADDRESS_TAG, LiveObject, LiveSnapshot, STACK_TAG};
use drplan::ops::LoadOptions;
use drplan::ops::plan::{PlanOptions, plan};
use drplan::plan::Action;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, start] = args.as_slice() else {
        eprintln!("usage: simulate_apply CONFIG_DIR START_SNAPSHOT");
        std::process::exit(2);
    };
    let mut snap = LiveSnapshot::load(&PathBuf::from(start)).unwrap_or_else(|e| panic!("{e}"));
    let account = snap.account_id.clone().unwrap_or_else(|| "123456789012".into());
    let work = tempfile::NamedTempFile::new().expect("temp file");
    for round in 0..30 {
        std::fs::write(work.path(), serde_json::to_string(&snap).unwrap()).unwrap();
        let opts = PlanOptions {
            load: LoadOptions {
                dir: PathBuf::from(dir),
                vars: VarArgs::default(),
                workspace: "default".into(),
                phase: None,
                lenient_keys: false,
                provider: drplan::provider::Env::from_process(),
            },
            cloud: &Offline::Snapshot(work.path().to_path_buf()),
            targets: Vec::new(),
            destroy: false,
            calibration: Default::default(),
        };
        let planned = match plan(&opts) {
            Ok(p) => p,
            Err(drplan::error::Error::Config { diagnostics, sources }) => {
                eprintln!("round {round}:\n{}", diagnostics.render(&sources));
                std::process::exit(1);
            }
            Err(e) => {
                eprintln!("round {round}: {e}");
                std::process::exit(1);
            }
        };
        let mut created = 0;
        for c in &planned.plan.resource_changes {
            let ch = c.change.parsed();
            if c.change.actions == [Action::Update] {
                // Apply known planned values onto the existing object.
                let Some(id) = &c.drplan.live_id else { continue };
                let Some(obj) = snap.objects.iter_mut().find(|o| &o.id == id) else { continue };
                let mut changed = false;
                for a in &c.drplan.attributes {
                    let Some(v) = ch.after.get(&a.name) else { continue };
                    let unknown = ch.after_unknown.get(&a.name).is_some_and(has_unknown);
                    if v.is_null() || (unknown && !v.is_array()) || a.name == "tags" {
                        continue;
                    }
                    let v = strip_nulls(v);
                    if obj.attributes.get(&a.name) != Some(&v) {
                        obj.attributes.insert(a.name.clone(), v);
                        changed = true;
                    }
                }
                created += usize::from(changed);
                continue;
            }
            if c.change.actions != [Action::Create] {
                continue;
            }
            let after = ch.after.as_object().cloned().unwrap_or_default();
            // Top-level values must be known; unknowns inside nested blocks are often computed
            // attributes AWS fills in, and a later round's update settles the rest.
            let ready = c.drplan.shown.iter().all(|k| {
                ch.after.get(k).is_some_and(Json::is_array) || ch.after_unknown.get(k).is_none_or(|u| !has_unknown(u))
            });
            if !ready {
                continue;
            }
            snap.objects.push(fabricate(
                &c.ty,
                &c.address,
                drplan::resources::home_region(&c.ty, &c.drplan.region),
                &account,
                &planned.plan.stack,
                &after,
                &ch.after_unknown,
            ));
            created += 1;
        }
        if created == 0 {
            break;
        }
    }
    snap.sort();
    println!("{}", serde_json::to_string_pretty(&snap).unwrap());
}

/// Blocks as AWS reports them: without the attributes nobody set.
fn strip_nulls(v: &Json) -> Json {
    match v {
        Json::Array(items) => Json::Array(items.iter().map(strip_nulls).collect()),
        Json::Object(m) => {
            Json::Object(m.iter().filter(|(_, x)| !x.is_null()).map(|(k, x)| (k.clone(), strip_nulls(x))).collect())
        }
        other => other.clone(),
    }
}

/// Whether an `after_unknown` mask marks anything unknown.
fn has_unknown(mask: &Json) -> bool {
    match mask {
        Json::Bool(b) => *b,
        Json::Array(items) => items.iter().any(has_unknown),
        Json::Object(m) => m.values().any(has_unknown),
        _ => false,
    }
}

fn short_hash(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// One created object: the planned values, plus computed attributes AWS would fill in.
fn fabricate(
    ty: &str,
    addr: &str,
    region: &str,
    account: &str,
    stack: &str,
    after: &serde_json::Map<String, Json>,
    unknown: &Json,
) -> LiveObject {
    let h = short_hash(&format!("{stack}/{addr}"));
    let name = after.get("name").and_then(Json::as_str).unwrap_or("x").to_string();
    let identifier = after.get("identifier").and_then(Json::as_str).unwrap_or("db").to_string();
    let (id, arn) = match ty {
        "aws_vpc" => (format!("vpc-{h}"), format!("arn:aws:ec2:{region}:{account}:vpc/vpc-{h}")),
        "aws_subnet" => (format!("subnet-{h}"), format!("arn:aws:ec2:{region}:{account}:subnet/subnet-{h}")),
        "aws_internet_gateway" => {
            (format!("igw-{h}"), format!("arn:aws:ec2:{region}:{account}:internet-gateway/igw-{h}"))
        }
        "aws_eip" => (format!("eipalloc-{h}"), format!("arn:aws:ec2:{region}:{account}:elastic-ip/eipalloc-{h}")),
        "aws_nat_gateway" => (format!("nat-{h}"), String::new()),
        "aws_route_table" => (format!("rtb-{h}"), format!("arn:aws:ec2:{region}:{account}:route-table/rtb-{h}")),
        "aws_route_table_association" => (format!("rtbassoc-{h}"), String::new()),
        "aws_security_group" => (format!("sg-{h}"), format!("arn:aws:ec2:{region}:{account}:security-group/sg-{h}")),
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
            (format!("sgr-{h}"), format!("arn:aws:ec2:{region}:{account}:security-group-rule/sgr-{h}"))
        }
        "aws_instance" => (format!("i-{h}"), format!("arn:aws:ec2:{region}:{account}:instance/i-{h}")),
        "aws_ami_copy" => (format!("ami-{h}"), format!("arn:aws:ec2:{region}::image/ami-{h}")),
        "aws_lb" => {
            let arn = format!("arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/{h}");
            (arn.clone(), arn)
        }
        "aws_lb_target_group" => {
            let arn = format!("arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name}/{h}");
            (arn.clone(), arn)
        }
        "aws_lb_listener" => {
            let arn = format!("arn:aws:elasticloadbalancing:{region}:{account}:listener/app/x/{h}");
            (arn.clone(), arn)
        }
        "aws_db_subnet_group" => (name.clone(), format!("arn:aws:rds:{region}:{account}:subgrp:{name}")),
        "aws_db_instance" => {
            (format!("db-{}", h.to_uppercase()), format!("arn:aws:rds:{region}:{account}:db:{identifier}"))
        }
        "aws_db_snapshot_copy" => {
            let t = after.get("target_db_snapshot_identifier").and_then(Json::as_str).unwrap_or("snap").to_string();
            (t.clone(), format!("arn:aws:rds:{region}:{account}:snapshot:{t}"))
        }
        "aws_route53_health_check" => (format!("{}-{}-4000-8000-{}", &h[..8], &h[8..12], &h[..12]), String::new()),
        "aws_route53_record" => {
            let zone = after.get("zone_id").and_then(Json::as_str).unwrap_or("Z");
            let set = after.get("set_identifier").and_then(Json::as_str).unwrap_or("");
            (format!("{zone}_{name}_{}_{set}", after.get("type").and_then(Json::as_str).unwrap_or("A")), String::new())
        }
        _ => (format!("{}-{h}", ty.trim_start_matches("aws_")), String::new()),
    };
    let mut attributes: BTreeMap<String, Json> = after
        .iter()
        .filter(|(k, v)| !v.is_null() && !matches!(k.as_str(), "id" | "tags" | "tags_all"))
        .map(|(k, v)| (k.clone(), strip_nulls(v)))
        .collect();
    let computed = |k: &str| unknown.get(k) == Some(&Json::Bool(true));
    let mut fill = |k: &str, v: Json| {
        if computed(k) {
            attributes.insert(k.to_string(), v);
        }
    };
    if !arn.is_empty() {
        fill("arn", json!(arn));
    }
    fill("owner_id", json!(account));
    match ty {
        "aws_eip" => {
            fill("allocation_id", json!(id));
            fill("public_ip", json!(format!("203.0.113.{}", u8::from_str_radix(&h[..2], 16).unwrap_or(1) % 250 + 1)));
        }
        "aws_lb" => {
            fill("dns_name", json!(format!("{name}-{}.{region}.elb.amazonaws.com", &h[..8])));
            fill("zone_id", json!("Z1H1FL5HABSF5"));
            fill("arn_suffix", json!(format!("app/{name}/{h}")));
            fill("vpc_id", json!("vpc-unknown"));
        }
        "aws_lb_target_group" => fill("arn_suffix", json!(format!("targetgroup/{name}/{h}"))),
        "aws_instance" => {
            fill(
                "private_ip",
                json!(format!(
                    "10.0.{}.{}",
                    u8::from_str_radix(&h[..2], 16).unwrap_or(1),
                    u8::from_str_radix(&h[2..4], 16).unwrap_or(1) % 250 + 4
                )),
            );
            fill("instance_state", json!("running"));
        }
        "aws_db_instance" => {
            let address = format!("{identifier}.c{}.{region}.rds.amazonaws.com", &h[..10]);
            fill("address", json!(address));
            fill("endpoint", json!(format!("{address}:5432")));
            fill("port", json!(5432));
            fill("engine", json!("postgres"));
            fill("status", json!("available"));
            fill("resource_id", json!(format!("db-{}", h.to_uppercase())));
        }
        "aws_db_snapshot_copy" => fill("db_snapshot_arn", json!(arn)),
        "aws_route53_record" => fill("fqdn", json!(name)),
        "aws_db_subnet_group" => fill("name", json!(name)),
        _ => {}
    }
    let mut tags: BTreeMap<String, String> = after
        .get("tags")
        .and_then(Json::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    // Route 53 records, route table associations and attachments cannot be tagged.
    if !matches!(
        ty,
        "aws_route53_record" | "aws_route_table_association" | "aws_lb_target_group_attachment" | "aws_lb_listener"
    ) {
        tags.insert(STACK_TAG.into(), stack.into());
        tags.insert(ADDRESS_TAG.into(), addr.into());
    }
    LiveObject { ty: ty.into(), region: region.into(), id, tags, attributes }
}
