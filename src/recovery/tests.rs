//! Estimates against hand-computed critical paths and recovery points.

use super::*;
use crate::plan::Step;

fn step(address: &str, deps: &[&str]) -> Step {
    let depends_on = deps.iter().map(|d| d.to_string()).collect();
    Step {
        address: address.into(),
        action: crate::resources::StepAction::Create,
        depends_on,
        cutover: false,
        approval: false,
        delegated: false,
    }
}

fn estimates(pairs: &[(&str, u64)]) -> Vec<StepEstimate> {
    pairs
        .iter()
        .map(|(a, s)| StepEstimate { address: (*a).into(), seconds: *s, source: "test".into(), guess: false })
        .collect()
}

#[test]
fn the_critical_path_is_the_longest_chain_of_estimates() {
    // vpc(5) -> subnet(5) -> sng(5) -> db(1500) -> record(120)
    //                  \-> lb(180) -----------------^
    let execution = Execution {
        steps: vec![
            step("vpc", &[]),
            step("subnet", &["vpc"]),
            step("sng", &["subnet"]),
            step("lb", &["subnet"]),
            step("db", &["sng"]),
            step("record", &["db", "lb"]),
        ],
    };
    let est = estimates(&[("vpc", 5), ("subnet", 5), ("sng", 5), ("lb", 180), ("db", 1500), ("record", 120)]);
    let (total, path) = critical_path(&execution, &est, |_| true);
    assert_eq!(total, 5 + 5 + 5 + 1500 + 120);
    assert_eq!(path, ["vpc", "subnet", "sng", "db", "record"]);
    // Make the load balancer slower than the database branch: the path moves.
    let est = estimates(&[("vpc", 5), ("subnet", 5), ("sng", 5), ("lb", 2000), ("db", 1500), ("record", 120)]);
    let (total, path) = critical_path(&execution, &est, |_| true);
    assert_eq!(total, 5 + 5 + 2000 + 120);
    assert_eq!(path, ["vpc", "subnet", "lb", "record"]);
    assert_eq!(critical_path(&Execution::default(), &[], |_| true), (0, Vec::new()));
}

#[test]
fn a_gated_cutover_waits_for_every_other_step_and_the_checks() {
    // The record depends only on the VPC, but as the cutover it waits for the slow database
    // and for the checks: vpc(5) -> db(1500) -> checks(30) -> record(120).
    let mut execution = Execution { steps: vec![step("vpc", &[]), step("db", &["vpc"]), step("record", &["vpc"])] };
    let mut est = estimates(&[("vpc", 5), ("db", 1500), ("record", 120)]);
    let (total, path) = rto(&execution, &mut est.clone(), &[]);
    assert_eq!((total, path), (1505, vec!["vpc".to_string(), "db".into()]), "ungated: parallel branches");
    execution.steps[2].cutover = true;
    let check = crate::expand::CheckValue {
        name: "site".into(),
        kind: "http".into(),
        span: crate::diag::FileId(0).span(0, 0),
        args: BTreeMap::from([("interval".to_string(), crate::eval::Value::from("30s"))]),
        sensitive_args: Default::default(),
    };
    let (total, path) = rto(&execution, &mut est, &[check]);
    assert_eq!(total, 5 + 1500 + 30 + 120);
    assert_eq!(path, ["vpc", "db", "checks (1)", "record"]);
    assert!(est.iter().any(|e| e.address == "checks (1)" && e.source.contains("timeout (300s)")), "{est:?}");
}

#[test]
fn overrides_beat_measurements_beat_the_model() {
    let mut recovery = Recovery {
        stack: "s".into(),
        region: "us-west-2".into(),
        primary_region: None,
        rto_seconds: None,
        rpo_seconds: None,
        durations: BTreeMap::from([("aws_lb".to_string(), 240)]),
        replica_lag_seconds: None,
        ..Recovery::default()
    };
    let none = Calibration::default();
    let e =
        estimate_step("module.web.aws_lb.this", "aws_lb", crate::resources::StepAction::Create, None, &recovery, &none);
    assert_eq!((e.seconds, e.source.as_str()), (240, "recovery.durations[\"aws_lb\"]"));
    recovery.durations.insert("module.web.aws_lb.this".into(), 300);
    let e =
        estimate_step("module.web.aws_lb.this", "aws_lb", crate::resources::StepAction::Create, None, &recovery, &none);
    assert_eq!(e.seconds, 300);
    let e =
        estimate_step("aws_instance.a", "aws_instance", crate::resources::StepAction::Create, None, &recovery, &none);
    assert_eq!((e.seconds, e.source.as_str()), (180, "model: instance launch to running and status checks"));
}

use std::collections::BTreeMap;

/// Types the provider serves have figures too (an Aurora cluster and its instance take minutes,
/// not an API call's seconds); a type with no figure is a guess, and an RTO within its objective
/// that rests on a guess is not called met.
#[test]
fn served_types_are_estimated_and_guesses_are_never_called_met() {
    let recovery = Recovery::default();
    let none = Calibration::default();
    let create = crate::resources::StepAction::Create;
    let cluster = estimate_step("aws_rds_cluster.dr", "aws_rds_cluster", create, None, &recovery, &none);
    let instance =
        estimate_step("aws_rds_cluster_instance.dr", "aws_rds_cluster_instance", create, None, &recovery, &none);
    assert_eq!((cluster.seconds, instance.seconds), (600, 720));
    assert!(!cluster.guess && cluster.source.starts_with("model: Aurora-style cluster creation"), "{cluster:?}");
    let execution = Execution {
        steps: vec![step("aws_rds_cluster.dr", &[]), step("aws_rds_cluster_instance.dr", &["aws_rds_cluster.dr"])],
    };
    let mut steps = vec![cluster, instance];
    let (rto_seconds, _) = rto(&execution, &mut steps, &[]);
    assert_eq!(rto_seconds, 22 * 60);
    assert_eq!(rto_verdict(600, rto_seconds, &steps).met, Some(false), "10 minutes cannot be met");
    assert_eq!(rto_verdict(3600, rto_seconds, &steps).met, Some(true));

    let odd = estimate_step("aws_timestreamwrite_table.t", "aws_timestreamwrite_table", create, None, &recovery, &none);
    assert!(odd.guess && odd.source.starts_with("model: generic"), "{odd:?}");
    steps.push(odd);
    let verdict = rto_verdict(3600, rto_seconds, &steps);
    assert_eq!((verdict.met, verdict.guessed.as_slice()), (None, &["aws_timestreamwrite_table.t".to_string()][..]));
    assert_eq!(rto_verdict(600, rto_seconds, &steps).met, Some(false), "a breach stays a breach");
    // A figure the operator gives is no guess.
    let mut given = Recovery::default();
    given.durations.insert("aws_timestreamwrite_table".into(), 30);
    let odd = estimate_step("aws_timestreamwrite_table.t", "aws_timestreamwrite_table", create, None, &given, &none);
    assert!(!odd.guess);
}
