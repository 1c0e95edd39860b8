//! The gated cutover on moto: in the failover phase the record that moves traffic is applied
//! only once everything else is built and the checks pass; a failing check leaves it unapplied
//! (exit 1, saying so), and the same apply after the fix completes only the cutover.

use crate::apply::{assert_ok, block_on, run};
use crate::harness::Moto;

const DIR: &str = "tests/fixtures/plans/cutover";

async fn records(moto: &Moto) -> Vec<String> {
    let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
    let zones = r53.list_hosted_zones().send().await.unwrap();
    let zone = zones.hosted_zones().iter().find(|z| z.name() == "cut.example.org.").unwrap().id().to_string();
    let sets = r53.list_resource_record_sets().hosted_zone_id(zone).send().await.unwrap();
    sets.resource_record_sets().iter().filter(|s| s.r#type().as_str() == "A").map(|s| s.name().to_string()).collect()
}

async fn vpcs(moto: &Moto) -> usize {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
    let out = ec2.describe_vpcs().send().await.unwrap();
    out.vpcs().iter().filter(|v| v.cidr_block() == Some("10.70.0.0/16")).count()
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn a_failing_check_holds_the_traffic_back_until_it_passes() {
    let moto = Moto::start();
    block_on(async {
        let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
        r53.create_hosted_zone().name("cut.example.org").caller_reference("cutover-test").send().await.unwrap();
    });
    // A port nothing listens on (yet).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let var = format!("check_port={port}");
    let apply = ["apply", DIR, "--phase", "failover", "--auto-approve", "--var", &var];

    let held = run(&moto.endpoint, &apply);
    assert_eq!(held.code, 1, "{}\n{}", held.stdout, held.stderr);
    assert!(held.stdout.contains("Traffic moves last: aws_route53_record.app"), "{}", held.stdout);
    assert!(held.stderr.contains("Error: traffic was not moved: check app failed"), "{}", held.stderr);
    assert!(held.stderr.contains("check app: attempt 1 failed"), "progress while waiting: {}", held.stderr);
    assert_eq!(block_on(vpcs(&moto)), 1, "everything else is built");
    assert!(block_on(records(&moto)).is_empty(), "the record was not applied");

    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    std::thread::spawn(move || for _ in listener.incoming() {});
    let moved = run(&moto.endpoint, &apply);
    assert_ok(&moved, "the same apply once the check passes");
    assert!(moved.stdout.contains("check app (tcp 127.0.0.1:"), "{}", moved.stdout);
    assert!(moved.stdout.contains("Apply complete: 1 succeeded"), "only the cutover is left: {}", moved.stdout);
    assert_eq!(block_on(records(&moto)), ["app.cut.example.org."]);
    assert_eq!(block_on(vpcs(&moto)), 1, "nothing was redone");

    // Standby holds nothing back, and has nothing left to do.
    let standby = run(&moto.endpoint, &["plan", DIR, "--var", &var, "--detailed-exitcode"]);
    assert_eq!(standby.code, 0, "{}\n{}", standby.stdout, standby.stderr);
}

async fn present(moto: &Moto) -> (usize, usize, usize) {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
    let vpcs = ec2.describe_vpcs().send().await.unwrap();
    let vpcs = vpcs.vpcs().iter().filter(|v| v.cidr_block() == Some("10.71.0.0/16")).count();
    let subnets = ec2.describe_subnets().send().await.unwrap();
    let subnets = subnets.subnets().iter().filter(|s| s.cidr_block() == Some("10.71.1.0/24")).count();
    let groups = ec2.describe_security_groups().send().await.unwrap();
    let groups = groups.security_groups().iter().filter(|g| g.group_name() == Some("gate-edge")).count();
    (vpcs, subnets, groups)
}

async fn gate_records(moto: &Moto) -> usize {
    let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
    let zones = r53.list_hosted_zones().send().await.unwrap();
    let zone = zones.hosted_zones().iter().find(|z| z.name() == "gate.example.org.").unwrap().id().to_string();
    let sets = r53.list_resource_record_sets().hosted_zone_id(zone).send().await.unwrap();
    sets.resource_record_sets().iter().filter(|s| s.r#type().as_str() == "A").count()
}

/// The command a stopped apply names to resume, as arguments (without `drplan`).
fn resume_args(stderr: &str) -> Vec<String> {
    let line = stderr.lines().find(|l| l.trim_start().starts_with("drplan apply")).expect("a resume command");
    let mut args = shlex::split(line.trim()).expect("a shell command");
    assert_eq!(args.remove(0), "drplan");
    args
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn approval_gates_stop_apply_with_a_distinct_status_and_resume() {
    let moto = Moto::start();
    block_on(async {
        let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
        r53.create_hosted_zone().name("gate.example.org").caller_reference("gates-test").send().await.unwrap();
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = format!("check_port={}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || for _ in listener.incoming() {});
    let dir = "tests/fixtures/plans/gates";
    let apply = |gates: &str| {
        let gates = format!("gates={gates}");
        run(&moto.endpoint, &["apply", dir, "--phase", "failover", "--auto-approve", "--var", &port, "--var", &gates])
    };

    // A gate before a step: what does not depend on it is built, then apply stops (exit 4).
    let stopped = apply(r#"["aws_subnet.app", "cutover"]"#);
    assert_eq!(stopped.code, 4, "{}\n{}", stopped.stdout, stopped.stderr);
    assert!(stopped.stdout.contains("Approval needed before: aws_subnet.app."), "{}", stopped.stdout);
    assert!(
        stopped.stderr.contains(
            "approval needed before these steps, and there is no terminal to ask: aws_subnet.app not applied"
        ),
        "{}",
        stopped.stderr
    );
    assert_eq!(block_on(present(&moto)), (1, 0, 0), "the VPC is built, the subnet waits");

    // A gate before the cutover: everything else is built and checked, traffic waits.
    let stopped = apply(r#"["cutover"]"#);
    assert_eq!(stopped.code, 4, "{}\n{}", stopped.stdout, stopped.stderr);
    assert!(stopped.stdout.contains("check app (tcp 127.0.0.1:"), "the checks ran first: {}", stopped.stdout);
    assert!(stopped.stderr.contains("approval needed before the cutover (moves traffic)"), "{}", stopped.stderr);
    assert_eq!(block_on(present(&moto)), (1, 1, 0));
    assert_eq!(block_on(gate_records(&moto)), 0, "no traffic moved");

    // The command it names approves the gates and finishes only the cutover.
    let args = resume_args(&stopped.stderr);
    assert!(args.contains(&"--approve-gates".to_string()), "{args:?}");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let resumed = run(&moto.endpoint, &args);
    assert_ok(&resumed, "the resume command");
    assert!(resumed.stderr.contains("approved by --approve-gates"), "{}", resumed.stderr);
    assert!(resumed.stdout.contains("Apply complete: 2 succeeded"), "only the cutover: {}", resumed.stdout);
    assert_eq!(block_on(present(&moto)), (1, 1, 1));
    assert_eq!(block_on(gate_records(&moto)), 1);
}

/// `drill --phase failover` rehearses that phase in its own workspace: everything but the
/// cutover is applied, the checks run, the report gives the phase and the time to
/// cutover-ready, and the approval gates are passed without asking (and said so).
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn a_drill_rehearses_a_phase_up_to_cutover_ready() {
    let moto = Moto::start();
    block_on(async {
        let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
        r53.create_hosted_zone().name("gate.example.org").caller_reference("drill-test").send().await.unwrap();
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = format!("check_port={}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || for _ in listener.incoming() {});
    let reports = tempfile::tempdir().unwrap();
    let dir = reports.path().to_str().unwrap();
    let gates = r#"gates=["aws_subnet.app", "cutover"]"#;
    let args = ["drill", "tests/fixtures/plans/gates", "--phase", "failover", "--var", &port, "--var", gates];
    let r = run(&moto.endpoint, &[&args[..], &["--report-dir", dir]].concat());
    assert_ok(&r, "drill --phase failover");
    assert!(r.stdout.contains("(workspace `drill`, phase `failover`)"), "{}", r.stdout);
    assert!(
        r.stdout.contains("| Measured time to cutover-ready (apply start to all checks passing) |"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("applied without asking: `aws_subnet.app`"), "{}", r.stdout);
    let json = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .unwrap();
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["phase"], "failover");
    assert_eq!(report["skipped_cutover"], serde_json::json!(["aws_route53_record.app", "aws_security_group.edge"]));
    assert!(report["measured_rto_seconds"].as_f64().is_some_and(|s| s > 0.0), "{report}");
    assert_eq!(block_on(gate_records(&moto)), 0, "a drill never moves traffic");
}
