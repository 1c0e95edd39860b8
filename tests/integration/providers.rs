//! Provider configurations. The account guards (`allowed_account_ids`, `forbidden_account_ids`)
//! on moto (account 123456789012): with credentials of an account the DR provider does not
//! allow, plan and apply stop before anything is written; with the right one, the plan names
//! the account; its default tags reach the objects. Provider settings drplan does not apply yet
//! are said, never silently ignored; so is a two-region root's undeclared default provider.

use crate::apply::block_on;
use crate::harness::{Moto, drplan, drplan_moto};

const DIR: &str = "tests/fixtures/plans/account-guard";
const MOTO_ACCOUNT: &str = "123456789012";

fn vpcs(moto: &Moto) -> usize {
    vpc_tags(moto).len()
}

/// The tags of each of the fixture's VPCs.
fn vpc_tags(moto: &Moto) -> Vec<Vec<(String, String)>> {
    block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
        let out = ec2.describe_vpcs().send().await.unwrap();
        let ours = out.vpcs().iter().filter(|v| v.cidr_block() == Some("10.77.0.0/16"));
        let tags = |v: &aws_sdk_ec2::types::Vpc| -> Vec<(String, String)> {
            let mut t: Vec<_> = v
                .tags()
                .iter()
                .map(|t| (t.key().unwrap_or("").to_string(), t.value().unwrap_or("").to_string()))
                .collect();
            t.sort();
            t
        };
        ours.map(tags).collect()
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
    assert!(!run.stderr.contains("default_tags"), "default_tags are applied: {}", run.stderr);
    let tags = vpc_tags(&moto);
    let want = [("drplan:address", "aws_vpc.main"), ("drplan:stack", "guarded"), ("team", "dr")];
    assert_eq!(
        tags,
        [want.map(|(k, v)| (k.to_string(), v.to_string())).to_vec()],
        "the provider's default tags, under the ownership tags"
    );
    let again = drplan_moto(&moto, &["plan", DIR, "--var", &allowed, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "default tags in place: no changes\n{}", again.stdout);
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

pub(crate) const DR_ACCOUNT: &str = "111111111111";
pub(crate) const DR_ROLE: &str = "arn:aws:iam::111111111111:role/dr-admin";

/// The fixture's VPCs and topics in moto's default account and in the DR account (reached, as a
/// person would check, by assuming the same role).
pub(crate) fn census_by_account(moto: &Moto) -> [(usize, usize); 2] {
    block_on(async {
        let base = moto.sdk("us-west-2").await;
        let dr = as_dr_role(&base).await;
        let mut out = [(0, 0); 2];
        for (i, conf) in [&base, &dr].into_iter().enumerate() {
            let vpcs = aws_sdk_ec2::Client::new(conf).describe_vpcs().send().await.unwrap();
            out[i].0 = vpcs.vpcs().iter().filter(|v| v.cidr_block() == Some("10.88.0.0/16")).count();
            let topics = aws_sdk_sns::Client::new(conf).list_topics().send().await.unwrap();
            out[i].1 = topics.topics().len();
        }
        out
    })
}

/// `base` with the credentials of the DR role, assumed as a person checking would.
async fn as_dr_role(base: &aws_config::SdkConfig) -> aws_config::SdkConfig {
    let assumed = aws_sdk_sts::Client::new(base)
        .assume_role()
        .role_arn(DR_ROLE)
        .role_session_name("census")
        .send()
        .await
        .unwrap();
    let c = assumed.credentials().unwrap();
    let creds = aws_sdk_ec2::config::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "assumed",
    );
    base.to_builder().credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(creds)).build()
}

