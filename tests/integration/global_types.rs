//! Global objects declared on the primary's provider in a two-region root
//! (`expand::global`): the failover controls and what only the DR side uses are the DR stack's
//! to build; what the primary uses is looked up, never built.

use crate::harness::{InstalledProvider, Moto};

const FIXTURE: &str = "tests/fixtures/plans/global-types";

#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn global_objects_are_built_or_looked_up_by_what_uses_them() {
    let p = InstalledProvider::required();
    let run = p.drplan(&["plan", FIXTURE, "--live", "empty", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let addresses = |key: &str| -> Vec<String> {
        let mut out: Vec<String> =
            plan[key].as_array().unwrap().iter().map(|c| c["address"].as_str().unwrap().to_string()).collect();
        out.sort();
        out
    };
    let built = [
        "aws_iam_instance_profile.dr",
        "aws_iam_policy.dr",
        "aws_iam_role.dr",
        "aws_iam_role_policy_attachment.dr",
        "aws_instance.dr",
        "aws_route53recoverycontrolconfig_cluster.main",
        "aws_route53recoverycontrolconfig_control_panel.main",
        "aws_route53recoverycontrolconfig_routing_control.dr",
    ];
    assert_eq!(addresses("resource_changes"), built);
    let looked_up = [
        "aws_iam_instance_profile.app",
        "aws_iam_role.app",
        "aws_iam_role_policy_attachment.app",
        "aws_instance.primary",
    ];
    assert_eq!(addresses("counterparts"), looked_up);
}

/// The IAM half on moto: the DR-only role, its attachment and profile are built (in the
/// account, once) and plan no change afterwards; the primary's role is never created.
#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn a_dr_only_role_on_the_primarys_provider_is_built_once() {
    let (p, moto) = (InstalledProvider::required(), Moto::start());
    let text = std::fs::read_to_string(crate::harness::root().join(FIXTURE).join("main.tf")).unwrap();
    // moto has no Route 53 ARC: the IAM half only.
    let iam: Vec<&str> = text.split("\n\n").filter(|b| !b.contains("aws_route53recoverycontrolconfig")).collect();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), iam.join("\n\n")).unwrap();
    let dir = tmp.path().display().to_string();
    let apply = p.drplan_moto(&moto, &["apply", &dir, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    // As a person would check: IAM's own answer, through the provider's data sources.
    let check = tempfile::tempdir().unwrap();
    let probe = |name: &str| {
        let text = format!(
            "recovery {{\n  stack  = \"probe\"\n  region = \"us-west-2\"\n}}\n\ndata \"aws_iam_role\" \"r\" {{\n  name = \"{name}\"\n}}\n\noutput \"arn\" {{\n  value = data.aws_iam_role.r.arn\n}}\n"
        );
        std::fs::write(check.path().join("main.tf"), text).unwrap();
        p.drplan_moto(&moto, &["output", &check.path().display().to_string(), "arn", "-raw"])
    };
    let dr = probe("glob-dr");
    assert!(dr.code == 0 && dr.stdout.ends_with(":role/glob-dr"), "{}\n{}", dr.stdout, dr.stderr);
    let primary = probe("glob-app");
    assert_ne!(primary.code, 0, "the primary's role was created: {}", primary.stdout);
    let again = p.drplan_moto(&moto, &["plan", &dir, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    // Another profile for the DR instance: its association is replaced in place.
    let text = iam.join("\n\n").replace(
        "iam_instance_profile = aws_iam_instance_profile.dr.name",
        "iam_instance_profile = aws_iam_instance_profile.dr2.name",
    );
    let second =
        "resource \"aws_iam_instance_profile\" \"dr2\" {\n  name = \"glob-dr-2\"\n  role = aws_iam_role.dr.name\n}\n";
    std::fs::write(tmp.path().join("main.tf"), format!("{text}\n{second}")).unwrap();
    let swap = p.drplan_moto(&moto, &["apply", &dir, "--auto-approve"]);
    assert_eq!(swap.code, 0, "{}\n{}", swap.stdout, swap.stderr);
    let updated = |l: &&str| l.trim_start().starts_with("aws_instance.dr ") && l.contains(" update ");
    assert!(swap.stdout.lines().any(|l| updated(&l)), "in place: {}", swap.stdout);
    // moto's DescribeInstances keeps the profile the instance was launched with (its
    // ReplaceIamInstanceProfileAssociation updates the association only), so the association
    // is what is checked.
    let associated = crate::apply::block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
        let found = ec2.describe_iam_instance_profile_associations().send().await.unwrap();
        let arns = found.iam_instance_profile_associations().iter();
        arns.filter_map(|a| a.iam_instance_profile()?.arn().map(str::to_string)).collect::<Vec<_>>()
    });
    assert!(associated.len() == 1 && associated[0].ends_with("/glob-dr-2"), "{associated:?}");
}
