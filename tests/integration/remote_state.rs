//! `terraform_remote_state` with the s3 backend on moto: the primary's outputs are read from its
//! state bucket, recorded in snapshots (never its secrets), and a primary region that does not
//! answer leaves them unknown instead of stopping the plan.

use std::time::Duration;

use crate::apply::{assert_ok, block_on, run};
use crate::faults::{Faults, Proxy};
use crate::harness::{Moto, root};

const DIR: &str = "tests/fixtures/plans/remote-state-s3";

async fn put_state(moto: &Moto) {
    let conf = aws_sdk_s3::config::Builder::from(&moto.sdk("us-east-1").await).force_path_style(true).build();
    let s3 = aws_sdk_s3::Client::from_conf(conf);
    s3.create_bucket().bucket("shop-tf-state").send().await.unwrap();
    let body = std::fs::read(root().join(DIR).join("state.json")).unwrap();
    let put = s3.put_object().bucket("shop-tf-state").key("shop/terraform.tfstate").body(body.into());
    put.send().await.unwrap();
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn remote_state_in_s3_is_read_recorded_and_planned_around_when_down() {
    let moto = Moto::start();
    block_on(put_state(&moto));

    let online = run(&moto.endpoint, &["plan", DIR, "--format", "json"]);
    assert_ok(&online, "plan reading the S3 state");
    let plan: serde_json::Value = serde_json::from_str(&online.stdout).unwrap();
    let vpc = &plan["resource_changes"][0]["change"]["after"];
    assert_eq!(vpc["cidr_block"], "10.20.0.0/16");
    assert_eq!(vpc["tags"]["Source"], "arn:aws:rds:us-east-1:123456789012:db:shop");
    assert!(!online.stdout.contains("hunter2"), "a sensitive output reached the plan");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.json");
    assert_ok(&run(&moto.endpoint, &["snapshot", DIR, "--out", file.to_str().unwrap()]), "snapshot");
    let recorded = std::fs::read_to_string(&file).unwrap();
    assert!(recorded.contains("s3://shop-tf-state/shop/terraform.tfstate"), "{recorded}");
    assert!(!recorded.contains("hunter2"), "a sensitive output reached the snapshot");
    let offline = run(&moto.endpoint, &["plan", DIR, "--live", file.to_str().unwrap(), "--format", "json"]);
    assert_ok(&offline, "offline plan from the snapshot");
    let offline: serde_json::Value = serde_json::from_str(&offline.stdout).unwrap();
    assert_eq!(offline["resource_changes"], plan["resource_changes"], "the snapshot plans as AWS does");

    let missing = run(&moto.endpoint, &["plan", DIR, "--var", "state_key=nope/terraform.tfstate"]);
    assert_eq!(missing.code, 1, "{}", missing.stdout);
    assert!(missing.stderr.contains("reading state s3://shop-tf-state/nope/terraform.tfstate"), "{}", missing.stderr);
    assert!(missing.stderr.contains("main.tf:"), "located: {}", missing.stderr);

    let slow = Some(("us-east-1".to_string(), Duration::from_secs(5)));
    let proxy = Proxy::start(&moto.endpoint, Faults { slow_region: slow, ..Faults::default() });
    let down = run(&proxy.endpoint, &["plan", DIR, "--primary-timeout", "1s"]);
    assert_ok(&down, "a plan with the primary (and its state bucket) down");
    let said = format!("{}{}", down.stdout, down.stderr);
    assert!(said.contains("Region us-east-1 could not be read"), "{said}");
    assert!(down.stdout.contains("cidr_block") && down.stdout.contains("(known after apply)"), "{}", down.stdout);
    let writes: Vec<_> = proxy.calls().into_iter().filter(|c| c.service == "s3" && c.mutating()).collect();
    assert!(writes.is_empty(), "the state bucket is never written: {writes:?}");
}
