//! Types drplan does not serve natively, planned and applied through the real
//! terraform-provider-aws (the provider host): an offline plan, and the whole lifecycle on moto
//! (found again by tags or configured names, no changes after apply, a change planned by the
//! provider, a recorded snapshot planned offline, destroy), with a secret that never shows.
//! In the `provider` tier: ignored where the provider is not installed.

use crate::harness::{InstalledProvider, Moto, Run};

const DIR: &str = "tests/fixtures/plans/served";
const SECRET: &str = "tok-3f9a-never-printed";

fn provider() -> InstalledProvider {
    InstalledProvider::required()
}

fn assert_ok(run: &Run, what: &str) {
    crate::harness::assert_ok_without(run, what, SECRET);
}

/// Offline (`--live empty`), every type is planned by the provider: one create each, the
/// provider's own values where the configuration leaves them, the sensitive value masked.
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn served_types_plan_offline_through_the_provider() {
    let p = provider();
    let run = p.drplan(&["plan", DIR, "--live", "empty"]);
    assert_ok(&run, "plan");
    crate::harness::settings().bind(|| insta::assert_snapshot!("plan-served-human", run.stdout));
    let run = p.drplan(&["plan", DIR, "--live", "empty", "--format", "json"]);
    assert_ok(&run, "plan --format json");
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let changes = plan["resource_changes"].as_array().unwrap();
    let actions: Vec<(&str, &str)> =
        changes.iter().map(|c| (c["address"].as_str().unwrap(), c["change"]["actions"][0].as_str().unwrap())).collect();
    assert_eq!(actions.len(), 7, "{actions:?}");
    assert!(actions.iter().all(|(_, a)| *a == "create"), "{actions:?}");
    let ssm = changes.iter().find(|c| c["address"] == "aws_ssm_parameter.token").unwrap();
    assert_eq!(ssm["change"]["after_sensitive"]["value"], true);
    // The provider planned what it computes as unknown, and its defaults.
    let queue = changes.iter().find(|c| c["address"] == "aws_sqs_queue.pager").unwrap();
    assert_eq!(queue["change"]["after_unknown"]["arn"], true, "{queue:#}");
    assert_eq!(queue["change"]["after"]["fifo_queue"], false, "{queue:#}");
}

/// A type AWS cannot tag whose import id the configuration does not imply (provider-aws cannot
/// import an `aws_iam_policy_attachment` at all): the plan says drplan cannot find it again.
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn an_untaggable_served_type_is_called_out() {
    let p = provider();
    let tmp = tempfile::tempdir().unwrap();
    let main = std::fs::read_to_string(crate::harness::root().join(DIR).join("main.tf")).unwrap()
        + "\nresource \"aws_iam_policy_attachment\" \"read\" {\n  name       = \"read\"\n  roles      = [aws_iam_role.app.name]\n  policy_arn = \"arn:aws:iam::aws:policy/ReadOnlyAccess\"\n}\n";
    std::fs::write(tmp.path().join("main.tf"), main).unwrap();
    let run = p.drplan(&["plan", &tmp.path().display().to_string(), "--live", "empty"]);
    assert_ok(&run, "plan");
    assert!(
        run.stdout
            .contains("aws_iam_policy_attachment.read: AWS cannot tag this object, so drplan cannot find it again"),
        "{}",
        run.stdout
    );
}

const SUBSCRIPTION: &str = "resource \"aws_sns_topic_subscription\" \"pager\" {\n  topic_arn = aws_sns_topic.alerts.arn\n  protocol  = \"sqs\"\n  endpoint  = aws_sqs_queue.pager.arn\n}\n";

/// A stack of another name beside it: never touched.
const FOREIGN: &str = r#"
recovery {
  stack  = "served-foreign"
  region = "us-west-2"
}

provider "aws" {
  region = "us-west-2"
}

resource "aws_sns_topic" "alerts" {
  name = "foreign-alerts"
}

resource "aws_iam_role" "app" {
  name               = "foreign-app"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }] })
}
"#;

