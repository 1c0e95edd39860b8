//! drplan's JSON plan against Terraform's (`terraform show -json`, committed under
//! tests/fixtures/oracle/policy-plan), and the policy tools that read it: Checkov (from PyPI)
//! and Rego policies in OPA 1.x syntax (evaluated with regorus).

use std::path::Path;

use serde_json::{Value as Json, json};

use crate::harness::{changes, checkov, drplan, root};

const FIXTURE: &str = "tests/fixtures/plans/policy";
const ORACLE: &str = "tests/fixtures/oracle/policy-plan/terraform-plan.json";

fn terraform_plan() -> Json {
    serde_json::from_str(&std::fs::read_to_string(root().join(ORACLE)).unwrap()).unwrap()
}

fn drplan_plan(dir: &str, live: &str) -> (Json, String) {
    let run = drplan(&["plan", dir, "--live", live, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (serde_json::from_str(&run.stdout).unwrap(), run.stdout)
}

/// Where `ours` and `theirs` disagree on a value both give (nulls and absent keys are not
/// compared; lists are compared as lists, then as sets, since set order is the writer's own).
fn disagreements(path: &str, ours: &Json, theirs: &Json, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Json::Null, _) | (_, Json::Null) => {}
        (Json::Object(a), Json::Object(b)) => {
            for (k, v) in a {
                if let Some(w) = b.get(k) {
                    disagreements(&format!("{path}.{k}"), v, w, out);
                }
            }
        }
        (Json::Array(a), Json::Array(b)) if a.len() == b.len() => {
            let mut inner = Vec::new();
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                disagreements(&format!("{path}[{i}]"), v, w, &mut inner);
            }
            let sorted = |l: &Vec<Json>| {
                let mut s: Vec<String> = l.iter().map(Json::to_string).collect();
                s.sort();
                s
            };
            if !inner.is_empty() && sorted(a) != sorted(b) {
                out.extend(inner);
            }
        }
        (a, b) if a != b => out.push(format!("{path}: drplan {a}, Terraform {b}")),
        _ => {}
    }
}

/// Every resource of a `planned_values` tree, by address.
fn resources(module: &Json, out: &mut std::collections::BTreeMap<String, Json>) {
    for r in module["resources"].as_array().into_iter().flatten() {
        out.insert(r["address"].as_str().unwrap().to_string(), r.clone());
    }
    for m in module["child_modules"].as_array().into_iter().flatten() {
        resources(m, out);
    }
}

