//! Data sources read through the provider are recorded with the live state: a plan from the
//! recorded snapshot, offline, reads what the online plan read (tests/fixtures/plans/recorded-reads),
//! in the DR region and, through a provider of its own, in the primary's.

use crate::harness::{InstalledProvider, Moto};

const DIR: &str = "tests/fixtures/plans/recorded-reads";

#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn an_offline_plan_from_a_snapshot_reads_what_the_provider_read() {
    let p = InstalledProvider::required();
    let moto = Moto::with_public_images();
    crate::apply::block_on(async {
        let sns = aws_sdk_sns::Client::new(&moto.sdk("us-west-2").await);
        sns.create_topic().name("ops-alerts").send().await.unwrap();
    });
    let online = p.drplan_moto(&moto, &["plan", DIR, "--format", "json"]);
    assert_eq!(online.code, 0, "{}", online.stderr);
    let online: serde_json::Value = serde_json::from_str(&online.stdout).unwrap();
    let arn = online["output_changes"]["alerts"]["after"].as_str().unwrap_or_default().to_string();
    assert!(arn.ends_with(":ops-alerts"), "{}", online["output_changes"]);
    assert!(online["output_changes"]["ami"]["after"].as_str().is_some_and(|a| a.starts_with("ami-")));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.json");
    let file = file.to_str().unwrap();
    let snap = p.drplan_moto(&moto, &["snapshot", DIR, "--out", file]);
    assert_eq!(snap.code, 0, "{}", snap.stderr);
    let recorded: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let types: Vec<&str> = recorded["objects"].as_array().unwrap().iter().filter_map(|o| o["type"].as_str()).collect();
    assert!(types.contains(&"data.aws_sns_topic") && types.contains(&"data.aws_ami"), "{types:?}");
    // The primary's lookup too, in its own region.
    let amis: Vec<&str> = recorded["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "data.aws_ami")
        .filter_map(|o| o["region"].as_str())
        .collect();
    assert_eq!(amis, ["us-east-1", "us-west-2"], "the AMI lookups recorded");
    assert!(online["output_changes"]["primary_ami"]["after"].as_str().is_some_and(|a| a.starts_with("ami-")));

    // No AWS at all: what the plan reads comes from the file.
    let offline = p.drplan(&["plan", DIR, "--live", file, "--format", "json"]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let offline: serde_json::Value = serde_json::from_str(&offline.stdout).unwrap();
    assert_eq!(offline["output_changes"], online["output_changes"]);
    assert_eq!(offline["resource_changes"], online["resource_changes"]);
}