/// The lifecycle on moto: apply; a new plan finds every object again (by the tagging API, or
/// by its configured name for IAM, which that API does not list) and has no changes; a changed
/// argument is an update the provider plans; a recorded snapshot plans offline the same;
/// destroy removes the stack's objects and leaves another stack's alone. The secret never
/// appears in output, plan files, snapshots or journals.
#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn served_types_lifecycle_on_moto() {
    let p = provider();
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let (dir, foreign, journal) = (tmp.path().join("stack"), tmp.path().join("foreign"), tmp.path().join("journal"));
    for d in [&dir, &foreign, &journal] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::copy(crate::harness::root().join(DIR).join("main.tf"), dir.join("main.tf")).unwrap();
    // A subscription: AWS cannot tag it and makes up its ARN; the topic's listing names it.
    std::fs::write(dir.join("subscription.tf"), SUBSCRIPTION).unwrap();
    std::fs::write(foreign.join("main.tf"), FOREIGN).unwrap();
    let (dir_s, foreign_s, journal_s) =
        (dir.display().to_string(), foreign.display().to_string(), journal.display().to_string());
    let run = |args: &[&str]| p.drplan_moto(&moto, args);
    let apply = |d: &str| run(&["apply", d, "--auto-approve", "--journal-dir", &journal_s]);

    assert_ok(&apply(&foreign_s), "apply the foreign stack");
    assert_ok(&apply(&dir_s), "apply");
    let again = run(&["plan", &dir_s, "--detailed-exitcode"]);
    assert_ok(&again, "plan after apply (exit 0: no changes)");

    // A data source drplan does not serve natively is read through the provider.
    let data = "data \"aws_sns_topic\" \"by_name\" {\n  name = \"served-alerts\"\n}\n\noutput \"topic\" {\n  value = data.aws_sns_topic.by_name.arn\n}\n";
    std::fs::write(dir.join("data.tf"), data).unwrap();
    let read = run(&["plan", &dir_s, "--format", "json"]);
    assert_ok(&read, "plan reading a data source through the provider");
    let plan: serde_json::Value = serde_json::from_str(&read.stdout).unwrap();
    assert_eq!(plan["output_changes"]["topic"]["after"], "arn:aws:sns:us-west-2:123456789012:served-alerts");
    std::fs::remove_file(dir.join("data.tf")).unwrap();

    let live = tmp.path().join("live.json").display().to_string();
    assert_ok(&run(&["snapshot", &dir_s, "--out", &live]), "snapshot");
    let recorded = std::fs::read_to_string(&live).unwrap();
    assert!(recorded.contains("\"aws_sqs_queue\"") && recorded.contains("\"aws_iam_role\""), "{recorded}");
    assert!(!recorded.contains(SECRET), "the snapshot holds the secret");
    assert_ok(&p.drplan(&["plan", &dir_s, "--live", &live, "--detailed-exitcode"]), "offline plan from the snapshot");

    let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    std::fs::write(dir.join("main.tf"), main.replace("team = \"sre\"", "team = \"ops\"")).unwrap();
    let changed =
        run(&["plan", &dir_s, "--format", "json", "--out", &tmp.path().join("plan.json").display().to_string()]);
    assert_ok(&changed, "plan of a change");
    let plan: serde_json::Value = serde_json::from_str(&changed.stdout).unwrap();
    let updates: Vec<(String, String)> = crate::harness::changes(&plan)
        .iter()
        .map(|c| (c["address"].as_str().unwrap().into(), c["change"]["actions"][0].as_str().unwrap().into()))
        .collect();
    assert_eq!(updates, [("aws_sns_topic.alerts".to_string(), "update".to_string())]);
    assert_ok(
        &run(&["apply", &tmp.path().join("plan.json").display().to_string(), "--journal-dir", &journal_s]),
        "apply the saved plan",
    );
    assert_ok(&run(&["plan", &dir_s, "--detailed-exitcode"]), "no changes after the update");

    assert_ok(&run(&["destroy", &dir_s, "--auto-approve", "--journal-dir", &journal_s]), "destroy");
    let after = run(&["plan", &dir_s, "--format", "json"]);
    assert_ok(&after, "plan after destroy");
    let plan: serde_json::Value = serde_json::from_str(&after.stdout).unwrap();
    let creates = plan["resource_changes"].as_array().unwrap().iter().filter(|c| c["change"]["actions"][0] == "create");
    assert_eq!(creates.count(), 8, "everything is gone, so everything is planned again");
    assert_ok(&run(&["plan", &foreign_s, "--detailed-exitcode"]), "the foreign stack is untouched");
    for entry in std::fs::read_dir(&journal).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        assert!(!text.contains(SECRET), "{} holds the secret", entry.path().display());
    }
    assert!(!std::fs::read_to_string(tmp.path().join("plan.json")).unwrap().contains(SECRET));
}

