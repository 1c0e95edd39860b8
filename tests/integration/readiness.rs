//! `drplan readiness` on moto: a region at its VPC quota before the standby exists, then a
//! region ready for a failover (exit 0; quotas asked, RunInstances dry-run), then one thing
//! broken at a time, each named as a blocker (exit 3): an RPO breach, an instance type not
//! offered in the zone used, a missing AMI, a read of the primary region in the failover
//! phase. Nothing is ever written while checking (dry runs write nothing).

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

/// Fills us-west-2's VPC quota (moto's is 5) with VPCs not drplan's; returns their ids.
async fn fill_vpc_quota(moto: &Moto) -> Vec<String> {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
    let have = ec2.describe_vpcs().send().await.unwrap().vpcs().len();
    let mut ids = Vec::new();
    for i in have..5 {
        let vpc = ec2.create_vpc().cidr_block(format!("10.{}.0.0/16", 100 + i)).send().await.unwrap();
        ids.push(vpc.vpc().unwrap().vpc_id().unwrap().to_string());
    }
    ids
}

async fn delete_vpcs(moto: &Moto, ids: &[String]) {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
    for id in ids {
        ec2.delete_vpc().vpc_id(id).send().await.unwrap();
    }
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

fn blocker(rule: &str, address: &str) -> (String, String, String) {
    ("blocker".to_string(), rule.to_string(), address.to_string())
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn readiness_finds_what_would_break_a_failover() {
    let moto = Moto::start();
    block_on(primary_db(&moto));
    let ami = format!("ami={}", block_on(an_ami(&moto)));

    // Before the standby exists, its plan creates a VPC: a region at its VPC quota cannot.
    let others = block_on(fill_vpc_quota(&moto));
    let full = run(&moto.endpoint, &["readiness", DIR, "--phase", "standby", "--format", "json", "--var", &ami]);
    assert_eq!(full.code, 3, "{}", full.stderr);
    assert!(findings(&full).contains(&blocker("quota", "aws_vpc.dr")), "{}", full.stdout);
    assert!(full.stdout.contains("uses 5 of 5"), "{}", full.stdout);
    block_on(delete_vpcs(&moto, &others));

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
    assert_eq!(scope("permission"), "1 action(s) dry-run", "RunInstances, honoured by moto");
    // moto serves only the vpc quotas; the vCPU quota is said to be unchecked, not passed.
    assert!(scope("quota").starts_with("1 quota(s); L-1216C47A not checked: "), "{}", scope("quota"));
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
    let metrics = tempfile::tempdir().unwrap();
    let textfile = metrics.path().join("drplan.prom");
    let textfile_s = textfile.display().to_string();
    let human = run(&proxy.endpoint, &["readiness", DIR, "--var", &ami, "--var", "rpo=10s", "--textfile", &textfile_s]);
    assert_eq!(human.code, 3);
    // The same verdict as metrics, for a scheduled run's alarms; the file is replaced whole.
    let prom = std::fs::read_to_string(&textfile).unwrap();
    let base = r#"stack="ready",workspace="default",region="us-west-2",phase="failover""#;
    for line in [
        format!("drplan_readiness_ready{{{base}}} 0"),
        format!("drplan_readiness_findings{{{base},rule=\"rpo\",severity=\"blocker\"}} 1"),
        format!("drplan_readiness_findings{{{base},rule=\"instance-type\",severity=\"blocker\"}} 0"),
    ] {
        assert!(prom.lines().any(|l| l == line), "missing {line}:\n{prom}");
    }
    let files: Vec<_> = std::fs::read_dir(metrics.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(files, ["drplan.prom"], "no partial file is left");
    assert!(human.stdout.contains("NOT READY (1 blocker(s), 0 warning(s))"), "{}", human.stdout);
    assert!(human.stdout.contains("x aws_db_instance.db [rpo]"), "{}", human.stdout);
    let markdown = run(&proxy.endpoint, &["readiness", DIR, "--var", &ami, "--format", "markdown"]);
    assert!(markdown.stdout.starts_with("### ✅ drplan readiness: READY"), "{}", markdown.stdout);

    let writes: Vec<String> = proxy.calls().into_iter().filter(|c| c.mutating()).map(|c| c.action).collect();
    assert!(writes.is_empty(), "readiness never writes, in any region: {writes:?}");
    let asked = |action: &str| proxy.calls().iter().any(|c| c.action == action && c.region == "us-west-2");
    assert!(asked("DescribeInstanceTypeOfferings") && asked("GetServiceQuota") && asked("RunInstances"));
}
