//! `aws_lb_listener`: found by natural key (load balancer and port); modified in place.

use super::*;
use crate::resources::{ApplyRequest, BoxFuture, Identity, Op, Proof, ResourceType, RunbookText, StepView};

pub const TYPE: &str = "aws_lb_listener";

pub struct Listener;

impl ResourceType for Listener {
    crate::resources::basics!(TYPE, Elbv2, &super::UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &["alpn_policy"]
    }

    fn identity(&self) -> Identity {
        Identity::NaturalKey(&["load_balancer_arn", "port"])
    }

    fn proof(&self) -> Proof {
        Proof::Parent { attr: "load_balancer_arn", parent: super::lb::TYPE }
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws elbv2 create-listener --load-balancer-arn {} --protocol {} --port {} --default-actions Type=forward,TargetGroupArn={} {} --region {}",
                s.arg("load_balancer_arn"),
                s.arg("protocol"),
                s.arg("port"),
                s.nested("default_action", "target_group_arn").unwrap_or_else(|| "<target group arn>".into()),
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
                    cx.call();
                    c.create_listener()
                        .load_balancer_arn(a.req("load_balancer_arn")?)
                        .set_port(a.int("port"))
                        .set_protocol(a.str("protocol").map(|p| p.as_str().into()))
                        .set_ssl_policy(a.str("ssl_policy"))
                        .set_certificates(a.str("certificate_arn").map(|arn| {
                            vec![
                                aws_sdk_elasticloadbalancingv2::types::Certificate::builder()
                                    .certificate_arn(arn)
                                    .build(),
                            ]
                        }))
                        .set_default_actions(Some(default_actions(a)))
                        .send()
                        .await
                        .map_err(|e| sdk_error("CreateListener", e))?;
                    Ok(())
                }
                Op::Update(_) => {
                    let live = prior(req.prior)?;
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
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    cx.call();
                    gone_ok("DeleteListener", c.delete_listener().listener_arn(id).send().await, GONE)
                }
                Op::Ready => Ok(()),
            }
        })
    }
}