/// The same configuration planned by Terraform with the same provider
/// (`tests/fixtures/oracle/provider-plan`): the same actions per address and, for the types
/// planned through the provider, the same planned values, unknowns and sensitivity, attribute by
/// attribute (except the ownership tags drplan adds).
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn served_plans_match_terraforms() {
    let p = provider();
    let oracle = crate::harness::root().join("tests/fixtures/oracle/provider-plan/terraform-plan.json");
    let oracle: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(oracle).unwrap()).unwrap();
    let run = p.drplan(&["plan", DIR, "--live", "empty", "--format", "json"]);
    assert_ok(&run, "plan");
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ours: std::collections::BTreeMap<&str, &serde_json::Value> = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["address"].as_str().unwrap(), &c["change"]))
        .collect();
    let theirs = oracle["resource_changes"].as_array().unwrap();
    assert_eq!(ours.len(), theirs.len());
    let object = |v: &serde_json::Value| v.as_object().cloned().unwrap_or_default();
    for t in theirs {
        let address = t["address"].as_str().unwrap();
        let o = ours.get(address).unwrap_or_else(|| panic!("{address} is not in drplan's plan"));
        assert_eq!(o["actions"], t["actions"], "{address}");
        if drplan::resources::get(t["address"].as_str().unwrap().split('.').next().unwrap()).is_some() {
            continue; // native: planned by drplan, compared by the native tests
        }
        let (after, unknown, sensitive) =
            (object(&o["after"]), object(&o["after_unknown"]), object(&o["after_sensitive"]));
        let (t_after, t_unknown, t_sensitive) =
            (object(&t["after"]), object(&t["after_unknown"]), object(&t["after_sensitive"]));
        let names: std::collections::BTreeSet<&String> = after.keys().chain(t_after.keys()).collect();
        for name in names.into_iter().filter(|n| *n != "tags" && *n != "tags_all") {
            let null = serde_json::Value::Null;
            let flag = |m: &serde_json::Map<String, serde_json::Value>| m.get(name).is_some_and(|v| v == true);
            assert_eq!(after.get(name).unwrap_or(&null), t_after.get(name).unwrap_or(&null), "{address}.{name}");
            assert_eq!(flag(&unknown), flag(&t_unknown), "{address}.{name} unknown");
            assert_eq!(flag(&sensitive), flag(&t_sensitive), "{address}.{name} sensitive");
        }
    }
}

/// What the provider refuses while planning (a FIFO queue whose name lacks `.fifo`, which its
/// validation alone cannot see) is a located error with the provider's words.
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn a_plan_the_provider_refuses_is_a_located_error() {
    let p = provider();
    let tmp = tempfile::tempdir().unwrap();
    let config = "recovery {\n  stack  = \"r\"\n  region = \"us-west-2\"\n}\n\nprovider \"aws\" {\n  region = \"us-west-2\"\n}\n\nresource \"aws_sqs_queue\" \"jobs\" {\n  name       = \"jobs\"\n  fifo_queue = true\n}\n";
    std::fs::write(tmp.path().join("main.tf"), config).unwrap();
    let dir = tmp.path().display().to_string();
    let run = p.drplan(&["plan", &dir, "--live", "empty"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("Error: The provider refused to plan this resource"), "{}", run.stderr);
    assert!(run.stderr.contains("main.tf:10:1"), "{}", run.stderr);
    assert!(run.stderr.contains("planning aws_sqs_queue.jobs: invalid queue name: jobs"), "{}", run.stderr);
}

/// A type provider-aws cannot import at all, and AWS cannot tag: an Auto Scaling group's
/// attachment to a target group is read back from its configured group and target group (the
/// provider's own read says whether it exists), so after apply a plan has no changes.
#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn an_attachment_without_an_import_is_found_by_reading_it() {
    let p = provider();
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), ATTACHMENT).unwrap();
    let dir = tmp.path().display().to_string();
    let journal = tmp.path().join("journal").display().to_string();
    let run = |args: &[&str]| p.drplan_moto(&moto, args);
    assert_ok(&run(&["apply", &dir, "--auto-approve", "--journal-dir", &journal]), "apply");
    let again = run(&["plan", &dir, "--detailed-exitcode"]);
    assert_ok(&again, "plan after apply (exit 0: no changes)");
    assert!(!again.stdout.contains("AWS cannot tag"), "{}", again.stdout);
    assert_ok(&run(&["destroy", &dir, "--auto-approve", "--journal-dir", &journal]), "destroy");
}

