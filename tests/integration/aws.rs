//! The AWS backend against moto_server, a real AWS API emulator.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};

use crate::harness::{Moto, drplan_moto};

const FIXTURE: &str = "tests/fixtures/aws/basic";

async fn seed(moto: &Moto) -> String {
    let dr = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
    let vpc = dr
        .create_vpc()
        .cidr_block("10.50.0.0/16")
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Vpc)
                .tags(tag("drplan:stack", "moto"))
                .tags(tag("drplan:address", "aws_vpc.main"))
                .tags(tag("Name", "main"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    // A foreign VPC in the same region: never matched, never deleted.
    dr.create_vpc().cidr_block("10.60.0.0/16").send().await.unwrap();
    let rds = aws_sdk_rds::Client::new(&moto.sdk("us-east-1").await);
    rds.create_db_instance()
        .db_instance_identifier("prod-db")
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .master_username("admin")
        .master_user_password("not-a-secret-1")
        .allocated_storage(20)
        .send()
        .await
        .unwrap();
    let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
    r53.create_hosted_zone().name("moto.example.com").caller_reference("seed").send().await.unwrap();
    vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Runtime::new().unwrap().block_on(f)
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn plans_against_aws_match_owned_objects_and_read_both_regions() {
    let moto = Moto::start();
    let vpc_id = block_on(seed(&moto));
    let run = drplan_moto(&moto, &["plan", FIXTURE, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let changes = crate::harness::changes(&plan);
    let addrs: Vec<&str> = changes.iter().map(|c| c["address"].as_str().unwrap()).collect();
    assert_eq!(addrs, ["aws_subnet.a", "aws_route53_record.db"], "the owned VPC matches; nothing foreign is touched");
    let vpc = plan["resource_changes"].as_array().unwrap().iter().find(|c| c["type"] == "aws_vpc").unwrap();
    assert_eq!(
        vpc["change"]["actions"],
        serde_json::json!(["no-op"]),
        "unchanged resources are listed, as Terraform does"
    );
    assert_eq!(vpc["change"]["before"], vpc["change"]["after"]);
    assert_eq!(vpc["change"]["after"]["id"], vpc_id.as_str());
    let subnet = &changes[0]["change"]["after"];
    assert_eq!(subnet["vpc_id"], vpc_id.as_str(), "a kept resource's id is known to its dependents");
    assert_eq!(subnet["availability_zone"], "us-west-2a", "data sources read the DR region");
    let record = &changes[1]["change"]["after"];
    assert!(
        record["records"][0].as_str().unwrap().starts_with("prod-db."),
        "data sources read the primary region: {record}"
    );
    assert!(!run.stdout.contains("not-a-secret-1"));
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn a_recorded_snapshot_plans_exactly_like_aws() {
    let moto = Moto::start();
    block_on(seed(&moto));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.json");
    let file = file.to_str().unwrap();
    let run = drplan_moto(&moto, &["snapshot", FIXTURE, "--out", file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("Recorded"), "{}", run.stderr);
    let text = std::fs::read_to_string(file).unwrap();
    assert!(!text.contains("not-a-secret-1"), "sensitive values are never written");
    let from_aws = drplan_moto(&moto, &["plan", FIXTURE, "--format", "json"]);
    let offline = drplan_moto(&moto, &["plan", FIXTURE, "--format", "json", "--live", file]);
    let changes = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap()["resource_changes"].clone();
    assert_eq!(changes(&from_aws.stdout), changes(&offline.stdout));
}

#[test]
fn an_unreachable_dr_region_is_a_clear_error_naming_the_operation() {
    // Nothing listens on this loopback port: every call fails to connect.
    let env = [("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_MAX_ATTEMPTS", "1")];
    let run = crate::harness::drplan_with_env(&["plan", FIXTURE, "--endpoint-url", "http://127.0.0.1:1"], &env);
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("Error: AWS "), "{}", run.stderr);
    assert!(run.stderr.contains(" failed: "), "{}", run.stderr);
    assert!(!run.stderr.contains("DispatchFailure("), "no SDK debug dump: {}", run.stderr);
}

/// A DR endpoint that accepts connections and never answers: every call is time-boxed, so plan
/// fails within the timeout, naming the operation, instead of hanging.
#[test]
fn a_dr_endpoint_that_never_answers_is_a_bounded_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    // Accept and hold every connection, answering nothing (the thread ends with the test binary).
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let env = [("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_MAX_ATTEMPTS", "1")];
    let started = std::time::Instant::now();
    let args = ["plan", FIXTURE, "--endpoint-url", &endpoint, "--aws-timeout", "2s"];
    let run = crate::harness::drplan_with_env(&args, &env);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(took < std::time::Duration::from_secs(30), "bounded: took {took:?}");
    assert!(run.stderr.starts_with("Error: AWS "), "{}", run.stderr);
    assert!(run.stderr.contains("timeout") || run.stderr.contains("timed out"), "{}", run.stderr);
}
