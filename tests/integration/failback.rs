//! Failback on moto: only in the failback phase, and only for what `recovery.failback` lists,
//! drplan writes to the primary region (a network and a read replica of the DR database); the
//! production VPC Terraform built there is never touched, a standby plan afterwards deletes
//! nothing there, and every other phase leaves the primary unwritten.

use crate::apply::{assert_ok, block_on, run};
use crate::faults::{Faults, Proxy};
use crate::harness::Moto;

const DIR: &str = "tests/fixtures/plans/failback";
const PRIMARY: &str = "us-east-1";

/// The primary region's VPCs (cidr, drplan:address tag) and DB instances (id, replica source).
async fn primary(moto: &Moto) -> (Vec<(String, Option<String>)>, Vec<(String, Option<String>)>) {
    let conf = moto.sdk(PRIMARY).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let vpcs = ec2.describe_vpcs().send().await.unwrap();
    let mut vpcs: Vec<(String, Option<String>)> = vpcs
        .vpcs()
        .iter()
        .filter(|v| !v.is_default().unwrap_or(false))
        .map(|v| {
            let address = v.tags().iter().find(|t| t.key() == Some("drplan:address")).and_then(|t| t.value());
            (v.cidr_block().unwrap_or_default().to_string(), address.map(str::to_string))
        })
        .collect();
    vpcs.sort();
    let rds = aws_sdk_rds::Client::new(&conf);
    let dbs = rds.describe_db_instances().send().await.unwrap();
    let dbs = dbs
        .db_instances()
        .iter()
        .map(|d| {
            let source = d.read_replica_source_db_instance_identifier().map(str::to_string);
            (d.db_instance_identifier().unwrap_or_default().to_string(), source)
        })
        .collect();
    (vpcs, dbs)
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn failback_writes_to_the_primary_only_what_it_declares() {
    let moto = Moto::start();
    block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&moto.sdk(PRIMARY).await);
        ec2.create_vpc().cidr_block("10.0.0.0/16").send().await.unwrap();
    });
    let proxy = Proxy::start(&moto.endpoint, Faults::default());
    let primary_writes = |proxy: &Proxy| -> Vec<String> {
        let calls = proxy.calls();
        calls.iter().filter(|c| c.region == PRIMARY && c.mutating()).map(|c| c.action.clone()).collect()
    };

    let standby = run(&proxy.endpoint, &["apply", DIR, "--auto-approve"]);
    assert_ok(&standby, "standby apply");
    let failover = run(&proxy.endpoint, &["apply", DIR, "--auto-approve", "--phase", "failover"]);
    assert_ok(&failover, "failover apply");
    assert_eq!(primary_writes(&proxy), Vec::<String>::new(), "standby and failover never write the primary");
    let before = block_on(primary(&moto));
    assert_eq!(before.0, [("10.0.0.0/16".to_string(), None)]);

    let plan = run(&moto.endpoint, &["plan", DIR, "--phase", "failback", "--format", "json"]);
    assert_ok(&plan, "failback plan");
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(
        plan["failback_writes"],
        serde_json::json!(["aws_vpc.home[0]", "aws_subnet.home[0]", "aws_db_instance.home[0]"]),
        "the plan marks its writes to the primary"
    );

    let failback = run(&proxy.endpoint, &["apply", DIR, "--auto-approve", "--phase", "failback"]);
    assert_ok(&failback, "failback apply");
    assert!(failback.stdout.contains("Apply complete: 3 succeeded"), "{}", failback.stdout);
    let (vpcs, dbs) = block_on(primary(&moto));
    assert_eq!(
        vpcs,
        [("10.0.0.0/16".to_string(), None), ("10.73.0.0/16".to_string(), Some("aws_vpc.home[0]".to_string()))],
        "production's VPC is untouched (no tags added); the failback's is owned"
    );
    let source = "arn:aws:rds:us-west-2:123456789012:db:home-db-dr".to_string();
    assert_eq!(dbs, [("home-db".to_string(), Some(source))], "a cross-region replica of the DR database");
    let mut writes = primary_writes(&proxy);
    writes.sort();
    writes.dedup();
    assert_eq!(writes, ["CreateDBInstanceReadReplica", "CreateSubnet", "CreateVpc"], "only the declared writes");

    let again = run(&moto.endpoint, &["plan", DIR, "--phase", "failback", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "the failback converged\n{}{}", again.stdout, again.stderr);
    // Back to standby: what the failback built in the primary is never deleted by drplan.
    let standby = run(&moto.endpoint, &["plan", DIR, "--detailed-exitcode", "--compact"]);
    assert_eq!(standby.code, 0, "{}{}", standby.stdout, standby.stderr);
}
