//! What deleting a DB instance leaves, on moto (tests/fixtures/plans/final-snapshot): drplan
//! records each instance's final snapshot decision when it creates it, and a delete follows
//! it: the named snapshot is taken, a skipped one is not, and an instance nobody decided for is
//! refused by the plan, declared (destroy) or not (no longer in the configuration), as
//! provider-aws refuses its destroy.

use crate::harness::{Moto, drplan_moto};

const DIR: &str = "tests/fixtures/plans/final-snapshot";

/// The manual snapshots (a final snapshot is one; moto also takes automated ones, `rds:...`).
async fn snapshots(moto: &Moto) -> Vec<String> {
    let rds = aws_sdk_rds::Client::new(&moto.sdk("us-west-2").await);
    let out = rds.describe_db_snapshots().send().await.unwrap();
    let mut ids: Vec<String> =
        out.db_snapshots().iter().filter_map(|s| s.db_snapshot_identifier()).map(str::to_string).collect();
    ids.retain(|id| !id.starts_with("rds:"));
    ids.sort();
    ids
}

async fn instances(moto: &Moto) -> Vec<String> {
    let rds = aws_sdk_rds::Client::new(&moto.sdk("us-west-2").await);
    let out = rds.describe_db_instances().send().await.unwrap();
    let mut ids: Vec<String> =
        out.db_instances().iter().filter_map(|d| d.db_instance_identifier()).map(str::to_string).collect();
    ids.sort();
    ids
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn a_delete_takes_the_final_snapshot_it_was_told_to_and_refuses_when_told_nothing() {
    let moto = Moto::start();
    let apply = drplan_moto(&moto, &["apply", DIR, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let again = drplan_moto(&moto, &["plan", DIR, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "recording the decision is no change: {}", again.stdout);

    // Nobody said what deleting `undecided` leaves: destroying it is refused, with the reason.
    let destroy = drplan_moto(&moto, &["destroy", DIR, "--auto-approve"]);
    assert_ne!(destroy.code, 0, "{}", destroy.stdout);
    assert!(destroy.stderr.contains("Instance cannot be deleted"), "{}", destroy.stderr);
    assert!(destroy.stderr.contains("final_snapshot_identifier is required when skip_final_snapshot is false"));
    assert!(destroy.stderr.contains("aws_db_instance.undecided[0]"), "{}", destroy.stderr);
    let instances_left = crate::apply::block_on(instances(&moto));
    assert_eq!(instances_left, ["gone-db", "kept-db", "undecided-db"], "nothing was deleted");

    // No longer declared, it is refused all the same: its configuration is gone with it.
    let orphan = drplan_moto(&moto, &["plan", DIR, "--var", "with_undecided=false"]);
    assert_ne!(orphan.code, 0, "{}", orphan.stdout);
    assert!(orphan.stderr.contains("undecided-db has no final snapshot decision"), "{}", orphan.stderr);

    // The two that were told: one leaves its named snapshot, the other none.
    let targets = ["--target", "aws_db_instance.kept", "--target", "aws_db_instance.gone"];
    let mut args = vec!["destroy", DIR, "--auto-approve"];
    args.extend(targets);
    let destroy = drplan_moto(&moto, &args);
    assert_eq!(destroy.code, 0, "{}\n{}", destroy.stdout, destroy.stderr);
    crate::apply::block_on(async {
        assert_eq!(instances(&moto).await, ["undecided-db"]);
        assert_eq!(snapshots(&moto).await, ["kept-db-final"]);
    });
}
