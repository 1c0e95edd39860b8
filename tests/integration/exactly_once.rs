//! Provider-served creates whose answer is lost, once, exactly where the test says (the fault
//! proxy's `drop_first_answer_of`): the call took effect, the provider saw the connection end.
//! The next attempt must find what the lost call made (by the stack's tags, or by the name the
//! configuration gives it with the tags proving it this stack's) and carry on from it, so
//! nothing is made twice and a later plan has no changes. The same when the provider process
//! itself dies (killed) or hangs (stopped) during a create: it is started again and the create
//! found, not repeated. On moto, through the real provider.

use crate::faults::{Faults, Proxy};
use crate::harness::{InstalledProvider, Moto, Run};

const CONFIG: &str = r#"
recovery {
  stack  = "once"
  region = "us-west-2"
}

provider "aws" {
  region = "us-west-2"
}

resource "aws_s3_bucket" "assets" {
  bucket = "once-assets"
}

resource "aws_sns_topic" "alerts" {
  name = "once-alerts"
}

resource "aws_launch_template" "web" {
  name          = "once-web"
  image_id      = "ami-12c6146b"
  instance_type = "t3.micro"

  lifecycle {
    ignore_changes = [tag_specifications]
  }
}

resource "aws_autoscaling_group" "web" {
  name               = "once-web"
  min_size           = 0
  max_size           = 1
  desired_capacity   = 0
  availability_zones = ["us-west-2a"]

  launch_template {
    id      = aws_launch_template.web.id
    version = "$Latest"
  }
}
"#;

fn assert_ok(run: &Run, what: &str) {
    assert_eq!(run.code, 0, "{what}:\n{}\n{}", run.stdout, run.stderr);
}

#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn served_creates_whose_answer_is_lost_happen_once() {
    let p = InstalledProvider::required();
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), CONFIG).unwrap();
    let dir = tmp.path().display().to_string();
    let lost = ["PUT /once-assets", "CreateTopic", "CreateLaunchTemplate", "CreateAutoScalingGroup"];
    let faults = Faults { drop_first_answer_of: lost.map(String::from).to_vec(), ..Faults::default() };
    let proxy = Proxy::start(&moto.endpoint, faults);
    let applied = p.drplan_through(&moto, &proxy.endpoint, &["apply", &dir, "--auto-approve"]);
    let calls = proxy.calls();
    for action in lost {
        let sent = calls.iter().filter(|c| c.action == action).count();
        assert!(sent >= 1, "{action} was never sent: {:?}", calls.iter().map(|c| &c.action).collect::<Vec<_>>());
    }
    let sent: Vec<String> = calls.iter().map(|c| format!("{} {}", c.service, c.action)).collect();
    assert_ok(&applied, &format!("one apply converges after each lost answer; calls: {sent:#?}"));
    for action in lost {
        let sent = calls.iter().filter(|c| c.action == action).count();
        assert_eq!(sent, 1, "{action} sent {sent} times: the lost call's object was not found");
    }
    assert_ok(&p.drplan_moto(&moto, &["plan", &dir, "--detailed-exitcode"]), "no changes after the apply");
    assert_ok(&p.drplan_moto(&moto, &["destroy", &dir, "--auto-approve"]), "destroy");
}

const TOPIC_ONLY: &str = r#"
recovery {
  stack  = "once"
  region = "us-west-2"
}

provider "aws" {
  region = "us-west-2"
}

resource "aws_sns_topic" "alerts" {
  name = "once-alerts"
}

resource "aws_cloudwatch_log_group" "jobs" {
  name       = "once-jobs"
  depends_on = [aws_sns_topic.alerts]
}
"#;

/// The provider gets `signal` while its `CreateTopic` is under way (the topic is made); one
/// apply still converges, with one topic, and the next plan has no changes.
fn provider_signalled_mid_create(signal: &'static str, extra_env: &[(&str, &str)]) {
    let p = InstalledProvider::required();
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), TOPIC_ONLY).unwrap();
    let dir = tmp.path().display().to_string();
    let faults = Faults { signal_sender_of: Some(("CreateTopic".into(), signal)), ..Faults::default() };
    let proxy = Proxy::start(&moto.endpoint, faults);
    let applied = p.drplan_through_with(&moto, &proxy.endpoint, &["apply", &dir, "--auto-approve"], extra_env);
    assert_eq!(proxy.signalled().len(), 1, "the provider was signalled once: {}", applied.stderr);
    assert_ok(&applied, "one apply converges after the provider was started again");
    let retried = applied.stdout.lines().find(|l| l.starts_with("aws_sns_topic.alerts: Creating... (attempt 2"));
    assert!(
        retried.is_some_and(|l| l.contains("terraform-provider-aws was restarted")),
        "the retry says the provider was started again: {}",
        applied.stdout
    );
    let topics = proxy.calls().iter().filter(|c| c.action == "CreateTopic").count();
    assert_eq!(topics, 1, "CreateTopic sent {topics} times: the topic the first call made was not found");
    assert_ok(&p.drplan_moto(&moto, &["plan", &dir, "--detailed-exitcode"]), "no changes after the apply");
    assert_ok(&p.drplan_moto(&moto, &["destroy", &dir, "--auto-approve"]), "destroy");
}

