//! Data sources read during apply because what they wait for has changes pending, as Terraform
//! defers them: through `depends_on`, by naming a managed resource, through a graph-only
//! resource, and through a module call's `depends_on` (tests/fixtures/plans/deferred-reads).

use crate::harness::drplan;

const DIR: &str = "tests/fixtures/plans/deferred-reads";

/// The JSON plan of the fixture against one of its recorded live states.
fn plan_of(live: &str, vars: &[&str]) -> (i32, serde_json::Value, String) {
    let live = format!("{DIR}/live-{live}.json");
    let mut args = vec!["plan", DIR, "--live", live.as_str(), "--format", "json"];
    args.extend(vars);
    let run = drplan(&args);
    (run.code, serde_json::from_str(&run.stdout).unwrap_or_default(), run.stderr)
}

/// The data sources the plan reads during apply, with the reason it gives.
fn deferred(plan: &serde_json::Value) -> Vec<(String, String)> {
    let changes = plan["resource_changes"].as_array().cloned().unwrap_or_default();
    changes
        .iter()
        .filter(|c| c["change"]["actions"] == serde_json::json!(["read"]))
        .map(|c| (c["address"].as_str().unwrap().to_string(), c["drplan"]["reasons"][0].as_str().unwrap().to_string()))
        .collect()
}

const WAITING: &[&str] =
    &["data.aws_subnets.in_a", "data.aws_vpc.after_a", "data.aws_vpc.after_settle", "module.m.data.aws_vpc.inside"];
const PENDING: &str = "depends on a resource or a module with changes pending";

#[test]
fn reads_wait_for_pending_changes_of_what_they_depend_on() {
    for live in ["new", "drifted"] {
        let (code, plan, stderr) = plan_of(live, &[]);
        assert_eq!(code, 0, "{live}: {stderr}");
        let mut found = deferred(&plan);
        found.retain(|(a, _)| a != "data.aws_iam_policy_document.vpc");
        found.sort();
        let expected: Vec<(String, String)> = WAITING.iter().map(|a| (a.to_string(), PENDING.to_string())).collect();
        assert_eq!(found, expected, "{live}");
        for output in ["after_a", "in_a", "after_settle", "in_module"] {
            assert_eq!(plan["output_changes"][output]["after_unknown"], true, "{live}: {output}");
        }
    }
    // A policy document is computed from its arguments: known once they are (the VPC exists).
    let (_, drifted, _) = plan_of("drifted", &[]);
    let policy = drifted["output_changes"]["policy"]["after"].as_str().unwrap();
    assert!(policy.contains("vpc/vpc-a"), "{policy}");
}

#[test]
fn reads_with_nothing_pending_happen_while_planning() {
    let (code, plan, stderr) = plan_of("kept", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(deferred(&plan), Vec::<(String, String)>::new());
    for output in ["after_a", "after_settle", "in_module"] {
        assert_eq!(plan["output_changes"][output]["after"], "vpc-shared", "{output}");
    }
    assert_eq!(plan["output_changes"]["in_a"]["after"], serde_json::json!([]));
}

/// A read that fails while it waits for a pending change is not an error (it happens after the
/// change); the same read with nothing pending is, located at its block.
#[test]
fn a_failed_read_is_an_error_only_when_it_happens_while_planning() {
    let (code, plan, stderr) = plan_of("new", &["--var", "looked_up=nope"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(deferred(&plan).len(), WAITING.len() + 1, "{stderr}");

    let (code, _, stderr) = plan_of("kept", &["--var", "looked_up=nope"]);
    assert_eq!(code, 1, "{stderr}");
    let located: Vec<&str> = stderr.lines().filter(|l| l.trim_start().starts_with("--> ")).collect();
    assert_eq!(stderr.matches("Error: Data source lookup failed").count(), 3, "{stderr}");
    assert_eq!(located.len(), 3, "{stderr}");
}

/// On moto: a data source that finds what apply builds is read after it, and what depends on
/// its result is built from it; once built, nothing waits and nothing changes.
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn a_read_after_a_create_finds_what_apply_built() {
    use crate::harness::{Moto, drplan_moto};
    const APPLY_DIR: &str = "tests/fixtures/plans/deferred-reads-apply";
    let moto = Moto::start();
    let plan = drplan_moto(&moto, &["plan", APPLY_DIR]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("# data.aws_vpc.found will be read during apply"), "{}", plan.stdout);
    assert!(plan.stdout.contains(PENDING), "{}", plan.stdout);

    let apply = drplan_moto(&moto, &["apply", APPLY_DIR, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let outputs = drplan_moto(&moto, &["output", APPLY_DIR, "--format", "json"]);
    let found: serde_json::Value = serde_json::from_str(&outputs.stdout).unwrap_or_default();
    let vpc = found["found"]["value"].as_str().unwrap_or_else(|| panic!("{}", outputs.stdout)).to_string();
    assert!(vpc.starts_with("vpc-"), "{vpc}");

    let again = drplan_moto(&moto, &["plan", APPLY_DIR, "--format", "json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let again: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(again["summary"]["add"], 0, "{again}");
    assert_eq!(again["summary"]["change"], 0, "{again}");
    assert_eq!(again["output_changes"]["found"]["after"], vpc.as_str());
    let subnet = again["resource_changes"].as_array().unwrap().iter().find(|c| c["address"] == "aws_subnet.in_found");
    assert_eq!(subnet.unwrap()["change"]["after"]["vpc_id"], vpc.as_str());
}
