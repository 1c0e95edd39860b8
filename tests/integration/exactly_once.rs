//! Provider-served creates whose answer is lost, once, exactly where the test says (the fault
//! proxy's `drop_first_answer_of`): the call took effect, the provider saw the connection end.
//! The next attempt must find what the lost call made (by the stack's tags, or by the name the
//! configuration gives it with the tags proving it this stack's) and carry on from it, so
//! nothing is made twice and a later plan has no changes. On moto, through the real provider.

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
