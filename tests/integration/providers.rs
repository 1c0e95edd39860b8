//! Provider configurations. The account guards (`allowed_account_ids`, `forbidden_account_ids`)
//! on moto (account 123456789012): with credentials of an account the DR provider does not
//! allow, plan and apply stop before anything is written; with the right one, the plan names
//! the account. Provider settings drplan does not apply yet are said, never silently ignored; so
//! is a two-region root's undeclared default provider.

use crate::apply::block_on;
use crate::harness::{Moto, drplan, drplan_moto};

const DIR: &str = "tests/fixtures/plans/account-guard";
const MOTO_ACCOUNT: &str = "123456789012";

fn vpcs(moto: &Moto) -> usize {
    block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
        let out = ec2.describe_vpcs().send().await.unwrap();
        out.vpcs().iter().filter(|v| v.cidr_block() == Some("10.77.0.0/16")).count()
    })
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn credentials_of_another_account_are_refused_before_anything_is_written() {
    let moto = Moto::start();
    let other = r#"allowed=["111111111111"]"#;
    for command in [&["plan", DIR, "--var", other][..], &["apply", DIR, "--var", other, "--auto-approve"]] {
        let run = drplan_moto(&moto, command);
        assert_eq!(run.code, 1, "{command:?}: {}", run.stdout);
        let why = "credentials are for AWS account 123456789012, which provider aws's allowed_account_ids (111111111111) does not list";
        assert!(run.stderr.contains(why), "{command:?}: {}", run.stderr);
    }
    let forbidden = format!(r#"forbidden=["{MOTO_ACCOUNT}"]"#);
    let run = drplan_moto(&moto, &["apply", DIR, "--var", &forbidden, "--auto-approve"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains("which provider aws's forbidden_account_ids lists"), "{}", run.stderr);
    assert_eq!(vpcs(&moto), 0, "nothing was written");

    let allowed = format!(r#"allowed=["{MOTO_ACCOUNT}"]"#);
    let run = drplan_moto(&moto, &["apply", DIR, "--var", &allowed, "--auto-approve"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("recovery into us-west-2, AWS account 123456789012."), "{}", run.stdout);
    assert!(run.stderr.contains("drplan does not apply provider aws's \"default_tags\" yet"), "{}", run.stderr);
    assert_eq!(vpcs(&moto), 1);
}

/// Offline nothing says which account the credentials are for: the guards are checked against
/// AWS only, and the plan names no account.
#[test]
fn offline_plans_name_no_account() {
    let run = drplan(&["plan", DIR, "--live", "empty", "--var", r#"allowed=["111111111111"]"#]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("AWS account"), "{}", run.stdout);
    let run = drplan(&["validate", DIR, "--var", r#"allowed=["12345"]"#]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("allowed_account_ids must be a list of 12-digit AWS account ids"), "{}", run.stderr);
}

/// A two-region root that declares its primary provider by alias but never the default one:
/// the resources on the default provider are built in the DR region, and drplan says so once,
/// at the first of them.
#[test]
fn an_undeclared_default_provider_in_a_two_region_root_is_said() {
    let tmp = tempfile::tempdir().unwrap();
    let config = "recovery {\n  stack          = \"two\"\n  region         = \"us-west-2\"\n  primary_region = \"us-east-1\"\n}\n\nprovider \"aws\" {\n  alias  = \"primary\"\n  region = \"us-east-1\"\n}\n\nresource \"aws_vpc\" \"a\" {\n  cidr_block = \"10.1.0.0/16\"\n}\n\nresource \"aws_vpc\" \"b\" {\n  cidr_block = \"10.2.0.0/16\"\n}\n";
    std::fs::write(tmp.path().join("main.tf"), config).unwrap();
    let dir = tmp.path().display().to_string();
    let run = drplan(&["plan", &dir, "--live", "empty"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr.matches("Warning: Default provider not declared").count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("aws_vpc.a (and every other resource without a provider argument)"), "{}", run.stderr);
    assert!(run.stderr.contains("drplan builds them in us-west-2"), "{}", run.stderr);
}
