//! `aws_lb_target_group`: its health check is modified in place.

use super::*;
use crate::resources::{ApplyRequest, BoxFuture, Op, ResourceType, RunbookText, StepView};

pub const TYPE: &str = "aws_lb_target_group";

pub struct TargetGroup;

impl ResourceType for TargetGroup {
    crate::resources::basics!(TYPE, Elbv2, &super::UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &["deregistration_delay", "slow_start", "load_balancing_algorithm_type", "stickiness"]
    }

    fn lookup_key(&self) -> &'static [&'static str] {
        &["name"]
    }

    fn deleted_first(&self) -> &'static [&'static str] {
        &[super::listener::TYPE, super::target_group_attachment::TYPE, super::lb::TYPE]
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws elbv2 create-target-group --name {} --protocol {} --port {} --vpc-id {} {} --region {}",
                s.arg("name"),
                s.arg("protocol"),
                s.arg("port"),
                s.arg("vpc_id"),
                s.tags_arg(),
                s.region
            )),
            verify: None,
        }
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            let c = &cx.elb;
            match req.op {
                Op::Create => {
                    let tags = tag_list(&cx.tags(a, req.address));
                    let hc = a.block("health_check");
                    let h = |k: &str| hc.and_then(|b| b.str(k));
                    let hi = |k: &str| hc.and_then(|b| b.int(k));
                    cx.call();
                    c.create_target_group()
                        .name(cx.name_or_generated(a, req.address, ("name", "name_prefix"), "tf-"))
                        .set_port(a.int("port"))
                        .set_protocol(a.str("protocol").map(|p| p.as_str().into()))
                        .set_protocol_version(a.str("protocol_version"))
                        .set_vpc_id(a.str("vpc_id"))
                        .set_target_type(a.str("target_type").map(|t| t.as_str().into()))
                        .set_health_check_enabled(hc.and_then(|b| b.bool("enabled")))
                        .set_health_check_path(h("path"))
                        .set_health_check_port(h("port"))
                        .set_health_check_protocol(h("protocol").map(|p| p.as_str().into()))
                        .set_health_check_interval_seconds(hi("interval"))
                        .set_health_check_timeout_seconds(hi("timeout"))
                        .set_healthy_threshold_count(hi("healthy_threshold"))
                        .set_unhealthy_threshold_count(hi("unhealthy_threshold"))
                        .set_matcher(h("matcher").map(|m| Matcher::builder().http_code(m).build()))
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .map_err(|e| sdk_error("CreateTargetGroup", e))?;
                    Ok(())
                }
                Op::Update(changed) => {
                    let live = prior(req.prior)?;
                    let has = |n: &str| changed.iter().any(|c| c == n);
                    retag_if_changed(cx, a, live, changed).await?;
                    if !has("health_check") {
                        return Ok(());
                    }
                    let hc = a.block("health_check");
                    let h = |k: &str| hc.and_then(|b| b.str(k));
                    let hi = |k: &str| hc.and_then(|b| b.int(k));
                    cx.call();
                    c.modify_target_group()
                        .target_group_arn(&live.id)
                        .set_health_check_enabled(hc.and_then(|b| b.bool("enabled")))
                        .set_health_check_path(h("path"))
                        .set_health_check_port(h("port"))
                        .set_health_check_protocol(h("protocol").map(|p| p.as_str().into()))
                        .set_health_check_interval_seconds(hi("interval"))
                        .set_health_check_timeout_seconds(hi("timeout"))
                        .set_healthy_threshold_count(hi("healthy_threshold"))
                        .set_unhealthy_threshold_count(hi("unhealthy_threshold"))
                        .set_matcher(h("matcher").map(|m| Matcher::builder().http_code(m).build()))
                        .send()
                        .await
                        .map_err(|e| sdk_error("ModifyTargetGroup", e))?;
                    Ok(())
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    cx.call();
                    gone_ok("DeleteTargetGroup", c.delete_target_group().target_group_arn(id).send().await, GONE)
                }
                Op::Ready => Ok(()),
            }
        })
    }
}
