//! Route 53 on moto: drplan reads the records of the zones its configuration names, never every
//! zone of the account, and never changes a record it cannot prove its own.

use crate::apply::{assert_ok, block_on, run};
use crate::faults::{Faults, Proxy};
use crate::harness::Moto;
use crate::seed::{WEBAPP, seed};

/// Creates a zone nobody's configuration names, with a record in it; returns its id.
async fn foreign_zone(moto: &Moto) -> String {
    use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
    let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
    let zone = r53.create_hosted_zone().name("payroll.example.net").caller_reference("foreign").send().await.unwrap();
    let id = zone.hosted_zone().unwrap().id().rsplit('/').next().unwrap().to_string();
    let set = ResourceRecordSet::builder()
        .name("db.payroll.example.net")
        .r#type(RrType::A)
        .ttl(60)
        .resource_records(ResourceRecord::builder().value("203.0.113.5").build().unwrap())
        .build()
        .unwrap();
    let change = Change::builder().action(ChangeAction::Create).resource_record_set(set).build().unwrap();
    let batch = ChangeBatch::builder().changes(change).build().unwrap();
    r53.change_resource_record_sets().hosted_zone_id(&id).change_batch(batch).send().await.unwrap();
    id
}

async fn zone_id(moto: &Moto, name: &str) -> String {
    let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
    let zones = r53.list_hosted_zones().send().await.unwrap();
    let zone = zones.hosted_zones().iter().find(|z| z.name().trim_end_matches('.') == name).unwrap();
    zone.id().rsplit('/').next().unwrap().to_string()
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn only_the_zones_the_configuration_names_are_read() {
    let moto = Moto::start();
    block_on(seed(&moto, &WEBAPP));
    let foreign = block_on(foreign_zone(&moto));
    let named = block_on(zone_id(&moto, "example.com"));
    let proxy = Proxy::start(&moto.endpoint, Faults::default());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live.json");
    let mut args = vec!["snapshot", WEBAPP.dir, "--out", out.to_str().unwrap()];
    args.extend(WEBAPP.vars);
    assert_ok(&run(&proxy.endpoint, &args), "snapshot");

    let record_reads: Vec<String> =
        proxy.calls().into_iter().filter(|c| c.action.contains("/rrset")).map(|c| c.action).collect();
    assert!(record_reads.iter().any(|a| a.contains(&named)), "the named zone's records are read: {record_reads:?}");
    assert!(!record_reads.iter().any(|a| a.contains(&foreign)), "a foreign zone's records are read: {record_reads:?}");
    let snapshot = std::fs::read_to_string(&out).unwrap();
    assert!(!snapshot.contains("db.payroll.example.net"), "the foreign record is in the snapshot");
    let snapshot: serde_json::Value = serde_json::from_str(&snapshot).unwrap();
    let zones = snapshot["objects"].as_array().unwrap().iter().filter(|o| o["type"] == "aws_route53_zone").count();
    assert_eq!(zones, 2, "zones themselves are listed (data sources look them up)");
}
