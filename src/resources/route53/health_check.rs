//! `aws_route53_health_check`: its caller reference, derived from stack and address, is its
//! natural key across a crash (tags are a separate call).

use super::*;
use aws_sdk_route53::types::{HealthCheckConfig, Tag};

use crate::resources::StepAction;
use crate::resources::{ApplyRequest, BoxFuture, Estimate, Op, ResourceType, RunbookText, StepView};

pub const TYPE: &str = "aws_route53_health_check";

pub struct HealthCheck;

impl ResourceType for HealthCheck {
    crate::resources::basics!(TYPE, Route53, &super::UNIT);

    fn deleted_first(&self) -> &'static [&'static str] {
        &[super::record::TYPE]
    }

    fn estimate(&self, step: &StepView) -> Estimate {
        match step.action {
            StepAction::Delete | StepAction::Read => crate::resources::generic_estimate(step),
            _ => Estimate::new(90, "health check to healthy (3 checks x 30 s)"),
        }
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws route53 create-health-check --caller-reference <unique> --health-check-config Type={},FullyQualifiedDomainName={},Port={},ResourcePath={}",
                s.arg("type"),
                s.arg("fqdn"),
                s.arg("port"),
                s.arg("resource_path")
            )),
            verify: Some("aws route53 get-health-check-status --health-check-id <id> → `Success`".into()),
        }
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            match req.op {
                Op::Create => {
                    let address = req.address;
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
                Op::Update(changed) => {
                    let live = prior(req.prior)?;
                    let address = live.tags.get(ADDRESS_TAG).cloned().unwrap_or_default();
                    if changed.iter().any(|c| c == "tags") {
                        let want = a.user_tags();
                        let stale: Vec<String> = live
                            .tags
                            .keys()
                            .filter(|k| !k.starts_with("drplan:") && !want.contains_key(*k))
                            .cloned()
                            .collect();
                        tag_health_check(cx, &live.id, a, &address, stale).await?;
                    }
                    let has = |name: &str| changed.iter().any(|c| c == name);
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
                        .set_enable_sni(a.bool("enable_sni"))
                        .set_health_threshold(a.int("child_health_threshold"))
                        .set_child_health_checks(has("child_healthchecks").then(|| a.strs("child_healthchecks")))
                        .set_regions(
                            has("regions").then(|| a.strs("regions").iter().map(|r| r.as_str().into()).collect()),
                        )
                        .send()
                        .await
                        .map_err(|e| sdk_error("UpdateHealthCheck", e))?;
                    Ok(())
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    cx.call();
                    let result = cx.r53.delete_health_check().health_check_id(&live.id).send().await;
                    gone_ok("DeleteHealthCheck", result, &["NoSuchHealthCheck"])
                }
                Op::Ready => Ok(()),
            }
        })
    }
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
    format!("drplan-{}", hex::encode(&Sha256::digest(format!("{stack}|{address}").as_bytes())[..16]))
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
