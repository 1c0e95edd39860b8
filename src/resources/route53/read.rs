//! The Route 53 read unit: hosted zones; a zone's record sets only when the zone is asked for
//! (records are read scoped, see `Cloud::scoped`); otherwise the health checks the stack owns,
//! with their tags in batches of 10. One function per AWS call.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_route53::Client;
use aws_sdk_route53::types::{HealthCheck, HostedZone, ResourceRecordSet, RrType, TagResourceType};
use serde_json::json;

use super::{ZONE_ATTR, health_check, record, zone_id};
use crate::error::Error;
use crate::resources::sdk::{Narrow, RegionReader, cloud_error, tag_map};

pub(super) async fn read(r: &mut RegionReader, narrow: &Narrow) -> Result<(), Error> {
    // A zone's records are read only when the zone is asked for; then nothing else is needed.
    let records_of = match narrow {
        Narrow::Parent { id, attr } if *attr == ZONE_ATTR => Some(zone_id(id).to_string()),
        _ => None,
    };
    let c = Client::new(&r.conf);
    for z in &hosted_zones(r, &c).await? {
        let id = zone_id(z.id()).to_string();
        if records_of.as_ref().is_some_and(|asked| *asked != id) {
            continue;
        }
        push_zone(r, z, &id);
        if records_of.is_some() {
            record_sets(r, &c, &id).await?;
        }
    }
    if records_of.is_some() {
        return Ok(());
    }
    let checks = health_checks(r, &c).await?;
    let ids: Vec<String> = checks.iter().map(|h| h.id().to_string()).collect();
    let mut tags = health_check_tags(r, &c, &ids).await?;
    for h in checks {
        let t = tags.remove(h.id()).unwrap_or_default();
        if r.owned_by_stack(&t) {
            push_health_check(r, &h, t);
        }
    }
    Ok(())
}

async fn hosted_zones(r: &mut RegionReader, c: &Client) -> Result<Vec<HostedZone>, Error> {
    let mut zones = Vec::new();
    let mut pages = c.list_hosted_zones().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        let page = page.map_err(|err| cloud_error("ListHostedZones", &r.region, err))?;
        zones.extend(page.hosted_zones().iter().cloned());
    }
    Ok(zones)
}

fn push_zone(r: &mut RegionReader, z: &HostedZone, id: &str) {
    r.push(
        "aws_route53_zone",
        id.to_string(),
        Default::default(),
        json!({
            "name": z.name(), "zone_id": id, "private_zone": z.config().map(|c| c.private_zone()),
            "comment": z.config().and_then(|c| c.comment()), "resource_record_set_count": z.resource_record_set_count(),
            "caller_reference": z.caller_reference(),
        }),
    );
}

/// Every record set of a zone but its SOA and NS, page by page.
async fn record_sets(r: &mut RegionReader, c: &Client, id: &str) -> Result<(), Error> {
    let mut next: Option<(String, RrType, Option<String>)> = None;
    loop {
        let mut req = c.list_resource_record_sets().hosted_zone_id(id);
        if let Some((name, ty, ident)) = next.take() {
            req = req.start_record_name(name).start_record_type(ty).set_start_record_identifier(ident);
        }
        r.call();
        let out = req.send().await.map_err(|err| cloud_error("ListResourceRecordSets", &r.region, err))?;
        for rs in out.resource_record_sets() {
            push_record_set(r, rs, id);
        }
        match (out.is_truncated(), out.next_record_name(), out.next_record_type()) {
            (true, Some(name), Some(ty)) => {
                next = Some((name.to_string(), ty.clone(), out.next_record_identifier().map(str::to_string)))
            }
            _ => return Ok(()),
        }
    }
}

fn push_record_set(r: &mut RegionReader, rs: &ResourceRecordSet, id: &str) {
    let ty = rs.r#type().as_str();
    if ty == "SOA" || ty == "NS" {
        return;
    }
    let name = rs.name().trim_end_matches('.').to_string();
    let set = rs.set_identifier().unwrap_or_default();
    r.push(
        record::TYPE,
        format!("{id}_{name}_{ty}_{set}"),
        Default::default(),
        json!({
            "zone_id": id, "name": name, "type": ty, "ttl": rs.ttl(), "fqdn": name,
            "records": rs.resource_records().iter().map(|x| x.value()).collect::<Vec<_>>(),
            "set_identifier": rs.set_identifier(), "health_check_id": rs.health_check_id(),
            "failover_routing_policy": rs.failover().map(|f| vec![json!({ "type": f.as_str() })]),
            "weighted_routing_policy": rs.weight().map(|w| vec![json!({ "weight": w })]),
            "latency_routing_policy": rs.region().map(|g| vec![json!({ "region": g.as_str() })]),
            "multivalue_answer_routing_policy": rs.multi_value_answer(),
            "alias": rs.alias_target().map(|a| vec![json!({
                "name": a.dns_name().trim_end_matches('.'), "zone_id": a.hosted_zone_id(),
                "evaluate_target_health": a.evaluate_target_health(),
            })]),
        }),
    );
}

async fn health_checks(r: &mut RegionReader, c: &Client) -> Result<Vec<HealthCheck>, Error> {
    let mut checks = Vec::new();
    let mut pages = c.list_health_checks().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        let page = page.map_err(|err| cloud_error("ListHealthChecks", &r.region, err))?;
        checks.extend(page.health_checks().iter().cloned());
    }
    Ok(checks)
}

async fn health_check_tags(
    r: &mut RegionReader,
    c: &Client,
    ids: &[String],
) -> Result<HashMap<String, BTreeMap<String, String>>, Error> {
    let mut tags = HashMap::new();
    for chunk in ids.chunks(10) {
        r.call();
        let out = c
            .list_tags_for_resources()
            .resource_type(TagResourceType::Healthcheck)
            .set_resource_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|err| cloud_error("ListTagsForResources", &r.region, err))?;
        for set in out.resource_tag_sets() {
            tags.insert(
                set.resource_id().unwrap_or_default().to_string(),
                tag_map(set.tags().iter().map(|t| (t.key(), t.value()))),
            );
        }
    }
    Ok(tags)
}

fn push_health_check(r: &mut RegionReader, h: &HealthCheck, tags: BTreeMap<String, String>) {
    let Some(cfg) = h.health_check_config() else { return };
    r.push(
        health_check::TYPE,
        h.id(),
        tags,
        json!({
            "type": cfg.r#type().as_str(), "fqdn": cfg.fully_qualified_domain_name(), "ip_address": cfg.ip_address(),
            "port": cfg.port(), "resource_path": cfg.resource_path(), "failure_threshold": cfg.failure_threshold(),
            "request_interval": cfg.request_interval(), "search_string": cfg.search_string(),
            "measure_latency": cfg.measure_latency(), "invert_healthcheck": cfg.inverted(), "disabled": cfg.disabled(),
            "enable_sni": cfg.enable_sni(), "child_healthchecks": cfg.child_health_checks(),
            "child_health_threshold": cfg.health_threshold(),
            "regions": cfg.regions().iter().map(|g| g.as_str()).collect::<Vec<_>>(),
            "arn": format!("arn:aws:route53:::healthcheck/{}", h.id()),
        }),
    );
}