/// The tags of the DR account's topics.
pub(crate) fn dr_topic_tags(moto: &Moto) -> Vec<(String, String)> {
    block_on(async {
        let dr = as_dr_role(&moto.sdk("us-west-2").await).await;
        let sns = aws_sdk_sns::Client::new(&dr);
        let mut out = Vec::new();
        for topic in sns.list_topics().send().await.unwrap().topics() {
            let arn = topic.topic_arn().unwrap_or_default();
            let tags = sns.list_tags_for_resource().resource_arn(arn).send().await.unwrap();
            out.extend(tags.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())));
        }
        out.sort();
        out
    })
}

/// assume_role on the DR provider: the stack is built in that account only (native objects
/// and, with the provider, served ones), the plan names it, re-plan has no changes, destroy
/// empties it; the default account is never touched.
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn a_dr_stack_in_its_own_account_is_built_there_only() {
    let moto = Moto::start();
    let dir = "tests/fixtures/plans/dr-account";
    let apply = drplan_moto(&moto, &["apply", dir, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert!(apply.stdout.contains(&format!("AWS account {DR_ACCOUNT}")), "{}", apply.stdout);
    assert!(!apply.stderr.contains("not applied yet"), "policy, policy_arns and tags are applied: {}", apply.stderr);
    assert_eq!(census_by_account(&moto), [(0, 0), (1, 0)], "[default account, DR account]: (VPCs, topics)");
    let output = drplan_moto(&moto, &["output", dir, "account", "-raw"]);
    assert_eq!((output.code, output.stdout.trim()), (0, DR_ACCOUNT), "{}", output.stderr);
    let again = drplan_moto(&moto, &["plan", dir, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    let destroy = drplan_moto(&moto, &["destroy", dir, "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}\n{}", destroy.stdout, destroy.stderr);
    assert_eq!(census_by_account(&moto), [(0, 0), (0, 0)]);
}

/// assume_role_with_web_identity on the DR provider: the OIDC token (read from its file) is
/// exchanged for the role's credentials, and the stack is built in that account only; the token
/// appears in no output or file.
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn a_web_identity_token_reaches_the_dr_account() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjaSJ9.secret-signature";
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, token).unwrap();
    let var = format!("token_file={}", token_file.display());
    let fixture = "tests/fixtures/plans/dr-account-web-identity";
    let run = |verb: &'static str, extra: &[&'static str]| {
        let mut args = vec![verb, fixture, "--var", var.as_str()];
        args.extend(extra);
        drplan_moto(&moto, &args)
    };
    let apply = run("apply", &["--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert!(apply.stdout.contains(&format!("AWS account {DR_ACCOUNT}")), "{}", apply.stdout);
    assert_eq!(census_by_account(&moto), [(0, 0), (1, 0)], "[default account, DR account]: (VPCs, topics)");
    let output = run("output", &["account", "-raw"]);
    assert_eq!((output.code, output.stdout.trim()), (0, DR_ACCOUNT), "{}", output.stderr);
    let again = run("plan", &["--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    let destroy = run("destroy", &["--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}\n{}", destroy.stdout, destroy.stderr);
    assert_eq!(census_by_account(&moto), [(0, 0), (0, 0)]);
    for r in [&apply, &output, &again, &destroy] {
        assert!(!r.stdout.contains("secret-signature") && !r.stderr.contains("secret-signature"));
    }
    for file in crate::harness::files_under(&crate::harness::root().join(fixture)) {
        let text = std::fs::read(&file).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&text).contains("secret-signature"), "{}", file.display());
    }
}

/// The provider's `endpoints` block, with no `--endpoint-url` or `AWS_ENDPOINT_URL`: every call
/// drplan and the provider make goes to the endpoints it names (moto here; a service left out
/// would go to AWS, unreachable from the tests, and fail within the short time-box).
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn the_endpoints_block_sends_every_call_to_its_endpoints() {
    let moto = Moto::start();
    let env: Vec<(&str, String)> = moto.env().into_iter().filter(|(k, _)| *k != "AWS_ENDPOINT_URL").collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let var = format!("endpoint={}", moto.endpoint);
    let fixture = "tests/fixtures/plans/endpoints";
    let run = |verb: &'static str, extra: &[&'static str]| {
        let mut args = vec![verb, fixture, "--var", var.as_str(), "--aws-timeout", "5s"];
        args.extend(extra);
        crate::harness::drplan_with_env(&args, &env)
    };
    let apply = run("apply", &["--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let vpcs = || {
        block_on(async {
            let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("us-west-2").await);
            let vpcs = ec2.describe_vpcs().send().await.unwrap();
            vpcs.vpcs().iter().filter(|v| v.cidr_block() == Some("10.66.0.0/16")).count()
        })
    };
    assert_eq!(vpcs(), 1, "built at the endpoint");
    let output = run("output", &["account", "-raw"]);
    assert_eq!((output.code, output.stdout.trim()), (0, "123456789012"), "{}", output.stderr);
    let again = run("plan", &["--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    let destroy = run("destroy", &["--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}\n{}", destroy.stdout, destroy.stderr);
    assert_eq!(vpcs(), 0);
}

/// The same through terraform-provider-aws: the host is configured with the same endpoints, so
/// a type it serves (an SNS topic) is created at them.
#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn served_types_use_the_endpoints_block_too() {
    let p = crate::harness::InstalledProvider::required();
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let fixture = crate::harness::root().join("tests/fixtures/plans/endpoints/main.tf");
    let config =
        std::fs::read_to_string(fixture).unwrap() + "\nresource \"aws_sns_topic\" \"t\" {\n  name = \"ep\"\n}\n";
    std::fs::write(dir.path().join("main.tf"), config).unwrap();
    let env: Vec<(&str, String)> = moto.env().into_iter().filter(|(k, _)| *k != "AWS_ENDPOINT_URL").collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let var = format!("endpoint={}", moto.endpoint);
    let root = dir.path().display().to_string();
    let apply = p.drplan_env(&["apply", &root, "--var", &var, "--aws-timeout", "5s", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert_eq!(census_by_account(&moto)[0].1, 1, "the topic is at the endpoint");
}

/// The same through terraform-provider-aws: the host exchanges the token too, so a type it
/// serves (an SNS topic) is created in the DR account.
#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn served_types_follow_the_web_identity_too() {
    let p = crate::harness::InstalledProvider::required();
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let fixture = crate::harness::root().join("tests/fixtures/plans/dr-account-web-identity/main.tf");
    let config =
        std::fs::read_to_string(fixture).unwrap() + "\nresource \"aws_sns_topic\" \"t\" {\n  name = \"t\"\n}\n";
    std::fs::write(dir.path().join("main.tf"), config).unwrap();
    std::fs::write(dir.path().join("token"), "a.b.c").unwrap();
    let var = format!("token_file={}", dir.path().join("token").display());
    let root = dir.path().display().to_string();
    let apply = p.drplan_moto(&moto, &["apply", &root, "--var", &var, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert_eq!(census_by_account(&moto), [(0, 0), (1, 1)], "[default account, DR account]: (VPCs, topics)");
}

/// The same through terraform-provider-aws: the host is configured with the role, so a type it
/// serves (an SNS topic) is created (with the provider's default tags), found again and
/// destroyed in the DR account.
#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn served_types_follow_the_dr_account_role_too() {
    let p = crate::harness::InstalledProvider::required();
    let moto = Moto::start();
    let args = |verb: &'static str| -> Vec<&'static str> {
        let mut v = vec![verb, "tests/fixtures/plans/dr-account-served"];
        if verb != "plan" {
            v.push("--auto-approve");
        }
        v
    };
    let apply = p.drplan_moto(&moto, &args("apply"));
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert!(!apply.stderr.contains("not applied yet"), "{}", apply.stderr);
    assert_eq!(census_by_account(&moto), [(0, 0), (1, 1)]);
    assert!(dr_topic_tags(&moto).contains(&("team".to_string(), "dr".to_string())), "{:?}", dr_topic_tags(&moto));
    let mut plan = args("plan");
    plan.push("--detailed-exitcode");
    let again = p.drplan_moto(&moto, &plan);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    let destroy = p.drplan_moto(&moto, &args("destroy"));
    assert_eq!(destroy.code, 0, "{}\n{}", destroy.stdout, destroy.stderr);
    assert_eq!(census_by_account(&moto), [(0, 0), (0, 0)]);
}

/// A configuration that requires a provider-aws newer than the one found gets one located error
/// naming the constraint and the version, not an error per argument that provider lacks.
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn a_provider_version_constraint_the_found_provider_misses_is_one_error() {
    let installed = crate::harness::InstalledProvider::required();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), NEEDS_V6).unwrap();
    let dir = tmp.path().display().to_string();
    for args in [vec!["validate", dir.as_str()], vec!["plan", dir.as_str(), "--live", "empty"]] {
        let run = installed.drplan(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stdout);
        assert_eq!(run.stderr.matches("Error: ").count(), 1, "{args:?}: {}", run.stderr);
        let why = "This configuration requires hashicorp/aws >= 6.28; terraform-provider-aws found here is 5.100.0.";
        assert!(run.stderr.contains(why) && run.stderr.contains("main.tf:5:17"), "{args:?}: {}", run.stderr);
    }
}

const NEEDS_V6: &str = "terraform {\n  required_version = \">= 1.5\"\n  required_providers {\n    aws = {\n      version = \">= 6.28\"\n      source  = \"hashicorp/aws\"\n    }\n  }\n}\n\nrecovery {\n  stack  = \"v6\"\n  region = \"us-west-2\"\n}\n\nresource \"aws_vpc\" \"a\" {\n  cidr_block = \"10.3.0.0/16\"\n  region     = \"us-west-2\"\n}\n";

/// Without a provider to check, and for Terraform's own version, an unmet constraint is a
/// warning: drplan says which version it follows and goes on.
#[test]
fn unmet_constraints_drplan_can_go_on_with_are_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let config = NEEDS_V6.replace(">= 1.5", ">= 1.12").replace("  region     = \"us-west-2\"\n", "");
    std::fs::write(tmp.path().join("main.tf"), config).unwrap();
    let run = drplan(&["validate", &tmp.path().display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("requires Terraform >= 1.12; drplan reads the language of Terraform 1.11.4."),
        "{}",
        run.stderr
    );
    let why =
        "requires hashicorp/aws >= 6.28; no terraform-provider-aws was found; drplan's native schemas follow 5.100.0.";
    assert!(run.stderr.contains(why), "{}", run.stderr);
}

/// What drplan cannot use in a provider block or a version constraint is an error at the
/// argument that says what it expects.
#[test]
fn bad_provider_settings_are_located_errors() {
    let run = drplan(&["validate", "tests/fixtures/plans/provider-errors"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let at = |line: &str, message: &str| {
        let located = format!("tests/fixtures/plans/provider-errors/main.tf:{line}");
        assert!(run.stderr.contains(&located) && run.stderr.contains(message), "{line} {message}:\n{}", run.stderr);
    };
    at("7:17", "\">= banana\" is not a version constraint");
    at("20:12", "default_tags' tags must be a map of strings, but is \"not a map\".");
    at("22:3", "assume_role needs role_arn.");
    at("24:20", "assume_role's duration \"forever\": unknown unit 'f'.");
    at("26:25", "shared_config_files must be a list of file paths, but is \"one-file\".");
    at("28:12", "ignore_tags' keys must be a set of strings, but is \"Owner\".");
    at("36:11", "endpoints' ec2 must be a URL string, but is a list.");
    at("38:3", "assume_role_with_web_identity needs web_identity_token or web_identity_token_file");
    assert!(run.stderr.contains("8 errors in the configuration."), "{}", run.stderr);
}
