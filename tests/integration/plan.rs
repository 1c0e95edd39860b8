//! `drplan plan` and `drplan show`: every example against every recorded state, in every
//! format, snapshot-tested and byte-identical run to run; plus the behaviours users rely on.

use crate::harness::{drplan, name_of, root, settings};

const FIXTURE: &str = "tests/fixtures/plans/app";
const SECRET: &str = "hunter2-do-not-print";

fn states(example: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join(example).join("live"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().trim_end_matches(".json").to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn every_example_state_is_planned_deterministically_in_every_format() {
    every_example_state_is_planned_deterministically_in_every_format_for(crate::harness::plain_examples());
}

#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn provider_example_states_are_planned_deterministically_in_every_format() {
    every_example_state_is_planned_deterministically_in_every_format_for(crate::harness::provider_examples());
}

fn every_example_state_is_planned_deterministically_in_every_format_for(
    examples: Vec<(String, crate::harness::Runner)>,
) {
    for (dir, runner) in examples {
        let recorded = states(&dir);
        for required in ["converged", "drifted", "empty", "partial"] {
            assert!(recorded.iter().any(|s| s == required), "{dir} lacks live/{required}.json");
        }
        for state in &recorded {
            let live = format!("{dir}/live/{state}.json");
            for format in ["human", "json", "markdown"] {
                let args = ["plan", dir.as_str(), "--live", live.as_str(), "--format", format];
                let run = runner.drplan(&args);
                assert_eq!(run.code, 0, "{}", run.transcript(&args));
                assert_eq!(
                    run.stdout,
                    runner.drplan(&args).stdout,
                    "{dir} {state} {format}: the plan must be byte-identical run to run"
                );
                let name = format!("plan-{}-{state}-{format}", name_of(&dir));
                settings().bind(|| insta::assert_snapshot!(name, run.stdout));
            }
        }
    }
}

#[test]
fn converged_states_have_no_changes_and_detailed_exitcode_says_so() {
    converged_states_have_no_changes_and_detailed_exitcode_says_so_for(crate::harness::plain_examples());
    let run = drplan(&["plan", "tests/fixtures/bad/unknown-argument", "--live", "empty", "--detailed-exitcode"]);
    assert_eq!(run.code, 1, "errors are always exit 1");
}

#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn provider_example_converged_states_have_no_changes() {
    converged_states_have_no_changes_and_detailed_exitcode_says_so_for(crate::harness::provider_examples());
}

fn converged_states_have_no_changes_and_detailed_exitcode_says_so_for(examples: Vec<(String, crate::harness::Runner)>) {
    for (dir, runner) in examples {
        let converged = format!("{dir}/live/converged.json");
        let run = runner.drplan(&["plan", &dir, "--live", &converged, "--detailed-exitcode"]);
        assert_eq!(run.code, 0, "{dir}: {}", run.stdout);
        assert!(run.stdout.contains("No changes."), "{}", run.stdout);
        let empty = format!("{dir}/live/empty.json");
        let run = runner.drplan(&["plan", &dir, "--live", &empty, "--detailed-exitcode"]);
        assert_eq!(run.code, 2, "{dir}: changes present means exit 2");
        // Without the flag, changes are not an error.
        assert_eq!(runner.drplan(&["plan", &dir, "--live", &empty]).code, 0);
    }
}

