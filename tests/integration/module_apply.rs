//! Applying what lives in modules, on moto: a resource that reads nothing of its module (apply
//! evaluates it through its module call all the same), and module calls that read each other's
//! outputs through a local (evaluated as one group, after the recovery block, at plan and at
//! apply time alike).

use crate::harness::{Moto, drplan_moto};

const DIR: &str = "tests/fixtures/plans/module-cross-outputs";

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn module_calls_reading_each_other_apply_and_converge() {
    let moto = Moto::start();
    let apply = drplan_moto(&moto, &["apply", DIR, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert!(apply.stdout.contains("Apply complete: 3 succeeded"), "{}", apply.stdout);

    let again = drplan_moto(&moto, &["plan", DIR, "--format", "json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let plan: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(plan["applyable"], false, "nothing to change once applied: {}", plan["summary"]);
    let after = |address: &str| {
        let changes = plan["resource_changes"].as_array().unwrap();
        changes.iter().find(|c| c["address"] == address).unwrap()["change"]["after"].clone()
    };
    let vpc = after("module.net.aws_vpc.v")["id"].clone();
    assert_eq!(after("module.sec.aws_security_group.s")["vpc_id"], vpc, "the group is in the module's VPC");
    let sg = after("module.sec.aws_security_group.s")["id"].clone();
    assert_eq!(after("module.net.aws_instance.web")["vpc_security_group_ids"], serde_json::json!([sg]));
}
