//! Route 53 writes: failover (and other) records through UPSERT/DELETE change batches, waiting
//! for INSYNC, and health checks. A health check's CallerReference is derived from the stack
//! and address, so a create interrupted before it could be tagged is found and adopted.

use std::time::Duration;

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, HealthCheckConfig, ResourceRecord, ResourceRecordSet, RrType, Tag,
    TagResourceType,
};

use super::args::{Args, owned_tags};
use super::wait::{self, Poll};
use super::{Cx, code_of, gone_ok, live_value, sdk_error};
use crate::apply::StepError;
use crate::live::LiveObject;

pub(super) fn handles(ty: &str) -> bool {
    matches!(ty, "aws_route53_record" | "aws_route53_health_check")
}

const CHANGE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

fn invalid(e: impl std::fmt::Display) -> StepError {
    StepError::fatal(format!("invalid record: {e}"))
}

/// A record's configuration (or its live attributes) as a record set.
fn record_set(a: &Args) -> Result<ResourceRecordSet, StepError> {
    let mut b = ResourceRecordSet::builder()
        .name(a.req("name")?)
        .r#type(RrType::from(a.req("type")?.as_str()))
        .set_set_identifier(a.str("set_identifier"))
        .set_health_check_id(a.str("health_check_id"))
        .set_multi_value_answer(a.bool("multivalue_answer_routing_policy"));
    if let Some(alias) = a.block("alias") {
        b = b.alias_target(
            AliasTarget::builder()
                .dns_name(alias.req("name")?)
                .hosted_zone_id(alias.req("zone_id")?)
                .evaluate_target_health(alias.bool("evaluate_target_health").unwrap_or(false))
                .build()
                .map_err(invalid)?,
        );
    } else {
        b = b.set_ttl(a.int("ttl").map(i64::from));
        let mut records = Vec::new();
        for r in a.strs("records") {
            records.push(ResourceRecord::builder().value(r).build().map_err(invalid)?);
        }
        b = b.set_resource_records(Some(records));
    }
    if let Some(f) = a.block("failover_routing_policy") {
        b = b.set_failover(f.str("type").map(|t| t.as_str().into()));
    }
    if let Some(w) = a.block("weighted_routing_policy") {
        b = b.set_weight(w.int("weight").map(i64::from));
    }
    if let Some(l) = a.block("latency_routing_policy") {
        b = b.set_region(l.str("region").map(|r| r.as_str().into()));
    }
    b.build().map_err(invalid)
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

fn health_check_config(a: &Args) -> Result<HealthCheckConfig, StepError> {
    HealthCheckConfig::builder()
        .r#type(a.req("type")?.as_str().into())
        .set_fully_qualified_domain_name(a.str("fqdn"))
        .set_ip_address(a.str("ip_address"))
        .set_port(a.int("port"))
        .set_resource_path(a.str("resource_path"))
        .set_request_interval(a.int("request_interval"))
        .set_failure_threshold(a.int("failure_threshold"))
        .set_search_string(a.str("search_string"))
        .set_measure_latency(a.bool("measure_latency"))
        .set_inverted(a.bool("invert_healthcheck"))
        .set_disabled(a.bool("disabled"))
        .set_enable_sni(a.bool("enable_sni"))
        .set_health_threshold(a.int("child_health_threshold"))
        .set_child_health_checks(Some(a.strs("child_healthchecks")).filter(|c| !c.is_empty()))
        .set_regions(
            Some(a.strs("regions").iter().map(|r| r.as_str().into()).collect::<Vec<_>>()).filter(|r| !r.is_empty()),
        )
        .build()
        .map_err(|e| StepError::fatal(format!("invalid health check: {e}")))
}

/// One caller reference per stack and address: the health check's natural key.
pub(crate) fn caller_reference(stack: &str, address: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("drplan-{}", crate::plan::build::hex(&Sha256::digest(format!("{stack}|{address}").as_bytes())[..16]))
}

async fn tag_health_check(
    cx: &Cx,
    id: &str,
    a: &Args<'_>,
    address: &str,
    remove: Vec<String>,
) -> Result<(), StepError> {
    let tags: Vec<Tag> =
        owned_tags(a, &cx.stack, address).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
    cx.call();
    cx.r53
        .change_tags_for_resource()
        .resource_type(TagResourceType::Healthcheck)
        .resource_id(id)
        .set_add_tags(Some(tags))
        .set_remove_tag_keys(Some(remove).filter(|r| !r.is_empty()))
        .send()
        .await
        .map_err(|e| sdk_error("ChangeTagsForResource", e))?;
    Ok(())
}

pub(super) async fn create(cx: &Cx, ty: &str, address: &str, a: &Args<'_>) -> Result<(), StepError> {
    match ty {
        "aws_route53_record" => change(cx, &a.req("zone_id")?, ChangeAction::Upsert, record_set(a)?).await,
        "aws_route53_health_check" => {
            let reference = caller_reference(&cx.stack, address);
            let mut existing = None;
            let mut pages = cx.r53.list_health_checks().into_paginator().send();
            while let Some(page) = pages.next().await {
                cx.call();
                let page = page.map_err(|e| sdk_error("ListHealthChecks", e))?;
                if let Some(h) = page.health_checks().iter().find(|h| h.caller_reference() == reference) {
                    existing = Some(h.id().to_string());
                }
            }
            let id = match existing {
                Some(id) => id,
                None => {
                    cx.call();
                    let out = cx
                        .r53
                        .create_health_check()
                        .caller_reference(&reference)
                        .health_check_config(health_check_config(a)?)
                        .send()
                        .await
                        .map_err(|e| sdk_error("CreateHealthCheck", e))?;
                    out.health_check()
                        .map(|h| h.id().to_string())
                        .ok_or_else(|| StepError::fatal("no health check id"))?
                }
            };
            tag_health_check(cx, &id, a, address, Vec::new()).await
        }
        other => Err(StepError::fatal(format!("drplan cannot create {other}"))),
    }
}

pub(super) async fn update(
    cx: &Cx,
    ty: &str,
    a: &Args<'_>,
    live: &LiveObject,
    changed: &[String],
) -> Result<(), StepError> {
    match ty {
        "aws_route53_record" => change(cx, &a.req("zone_id")?, ChangeAction::Upsert, record_set(a)?).await,
        "aws_route53_health_check" => {
            let address = live.tags.get(crate::live::ADDRESS_TAG).cloned().unwrap_or_default();
            if changed.iter().any(|c| c == "tags") {
                let want = a.user_tags();
                let stale: Vec<String> =
                    live.tags.keys().filter(|k| !k.starts_with("drplan:") && !want.contains_key(*k)).cloned().collect();
                tag_health_check(cx, &live.id, a, &address, stale).await?;
            }
            if changed.iter().all(|c| c == "tags") {
                return Ok(());
            }
            cx.call();
            cx.r53
                .update_health_check()
                .health_check_id(&live.id)
                .set_fully_qualified_domain_name(a.str("fqdn"))
                .set_ip_address(a.str("ip_address"))
                .set_port(a.int("port"))
                .set_resource_path(a.str("resource_path"))
                .set_failure_threshold(a.int("failure_threshold"))
                .set_search_string(a.str("search_string"))
                .set_inverted(a.bool("invert_healthcheck"))
                .set_disabled(a.bool("disabled"))
                .send()
                .await
                .map_err(|e| sdk_error("UpdateHealthCheck", e))?;
            Ok(())
        }
        other => Err(StepError::fatal(format!("drplan cannot update {other}"))),
    }
}

pub(super) async fn delete(cx: &Cx, live: &LiveObject) -> Result<(), StepError> {
    match live.ty.as_str() {
        "aws_route53_record" => {
            // DELETE must name the record exactly as it is: build it from the live object.
            let value = live_value(live);
            let zone = live.attr_str("zone_id").unwrap_or_default().to_string();
            change(cx, &zone, ChangeAction::Delete, record_set(&Args(&value))?).await
        }
        "aws_route53_health_check" => {
            cx.call();
            let result = cx.r53.delete_health_check().health_check_id(&live.id).send().await;
            gone_ok("DeleteHealthCheck", result, &["NoSuchHealthCheck"])
        }
        other => Err(StepError::fatal(format!("drplan cannot delete {other}"))),
    }
}
