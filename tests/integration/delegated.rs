//! Native types with arguments only terraform-provider-aws implements: such an instance is
//! planned and applied through the provider (never refused, never silently dropped), on moto:
//! the argument reaches AWS, a re-plan has no changes, destroy leaves nothing. Without the
//! provider the argument is refused with the reason, as before.

use crate::apply::block_on;
use crate::harness::{InstalledProvider, Moto, drplan};

const DIR: &str = "tests/fixtures/plans/delegated";

/// Whether the fixture's subnet has resource-name DNS A records on, and its security group's
/// id: what AWS holds, read with the SDK.
fn census(moto: &Moto) -> (Vec<bool>, Vec<String>) {
    block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
        let subnets = ec2.describe_subnets().send().await.unwrap();
        let dns: Vec<bool> = subnets
            .subnets()
            .iter()
            .filter(|s| s.cidr_block() == Some("10.9.1.0/24"))
            .map(|s| {
                s.private_dns_name_options_on_launch().and_then(|o| o.enable_resource_name_dns_a_record()) == Some(true)
            })
            .collect();
        let groups = ec2.describe_security_groups().send().await.unwrap();
        let sgs = groups.security_groups().iter().filter(|g| g.group_name() == Some("delegated-web"));
        (dns, sgs.filter_map(|g| g.group_id().map(str::to_string)).collect())
    })
}

#[test]
fn without_the_provider_the_argument_is_refused_with_its_reason() {
    let run = drplan(&["validate", DIR]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let why =
        "An argument named \"enable_resource_name_dns_a_record_on_launch\" is not expected in resource \"aws_subnet\"";
    assert!(run.stderr.contains(why), "{}", run.stderr);
    assert!(run.stderr.contains("if terraform-provider-aws does, install it"), "{}", run.stderr);
}

#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn provider_only_arguments_of_native_types_are_planned_and_applied_through_the_provider() {
    let p = InstalledProvider::required();
    let offline = p.drplan(&["plan", DIR, "--live", "empty", "--format", "json"]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let plan: serde_json::Value = serde_json::from_str(&offline.stdout).unwrap();
    let subnet = plan["resource_changes"].as_array().unwrap().iter().find(|c| c["address"] == "aws_subnet.a").unwrap();
    assert_eq!(subnet["change"]["after"]["enable_resource_name_dns_a_record_on_launch"], true, "{subnet}");

    let moto = Moto::start();
    let apply = p.drplan_moto(&moto, &["apply", DIR, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let (dns, sgs) = census(&moto);
    assert_eq!((dns, sgs.len()), (vec![true], 1), "the argument reached AWS, each object once");
    let again = p.drplan_moto(&moto, &["plan", DIR, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "no changes after apply:\n{}\n{}", again.stdout, again.stderr);
    let destroy = p.drplan_moto(&moto, &["destroy", DIR, "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}\n{}", destroy.stdout, destroy.stderr);
    assert_eq!(census(&moto), (Vec::new(), Vec::new()), "destroy leaves nothing");
}
