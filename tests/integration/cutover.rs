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
