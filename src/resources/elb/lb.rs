//! `aws_lb`: created and waited for until active; deleted and waited for until gone.

use super::*;
use crate::resources::StepAction;
use crate::resources::{
    Amount, ApplyRequest, BoxFuture, Capacity, Estimate, Op, Quota, ResourceType, RunbookText, StepView, Usage,
};

pub const TYPE: &str = "aws_lb";

pub struct Lb;

impl ResourceType for Lb {
    crate::resources::basics!(TYPE, Elbv2, &super::UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &[
            "enable_deletion_protection",
            "enable_http2",
            "enable_cross_zone_load_balancing",
            "idle_timeout",
            "drop_invalid_header_fields",
            "preserve_host_header",
            "subnet_mapping",
            "access_logs",
        ]
    }

    fn lookup_key(&self) -> &'static [&'static str] {
        &["name"]
    }

    fn deleted_first(&self) -> &'static [&'static str] {
        &[super::listener::TYPE, crate::resources::route53::record::TYPE]
    }

    fn estimate(&self, step: &StepView) -> Estimate {
        match step.action {
            StepAction::Delete => Estimate::new(30, "load balancer deletion"),
            StepAction::Read => crate::resources::generic_estimate(step),
            _ => Estimate::new(3 * 60, "load balancer provisioning"),
        }
    }

    fn capacity(&self, step: &StepView) -> Option<Capacity> {
        let quota = match step.after.get("load_balancer_type").and_then(|t| t.as_str()).unwrap_or("application") {
            "application" => &APPLICATION,
            "network" => &NETWORK,
            _ => return None,
        };
        Some(Capacity { quota, amount: Amount::One })
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws elbv2 create-load-balancer --name {} --subnets {} --security-groups {} {} --region {}",
                s.arg("name"),
                s.arg("subnets"),
                s.arg("security_groups"),
                s.tags_arg(),
                s.region
            )),
            verify: Some(format!(
                "aws elbv2 describe-load-balancers --names {} --query 'LoadBalancers[0].State.Code' --region {} → `active`",
                s.arg("name"),
                s.region
            )),
        }
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            let c = &cx.elb;
            match req.op {
                Op::Create => {
                    let tags = tag_list(&cx.tags(a, req.address));
                    let mut subnets = a.strs("subnets");
                    subnets.sort();
                    let mut groups = a.strs("security_groups");
                    groups.sort();
                    cx.call();
                    let out = c
                        .create_load_balancer()
                        .name(cx.name_or_generated(a, req.address, ("name", "name_prefix"), "tf-lb-"))
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
                Op::Update(changed) => {
                    let live = prior(req.prior)?;
                    let has = |n: &str| changed.iter().any(|c| c == n);
                    retag_if_changed(cx, a, live, changed).await?;
                    if has("security_groups") {
                        cx.call();
                        c.set_security_groups()
                            .load_balancer_arn(&live.id)
                            .set_security_groups(Some(a.strs("security_groups")))
                            .send()
                            .await
                            .map_err(|e| sdk_error("SetSecurityGroups", e))?;
                    }
                    if has("ip_address_type")
                        && let Some(kind) = a.str("ip_address_type")
                    {
                        cx.call();
                        c.set_ip_address_type()
                            .load_balancer_arn(&live.id)
                            .ip_address_type(kind.as_str().into())
                            .send()
                            .await
                            .map_err(|e| sdk_error("SetIpAddressType", e))?;
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
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    cx.call();
                    gone_ok("DeleteLoadBalancer", c.delete_load_balancer().load_balancer_arn(id).send().await, GONE)?;
                    lb_gone(cx, id).await
                }
                Op::Ready => lb_active(cx, &prior(req.prior)?.id).await,
            }
        })
    }
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

pub static APPLICATION: Quota = Quota {
    service_code: "elasticloadbalancing",
    quota_code: "L-53DA6B97",
    name: "Application Load Balancers per Region",
    per_zone: false,
    usage: |conf, region| Box::pin(count(conf, region, "application")),
};

pub static NETWORK: Quota = Quota {
    service_code: "elasticloadbalancing",
    quota_code: "L-69A177A2",
    name: "Network Load Balancers per Region",
    per_zone: false,
    usage: |conf, region| Box::pin(count(conf, region, "network")),
};

/// The region's load balancers of one type, every owner's.
async fn count(conf: &aws_config::SdkConfig, region: &str, ty: &str) -> Result<Usage, Error> {
    let mut pages = Client::new(conf).describe_load_balancers().into_paginator().items().send();
    let mut n = 0;
    while let Some(lb) = pages.next().await {
        let lb = lb.map_err(|e| cloud_error("DescribeLoadBalancers", region, e))?;
        n += u64::from(lb.r#type().is_some_and(|t| t.as_str() == ty));
    }
    Ok(Usage { region: n, by_zone: Default::default() })
}