#[test]
fn the_json_plan_matches_terraforms_show_json() {
    let (ours, text) = drplan_plan(FIXTURE, "empty");
    let theirs = terraform_plan();
    // Terraform's own keys, all present.
    for key in theirs.as_object().unwrap().keys() {
        assert!(ours.get(key).is_some(), "drplan's plan lacks Terraform's {key}");
    }
    // Root variables: the same values, but never a sensitive one (Terraform writes those).
    assert_eq!(ours["variables"]["region"], theirs["variables"]["region"]);
    assert!(theirs["variables"].get("db_password").is_some() && ours["variables"].get("db_password").is_none());
    for key in ["format_version", "terraform_version", "applyable", "complete", "errored"] {
        assert_eq!(ours[key], theirs[key], "{key}");
    }
    let actions = |plan: &Json| -> Vec<(String, Json)> {
        let mut v: Vec<_> = plan["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["address"].as_str().unwrap().to_string(), c["change"]["actions"].clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    assert_eq!(actions(&ours), actions(&theirs));
    assert_eq!(
        ours["output_changes"].as_object().unwrap().keys().collect::<Vec<_>>(),
        theirs["output_changes"].as_object().unwrap().keys().collect::<Vec<_>>()
    );

    let (mut a, mut b) = Default::default();
    resources(&ours["planned_values"]["root_module"], &mut a);
    resources(&theirs["planned_values"]["root_module"], &mut b);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "planned_values resources");
    let child = |p: &Json| p["planned_values"]["root_module"]["child_modules"][0]["address"].clone();
    assert_eq!(child(&ours), child(&theirs), "resources sit in their module");
    let mut wrong = Vec::new();
    for (addr, r) in &a {
        for key in ["mode", "type", "name", "index", "provider_name"] {
            disagreements(&format!("{addr}.{key}"), &r[key], &b[addr][key], &mut wrong);
        }
        disagreements(addr, &r["values"], &b[addr]["values"], &mut wrong);
    }
    assert_eq!(wrong, Vec::<String>::new(), "planned values both know");
    // The comparison sees a difference where there is one.
    let db = "module.app.aws_db_instance.db";
    let mut changed = a[db]["values"].clone();
    changed["storage_encrypted"] = true.into();
    disagreements(db, &changed, &b[db]["values"], &mut wrong);
    assert_eq!(wrong, [format!("{db}.storage_encrypted: drplan true, Terraform false")]);

    let relevant = |p: &Json| {
        let mut v: Vec<(String, String)> = p["relevant_attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["resource"].to_string(), r["attribute"].to_string()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(relevant(&ours), relevant(&theirs), "relevant_attributes");

    configurations_agree(&ours["configuration"], &theirs["configuration"], &text);
}

/// The `configuration` sections: provider, module call, outputs, resources with their
/// expressions (references and constants), and variables (never a sensitive value in drplan's).
fn configurations_agree(ours_cfg: &Json, theirs_cfg: &Json, text: &str) {
    assert_eq!(ours_cfg["provider_config"]["aws"]["full_name"], theirs_cfg["provider_config"]["aws"]["full_name"]);
    assert_eq!(
        ours_cfg["provider_config"]["aws"]["expressions"]["region"],
        theirs_cfg["provider_config"]["aws"]["expressions"]["region"]
    );
    let (call, tf_call) =
        (&ours_cfg["root_module"]["module_calls"]["app"], &theirs_cfg["root_module"]["module_calls"]["app"]);
    assert_eq!(call["source"], tf_call["source"]);
    assert_eq!(call["expressions"], tf_call["expressions"]);
    assert_eq!(ours_cfg["root_module"]["outputs"], theirs_cfg["root_module"]["outputs"]);
    assert_eq!(call["module"]["outputs"], tf_call["module"]["outputs"]);
    let by_address = |m: &Json| -> std::collections::BTreeMap<String, Json> {
        m["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["address"].as_str().unwrap().to_string(), r.clone()))
            .collect()
    };
    let (ours_res, theirs_res) = (by_address(&call["module"]), by_address(&tf_call["module"]));
    assert_eq!(ours_res.keys().collect::<Vec<_>>(), theirs_res.keys().collect::<Vec<_>>());
    for (addr, r) in &ours_res {
        let t = &theirs_res[addr];
        for key in ["mode", "type", "name", "provider_config_key", "count_expression", "for_each_expression"] {
            assert_eq!(r.get(key), t.get(key), "{addr}: {key}");
        }
        // Security group rules: Terraform gives the blocks as one constant list; drplan as blocks.
        for (name, e) in r["expressions"].as_object().unwrap().iter().filter(|(_, e)| e.is_object()) {
            let refs = |e: &Json| {
                let mut v: Vec<String> =
                    e["references"].as_array().into_iter().flatten().map(|s| s.as_str().unwrap().into()).collect();
                v.sort();
                v
            };
            assert_eq!(refs(e), refs(&t["expressions"][name]), "{addr}: references of {name}");
            if e.get("constant_value").is_some() && t["expressions"][name].get("constant_value").is_some() {
                assert_eq!(e["constant_value"], t["expressions"][name]["constant_value"], "{addr}: {name}");
            }
        }
    }
    let vars = &theirs_cfg["root_module"]["variables"];
    assert_eq!(ours_cfg["root_module"]["variables"]["region"], vars["region"]);
    assert_eq!(vars["db_password"]["default"], "policy-fixture-not-a-secret", "Terraform writes it");
    assert!(!text.contains("policy-fixture-not-a-secret"), "drplan never does");
    assert_eq!(ours_cfg["root_module"]["variables"]["db_password"], json!({"sensitive": true}));
}

/// Checkov's failed checks on a plan file: (check id, resource address), sorted.
fn checkov_failures(plan: &Path) -> (Vec<(String, String)>, Json) {
    let out = std::process::Command::new(checkov())
        .args(["--framework", "terraform_plan", "-o", "json", "--quiet", "--compact", "--skip-download", "-f"])
        .arg(plan)
        .output()
        .expect("checkov runs");
    let report: Json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("checkov printed no report ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let report = if report.is_array() { report[0].clone() } else { report };
    let mut failed: Vec<(String, String)> = report["results"]["failed_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (c["check_id"].as_str().unwrap().to_string(), c["resource"].as_str().unwrap().to_string()))
        .collect();
    failed.sort();
    (failed, report["summary"].clone())
}

#[cfg_attr(drplan_no_checkov, ignore = "needs Checkov (scripts/install-checkov.sh, or DRPLAN_CHECKOV)")]
#[test]
fn checkov_finds_the_same_on_drplans_plan_as_on_terraforms() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    std::fs::write(&file, drplan_plan(FIXTURE, "empty").1).unwrap();
    let (ours, summary) = checkov_failures(&file);
    let (theirs, _) = checkov_failures(&root().join(ORACLE));
    assert_eq!(summary["resource_count"], 10, "{summary}");
    assert_eq!(ours, theirs);
    for (check, resource) in [
        ("CKV_AWS_24", "module.app.aws_security_group.web"), // SSH open to the world
        ("CKV_AWS_79", "module.app.aws_instance.web"),       // no IMDSv2
        ("CKV_AWS_16", "module.app.aws_db_instance.db"),     // unencrypted storage
        ("CKV_AWS_17", "module.app.aws_db_instance.db"),     // publicly accessible
        ("CKV_AWS_2", "module.app.aws_lb_listener.http"),    // plain HTTP
    ] {
        assert!(ours.contains(&(check.into(), resource.into())), "{check} on {resource}: {ours:?}");
    }
}

#[cfg_attr(drplan_no_checkov, ignore = "needs Checkov (scripts/install-checkov.sh, or DRPLAN_CHECKOV)")]
#[test]
fn checkov_checks_unchanged_resources_too() {
    // Converged: nothing changes, yet every resource is in the plan for policies to check.
    let (plan, text) = drplan_plan("examples/webapp-dr", "examples/webapp-dr/live/converged.json");
    assert!(changes(&plan).is_empty());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    std::fs::write(&file, text).unwrap();
    let (failed, summary) = checkov_failures(&file);
    assert!(summary["resource_count"].as_u64().unwrap() >= 20, "{summary}");
    assert!(failed.iter().any(|(_, r)| r == "module.database.aws_db_instance.this"), "{failed:?}");
}

/// The Rego policy docs/ci.md shows, evaluated on a plan: the `deny` messages.
fn rego_denials(plan: &Json) -> Vec<String> {
    let policy = std::fs::read_to_string(root().join("docs/policies/drplan.rego")).unwrap();
    let mut engine = regorus::Engine::new();
    engine.add_policy("drplan.rego".into(), policy).unwrap();
    engine.set_input(regorus::Value::from_json_str(&plan.to_string()).unwrap());
    let denials = engine.eval_rule("data.drplan.plan.deny".into()).unwrap();
    let mut out: Vec<String> = denials.as_set().unwrap().iter().map(|v| v.as_string().unwrap().to_string()).collect();
    out.sort();
    out
}

#[test]
fn rego_policies_run_on_drplans_plans_as_on_terraforms() {
    let (ours, _) = drplan_plan(FIXTURE, "empty");
    let denied = rego_denials(&ours);
    assert_eq!(denied, rego_denials(&terraform_plan()), "the same policy, the same verdicts");
    assert_eq!(
        denied,
        [
            "module.app.aws_db_instance.db: storage is not encrypted",
            "module.app.aws_instance.web: IMDSv2 is not required",
            "module.app.aws_security_group.web: port 22 is open to the world",
        ]
    );
    // Unchanged resources are checked too: the converged webapp-dr plan changes nothing.
    let (converged, _) = drplan_plan("examples/webapp-dr", "examples/webapp-dr/live/converged.json");
    assert_eq!(rego_denials(&converged), ["module.database.aws_db_instance.this: deletion protection is off"]);
}

/// With terraform-provider-aws installed, native resources carry the provider's planned values
/// too (defaults, `tags_all`, empty blocks): every value Terraform's plan knows is in drplan's,
/// the same, but for the sensitive ones drplan never writes to a plan.
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn with_the_provider_every_planned_value_is_terraforms() {
    let installed = crate::harness::InstalledProvider::required();
    let run = installed.drplan(&["plan", FIXTURE, "--live", "empty", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ours: Json = serde_json::from_str(&run.stdout).unwrap();
    let theirs = terraform_plan();
    let (mut a, mut b) = Default::default();
    resources(&ours["planned_values"]["root_module"], &mut a);
    resources(&theirs["planned_values"]["root_module"], &mut b);
    let (mut missing, mut wrong) = (Vec::new(), Vec::new());
    for (addr, r) in &b {
        let mine = &a[addr]["values"];
        for (name, value) in r["values"].as_object().unwrap() {
            let sensitive = r["sensitive_values"][name] == true;
            match mine.get(name).unwrap_or(&Json::Null) {
                Json::Null if !value.is_null() && !sensitive => missing.push(format!("{addr}.{name}")),
                _ => {}
            }
        }
        disagreements(addr, mine, &r["values"], &mut wrong);
    }
    assert_eq!(missing, Vec::<String>::new(), "values Terraform knows and drplan does not");
    assert_eq!(wrong, Vec::<String>::new(), "values both know");
    let db = &a["module.app.aws_db_instance.db"];
    assert_eq!(db["values"]["password"], Json::Null, "a secret is never written");
    assert_eq!(db["sensitive_values"]["password"], true);
    assert!(!run.stdout.contains("defaults and computed attributes are missing"), "{}", run.stdout);
}