#[test]
fn drift_is_reported_and_foreign_objects_are_left_alone() {
    let run =
        drplan(&["plan", "examples/webapp-dr", "--live", "examples/webapp-dr/live/drifted.json", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let drift: Vec<&str> = plan["drift"].as_array().unwrap().iter().map(|d| d["address"].as_str().unwrap()).collect();
    assert!(drift.contains(&"module.web.aws_instance.web[0]"), "{drift:?}");
    let changes = plan["resource_changes"].as_array().unwrap();
    let deleted: Vec<&str> = changes
        .iter()
        .filter(|c| c["change"]["actions"] == serde_json::json!(["delete"]))
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert_eq!(deleted, ["aws_security_group.legacy_bastion"]);
    assert!(
        !run.stdout.contains("i-0foreign00000001"),
        "an object without the stack's tags is never planned for deletion"
    );
}

#[test]
fn json_plan_has_terraforms_resource_changes_shape() {
    let run =
        drplan(&["plan", "examples/webapp-dr", "--live", "examples/webapp-dr/live/empty.json", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["format_version"], "1.2");
    assert_eq!(plan["terraform_version"], "1.11.4");
    // The check blocks, as Terraform lists checkable objects: not run by a plan.
    assert_eq!(
        plan["checks"][0]["address"],
        serde_json::json!({"kind": "check", "name": "site", "to_display": "check.site"})
    );
    assert_eq!(plan["checks"][0]["status"], "unknown");
    for c in plan["resource_changes"].as_array().unwrap() {
        for key in ["address", "mode", "type", "name", "provider_name", "change"] {
            assert!(c.get(key).is_some(), "resource change lacks {key}: {c}");
        }
        for key in ["actions", "before", "after", "after_unknown", "before_sensitive", "after_sensitive"] {
            assert!(c["change"].get(key).is_some(), "change lacks {key}: {c}");
        }
    }
    let subnet = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "module.network.aws_subnet.public[\"us-west-2a\"]")
        .unwrap();
    assert_eq!(subnet["module_address"], "module.network");
    assert_eq!(subnet["index"], "us-west-2a");
    assert_eq!(subnet["change"]["after"]["cidr_block"], "10.20.0.0/24");
    assert_eq!(subnet["change"]["after_unknown"]["vpc_id"], true);
    let steps = plan["execution"]["steps"].as_array().unwrap();
    let pos = |a: &str| steps.iter().position(|s| s["address"] == a).unwrap();
    assert!(pos("module.network.aws_vpc.this") < pos("module.network.aws_subnet.public[\"us-west-2a\"]"));
    assert!(
        steps[pos("module.database.aws_db_instance.this")]["depends_on"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "module.database.aws_db_subnet_group.this")
    );
}

#[test]
fn secrets_never_appear_in_output_or_plan_files() {
    let dir = tempfile::tempdir().unwrap();
    let planfile = dir.path().join("fx.plan.json");
    let var = format!("db_password={SECRET}");
    for format in ["human", "json", "markdown"] {
        let run = drplan(&[
            "plan",
            FIXTURE,
            "--live",
            "tests/fixtures/plans/live/base.json",
            "--var",
            &var,
            "--format",
            format,
            "--out",
            planfile.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            !run.stdout.contains(SECRET) && !run.stdout.contains("hunter2"),
            "{format} output leaks the secret:\n{}",
            run.stdout
        );
        assert!(!std::fs::read_to_string(&planfile).unwrap().contains("hunter2"), "the plan file leaks the secret");
    }
    let human = drplan(&["plan", FIXTURE, "--live", "tests/fixtures/plans/live/base.json", "--var", &var]).stdout;
    assert!(human.contains("password             = (sensitive value)"), "{human}");
    assert!(
        human.contains("tags                 = (sensitive value)"),
        "values derived from a sensitive variable are sensitive too:\n{human}"
    );
    assert!(human.contains("connection = (sensitive value)"), "{human}");
}

#[test]
fn saved_plans_show_exactly_what_was_planned() {
    let dir = tempfile::tempdir().unwrap();
    let planfile = dir.path().join("webapp.plan");
    let planfile = planfile.to_str().unwrap();
    let args = ["plan", "examples/webapp-dr", "--live", "examples/webapp-dr/live/partial.json"];
    let run = drplan(&[&args[..], &["--out", planfile]].concat());
    assert_eq!(run.code, 0);
    assert!(run.stderr.contains("Saved the plan to"), "{}", run.stderr);
    for format in ["human", "json", "markdown"] {
        let shown = drplan(&["show", planfile, "--format", format]);
        let direct = drplan(&[&args[..], &["--format", format]].concat());
        assert_eq!(shown.stdout, direct.stdout, "show --format {format} must match the plan");
    }
    let plan: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(planfile).unwrap()).unwrap();
    assert_eq!(plan["fingerprint"]["config"].as_str().unwrap().len(), 64);
    assert!(!plan["fingerprint"]["live_objects"].as_array().unwrap().is_empty());
    let bad = drplan(&["show", "Cargo.toml"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("is not a drplan plan file"), "{}", bad.stderr);
}

#[test]
fn plan_errors_name_what_went_wrong() {
    let var = "--var=db_password=x";
    let run = drplan(&["plan", FIXTURE, "--live", "tests/fixtures/plans/live/no-primary-db.json", var]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no aws_db_instance in us-east-1 matches db_instance_identifier = \"prod-db\""),
        "{}",
        run.stderr
    );
    let run = drplan(&["plan", FIXTURE, "--live", "tests/fixtures/plans/live/duplicate-owner.json", var]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("vpc-0fx and vpc-0fxdupe"), "both objects are named: {}", run.stderr);
    let run = drplan(&["plan", FIXTURE, "--live", "tests/fixtures/plans/live/db-renamed.json", var]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Instance cannot be destroyed") && run.stderr.contains("identifier forces replacement"),
        "{}",
        run.stderr
    );
    let run = drplan(&["plan", FIXTURE, "--live", "tests/fixtures/plans/live/malformed.json", var]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("malformed.json:1:") && run.stderr.contains("docs/live-state.md"), "{}", run.stderr);
    let run = drplan(&["plan", FIXTURE, "--live", "tests/fixtures/plans/live/bad-captured-at.json", var]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("bad-captured-at.json:3:")
            && run.stderr.contains("\"yesterday at noon\" is not an RFC 3339 time"),
        "{}",
        run.stderr
    );
    let run = drplan(&["plan", FIXTURE, var]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--live"), "{}", run.stderr);
    let run = drplan(&["plan", FIXTURE, "--live", "empty", var, "--target", "aws_vpc.nope"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("No resource or module in the configuration matches --target aws_vpc.nope"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_dead_primary_region_is_planned_around_loudly() {
    let run =
        drplan(&["plan", FIXTURE, "--live", "tests/fixtures/plans/live/primary-down.json", "--var=db_password=x"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Warning: Region us-east-1 could not be read (DescribeDBInstances timed out after 20s)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("<= data \"aws_db_instance\" \"primary\""), "{}", run.stdout);
}

#[test]
fn targeting_plans_a_resource_and_its_dependencies_only() {
    let run = drplan(&[
        "plan",
        "examples/webapp-dr",
        "--live",
        "examples/webapp-dr/live/empty.json",
        "--target",
        "module.database",
        "--compact",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("+ module.database.aws_db_instance.this"));
    assert!(run.stdout.contains("+ module.network.aws_subnet.private[\"us-west-2a\"]"), "dependencies are included");
    assert!(!run.stdout.contains("module.web."), "{}", run.stdout);
    assert!(run.stdout.contains("Resource targeting is in effect"));
}

#[test]
fn objectives_are_enforced_and_estimates_calibrated_from_journals() {
    let args = ["plan", "examples/pilot-light", "--live", "examples/pilot-light/live/empty.json"];
    let run = drplan(&[&args[..], &["--enforce-objectives"]].concat());
    assert_eq!(run.code, 3, "the 20m RTO is breached by creating the replica: {}", run.stdout);
    assert!(run.stdout.contains("RTO objective 20m: BREACHED (estimate 30m15s)"), "{}", run.stdout);
    assert!(run.stderr.contains("breaches a recovery objective"), "{}", run.stderr);
    // Without the flag, a breach is reported but is not an error.
    assert_eq!(drplan(&args).code, 0);

    // Measured: replicas took 12 minutes in past applies. The estimate follows, and says so.
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("apply-pilot-1.jsonl");
    std::fs::write(
        &journal,
        r#"{"event":"end","address":"module.database.aws_db_instance.this","action":"create","status":"succeeded","attempts":1,"at_ms":1,"duration_ms":720000}"#,
    )
    .unwrap();
    let journal = journal.to_str().unwrap();
    let run = drplan(&[&args[..], &["--calibrate", journal, "--format", "json", "--enforce-objectives"]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let r = &plan["recovery"];
    // A pilot light's standby runs no web instance: the database ends the critical path.
    assert_eq!(r["rto_estimate_seconds"], 5 + 5 + 5 + 720);
    let db = r["step_estimates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["address"] == "module.database.aws_db_instance.this")
        .unwrap();
    assert_eq!(db["seconds"], 720);
    assert_eq!(db["source"], format!("measured: median of 1 creates in {journal}"));
    assert_eq!(
        r["verdicts"][0],
        serde_json::json!({"objective": "rto", "objective_seconds": 1200, "estimate_seconds": 735, "met": true})
    );
}

/// The runbook of every example, from its empty DR state: what on-call reads at 3 a.m.
#[test]
fn runbooks_of_every_example() {
    for ex in ["webapp-dr", "pilot-light", "backup-restore"] {
        let args = ["runbook", &format!("examples/{ex}"), "--live", &format!("examples/{ex}/live/empty.json")];
        let args: Vec<&str> = args.iter().map(|s| s.as_ref()).collect();
        let run = drplan(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for section in [
            "## 0. Page, and declare the recovery",
            "## 1. Objectives",
            "## 2. Topology",
            "```mermaid",
            "## 3. Pre-flight",
            "## 4. Recovery steps",
            "## 5. DNS cutover",
            "## 6. Post-recovery validation",
            "## 7. Failback",
        ] {
            assert!(run.stdout.contains(section), "{ex}: missing {section}");
        }
        // Who to page comes first, before anything is looked at or changed.
        let page = run.stdout.find("## 0. Page").unwrap();
        assert!(page < run.stdout.find("## 1. Objectives").unwrap(), "{ex}: paging first");
        by_hand_steps_are_complete(ex, &run.stdout);
        settings().bind(|| insta::assert_snapshot!(format!("runbook-{ex}"), run.stdout));
    }
}

/// Every recovery step can be followed by hand: a command, a verification that is a command,
/// a rollback note, and, for what AWS tags, both ownership tags (so `drplan apply` afterwards
/// finds what a person made instead of making it twice).
fn by_hand_steps_are_complete(ex: &str, runbook: &str) {
    let steps = runbook.split("## 4. Recovery steps").nth(1).unwrap().split("## 5.").next().unwrap();
    for step in steps.split("\n### 4.").skip(1) {
        let title = step.lines().next().unwrap();
        assert!(step.contains("- **By hand:**\n\n  ```sh\n  "), "{ex} {title}: no command");
        assert!(step.contains("- **Verify:** `"), "{ex} {title}: the verification is not a command");
        assert!(step.contains("- **Rollback:** "), "{ex} {title}: no rollback note");
        assert!(!step.contains("shows no change for this address"), "{ex} {title}");
        let by_hand = step.split("```sh").nth(1).unwrap().split("```").next().unwrap();
        if by_hand.contains("drplan:address") {
            assert!(by_hand.contains("\"drplan:stack\""), "{ex} {title}: only one ownership tag: {by_hand}");
        }
        // A group with inline rules (the web tier's load balancer group has them).
        if title.contains("aws_security_group.lb`") {
            assert!(by_hand.contains("authorize-security-group-ingress"), "{ex} {title}: rules missing: {by_hand}");
        }
    }
    if ex == "webapp-dr" {
        assert!(steps.contains("create-route --route-table-id <new RouteTableId> --destination-cidr-block 0.0.0.0/0"));
        assert!(steps.contains("modify-vpc-attribute --vpc-id <new VpcId> --enable-dns-hostnames"));
        assert!(steps.contains("--vpc-security-group-ids"), "the database's security groups");
    }
}

#[test]
fn a_journal_that_is_not_one_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("apply-x.jsonl");
    std::fs::write(&journal, "{\"event\":\"end\"}\nnot json\n").unwrap();
    let journal = journal.to_str().unwrap();
    let run = drplan(&["plan", "examples/pilot-light", "--live", "empty", "--calibrate", journal]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains(&format!("{journal}:1: not a drplan journal line")), "{}", run.stderr);
}

/// `--out` never overwrites an input: a configuration file, the live snapshot. The refusal
/// comes before anything is written, and the files are unchanged.
#[test]
fn plan_out_never_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &str, to: &str| {
        let status = std::process::Command::new("cp")
            .args(["-r", &root().join(from).display().to_string(), &dir.path().join(to).display().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    };
    std::fs::create_dir_all(dir.path().join("examples")).unwrap();
    copy("examples/webapp-dr", "examples/webapp-dr");
    copy("modules", "modules");
    let config = dir.path().join("examples/webapp-dr");
    let main = config.join("main.tf");
    let live = config.join("live/empty.json");
    let before = (std::fs::read(&main).unwrap(), std::fs::read(&live).unwrap());
    let (config, live_arg) = (config.display().to_string(), live.display().to_string());
    for out in [main.display().to_string(), live_arg.clone()] {
        let r = drplan(&["plan", &config, "--live", &live_arg, "--out", &out]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("refusing to write") && r.stderr.contains("inputs"), "{}", r.stderr);
    }
    assert_eq!((std::fs::read(&main).unwrap(), std::fs::read(&live).unwrap()), before, "nothing was overwritten");
    let saved = dir.path().join("dr.plan").display().to_string();
    assert_eq!(drplan(&["plan", &config, "--live", &live_arg, "--out", &saved]).code, 0, "any other path is fine");
}

/// Tags and ids come from the cloud: control characters in them (a terminal escape sequence)
/// are printed escaped, never raw.
#[test]
fn control_characters_from_the_cloud_never_reach_the_terminal() {
    let live = "tests/fixtures/plans/live/control-characters.json";
    let run = drplan(&["plan", FIXTURE, "--live", live, "--var=db_password=x"]);
    assert!(run.stdout.contains("aws_vpc.gone\\u{1b}[2J"), "the orphan is shown, escaped: {}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{7}'), "{:?}", run.stdout);
}

/// Destroying: the live values of what the configuration marks sensitive (here tags built from
/// a sensitive variable) are masked in every format.
#[test]
fn destroy_plans_mask_live_values_the_configuration_marks_sensitive() {
    let dir = "tests/fixtures/plans/destroy-secret";
    for format in ["human", "json", "markdown"] {
        let run = drplan(&["plan", dir, "--live", &format!("{dir}/live.json"), "--destroy", "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains("aws_vpc.main"), "the VPC is destroyed: {}", run.stdout);
        assert!(!run.stdout.contains("hunter2"), "{format} destroy plan leaks a sensitive live value:\n{}", run.stdout);
    }
}

#[test]
fn a_two_region_root_plans_its_dr_half_and_looks_the_primary_up_read_only() {
    let dir = "tests/fixtures/plans/two-region";
    for state in ["primary-up", "primary-down"] {
        let live = format!("{dir}/live/{state}.json");
        let args = ["plan", dir, "--live", live.as_str()];
        let run = drplan(&args);
        assert_eq!(run.code, 0, "{}", run.transcript(&args));
        // Said once, not per resource.
        assert_eq!(run.stderr.matches("Primary-side resources are read-only").count(), 1, "{}", run.stderr);
        settings().bind(|| insta::assert_snapshot!(format!("plan-two-region-{state}"), run.stdout));
    }
    let live = format!("{dir}/live/primary-up.json");
    let run = drplan(&["plan", dir, "--live", &live, "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let changed: Vec<&str> =
        plan["resource_changes"].as_array().unwrap().iter().map(|c| c["address"].as_str().unwrap()).collect();
    assert_eq!(changed, ["aws_vpc.dr", "aws_db_instance.replica"], "the primary's resources are never planned");
    let replica = &plan["resource_changes"][1]["change"]["after"];
    assert_eq!(replica["replicate_source_db"], "arn:aws:rds:us-east-1:123456789012:db:orders");
    let found: Vec<(&str, bool)> = plan["counterparts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["address"].as_str().unwrap(), c["live_id"].is_string()))
        .collect();
    assert_eq!(
        found,
        [("aws_vpc.primary", true), ("aws_db_instance.primary", true), ("module.edge.aws_lb.web", false)]
    );
    // A saved plan of it applies nothing to the primary: its steps are the DR half only.
    let steps: Vec<&str> =
        plan["execution"]["steps"].as_array().unwrap().iter().filter_map(|s| s["address"].as_str()).collect();
    assert!(steps.iter().all(|a| !a.contains("primary") && !a.contains("edge")), "{steps:?}");
}

#[test]
fn primary_resources_can_be_refused_explicitly() {
    let tmp = tempfile::tempdir().unwrap();
    let src = root().join("tests/fixtures/plans/two-region");
    let main = std::fs::read_to_string(src.join("main.tf")).unwrap();
    let main = main
        .replace("primary_region = \"us-east-1\"", "primary_region = \"us-east-1\"\n  primary_resources = \"refuse\"");
    std::fs::write(tmp.path().join("main.tf"), main).unwrap();
    std::fs::create_dir(tmp.path().join("edge")).unwrap();
    std::fs::copy(src.join("edge/main.tf"), tmp.path().join("edge/main.tf")).unwrap();
    let dir = tmp.path().to_str().unwrap();
    let run = drplan(&["validate", dir]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr.matches("Managed resource outside the DR region").count(), 3, "{}", run.stderr);
    let bad = std::fs::read_to_string(tmp.path().join("main.tf")).unwrap().replace("\"refuse\"", "\"sometimes\"");
    std::fs::write(tmp.path().join("main.tf"), bad).unwrap();
    let run = drplan(&["validate", dir]);
    assert!(run.stderr.contains("\"primary_resources\" must be \"read-only\" or \"refuse\""), "{}", run.stderr);
}

#[test]
fn a_root_local_may_read_a_data_source() {
    let run = drplan(&["plan", "tests/fixtures/plans/local-from-data", "--live", "empty"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("aws_subnet.s will be created"), "{}", run.stdout);
}

#[test]
fn iam_policy_documents_render_as_terraform_renders_them() {
    let (plan, want) = plan_and_oracle("tests/fixtures/oracle/iam-policy-document");
    assert_eq!(want.len(), 8);
    for (name, value) in &want {
        assert_eq!(&plan["output_changes"][name]["after"], value, "output {name}");
    }
    // Computed locally, so not deferred to apply even without live state.
    assert_eq!(plan["resource_changes"], serde_json::json!([]), "no read step");
}

#[test]
fn a_remote_state_lends_its_outputs_but_never_its_secrets() {
    let dir = "tests/fixtures/plans/remote-state";
    let run = drplan(&["plan", dir, "--live", "empty", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let after = &plan["resource_changes"][0]["change"]["after"];
    assert_eq!(after["replicate_source_db"], "arn:aws:rds:us-east-1:123456789012:db:orders");
    assert_eq!(after["tags"]["azs"], "us-east-1a,us-east-1b");
    assert_eq!(after["tags"]["engine"], "postgres", "defaults fill missing outputs");
    for format in ["human", "json", "markdown"] {
        let run = drplan(&["plan", dir, "--live", "empty", "--format", format]);
        assert!(
            !run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"),
            "{format} shows a sensitive output"
        );
    }
}

#[test]
fn functions_match_terraform() {
    // Numbers at Terraform's precision (num_*) and heredoc strip markers (tmpl_heredoc_*) included.
    let (plan, want) = plan_and_oracle("tests/fixtures/oracle/functions");
    assert!(want.len() > 180, "{} cases", want.len());
    // The one known difference (docs/configuration.md): drplan does not track the element type
    // of an empty list, so `compact([]) == tolist([])` (list(string) against list(dynamic)) is
    // true in drplan, false in Terraform.
    let known = ["eq_compact_empty"];
    let differing: Vec<&str> = want
        .iter()
        .filter(|(name, value)| &plan["output_changes"][name.as_str()]["after"] != *value)
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(differing, known, "outputs that differ from Terraform's");
}

#[test]
fn module_calls_may_read_each_others_independent_outputs() {
    let dir = "tests/fixtures/plans/module-cross-outputs";
    let run = drplan(&["plan", dir, "--live", "empty", "--format", "json"]);
    assert_eq!(run.code, 0, "not a cycle, as in Terraform: {}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let steps = plan["execution"]["steps"].as_array().unwrap();
    let deps = |addr: &str| -> Vec<&str> {
        let step = steps.iter().find(|s| s["address"] == addr).unwrap_or_else(|| panic!("{addr}"));
        step["depends_on"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect()
    };
    assert_eq!(deps("module.sec.aws_security_group.s"), ["module.net.aws_vpc.v"]);
    assert_eq!(deps("module.net.aws_instance.web"), ["module.sec.aws_security_group.s"]);
    assert_eq!(steps.len(), 3, "each instance once, however many rounds evaluated it");
    // A local between the calls (one call's output made into another's input) is part of the
    // group, and known once what it reads is.
    let web =
        plan["resource_changes"].as_array().unwrap().iter().find(|c| c["address"] == "module.net.aws_instance.web");
    assert_eq!(web.unwrap()["change"]["after"]["user_data"], "#!/bin/sh\necho web");
}

#[test]
fn values_derived_from_a_resources_sensitive_attribute_are_hidden() {
    let dir = "tests/fixtures/plans/sensitive-derived";
    for format in ["human", "json", "markdown"] {
        let run = drplan(&["plan", dir, "--live", "empty", "--format", format]);
        assert!(
            !run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"),
            "{format}:\n{}{}",
            run.stdout,
            run.stderr
        );
        // The output reading it must be declared sensitive, as Terraform requires.
        assert_eq!(run.code, 1, "{format}");
        assert!(run.stderr.contains("Output refers to sensitive values"), "{}", run.stderr);
    }
}

/// Objects AWS cannot tag are changed or deleted only with a proof of ownership: an owned
/// parent, content exactly as configured, or `allow_overwrite = true` (provider-aws's claim).
#[test]
fn objects_found_by_natural_key_are_touched_only_with_a_proof_of_ownership() {
    let dir = "tests/fixtures/plans/foreign-natural-keys";
    let live = format!("{dir}/live.json");
    let refused = drplan(&["plan", dir, "--live", &live]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert_eq!(refused.stderr.matches("Error: Object not proven drplan's").count(), 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("aws_route.foreign would change the existing aws_route rtb-foreign_10.9.0.0/16"));
    assert!(refused.stderr.contains("hint: set allow_overwrite = true"), "{}", refused.stderr);
    assert!(!refused.stderr.contains("aws_route.owned"), "the owned table's route is proven: {}", refused.stderr);

    let claimed = ["plan", dir, "--live", &live, "--var", "overwrite=true", "--var", "foreign_table=rtb-owned"];
    let run = drplan(&claimed);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("aws_route53_record.prod will be updated in-place"), "{}", run.stdout);

    let destroy = drplan(&["plan", dir, "--live", &live, "--destroy", "--format", "json"]);
    assert_eq!(destroy.code, 0, "{}", destroy.stderr);
    let plan: serde_json::Value = serde_json::from_str(&destroy.stdout).unwrap();
    let deleted: Vec<&str> =
        plan["resource_changes"].as_array().unwrap().iter().map(|c| c["address"].as_str().unwrap()).collect();
    assert_eq!(deleted, ["aws_route.owned", "aws_route53_record.same", "aws_route_table.owned"]);
    let warnings = plan["warnings"].to_string();
    assert!(warnings.contains("aws_route.foreign (aws_route rtb-foreign_10.9.0.0/16) is left in place"), "{warnings}");
    assert!(
        warnings.contains("aws_route53_record.prod (aws_route53_record ZONE1_prod.example.com_A_) is left in place")
    );
}

/// Terraform's JSON syntax: the same configuration as `*.tf.json` and as `*.tf` plans the same,
/// byte for byte (but for the fingerprint of the files), in every format.
#[test]
fn json_syntax_plans_exactly_like_hcl() {
    let dir = "tests/fixtures/plans/json-syntax";
    let plan_of = |syntax: &str, format: &str| {
        let run = drplan(&["plan", &format!("{dir}/{syntax}"), "--live", "empty", "--format", format]);
        assert_eq!(run.code, 0, "{syntax}: {}", run.stderr);
        run.stdout
    };
    for format in ["human", "markdown"] {
        assert_eq!(plan_of("json", format), plan_of("hcl", format), "{format}");
    }
    let without_fingerprint = |text: String| {
        let mut plan: serde_json::Value = serde_json::from_str(&text).unwrap();
        plan.as_object_mut().unwrap().remove("fingerprint");
        plan
    };
    let json = without_fingerprint(plan_of("json", "json"));
    assert_eq!(json, without_fingerprint(plan_of("hcl", "json")));
    assert_eq!(json["resource_changes"].as_array().unwrap().len(), 5, "{json:#}");
    let validate = drplan(&["validate", &format!("{dir}/json")]);
    assert!(validate.stdout.contains("Success! 4 resources, 1 data source, 1 module"), "{}", validate.stdout);
}

/// Strings in `*.tf.json` as Terraform 1.11.4 evaluates them (tests/fixtures/oracle/json-syntax).
#[test]
fn json_syntax_strings_match_terraform() {
    let (plan, want) = plan_and_oracle("tests/fixtures/oracle/json-syntax");
    for (name, value) in &want {
        assert_eq!(&plan["output_changes"][name]["after"], value, "output {name}");
    }
}

/// An oracle directory planned by drplan (JSON), and the outputs Terraform computed for it
/// (`terraform-outputs.json`).
fn plan_and_oracle(dir: &str) -> (serde_json::Value, serde_json::Map<String, serde_json::Value>) {
    let run = drplan(&["plan", dir, "--live", "empty", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan = serde_json::from_str(&run.stdout).unwrap();
    let text = std::fs::read_to_string(root().join(dir).join("terraform-outputs.json")).unwrap();
    (plan, serde_json::from_str(&text).unwrap())
}

/// `terraform_data` and `null_resource` are nodes of the graph only: nothing is planned for
/// them, references see `output` as the `input` and an `id` that is the same on every plan, and
/// a provisioner is a located warning (drplan runs none), not an error.
#[test]
fn graph_only_resources_plan_nothing_and_pass_values_on() {
    const DIR: &str = "tests/fixtures/plans/graph-only";
    let validate = drplan(&["validate", DIR]);
    assert_eq!(validate.code, 0, "{}", validate.stderr);
    assert!(validate.stderr.contains("Warning: Provisioners are not run"), "{}", validate.stderr);
    assert!(validate.stderr.contains("main.tf:14:1"), "{}", validate.stderr);
    let run = drplan(&["plan", DIR, "--live", "empty", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let changes = plan["resource_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "only the VPC is planned: {changes:#?}");
    let vpc = &changes[0]["change"]["after"];
    assert_eq!(vpc["cidr_block"], "10.9.0.0/16", "terraform_data.cidr.output is its input");
    let id = vpc["tags"]["Waited"].as_str().unwrap().to_string();
    assert!(!id.is_empty() && id.chars().all(|c| c.is_ascii_digit()), "{id}");
    let again = drplan(&["plan", DIR, "--live", "empty", "--format", "json"]);
    assert_eq!(run.stdout, again.stdout, "the id is the same on every plan");
}

/// `archive_file` writes its zip while planning, the same bytes every time, and the resource
/// reading its digest plans with it; a changed source changes the digest.
#[test]
fn an_archive_is_built_while_planning_with_a_stable_digest() {
    let out = tempfile::tempdir().unwrap();
    let var = format!("out_dir={}", out.path().display());
    let dir = "tests/fixtures/plans/archive-file";
    let plan = |args: &[&str]| {
        let run = drplan(&[&["plan", dir, "--live", "empty", "--var", &var, "--format", "json"], args].concat());
        assert_eq!(run.code, 0, "{}", run.stderr);
        let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        plan["resource_changes"][0]["change"]["after"]["tags"].clone()
    };
    let first = plan(&[]);
    let zip = std::fs::read(out.path().join("handler.zip")).unwrap();
    assert_eq!(first["size"], zip.len().to_string());
    assert_eq!(first["package"].as_str().map(str::len), Some(44), "{first}");
    assert_eq!(plan(&[]), first, "same sources, same archive");
    let names = String::from_utf8_lossy(&zip);
    assert!(names.contains("index.py") && !names.contains("README.md"), "excludes apply");
    let run = drplan(&["validate", dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A plan too long for one GitHub comment is cut, with a note, and stays valid Markdown: the
/// tables stop at half the limit, the full plan's diff block is cut at a line and closed.
#[test]
fn a_markdown_plan_fits_a_github_comment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "recovery {\n  stack  = \"big\"\n  region = \"us-west-2\"\n}\n\nresource \"aws_vpc\" \"v\" {\n  count      = 1500\n  cidr_block = \"10.${count.index % 250}.0.0/16\"\n  tags       = { Name = \"a-fairly-long-name-for-vpc-${count.index}\" }\n}\n",
    )
    .unwrap();
    let run = drplan(&["plan", dir.path().to_str().unwrap(), "--live", "empty", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let md = &run.stdout;
    assert!(md.chars().count() <= 65_536, "{} characters", md.chars().count());
    assert!(md.starts_with("<!-- drplan-plan stack=big workspace=default -->\n"), "the hidden marker comes first");
    assert!(md.contains("more: see the full plan |"), "the table is cut");
    assert!(md.contains("... cut: the full plan is "), "the diff is cut with a note");
    assert!(md.trim_end().ends_with("```\n\n</details>"), "the code block and details are closed");
    assert!(!md.contains("What changes (graph)"), "no graph of 1,500 nodes");
    assert!(md.contains("\n+   resource \"aws_vpc\" \"v\" {\n"), "change symbols in column 1 for GitHub's colours");
}

/// hashicorp/http's data source is read while planning, as Terraform reads it: the "my IP"
/// pattern (a security group open to the address an HTTP endpoint reports) plans the address.
#[test]
fn the_http_data_source_is_read_while_planning() {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/ip", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        for conn in listener.incoming().take(2) {
            let mut conn = conn.unwrap();
            let _ = conn.read(&mut [0u8; 1024]);
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n203.0.113.7\n");
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let config = r#"
recovery {
  stack  = "http"
  region = "us-west-2"
}
variable "url" {
  type = string
}
data "http" "my_ip" {
  url = var.url
  request_headers = { Accept = "text/plain" }
}
resource "aws_security_group" "ssh" {
  vpc_id = "vpc-0123456789abcdef0"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["${chomp(data.http.my_ip.response_body)}/32"]
  }
}
output "status" {
  value = data.http.my_ip.status_code
}
"#;
    std::fs::write(dir.path().join("main.tf"), config).unwrap();
    let root = dir.path().display().to_string();
    let var = format!("url={url}");
    let run = drplan(&["plan", &root, "--var", &var, "--live", "empty", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let sg = &plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "aws_security_group.ssh")
        .unwrap();
    assert_eq!(sg["change"]["after"]["ingress"][0]["cidr_blocks"], serde_json::json!(["203.0.113.7/32"]));
    assert_eq!(plan["output_changes"]["status"]["after"], 200);
}