/// A native record in a zone the provider serves, both new: the record's zone is known only
/// once the zone is found by its tags, so the record is read after it, and a plan after apply
/// has no changes (before, the record was never read and planned as new again).
#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn a_record_in_a_served_zone_of_the_stack_is_found_after_apply() {
    let p = provider();
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), ZONE_AND_RECORD).unwrap();
    let dir = tmp.path().display().to_string();
    let run = |args: &[&str]| p.drplan_moto(&moto, args);
    assert_ok(&run(&["apply", &dir, "--auto-approve"]), "apply");
    assert_ok(&run(&["plan", &dir, "--detailed-exitcode"]), "plan after apply (exit 0: no changes)");
}

const ZONE_AND_RECORD: &str = r#"
recovery {
  stack  = "zoned"
  region = "us-west-2"
}

resource "aws_route53_zone" "internal" {
  name = "dr.example.org"
}

resource "aws_route53_record" "db" {
  zone_id = aws_route53_zone.internal.zone_id
  name    = "db.dr.example.org"
  type    = "CNAME"
  ttl     = 60
  records = ["db.us-west-2.example.org"]
}
"#;

const ATTACHMENT: &str = r#"
recovery {
  stack  = "attached"
  region = "us-west-2"
}

provider "aws" {
  region = "us-west-2"
}

resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.1.0/24"
  availability_zone = "us-west-2a"
}

resource "aws_lb_target_group" "web" {
  name     = "attached-web"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}

resource "aws_launch_template" "web" {
  name          = "attached-web"
  image_id      = "ami-12c6146b"
  instance_type = "t3.micro"

  # moto copies the template's own tags into its launch data (docs/aws.md).
  lifecycle {
    ignore_changes = [tag_specifications]
  }
}

resource "aws_autoscaling_group" "web" {
  name                = "attached-web"
  min_size            = 0
  max_size            = 1
  vpc_zone_identifier = [aws_subnet.a.id]

  launch_template {
    id = aws_launch_template.web.id
  }
}

resource "aws_autoscaling_attachment" "web" {
  autoscaling_group_name = aws_autoscaling_group.web.name
  lb_target_group_arn    = aws_lb_target_group.web.arn
}
"#;

/// The standard ACM DNS validation pattern: `for_each` over a new certificate's
/// `domain_validation_options` has its keys, because references see the provider's plan (which
/// knows the domain names), as in Terraform; the record values stay unknown.
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn for_each_over_a_new_certificates_validation_options_has_its_keys() {
    let p = provider();
    let run = p.drplan(&["plan", "tests/fixtures/plans/acm-validation", "--live", "empty", "--format", "json"]);
    assert_ok(&run, "plan");
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let records: Vec<&serde_json::Value> =
        plan["resource_changes"].as_array().unwrap().iter().filter(|c| c["type"] == "aws_route53_record").collect();
    let keys: Vec<&str> = records.iter().map(|c| c["index"].as_str().unwrap_or_default()).collect();
    assert_eq!(keys, ["dr.example.com", "www.dr.example.com"]);
    for r in records {
        // The provider's plan: a set with an unknown element is unknown as a whole.
        assert_eq!(r["change"]["after_unknown"]["records"], true, "{r:#}");
        assert_eq!(r["change"]["after_unknown"]["name"], true, "{r:#}");
    }
}