#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn a_provider_killed_mid_create_is_started_again_and_creates_once() {
    provider_signalled_mid_create("KILL", &[]);
}

#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn a_hung_provider_is_killed_after_its_bound_and_creates_once() {
    provider_signalled_mid_create("STOP", &[("DRPLAN_PROVIDER_TIMEOUT", "8")]);
}

const KEY_WITH_RETRIES: &str = r#"
recovery {
  stack  = "once"
  region = "us-west-2"
}

provider "aws" {
  region      = "us-west-2"
  max_retries = 3
}

resource "aws_kms_key" "data" {
  description             = "once data"
  deletion_window_in_days = 7
}
"#;

/// KMS's `CreateKey` has no client token: when its answer is lost and the provider (keeping its
/// own retries, as against AWS) sends it again, two keys carry the address. The one the
/// provider did not hand back is found by the stack's tags after the run and deleted, noted.
#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn a_key_the_providers_own_retry_duplicated_is_deleted_after_the_run() {
    let run = LostOnce::apply(KEY_WITH_RETRIES, "CreateKey");
    assert_eq!(run.count("CreateKey"), 2, "the provider sent CreateKey again after the lost answer");
    let out = &run.applied.stdout;
    assert_eq!(run.count("ScheduleKeyDeletion"), 1, "the duplicate is deleted: {out}");
    let reported = out.lines().any(|l| l.starts_with("aws_kms_key.data: deleted ") && l.contains("duplicate"));
    assert!(reported, "the deletion is reported: {out}");
    run.converged_and_destroyed();
}

/// A configuration applied through a proxy that loses the first answer of one action, with
/// what it takes to check the outcome.
struct LostOnce {
    p: InstalledProvider,
    moto: Moto,
    proxy: Proxy,
    applied: Run,
    dir: String,
    _tmp: tempfile::TempDir,
}

impl LostOnce {
    /// Applies `config`; the apply must succeed.
    fn apply(config: &str, action: &str) -> LostOnce {
        let p = InstalledProvider::required();
        let moto = Moto::start();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("main.tf"), config).unwrap();
        let dir = tmp.path().display().to_string();
        let faults = Faults { drop_first_answer_of: vec![action.into()], ..Faults::default() };
        let proxy = Proxy::start(&moto.endpoint, faults);
        let applied = p.drplan_through(&moto, &proxy.endpoint, &["apply", &dir, "--auto-approve"]);
        assert_ok(&applied, "the apply converges");
        LostOnce { p, moto, proxy, applied, dir, _tmp: tmp }
    }

    /// How many calls of `action` went through the proxy.
    fn count(&self, action: &str) -> usize {
        self.proxy.calls().iter().filter(|c| c.action == action).count()
    }

    /// No changes are left, and the destroy works.
    fn converged_and_destroyed(&self) {
        let plan = self.p.drplan_moto(&self.moto, &["plan", &self.dir, "--detailed-exitcode"]);
        assert_ok(&plan, "no changes after the apply");
        assert_ok(&self.p.drplan_moto(&self.moto, &["destroy", &self.dir, "--auto-approve"]), "destroy");
    }
}

const GROUP_WITH_RETRIES: &str = r#"
recovery {
  stack  = "once"
  region = "us-west-2"
}

provider "aws" {
  region      = "us-west-2"
  max_retries = 3
}

resource "aws_launch_template" "web" {
  name          = "once-web"
  image_id      = "ami-12c6146b"
  instance_type = "t3.micro"

  lifecycle {
    ignore_changes = [tag_specifications]
  }
}

resource "aws_autoscaling_group" "web" {
  name               = "once-web"
  min_size           = 1
  max_size           = 1
  desired_capacity   = 1
  availability_zones = ["us-west-2a"]

  launch_template {
    id      = aws_launch_template.web.id
    version = "$Latest"
  }
}
"#;

/// `CreateAutoScalingGroup` has no client token either: when its answer is lost and the
/// provider's own retry sends it again, AWS answers `AlreadyExists` and launches nothing (the
/// proxy answers so where moto would launch the group's instances a second time:
/// `moto_fixes`). The group is then found by its name and proven by its tags, and as many
/// instances run as without faults (a boto3 census).
#[cfg_attr(
    any(drplan_no_moto, drplan_no_provider),
    ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER); needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn a_group_the_providers_own_retry_sends_again_is_found_not_made_twice() {
    let run = LostOnce::apply(GROUP_WITH_RETRIES, "CreateAutoScalingGroup");
    let creates = run.count("CreateAutoScalingGroup");
    assert_eq!(creates, 2, "the provider sent CreateAutoScalingGroup again after the lost answer");
    let census = crate::census::census(&run.moto, &["us-west-2"]);
    assert_eq!(census["us-west-2/autoscaling_groups"], 1);
    assert_eq!(census["us-west-2/instances"], 1, "the group's instance was launched once");
    run.converged_and_destroyed();
}
