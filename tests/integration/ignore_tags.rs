//! A provider configuration's `ignore_tags` on moto: tags another system sets on drplan's
//! objects (a backup plan's selection tag, an owner tag) are neither planned away nor removed
//! when drplan retags the object, for native and served types alike.

use crate::apply::block_on;
use crate::harness::{InstalledProvider, Moto, drplan_moto};

/// The stack, with `team` as the configuration's own tag; `served` adds an SNS topic.
fn write_stack(dir: &std::path::Path, team: &str, served: bool) {
    let topic = if served { "resource \"aws_sns_topic\" \"alerts\" {\n  name = \"ign-alerts\"\n}\n" } else { "" };
    let config = format!(
        r#"recovery {{
  stack  = "ign"
  region = "us-west-2"
}}

provider "aws" {{
  region = "us-west-2"
  default_tags {{
    tags = {{ team = "{team}" }}
  }}
  ignore_tags {{
    keys         = ["ExternalOwner"]
    key_prefixes = ["backup:"]
  }}
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.77.0.0/16"
  tags       = {{ Name = "ign" }}
}}

{topic}"#
    );
    std::fs::write(dir.join("main.tf"), config).unwrap();
}

/// Another system tags the stack's VPC (and topic): the ignored keys and one that is not.
fn tag_from_outside(moto: &Moto, stray: bool) {
    block_on(async {
        let conf = moto.sdk("us-west-2").await;
        let ec2 = aws_sdk_ec2::Client::new(&conf);
        let vpcs = ec2.describe_vpcs().send().await.unwrap();
        let id = vpcs.vpcs().iter().find(|v| v.cidr_block() == Some("10.77.0.0/16")).unwrap().vpc_id().unwrap();
        let tag = |k: &str, v: &str| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build();
        let mut tags = vec![tag("ExternalOwner", "finance"), tag("backup:plan", "daily")];
        if stray {
            tags.push(tag("stray", "x"));
        }
        ec2.create_tags().resources(id).set_tags(Some(tags)).send().await.unwrap();
        let sns = aws_sdk_sns::Client::new(&conf);
        for topic in sns.list_topics().send().await.unwrap().topics() {
            let t = |k: &str, v: &str| aws_sdk_sns::types::Tag::builder().key(k).value(v).build().unwrap();
            let arn = topic.topic_arn().unwrap();
            sns.tag_resource().resource_arn(arn).tags(t("ExternalOwner", "finance")).send().await.unwrap();
        }
    })
}

fn vpc_tags(moto: &Moto) -> Vec<(String, String)> {
    block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
        let vpcs = ec2.describe_vpcs().send().await.unwrap();
        let vpc = vpcs.vpcs().iter().find(|v| v.cidr_block() == Some("10.77.0.0/16")).unwrap();
        let mut tags: Vec<(String, String)> = vpc
            .tags()
            .iter()
            .filter(|t| !t.key().unwrap_or_default().starts_with("drplan:"))
            .map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string()))
            .collect();
        tags.sort();
        tags
    })
}

/// Ignored tags set from outside are no change, and a retag keeps them; a tag that is not
/// ignored is still planned away (drift), as Terraform does.
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn ignored_tags_are_neither_planned_nor_removed() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().display().to_string();
    write_stack(tmp.path(), "a", false);
    let apply = drplan_moto(&moto, &["apply", &dir, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert!(!apply.stderr.contains("not applied yet"), "{}", apply.stderr);
    tag_from_outside(&moto, false);
    let again = drplan_moto(&moto, &["plan", &dir, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "ignored tags are no change:\n{}", again.stdout);
    tag_from_outside(&moto, true);
    let drift = drplan_moto(&moto, &["plan", &dir, "--detailed-exitcode"]);
    assert_eq!(drift.code, 2, "a tag that is not ignored is drift:\n{}", drift.stdout);
    assert!(drift.stdout.contains("\"stray\"") && !drift.stdout.contains("ExternalOwner"), "{}", drift.stdout);
    write_stack(tmp.path(), "b", false);
    let retag = drplan_moto(&moto, &["apply", &dir, "--auto-approve"]);
    assert_eq!(retag.code, 0, "{}\n{}", retag.stdout, retag.stderr);
    let want = [("ExternalOwner", "finance"), ("Name", "ign"), ("backup:plan", "daily"), ("team", "b")];
    let want: Vec<(String, String)> = want.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(vpc_tags(&moto), want, "the ignored tags stay, the stray one is gone, team is b");
}

/// The provider host is configured with the same `ignore_tags`: a served topic tagged from
/// outside is no change either.
#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn served_types_ignore_the_same_tags() {
    let p = InstalledProvider::required();
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().display().to_string();
    write_stack(tmp.path(), "a", true);
    let apply = p.drplan_moto(&moto, &["apply", &dir, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    tag_from_outside(&moto, false);
    let again = p.drplan_moto(&moto, &["plan", &dir, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "ignored tags are no change:\n{}", again.stdout);
}
