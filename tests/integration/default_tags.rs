//! The provider's `default_tags` as Terraform plans them (its recorded plan of the fixture,
//! tests/fixtures/oracle/default-tags-plan): `tags` is what each block sets, `tags_all` the
//! merged map, for native and served types alike, and drplan's ownership tags in neither.
//! Without the provider native types show the same maps, and a changed default tag is an
//! update of `tags_all` only. Absent or empty tags plan as Terraform plans them too (the
//! tags-null fixture): `tags` null, `tags_all` unknown unless default tags fill it.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::harness::{drplan, root};

const DIR: &str = "tests/fixtures/plans/default-tags";

/// Each fixture with Terraform's plan of it: default tags, and absent or empty tags (a value
/// known only after apply among the arguments leaves the tags known).
const FIXTURES: [(&str, &str); 2] = [
    (DIR, "tests/fixtures/oracle/default-tags-plan/terraform-plan.json"),
    ("tests/fixtures/plans/tags-null", "tests/fixtures/oracle/tags-null-plan/terraform-plan.json"),
];

/// Each planned resource's `tags` and `tags_all` (`"(known after apply)"` when a plan leaves
/// one out of `planned_values`, as it does unknown values).
fn tag_maps(plan: &Json) -> BTreeMap<String, (Json, Json)> {
    let resources = plan["planned_values"]["root_module"]["resources"].as_array().unwrap();
    let value = |r: &Json, name: &str| r["values"].get(name).cloned().unwrap_or(Json::from("(known after apply)"));
    resources
        .iter()
        .map(|r| (r["address"].as_str().unwrap().to_string(), (value(r, "tags"), value(r, "tags_all"))))
        .collect()
}

fn terraforms(oracle: &str) -> BTreeMap<String, (Json, Json)> {
    tag_maps(&serde_json::from_str(&std::fs::read_to_string(root().join(oracle)).unwrap()).unwrap())
}

/// The fixture in `dir` without its provider-served types, for runs without the provider.
fn native_only(dir: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(root().join(dir).join("main.tf")).unwrap();
    let native = config.split("# Served by the provider.").next().unwrap();
    std::fs::write(tmp.path().join("main.tf"), native).unwrap();
    std::fs::copy(root().join(dir).join("dr.drplan.hcl"), tmp.path().join("dr.drplan.hcl")).unwrap();
    tmp
}

/// Addresses of the types drplan serves natively.
fn native(maps: BTreeMap<String, (Json, Json)>) -> BTreeMap<String, (Json, Json)> {
    maps.into_iter().filter(|(a, _)| drplan::resources::get(a.split('.').next().unwrap()).is_some()).collect()
}

#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn with_the_provider_tags_and_tags_all_are_terraforms() {
    let installed = crate::harness::InstalledProvider::required();
    for (dir, oracle) in FIXTURES {
        let run = installed.drplan(&["plan", dir, "--live", "empty", "--format", "json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let plan: Json = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(tag_maps(&plan), terraforms(oracle), "{dir}");
        assert!(!run.stdout.contains("drplan:"), "ownership tags are not shown: {}", run.stdout);
    }
}

#[test]
fn without_the_provider_native_tags_and_tags_all_are_terraforms() {
    for (dir, oracle) in FIXTURES {
        let tmp = native_only(dir);
        let run = drplan(&["plan", &tmp.path().display().to_string(), "--live", "empty", "--format", "json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(tag_maps(&serde_json::from_str(&run.stdout).unwrap()), native(terraforms(oracle)), "{dir}");
    }
}

/// The VPC carries an old value of a default tag: the update changes `tags_all`, not `tags`,
/// and the subnet, tagged as configured, is unchanged.
#[test]
fn a_changed_default_tag_is_an_update_of_tags_all() {
    let tmp = native_only(DIR);
    let live = root().join(DIR).join("live-old-default.json").display().to_string();
    let dir = tmp.path().display().to_string();
    let run = drplan(&["plan", &dir, "--live", &live, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: Json = serde_json::from_str(&run.stdout).unwrap();
    let changes = plan["resource_changes"].as_array().unwrap();
    let vpc = changes.iter().find(|c| c["address"] == "aws_vpc.dr").unwrap();
    assert_eq!(vpc["change"]["actions"], serde_json::json!(["update"]));
    assert_eq!(vpc["change"]["before"]["tags"], vpc["change"]["after"]["tags"], "{vpc}");
    assert_eq!(vpc["change"]["before"]["tags_all"]["team"], "platform");
    assert_eq!(vpc["change"]["after"]["tags_all"]["team"], "sre");
    let subnet = changes.iter().find(|c| c["address"] == "aws_subnet.a").unwrap();
    assert_eq!(subnet["change"]["actions"], serde_json::json!(["no-op"]));
    let human = drplan(&["plan", &dir, "--live", &live]);
    assert!(
        human.stdout.contains("~ tags_all = {\n          ~ \"team\"        = \"platform\" -> \"sre\""),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("~ tags "), "{}", human.stdout);
}
