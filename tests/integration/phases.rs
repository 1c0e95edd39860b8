//! Failover phases (`--phase`): what a configuration says per phase is what a plan of that
//! phase contains; the plan records its phase and a saved plan is applied only in it.

use crate::harness::drplan;

const DIR: &str = "tests/fixtures/plans/phases";

fn plan_json(extra: &[&str]) -> serde_json::Value {
    let run = drplan(&[&["plan", DIR, "--live", "empty", "--format", "json"], extra].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn addresses(plan: &serde_json::Value) -> Vec<&str> {
    plan["resource_changes"].as_array().unwrap().iter().map(|c| c["address"].as_str().unwrap()).collect()
}

#[test]
fn each_phase_plans_what_the_configuration_says_for_it() {
    let standby = plan_json(&[]);
    assert_eq!(standby["phase"], "standby");
    assert_eq!(addresses(&standby), ["aws_vpc.dr"]);
    assert_eq!(standby["resource_changes"][0]["change"]["after"]["tags"]["phase"], "standby");
    let failover = plan_json(&["--phase", "failover"]);
    assert_eq!(failover["phase"], "failover");
    assert_eq!(addresses(&failover), ["aws_vpc.dr", "aws_subnet.web[0]", "aws_subnet.web[1]"]);
    assert_eq!(failover["resource_changes"][0]["change"]["after"]["tags"]["phase"], "failover");
    assert_eq!(failover["output_changes"]["phase"]["after"], "failover");
    assert_ne!(standby["fingerprint"], failover["fingerprint"], "the phase is part of the fingerprint");
    let human = drplan(&["plan", DIR, "--live", "empty", "--phase", "failback"]);
    assert!(human.stdout.contains("workspace \"default\", phase failback: recovery into"), "{}", human.stdout);
    let bad = drplan(&["plan", DIR, "--live", "empty", "--phase", "panic"]);
    assert_eq!(bad.code, 1, "a usage error is exit 1, never --detailed-exitcode's 2: {}", bad.stderr);
    assert!(bad.stderr.contains("invalid value 'panic' for '--phase <PHASE>'"), "{}", bad.stderr);
}

#[test]
fn a_saved_plan_is_applied_only_in_its_phase() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("failover.plan");
    let out = out.to_str().unwrap();
    let run = drplan(&["plan", DIR, "--live", "empty", "--phase", "failover", "--out", out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let shown = drplan(&["show", out, "--format", "json"]);
    let saved: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(saved["phase"], "failover");
    let refused = drplan(&["apply", out, "--phase", "standby", "--auto-approve"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("this plan is for the failover phase, not standby"), "{}", refused.stderr);
}

#[test]
fn the_phase_variable_cannot_be_set_around_the_phase() {
    let run = drplan(&["plan", DIR, "--live", "empty", "--var", "drplan_phase=failover"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains("Error: Phase set twice"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: choose the phase with --phase failover"), "{}", run.stderr);
    // The same value is no conflict.
    let run = drplan(&["plan", DIR, "--live", "empty", "--phase", "failover", "--var", "drplan_phase=failover"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// pilot-light in each phase, from its recorded standby: standby has nothing to do, failover
/// promotes the replica and starts the web tier, failback also builds a replica of the DR
/// database in the primary region, marked as a write there. The runbook of the failback
/// says so too.
#[test]
fn pilot_light_plans_each_phase() {
    let live = "examples/pilot-light/live/converged.json";
    for phase in ["standby", "failover", "failback"] {
        let run = drplan(&["plan", "examples/pilot-light", "--live", live, "--phase", phase]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        crate::harness::settings().bind(|| insta::assert_snapshot!(format!("phase-pilot-light-{phase}"), run.stdout));
    }
    let failback = drplan(&["plan", "examples/pilot-light", "--live", live, "--phase", "failback", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&failback.stdout).unwrap();
    assert_eq!(plan["failback_writes"], serde_json::json!(["aws_db_instance.home[0]"]));
    let home = plan["resource_changes"].as_array().unwrap().iter().find(|c| c["address"] == "aws_db_instance.home[0]");
    assert_eq!(home.unwrap()["drplan"]["region"], "eu-central-1");
    let runbook = drplan(&["runbook", "examples/pilot-light", "--live", live, "--phase", "failback"]);
    assert_eq!(runbook.code, 0, "{}", runbook.stderr);
    assert!(
        runbook.stdout.contains("### 4.2 `aws_db_instance.home[0]` (writes to the primary region)"),
        "{}",
        runbook.stdout
    );
    assert!(
        runbook.stdout.contains("--region eu-central-1"),
        "the by-hand command targets the primary: {}",
        runbook.stdout
    );
    crate::harness::settings().bind(|| insta::assert_snapshot!("runbook-pilot-light-failback", runbook.stdout));
}

/// A gated plan says which steps wait, in the plan and in the runbook (offline).
#[test]
fn gates_are_shown_in_the_plan_and_the_runbook() {
    let dir = "tests/fixtures/plans/gates";
    let gates = r#"gates=["aws_subnet.app", "cutover"]"#;
    let args = ["--live", "empty", "--phase", "failover", "--var", "check_port=9", "--var", gates];
    let plan = drplan(&[&["plan", dir][..], &args].concat());
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    crate::harness::settings().bind(|| insta::assert_snapshot!("phase-gates-failover", plan.stdout));
    let runbook = drplan(&[&["runbook", dir][..], &args].concat());
    assert_eq!(runbook.code, 0, "{}", runbook.stderr);
    let text = &runbook.stdout;
    let approval = text.find("### Gate: approval").expect("the approval gate");
    let subnet = text.find("`aws_subnet.app`\n").expect("the subnet step");
    let checks = text.find("### Gate: checks before the cutover").expect("the cutover gate");
    let record = text.find("`aws_route53_record.app` (DNS)").expect("the record step");
    assert!(approval < subnet && subnet < checks && checks < record, "gates come where apply stops:\n{text}");
    // The standby has no cutover; the approval applies in every phase.
    let standby = drplan(&["plan", dir, "--live", "empty", "--var", "check_port=9", "--var", gates, "--compact"]);
    assert!(standby.stdout.contains("+ aws_subnet.app  [approval]"), "{}", standby.stdout);
    assert!(!standby.stdout.contains("cutover"), "{}", standby.stdout);
}
