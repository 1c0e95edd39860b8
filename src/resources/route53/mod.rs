//! Route 53 types (global), one module each: records and health checks. They share one read
//! unit: hosted zones (for data sources), health checks (tags in batches of 10), and record
//! sets only of the zones asked for ([`Narrow::Parent`] with a zone id): drplan reads the
//! records of the zones its configuration names, never every zone of the account. Record
//! changes are waited for until INSYNC.

pub mod health_check;
pub mod record;

use std::time::Duration;

use aws_sdk_route53::Client;
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecordSet, TagResourceType};
use serde_json::json;

use super::Service;
use super::sdk::wait::{self, Poll};
use super::sdk::{
    Args, Cx, Narrow, ReadUnit, RegionReader, cloud_error, code_of, gone_ok, live_value, owned_tags, prior, sdk_error,
    tag_map,
};
use crate::error::Error;
use crate::live::ADDRESS_TAG;
use crate::resources::StepError;

pub static UNIT: ReadUnit = ReadUnit {
    name: "route53",
    service: Service::Route53,
    types: &["aws_route53_zone", record::TYPE, health_check::TYPE],
    everywhere: false,
    narrows: true,
    global: true,
    read: |r, narrow| Box::pin(read(r, narrow)),
};

/// The attribute naming a record's zone: what scopes reading records.
pub(crate) const ZONE_ATTR: &str = "zone_id";

const CHANGE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

fn invalid(e: impl std::fmt::Display) -> StepError {
    StepError::fatal(format!("invalid record: {e}"))
}

async fn change(cx: &Cx, zone: &str, action: ChangeAction, set: ResourceRecordSet) -> Result<(), StepError> {
    let deleting = action == ChangeAction::Delete;
    let op = if deleting { "ChangeResourceRecordSets (DELETE)" } else { "ChangeResourceRecordSets" };
    let batch = ChangeBatch::builder()
        .changes(Change::builder().action(action).resource_record_set(set).build().map_err(invalid)?)
        .build()
        .map_err(invalid)?;
    cx.call();
    let out = match cx.r53.change_resource_record_sets().hosted_zone_id(zone).change_batch(batch).send().await {
        Ok(out) => out,
        // Deleting what is already gone is success (a resumed destroy).
        Err(e) if deleting && code_of(&e) == Some("InvalidChangeBatch") => return Ok(()),
        Err(e) => return Err(sdk_error(op, e)),
    };
    let Some(info) = out.change_info() else { return Ok(()) };
    let id = info.id().to_string();
    wait::until(&format!("Route 53 change {id} to be INSYNC"), &cx.polling, CHANGE_TIMEOUT, || async {
        cx.call();
        let out = cx.r53.get_change().id(&id).send().await.map_err(|e| sdk_error("GetChange", e))?;
        Ok(match out.change_info().map(|c| c.status().as_str()) {
            Some("INSYNC") => Poll::Ready(()),
            Some(s) => Poll::Pending(s.to_string()),
            None => Poll::Pending("unknown".into()),
        })
    })
    .await
}

/// `/hostedzone/Z123` -> `Z123`.
fn zone_id(raw: &str) -> &str {
    raw.rsplit('/').next().unwrap_or(raw)
}

async fn read(r: &mut RegionReader, narrow: &Narrow) -> Result<(), Error> {
    // A zone's records are read only when the zone is asked for; then nothing else is needed.
    let records_of = match narrow {
        Narrow::Parent { id, attr } if *attr == ZONE_ATTR => Some(zone_id(id).to_string()),
        _ => None,
    };
    let c = Client::new(&r.conf);
    let region = r.region.clone();

    let mut zones = Vec::new();
    let mut pages = c.list_hosted_zones().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        zones.extend(page.map_err(|err| cloud_error("ListHostedZones", &region, err))?.hosted_zones().iter().cloned());
    }
    for z in &zones {
        let id = zone_id(z.id()).to_string();
        if records_of.as_ref().is_some_and(|asked| *asked != id) {
            continue;
        }
        r.push(
            "aws_route53_zone",
            id.clone(),
            Default::default(),
            json!({
                "name": z.name(), "zone_id": id, "private_zone": z.config().map(|c| c.private_zone()),
                "comment": z.config().and_then(|c| c.comment()), "resource_record_set_count": z.resource_record_set_count(),
                "caller_reference": z.caller_reference(),
            }),
        );
        if records_of.is_none() {
            continue;
        }
        let mut next: Option<(String, aws_sdk_route53::types::RrType, Option<String>)> = None;
        loop {
            let mut req = c.list_resource_record_sets().hosted_zone_id(&id);
            if let Some((name, ty, ident)) = next.take() {
                req = req.start_record_name(name).start_record_type(ty).set_start_record_identifier(ident);
            }
            r.call();
            let out = req.send().await.map_err(|err| cloud_error("ListResourceRecordSets", &region, err))?;
            for rs in out.resource_record_sets() {
                let ty = rs.r#type().as_str();
                if ty == "SOA" || ty == "NS" {
                    continue;
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
            match (out.is_truncated(), out.next_record_name(), out.next_record_type()) {
                (true, Some(name), Some(ty)) => {
                    next = Some((name.to_string(), ty.clone(), out.next_record_identifier().map(str::to_string)))
                }
                _ => break,
            }
        }
    }

    if records_of.is_some() {
        return Ok(());
    }
    let mut checks = Vec::new();
    let mut pages = c.list_health_checks().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        checks
            .extend(page.map_err(|err| cloud_error("ListHealthChecks", &region, err))?.health_checks().iter().cloned());
    }
    let mut tags = std::collections::HashMap::new();
    let ids: Vec<String> = checks.iter().map(|h| h.id().to_string()).collect();
    for chunk in ids.chunks(10) {
        r.call();
        let out = c
            .list_tags_for_resources()
            .resource_type(TagResourceType::Healthcheck)
            .set_resource_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|err| cloud_error("ListTagsForResources", &region, err))?;
        for set in out.resource_tag_sets() {
            tags.insert(
                set.resource_id().unwrap_or_default().to_string(),
                tag_map(set.tags().iter().map(|t| (t.key(), t.value()))),
            );
        }
    }
    for h in checks {
        let t = tags.remove(h.id()).unwrap_or_default();
        if !r.owned_by_stack(&t) {
            continue;
        }
        let Some(cfg) = h.health_check_config() else { continue };
        r.push(
            health_check::TYPE,
            h.id(),
            t,
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
    Ok(())
}
