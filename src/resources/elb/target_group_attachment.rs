//! `aws_lb_target_group_attachment`: a target registration, found by natural key.

use super::*;
use crate::resources::sdk::ReadUnit;
use crate::resources::{ApplyRequest, BoxFuture, Estimate, Identity, Op, ResourceType, RunbookText, Service, StepView};

pub const TYPE: &str = "aws_lb_target_group_attachment";

pub struct TargetGroupAttachment;

impl ResourceType for TargetGroupAttachment {
    fn name(&self) -> &'static str {
        TYPE
    }

    fn service(&self) -> Service {
        Service::Elbv2
    }

    fn identity(&self) -> Identity {
        Identity::NaturalKey(&["target_group_arn", "target_id", "port"])
    }

    fn estimate(&self, step: &StepView) -> Estimate {
        match step.action {
            "delete" | "read" => crate::resources::generic_estimate(step),
            _ => Estimate::new(90, "target registration to healthy (3 checks x 30 s)"),
        }
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws elbv2 register-targets --target-group-arn {} --targets Id={},Port={} --region {}",
                s.arg("target_group_arn"),
                s.arg("target_id"),
                s.arg("port"),
                s.region
            )),
            verify: Some(format!(
                "aws elbv2 describe-target-health --target-group-arn {} --region {} → `healthy`",
                s.arg("target_group_arn"),
                s.region
            )),
        }
    }

    fn read_unit(&self) -> &'static ReadUnit {
        &super::UNIT
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            let c = &cx.elb;
            match req.op {
                Op::Create => {
                    let tags = tag_list(&cx.tags(a, req.address));
                    let _ = tags;
                    cx.call();
                    c.register_targets()
                        .target_group_arn(a.req("target_group_arn")?)
                        .targets(target(a)?)
                        .send()
                        .await
                        .map_err(|e| sdk_error("RegisterTargets", e))?;
                    Ok(())
                }
                Op::Update(changed) => {
                    let live = prior(req.prior)?;
                    let has = |n: &str| changed.iter().any(|c| c == n);
                    let _ = (live, has, c);
                    Ok(())
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    cx.call();
                    let _ = id;
                    let value = live_value(live);
                    let a = Args(&value);
                    let req = c.deregister_targets().target_group_arn(a.req("target_group_arn")?).targets(target(&a)?);
                    gone_ok("DeregisterTargets", req.send().await, GONE)
                }
                Op::Ready => Ok(()),
            }
        })
    }
}