/// Provider-served types have recovery-time figures: an Aurora cluster and its instance are
/// minutes, so a 10-minute RTO is breached; a type with no figure makes a verdict within the
/// objective "not known", and `--enforce-objectives` refuses it.
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn served_types_have_recovery_times_and_guesses_are_never_met() {
    let p = provider();
    let dir = "tests/fixtures/plans/aurora-estimate";
    let run = p.drplan(&["plan", dir, "--live", "empty"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("RTO objective 10m: BREACHED (estimate 22m)"), "{}", run.stdout);
    let json = p.drplan(&["plan", dir, "--live", "empty", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let steps = plan["recovery"]["step_estimates"].as_array().cloned().unwrap_or_default();
    let cluster = steps.iter().find(|s| s["address"] == "aws_rds_cluster.dr").expect("the cluster's estimate");
    assert_eq!(cluster["seconds"], 600, "{cluster}");

    let unknown = ["plan", dir, "--live", "empty", "--var", "rto=2h", "--var", "with_unknown_type=true"];
    let run = p.drplan(&unknown);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = "RTO objective 2h: not known (estimate 22m rests on guesses: no known duration for aws_timestreamwrite_database.metrics[0]";
    assert!(run.stdout.contains(line), "{}", run.stdout);
    let enforced = p.drplan(&[&unknown[..], &["--enforce-objectives"]].concat());
    assert_eq!(enforced.code, 3, "{}", enforced.stderr);
    assert!(enforced.stderr.contains("rests on guesses"), "{}", enforced.stderr);
    let known = p.drplan(&["plan", dir, "--live", "empty", "--var", "rto=2h", "--enforce-objectives"]);
    assert_eq!(known.code, 0, "{}", known.stderr);
    assert!(known.stdout.contains("RTO objective 2h: met (estimate 22m)"), "{}", known.stdout);
}

/// A data source drplan reads natively stays known when provider-served types are present: the
/// zones of the recorded live state decide a `count` beside a KMS key.
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn native_data_sources_stay_known_beside_served_types() {
    let p = provider();
    let live = "examples/webapp-dr/live/empty.json";
    let run = p.drplan(&["plan", "tests/fixtures/plans/native-data-with-served", "--live", live]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for i in 0..3 {
        assert!(run.stdout.contains(&format!("# aws_subnet.s[{i}] will be created")), "{}", run.stdout);
    }
    assert!(run.stdout.contains("# aws_kms_key.k will be created"), "{}", run.stdout);
    assert!(run.stdout.contains("Plan: 5 to add, 0 to change, 0 to destroy."), "{}", run.stdout);
}

/// A native data source the inventory cannot answer (a public Amazon Linux image: the stack's
/// inventory holds its own images only) is read through the provider, from AWS, in its region;
/// without the provider it is the located "no match" error it was.
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn public_images_are_read_through_the_provider() {
    let moto = crate::harness::Moto::with_public_images();
    let dir = "tests/fixtures/plans/public-ami";
    let run = provider().drplan_moto(&moto, &["plan", dir, "--format", "json"]);
    assert_ok(&run, "plan");
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let name = plan["output_changes"]["image"]["after"].as_str().unwrap_or_default().to_string();
    assert!(name.starts_with("amzn2-ami-hvm-") && name.ends_with("-x86_64-gp2"), "{}", run.stdout);
    let without = crate::harness::drplan_moto(&moto, &["plan", dir]);
    assert_eq!(without.code, 1, "{}", without.stdout);
    assert!(without.stderr.contains("no aws_ami in us-west-2 matches"), "{}", without.stderr);
}

/// A served data source on the primary's provider configuration is read in the primary region
/// (through a provider configured for it), not in the DR region where nothing of that name is.
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn data_sources_on_the_primarys_provider_are_read_in_the_primary_region() {
    let moto = crate::harness::Moto::start();
    crate::apply::block_on(async {
        let sns = aws_sdk_sns::Client::new(&moto.sdk("us-east-1").await);
        sns.create_topic().name("alerts").send().await.unwrap();
    });
    let run = provider().drplan_moto(&moto, &["plan", "tests/fixtures/plans/primary-data-source", "--format", "json"]);
    assert_ok(&run, "plan");
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let arn = plan["output_changes"]["topic"]["after"].as_str().unwrap_or_default().to_string();
    assert_eq!(arn, "arn:aws:sns:us-east-1:123456789012:alerts", "{}", run.stdout);
}
