//! A provider configuration's `profile` and shared credentials files, on moto: the stack is
//! built with that profile's credentials (here: a session in another account, as a person with
//! a `dr` profile for the DR account has), not with the environment's keys, by both engines.

use crate::apply::block_on;
use crate::harness::{InstalledProvider, Moto, drplan_moto};
use crate::providers::{DR_ACCOUNT, DR_ROLE, census_by_account, dr_topic_tags};

/// A session in the DR account, as a person holding credentials for it has.
fn dr_session(moto: &Moto) -> aws_sdk_sts::types::Credentials {
    block_on(async {
        let base = moto.sdk("us-west-2").await;
        let sts = aws_sdk_sts::Client::new(&base);
        let assumed = sts.assume_role().role_arn(DR_ROLE).role_session_name("profile").send().await.unwrap();
        assumed.credentials().cloned().unwrap()
    })
}

/// A credentials file with a `dr` profile holding a session in the DR account, and a
/// configuration whose provider names them; `served` adds a type only the provider serves.
fn profile_stack(moto: &Moto, served: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let session = dr_session(moto);
    let credentials = tmp.path().join("credentials");
    let text = format!(
        "[dr]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
        session.access_key_id(),
        session.secret_access_key(),
        session.session_token()
    );
    std::fs::write(&credentials, text).unwrap();
    let settings =
        format!("profile                  = \"dr\"\n  shared_credentials_files = [\"{}\"]", credentials.display());
    write_stack(tmp.path(), &settings, served);
    tmp
}

/// A configuration whose provider sets `settings` (how it authenticates).
fn write_stack(dir: &std::path::Path, settings: &str, served: bool) {
    let topic = if served { "resource \"aws_sns_topic\" \"alerts\" {\n  name = \"dracct-alerts\"\n}\n" } else { "" };
    let config = format!(
        r#"recovery {{
  stack  = "dracct"
  region = "us-west-2"
}}

provider "aws" {{
  region              = "us-west-2"
  {settings}
  allowed_account_ids = ["{DR_ACCOUNT}"]
  default_tags {{
    tags = {{ team = "dr" }}
  }}
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.88.0.0/16"
}}

{topic}
data "aws_caller_identity" "current" {{}}

output "account" {{
  value = data.aws_caller_identity.current.account_id
}}
"#
    );
    std::fs::write(dir.join("main.tf"), config).unwrap();
}

/// The profile wins over the environment's keys (moto's default account): applied, planned
/// again with no change and destroyed in the DR account only, with no warning that the
/// profile is not applied.
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn a_named_profile_builds_the_stack_with_its_credentials() {
    let moto = Moto::start();
    let tmp = profile_stack(&moto, false);
    built_in_the_dr_account_only(&moto, tmp.path());
}

/// Keys written in the provider block (from sensitive variables) come first, as in Terraform,
/// and never reach the output.
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn static_keys_in_the_provider_block_build_the_stack_with_them() {
    let moto = Moto::start();
    let session = dr_session(&moto);
    let tmp = tempfile::tempdir().unwrap();
    let settings = "access_key = var.key\n  secret_key = var.secret\n  token      = var.token";
    write_stack(tmp.path(), settings, false);
    let declared = "variable \"key\" {}\nvariable \"secret\" {\n  sensitive = true\n}\nvariable \"token\" {\n  sensitive = true\n}\n";
    std::fs::write(tmp.path().join("variables.tf"), declared).unwrap();
    let values = format!(
        "key = {:?}\nsecret = {:?}\ntoken = {:?}\n",
        session.access_key_id(),
        session.secret_access_key(),
        session.session_token()
    );
    std::fs::write(tmp.path().join("terraform.tfvars"), values).unwrap();
    let run = built_in_the_dr_account_only(&moto, tmp.path());
    assert!(!run.contains(session.secret_access_key()) && !run.contains(session.session_token()));
}

/// Applies, checks the account, plans again and destroys the stack in `dir`: everything in the
/// DR account, nothing in the default one. Returns everything drplan printed.
fn built_in_the_dr_account_only(moto: &Moto, dir: &std::path::Path) -> String {
    let dir = dir.display().to_string();
    let apply = drplan_moto(moto, &["apply", &dir, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert!(!apply.stderr.contains("not applied yet"), "{}", apply.stderr);
    assert!(apply.stdout.contains(&format!("AWS account {DR_ACCOUNT}")), "{}", apply.stdout);
    assert_eq!(census_by_account(moto), [(0, 0), (1, 0)], "[default account, DR account]: (VPCs, topics)");
    let output = drplan_moto(moto, &["output", &dir, "account", "-raw"]);
    assert_eq!((output.code, output.stdout.trim()), (0, DR_ACCOUNT), "{}", output.stderr);
    let again = drplan_moto(moto, &["plan", &dir, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    let destroy = drplan_moto(moto, &["destroy", &dir, "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}\n{}", destroy.stdout, destroy.stderr);
    assert_eq!(census_by_account(moto), [(0, 0), (0, 0)]);
    [apply, output, again, destroy].iter().map(|r| format!("{}{}", r.stdout, r.stderr)).collect()
}

/// The provider host is configured with the same profile and files: a topic it serves is
/// created, found again and destroyed in the DR account.
#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn served_types_use_the_named_profile_too() {
    let p = InstalledProvider::required();
    let moto = Moto::start();
    let tmp = profile_stack(&moto, true);
    let dir = tmp.path().display().to_string();
    let apply = p.drplan_moto(&moto, &["apply", &dir, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert_eq!(census_by_account(&moto), [(0, 0), (1, 1)]);
    assert!(dr_topic_tags(&moto).contains(&("team".to_string(), "dr".to_string())));
    let again = p.drplan_moto(&moto, &["plan", &dir, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    let destroy = p.drplan_moto(&moto, &["destroy", &dir, "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}\n{}", destroy.stdout, destroy.stderr);
    assert_eq!(census_by_account(&moto), [(0, 0), (0, 0)]);
}
