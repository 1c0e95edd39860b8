//! The provider's `default_tags` as Terraform plans them (its recorded plan of the fixture,
//! tests/fixtures/oracle/default-tags-plan): `tags` is what each block sets, `tags_all` the
//! merged map, for native and served types alike, and drplan's ownership tags in neither.
//! Without the provider native types show the same maps, and a changed default tag is an
//! update of `tags_all` only.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::harness::{drplan, root};

const DIR: &str = "tests/fixtures/plans/default-tags";
const ORACLE: &str = "tests/fixtures/oracle/default-tags-plan/terraform-plan.json";

/// Each planned resource's `tags` and `tags_all`.
fn tag_maps(plan: &Json) -> BTreeMap<String, (Json, Json)> {
    let resources = plan["planned_values"]["root_module"]["resources"].as_array().unwrap();
    resources
        .iter()
        .map(|r| {
            (r["address"].as_str().unwrap().to_string(), (r["values"]["tags"].clone(), r["values"]["tags_all"].clone()))
        })
        .collect()
}

fn terraforms() -> BTreeMap<String, (Json, Json)> {
    tag_maps(&serde_json::from_str(&std::fs::read_to_string(root().join(ORACLE)).unwrap()).unwrap())
}

/// The fixture without its provider-served topic, for runs without the provider.
fn native_only() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(root().join(DIR).join("main.tf")).unwrap();
    let native = config.split("# Served by the provider.").next().unwrap();
    std::fs::write(tmp.path().join("main.tf"), native).unwrap();
    std::fs::copy(root().join(DIR).join("dr.drplan.hcl"), tmp.path().join("dr.drplan.hcl")).unwrap();
    tmp
}

#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn with_the_provider_tags_and_tags_all_are_terraforms() {
    let installed = crate::harness::InstalledProvider::required();
    let run = installed.drplan(&["plan", DIR, "--live", "empty", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: Json = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(tag_maps(&plan), terraforms());
    assert!(!run.stdout.contains("drplan:"), "ownership tags are not shown: {}", run.stdout);
}

#[test]
fn without_the_provider_native_tags_and_tags_all_are_terraforms() {
    let tmp = native_only();
    let run = drplan(&["plan", &tmp.path().display().to_string(), "--live", "empty", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut want = terraforms();
    want.remove("aws_sns_topic.alerts");
    assert_eq!(tag_maps(&serde_json::from_str(&run.stdout).unwrap()), want);
}

/// The VPC carries an old value of a default tag: the update changes `tags_all`, not `tags`,
/// and the subnet, tagged as configured, is unchanged.
#[test]
fn a_changed_default_tag_is_an_update_of_tags_all() {
    let tmp = native_only();
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
