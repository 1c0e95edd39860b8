//! `drplan readiness` on moto: a region ready for a failover (exit 0), then one thing broken at
//! a time, each named as a blocker (exit 3): an RPO breach, an instance type not offered in the
//! zone used, a missing AMI, a read of the primary region in the failover phase. Nothing is
//! ever written while checking.

use crate::apply::{assert_ok, block_on, run};
use crate::faults::{Faults, Proxy};
use crate::harness::{Moto, Run};

const DIR: &str = "tests/fixtures/plans/readiness";

/// An AMI registered in us-west-2 (the harness starts moto without its default images).
async fn an_ami(moto: &Moto) -> String {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
    let image = ec2.register_image().name("ready-web").root_device_name("/dev/xvda").send().await.unwrap();
    image.image_id().unwrap().to_string()
}

async fn primary_db(moto: &Moto) {
    let rds = aws_sdk_rds::Client::new(&moto.sdk("us-east-1").await);
    rds.create_db_instance()
        .db_instance_identifier("ready-db")
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .master_username("app")
        .master_user_password("seed-password-1")
        .allocated_storage(20)
        .send()
        .await
        .unwrap();
}

fn findings(run: &Run) -> Vec<(String, String, String)> {
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("severity"), s("rule"), s("address"))
        })
        .collect()
}

#[test]
fn readiness_finds_what_would_break_a_failover() {
    let moto = Moto::start();
    block_on(primary_db(&moto));
    let ami = format!("ami={}", block_on(an_ami(&moto)));
    let standby = run(&moto.endpoint, &["apply", DIR, "--auto-approve", "--var", &ami]);
    assert_ok(&standby, "the standby (the replica)");

    let proxy = Proxy::start(&moto.endpoint, Faults::default());
    let check = |extra: &[&str]| -> Run {
        let args = [&["readiness", DIR, "--format", "json", "--var", &ami][..], extra].concat();
        run(&proxy.endpoint, &args)
    };
    let ready = check(&[]);
    assert_eq!(ready.code, 0, "{}\n{}", ready.stdout, ready.stderr);
    assert_eq!(findings(&ready), Vec::<(String, String, String)>::new(), "{}", ready.stdout);
    let report: serde_json::Value = serde_json::from_str(&ready.stdout).unwrap();
    assert_eq!((report["ready"].as_bool(), report["phase"].as_str()), (Some(true), Some("failover")));
    let scope = |rule: &str| {
        let rules = report["rules"].as_array().unwrap();
        rules.iter().find(|r| r["rule"] == rule).map(|r| r["scope"].as_str().unwrap().to_string()).unwrap()
    };
    assert_eq!(scope("instance-type"), "1 type(s) in 1 zone(s)", "asked AWS, not skipped");
    assert_eq!(scope("image"), "1 AMI(s)");

    let blocker = |rule: &str, address: &str| ("blocker".to_string(), rule.to_string(), address.to_string());
    let breach = check(&["--var", "rpo=10s"]);
    assert_eq!(breach.code, 3, "{}", breach.stderr);
    assert_eq!(findings(&breach), [blocker("rpo", "aws_db_instance.db")]);

    let not_offered = check(&["--var", "instance_type=h1.2xlarge"]);
    assert_eq!(not_offered.code, 3, "{}", not_offered.stderr);
    assert_eq!(findings(&not_offered), [blocker("instance-type", "aws_instance.web[0]")]);
    assert!(
        not_offered.stdout.contains("h1.2xlarge is not offered in the zones used (us-west-2a)"),
        "{}",
        not_offered.stdout
    );

    let missing = check(&["--var", "ami=ami-0000000000000000"]);
    assert_eq!(missing.code, 3, "{}", missing.stderr);
    assert_eq!(findings(&missing), [blocker("image", "aws_instance.web[0]")]);

    let reads_primary = check(&["--var", "read_primary_always=true"]);
    assert_eq!(reads_primary.code, 3, "{}", reads_primary.stderr);
    assert_eq!(findings(&reads_primary), [blocker("primary-dependency", "aws_db_instance.db")]);
    let report: serde_json::Value = serde_json::from_str(&reads_primary.stdout).unwrap();
    assert_eq!(
        report["need_primary"],
        serde_json::json!(["aws_db_instance.db", "aws_instance.web[0]"]),
        "what would not work without the primary: the step and what comes after it"
    );

    // The human and Markdown forms say the same, worst first.
    let human = run(&proxy.endpoint, &["readiness", DIR, "--var", &ami, "--var", "rpo=10s"]);
    assert_eq!(human.code, 3);
    assert!(human.stdout.contains("NOT READY (1 blocker(s), 0 warning(s))"), "{}", human.stdout);
    assert!(human.stdout.contains("x aws_db_instance.db [rpo]"), "{}", human.stdout);
    let markdown = run(&proxy.endpoint, &["readiness", DIR, "--var", &ami, "--format", "markdown"]);
    assert!(markdown.stdout.starts_with("### ✅ drplan readiness: READY"), "{}", markdown.stdout);

    let writes: Vec<String> = proxy.calls().into_iter().filter(|c| c.mutating()).map(|c| c.action).collect();
    assert!(writes.is_empty(), "readiness never writes, in any region: {writes:?}");
    assert!(proxy.calls().iter().any(|c| c.action == "DescribeInstanceTypeOfferings" && c.region == "us-west-2"));
}
