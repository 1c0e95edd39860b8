//! `aws_lb_target_group_attachment`: a target registration, found by natural key.

use super::*;
use crate::resources::StepAction;
use crate::resources::{ApplyRequest, BoxFuture, Estimate, Identity, Op, Proof, ResourceType, RunbookText, StepView};

pub const TYPE: &str = "aws_lb_target_group_attachment";

pub struct TargetGroupAttachment;

impl ResourceType for TargetGroupAttachment {
    crate::resources::basics!(TYPE, Elbv2, &super::UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &["availability_zone"]
    }

    fn identity(&self) -> Identity {
        Identity::NaturalKey(&["target_group_arn", "target_id", "port"])
    }

    fn proof(&self) -> Proof {
        Proof::Parent { attr: "target_group_arn", parent: super::target_group::TYPE }
    }

    fn estimate(&self, step: &StepView) -> Estimate {
        match step.action {
            StepAction::Delete | StepAction::Read => crate::resources::generic_estimate(step),
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

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            let c = &cx.elb;
            match req.op {
                Op::Create => {
                    cx.call();
                    c.register_targets()
                        .target_group_arn(a.req("target_group_arn")?)
                        .targets(target(a)?)
                        .send()
                        .await
                        .map_err(|e| sdk_error("RegisterTargets", e))?;
                    Ok(())
                }
                // Every argument forces replacement: nothing is updated in place.
                Op::Update(_) => Ok(()),
                Op::Delete => {
                    let live = prior(req.prior)?;
                    cx.call();
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
