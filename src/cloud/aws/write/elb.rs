//! ELBv2 writes: load balancers (waiting until active), target groups, listeners and target
//! registrations. Load balancer and target group names are unique per region, so a create that
//! finds its name taken by an object of this stack adopts it instead of failing.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::types::{Action, Matcher, Tag, TargetDescription};

use super::args::{Args, owned_tags};
use super::wait::{self, Poll};
use super::{Cx, code_of, gone_ok, live_value, sdk_error};
use crate::apply::StepError;
use crate::live::LiveObject;

pub(super) fn handles(ty: &str) -> bool {
    matches!(ty, "aws_lb" | "aws_lb_target_group" | "aws_lb_listener" | "aws_lb_target_group_attachment")
}

fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

fn default_actions(a: &Args) -> Vec<Action> {
    a.blocks("default_action")
        .iter()
        .map(|d| {
            Action::builder()
                .r#type(d.str("type").unwrap_or_else(|| "forward".into()).as_str().into())
                .set_target_group_arn(d.str("target_group_arn"))
                .build()
        })
        .collect()
}

fn target(a: &Args) -> Result<TargetDescription, StepError> {
    Ok(TargetDescription::builder()
        .id(a.req("target_id")?)
        .set_port(a.int("port"))
        .set_availability_zone(a.str("availability_zone"))
        .build())
}

