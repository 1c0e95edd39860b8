//! `time_sleep` without state, on moto: the first apply waits `create_duration` between the
//! VPC and the subnet that depends on the sleep; once the subnet exists, nothing is planned for
//! the sleep (as Terraform's state would say it was created), and a dependent created again
//! brings the wait back.

use crate::harness::{Moto, drplan_moto};

const DIR: &str = "tests/fixtures/plans/time-sleep";

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn a_time_sleep_waits_when_its_dependents_are_created_and_only_then() {
    let moto = Moto::start();
    let plan = drplan_moto(&moto, &["plan", DIR]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("# time_sleep.settle will be created"), "{}", plan.stdout);
    assert!(plan.stdout.contains("Plan: 3 to add, 0 to change, 0 to destroy."), "{}", plan.stdout);

    let started = std::time::Instant::now();
    let apply = drplan_moto(&moto, &["apply", DIR, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert!(started.elapsed() >= std::time::Duration::from_secs(3), "the apply did not wait");
    let order = |what: &str| apply.stdout.find(what).unwrap_or_else(|| panic!("{what}: {}", apply.stdout));
    assert!(order("aws_vpc.main: Creation complete") < order("time_sleep.settle: Creating"), "{}", apply.stdout);
    assert!(order("time_sleep.settle: Creation complete") < order("aws_subnet.a: Creating"), "{}", apply.stdout);

    let again = drplan_moto(&moto, &["plan", DIR]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("No changes."), "nothing to wait for once the subnet exists: {}", again.stdout);
}
