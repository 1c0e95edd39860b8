//! Failing over a pilot light: in the failover phase (`--phase failover`) the example's read
//! replica stops naming its source, so it is promoted, and the web tier starts. The plan shows it as an in-place update
//! with its reason (offline, against the recorded converged state), and apply performs it on
//! moto: the instance has no replication source afterwards, and a re-plan has nothing left to do.

use crate::apply::{assert_ok, block_on, run};
use crate::faults::{Faults, Proxy};
use crate::harness::{Moto, drplan, settings};
use crate::seed::{PILOT, seed};

const CONFIG: &str = "examples/pilot-light";

#[test]
fn the_failover_phase_plans_a_promotion() {
    let standby =
        drplan(&["plan", CONFIG, "--live", "examples/pilot-light/live/converged.json", "--detailed-exitcode"]);
    assert_eq!(standby.code, 0, "a converged standby has nothing to do\n{}{}", standby.stdout, standby.stderr);
    let config = CONFIG;
    let args = [
        "plan",
        config,
        "--live",
        "examples/pilot-light/live/converged.json",
        "--detailed-exitcode",
        "--phase",
        "failover",
    ];
    let r = drplan(&args);
    assert_eq!(r.code, 2, "changes are planned\n{}{}", r.stdout, r.stderr);
    settings().bind(|| insta::assert_snapshot!("promote-pilot-light-human", r.stdout));

    let live = "examples/pilot-light/live/converged.json";
    let r = drplan(&["plan", config, "--live", live, "--format", "json", "--phase", "failover"]);
    let plan: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let changes = crate::harness::changes(&plan);
    let addresses: Vec<&str> = changes.iter().map(|c| c["address"].as_str().unwrap()).collect();
    assert_eq!(
        addresses,
        [
            "module.database.aws_db_instance.this",
            "module.web.aws_instance.web[0]",
            "module.web.aws_instance.web[1]",
            "module.web.aws_lb_target_group_attachment.web[\"0\"]",
            "module.web.aws_lb_target_group_attachment.web[\"1\"]",
        ],
        "the promotion, and the web tier a pilot light does not run in standby"
    );
    let db = &changes[0];
    assert_eq!(db["address"], "module.database.aws_db_instance.this");
    assert_eq!(db["change"]["actions"], serde_json::json!(["update"]));
    assert_eq!(db["change"]["after"]["replicate_source_db"], serde_json::Value::Null);
    assert_eq!(
        db["drplan"]["attributes"],
        serde_json::json!([{ "name": "replicate_source_db", "forces_replacement": false }])
    );
    assert!(plan["drift"].as_array().unwrap().is_empty(), "a promotion is planned, not drift: {}", plan["drift"]);
    assert_eq!(plan["recovery"]["step_estimates"][0]["source"], "model: read replica promotion");
}

/// moto keeps reporting a promoted replica's source (`ReadReplicaSourceDBInstanceIdentifier`;
/// AWS clears it), so the promotion is observed the way moto does record it: the instance is
/// no longer a replica, so StopDBInstance (refused for replicas) succeeds. The calls drplan
/// made are recorded on the way: a PromoteReadReplica in the DR region, nothing written to the
/// primary.
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn the_failover_phase_applies_a_promotion() {
    let moto = Moto::start();
    block_on(seed(&moto, &PILOT));
    let journal = tempfile::tempdir().unwrap();
    let journal = journal.path().display().to_string();
    let standby = run(&moto.endpoint, &["apply", PILOT.dir, "--auto-approve", "--journal-dir", &journal]);
    assert_ok(&standby, "standby apply (builds the replica)");
    assert!(block_on(replication_source(&moto)).is_some(), "the standby database is a replica");
    assert!(!block_on(stops(&moto)), "a replica cannot be stopped");

    let r = run(&moto.endpoint, &["plan", CONFIG, "--detailed-exitcode", "--compact", "--phase", "failover"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("module.database.aws_db_instance.this") && r.stdout.contains("1 to change"),
        "{}",
        r.stdout
    );

    let proxy = Proxy::start(&moto.endpoint, Faults::default());
    let r =
        run(&proxy.endpoint, &["apply", CONFIG, "--auto-approve", "--journal-dir", &journal, "--phase", "failover"]);
    assert_ok(&r, "failover apply (promotes)");
    let calls = proxy.calls();
    assert!(
        calls.iter().any(|c| c.action == "PromoteReadReplica" && c.region == PILOT.dr),
        "a PromoteReadReplica was sent to the DR region: {calls:#?}"
    );
    // Route 53 lists health check tags with a POST (ListTagsForResources): a read.
    let mut writes: Vec<_> = calls
        .iter()
        .filter(|c| c.mutating() && c.action != "POST /2013-04-01/tags/healthcheck")
        .map(|c| c.action.as_str())
        .collect();
    writes.sort();
    assert_eq!(
        writes,
        ["PromoteReadReplica", "RegisterTargets", "RegisterTargets", "RunInstances", "RunInstances"],
        "the promotion, and the web tier the standby did not run"
    );
    assert!(calls.iter().all(|c| c.region != PILOT.primary || !c.mutating()), "the primary is never written");
    assert!(block_on(stops(&moto)), "the promoted instance is standalone: it can be stopped");
}

/// The DR database's replication source, as RDS reports it.
async fn replication_source(moto: &Moto) -> Option<String> {
    let rds = aws_sdk_rds::Client::new(&moto.sdk(PILOT.dr).await);
    let out = rds.describe_db_instances().db_instance_identifier("shop-db-dr").send().await.unwrap();
    out.db_instances()[0].read_replica_source_db_instance_identifier().map(str::to_string)
}

/// Whether RDS accepts stopping the DR database (it refuses for a read replica); starts it
/// again when it does.
async fn stops(moto: &Moto) -> bool {
    let rds = aws_sdk_rds::Client::new(&moto.sdk(PILOT.dr).await);
    let stopped = rds.stop_db_instance().db_instance_identifier("shop-db-dr").send().await.is_ok();
    if stopped {
        rds.start_db_instance().db_instance_identifier("shop-db-dr").send().await.unwrap();
    }
    stopped
}