pub(super) async fn create(cx: &Cx, ty: &str, address: &str, a: &Args<'_>) -> Result<(), StepError> {
    let tags = tag_list(&owned_tags(a, &cx.stack, address));
    let c = &cx.elb;
    match ty {
        "aws_lb" => {
            let mut subnets = a.strs("subnets");
            subnets.sort();
            let mut groups = a.strs("security_groups");
            groups.sort();
            cx.call();
            let out = c
                .create_load_balancer()
                .name(a.req("name")?)
                .set_subnets(Some(subnets))
                .set_security_groups((!groups.is_empty()).then_some(groups))
                .set_scheme(a.bool("internal").map(|i| if i { "internal" } else { "internet-facing" }.into()))
                .set_type(a.str("load_balancer_type").map(|t| t.as_str().into()))
                .set_ip_address_type(a.str("ip_address_type").map(|t| t.as_str().into()))
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("CreateLoadBalancer", e))?;
            let arn = out
                .load_balancers()
                .first()
                .and_then(|l| l.load_balancer_arn())
                .ok_or_else(|| StepError::fatal("CreateLoadBalancer returned no load balancer"))?;
            lb_active(cx, arn).await
        }
        "aws_lb_target_group" => {
            let hc = a.block("health_check");
            let h = |k: &str| hc.and_then(|b| b.str(k));
            let hi = |k: &str| hc.and_then(|b| b.int(k));
            cx.call();
            c.create_target_group()
                .name(a.req("name")?)
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
        "aws_lb_listener" => {
            cx.call();
            c.create_listener()
                .load_balancer_arn(a.req("load_balancer_arn")?)
                .set_port(a.int("port"))
                .set_protocol(a.str("protocol").map(|p| p.as_str().into()))
                .set_ssl_policy(a.str("ssl_policy"))
                .set_certificates(a.str("certificate_arn").map(|arn| {
                    vec![aws_sdk_elasticloadbalancingv2::types::Certificate::builder().certificate_arn(arn).build()]
                }))
                .set_default_actions(Some(default_actions(a)))
                .send()
                .await
                .map_err(|e| sdk_error("CreateListener", e))?;
            Ok(())
        }
        "aws_lb_target_group_attachment" => {
            cx.call();
            c.register_targets()
                .target_group_arn(a.req("target_group_arn")?)
                .targets(target(a)?)
                .send()
                .await
                .map_err(|e| sdk_error("RegisterTargets", e))?;
            Ok(())
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
    let has = |n: &str| changed.iter().any(|c| c == n);
    let c = &cx.elb;
    if has("tags") && ty != "aws_lb_listener" && ty != "aws_lb_target_group_attachment" {
        let address = live.tags.get(crate::live::ADDRESS_TAG).cloned().unwrap_or_default();
        let want = owned_tags(a, &cx.stack, &address);
        cx.call();
        c.add_tags()
            .resource_arns(&live.id)
            .set_tags(Some(tag_list(&want)))
            .send()
            .await
            .map_err(|e| sdk_error("AddTags", e))?;
        let stale: Vec<String> =
            live.tags.keys().filter(|k| !k.starts_with("drplan:") && !want.contains_key(*k)).cloned().collect();
        if !stale.is_empty() {
            cx.call();
            c.remove_tags()
                .resource_arns(&live.id)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .map_err(|e| sdk_error("RemoveTags", e))?;
        }
    }
    match ty {
        "aws_lb" => {
            if has("security_groups") {
                cx.call();
                c.set_security_groups()
                    .load_balancer_arn(&live.id)
                    .set_security_groups(Some(a.strs("security_groups")))
                    .send()
                    .await
                    .map_err(|e| sdk_error("SetSecurityGroups", e))?;
            }
            if has("subnets") {
                cx.call();
                c.set_subnets()
                    .load_balancer_arn(&live.id)
                    .set_subnets(Some(a.strs("subnets")))
                    .send()
                    .await
                    .map_err(|e| sdk_error("SetSubnets", e))?;
            }
            Ok(())
        }
        "aws_lb_target_group" if has("health_check") => {
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
        "aws_lb_listener" => {
            cx.call();
            c.modify_listener()
                .listener_arn(&live.id)
                .set_port(a.int("port"))
                .set_protocol(a.str("protocol").map(|p| p.as_str().into()))
                .set_ssl_policy(a.str("ssl_policy"))
                .set_default_actions(Some(default_actions(a)))
                .send()
                .await
                .map_err(|e| sdk_error("ModifyListener", e))?;
            Ok(())
        }
        _ => Ok(()),
    }
}

pub(super) async fn delete(cx: &Cx, live: &LiveObject) -> Result<(), StepError> {
    let c = &cx.elb;
    let id = live.id.as_str();
    const GONE: &[&str] = &["LoadBalancerNotFound", "TargetGroupNotFound", "ListenerNotFound"];
    cx.call();
    match live.ty.as_str() {
        "aws_lb" => gone_ok("DeleteLoadBalancer", c.delete_load_balancer().load_balancer_arn(id).send().await, GONE)?,
        "aws_lb_target_group" => {
            gone_ok("DeleteTargetGroup", c.delete_target_group().target_group_arn(id).send().await, GONE)?
        }
        "aws_lb_listener" => gone_ok("DeleteListener", c.delete_listener().listener_arn(id).send().await, GONE)?,
        "aws_lb_target_group_attachment" => {
            let value = live_value(live);
            let a = Args(&value);
            let req = c.deregister_targets().target_group_arn(a.req("target_group_arn")?).targets(target(&a)?);
            gone_ok("DeregisterTargets", req.send().await, GONE)?
        }
        other => return Err(StepError::fatal(format!("drplan cannot delete {other}"))),
    }
    if live.ty == "aws_lb" {
        lb_gone(cx, id).await?;
    }
    Ok(())
}

pub(super) async fn ready(cx: &Cx, live: &LiveObject) -> Result<(), StepError> {
    if live.ty == "aws_lb" { lb_active(cx, &live.id).await } else { Ok(()) }
}

const LB_TIMEOUT: Duration = Duration::from_secs(600);

async fn lb_state(cx: &Cx, arn: &str) -> Result<Option<String>, StepError> {
    cx.call();
    match cx.elb.describe_load_balancers().load_balancer_arns(arn).send().await {
        Ok(out) => Ok(out
            .load_balancers()
            .first()
            .map(|l| l.state().and_then(|s| s.code()).map(|c| c.as_str().to_string()).unwrap_or_default())),
        Err(e) if code_of(&e) == Some("LoadBalancerNotFound") => Ok(None),
        Err(e) => Err(sdk_error("DescribeLoadBalancers", e)),
    }
}

async fn lb_active(cx: &Cx, arn: &str) -> Result<(), StepError> {
    wait::until(&format!("load balancer {arn} to be active"), &cx.polling, LB_TIMEOUT, || async {
        Ok(match lb_state(cx, arn).await?.as_deref() {
            Some("active") => Poll::Ready(()),
            Some("failed") => return Err(StepError::fatal(format!("load balancer {arn} failed to provision"))),
            Some(s) => Poll::Pending(s.to_string()),
            None => Poll::Pending("not visible yet".into()),
        })
    })
    .await
}

async fn lb_gone(cx: &Cx, arn: &str) -> Result<(), StepError> {
    wait::until(&format!("load balancer {arn} to be deleted"), &cx.polling, LB_TIMEOUT, || async {
        Ok(match lb_state(cx, arn).await? {
            None => Poll::Ready(()),
            Some(s) => Poll::Pending(s),
        })
    })
    .await
}
