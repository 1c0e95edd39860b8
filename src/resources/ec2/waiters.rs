//! Waiting for EC2 objects (instances, NAT gateways, images) and cleaning up what AWS should
//! have removed with them (network interfaces).

use std::time::Duration;

use super::MINUTE;
use crate::resources::StepError;
use crate::resources::sdk::wait::{self, Poll};
use crate::resources::sdk::{Cx, code_of, sdk_error};

/// Network interfaces still attached to a terminated instance. AWS deletes an instance's
/// primary interface with it; an interface that outlives it (some emulators, or one attached
/// later with DeleteOnTermination off) would dangle in the VPC, so it goes too.
///
/// Deleted without detaching first where AWS allows it: an interface detached whose delete then
/// failed could no longer be told this instance's on the step's next attempt, and would stay.
pub(super) async fn release_interfaces(cx: &Cx, instance: &str) -> Result<(), StepError> {
    cx.call();
    let out =
        cx.ec2.describe_network_interfaces().send().await.map_err(|e| sdk_error("DescribeNetworkInterfaces", e))?;
    for eni in out.network_interfaces() {
        let Some(att) = eni.attachment().filter(|a| a.instance_id() == Some(instance)) else { continue };
        let Some(eni_id) = eni.network_interface_id() else { continue };
        match delete_interface(cx, eni_id).await {
            Err(e) if code_of(&e) == Some("InvalidNetworkInterface.InUse") => {
                if let Some(att_id) = att.attachment_id() {
                    cx.call();
                    let _ = cx.ec2.detach_network_interface().attachment_id(att_id).force(true).send().await;
                }
                delete_interface(cx, eni_id).await.map_err(|e| sdk_error("DeleteNetworkInterface", e))?;
            }
            Err(e) => return Err(sdk_error("DeleteNetworkInterface", e)),
            Ok(()) => {}
        }
    }
    Ok(())
}

type DeleteError =
    aws_sdk_ec2::error::SdkError<aws_sdk_ec2::operation::delete_network_interface::DeleteNetworkInterfaceError>;

/// Deletes an interface; one already gone is deleted.
async fn delete_interface(cx: &Cx, id: &str) -> Result<(), DeleteError> {
    cx.call();
    match cx.ec2.delete_network_interface().network_interface_id(id).send().await {
        Err(e) if code_of(&e) == Some("InvalidNetworkInterfaceID.NotFound") => Ok(()),
        other => other.map(|_| ()),
    }
}

pub(super) async fn instance_state(cx: &Cx, id: &str, want: &[&str], timeout: Duration) -> Result<(), StepError> {
    let what = format!("instance {id} to be {}", want.join(" or "));
    wait::until(&what, &cx.polling, timeout, || async {
        cx.call();
        let out = cx.ec2.describe_instances().instance_ids(id).send().await;
        let out = match out {
            Err(e) if code_of(&e) == Some("InvalidInstanceID.NotFound") && want.contains(&"terminated") => {
                return Ok(Poll::Ready(()));
            }
            other => other.map_err(|e| sdk_error("DescribeInstances", e))?,
        };
        let state = out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find_map(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str().to_string()));
        Ok(match state {
            None if want.contains(&"terminated") => Poll::Ready(()),
            Some(s) if want.contains(&s.as_str()) => Poll::Ready(()),
            Some(s) if want.contains(&"running") && (s == "terminated" || s == "shutting-down") => {
                return Err(StepError::fatal(format!("instance {id} went to {s} while starting")));
            }
            Some(s) => Poll::Pending(s),
            None => Poll::Pending("not visible yet".into()),
        })
    })
    .await
}

pub(super) async fn nat_state(cx: &Cx, id: &str, want: &str, timeout: Duration) -> Result<(), StepError> {
    let what = format!("NAT gateway {id} to be {want}");
    wait::until(&what, &cx.polling, timeout, || async {
        cx.call();
        let out = cx.ec2.describe_nat_gateways().nat_gateway_ids(id).send().await;
        let out = match out {
            Err(e) if code_of(&e) == Some("NatGatewayNotFound") && want == "deleted" => return Ok(Poll::Ready(())),
            other => other.map_err(|e| sdk_error("DescribeNatGateways", e))?,
        };
        let Some(n) = out.nat_gateways().first() else {
            return Ok(if want == "deleted" { Poll::Ready(()) } else { Poll::Pending("not visible yet".into()) });
        };
        let state = n.state().map(|s| s.as_str().to_string()).unwrap_or_default();
        if state == want {
            Ok(Poll::Ready(()))
        } else if state == "failed" && want == "available" {
            Err(StepError::fatal(format!(
                "NAT gateway {id} failed: {}",
                n.failure_message().unwrap_or("no reason given")
            )))
        } else {
            Ok(Poll::Pending(state))
        }
    })
    .await
}

pub(super) async fn image_available(cx: &Cx, id: &str) -> Result<(), StepError> {
    let what = format!("image {id} to be available");
    wait::until(&what, &cx.polling, 40 * MINUTE, || async {
        cx.call();
        let out = cx.ec2.describe_images().image_ids(id).send().await.map_err(|e| sdk_error("DescribeImages", e))?;
        let state = out.images().first().and_then(|i| i.state()).map(|s| s.as_str().to_string());
        match state.as_deref() {
            Some("available") => Ok(Poll::Ready(())),
            Some("failed") | Some("error") => Err(StepError::fatal(format!("image {id} copy failed"))),
            Some(s) => Ok(Poll::Pending(s.to_string())),
            None => Ok(Poll::Pending("not visible yet".into())),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use aws_sdk_ec2::operation::delete_network_interface::{DeleteNetworkInterfaceError, DeleteNetworkInterfaceOutput};
    use aws_sdk_ec2::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput;
    use aws_sdk_ec2::operation::detach_network_interface::DetachNetworkInterfaceOutput;
    use aws_sdk_ec2::types::{NetworkInterface, NetworkInterfaceAttachment};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::resources::sdk::Polling;

    fn attached(eni: &str, instance: &str) -> NetworkInterface {
        let attachment =
            NetworkInterfaceAttachment::builder().instance_id(instance).attachment_id(format!("{eni}-att"));
        NetworkInterface::builder().network_interface_id(eni).attachment(attachment.build()).build()
    }

    /// An interface left attached to a terminated instance is deleted as it is, not detached
    /// first (a detach whose delete then failed would strand it where no retry finds it); only
    /// when EC2 says it is still in use is it detached, then deleted. Another instance's
    /// interface is not touched.
    #[tokio::test]
    async fn interfaces_are_deleted_without_a_detach_unless_in_use() {
        let describe = mock!(aws_sdk_ec2::Client::describe_network_interfaces).then_output(|| {
            DescribeNetworkInterfacesOutput::builder()
                .network_interfaces(attached("eni-1", "i-1"))
                .network_interfaces(attached("eni-2", "i-1"))
                .network_interfaces(attached("eni-9", "i-other"))
                .build()
        });
        let plain = mock!(aws_sdk_ec2::Client::delete_network_interface)
            .match_requests(|r| r.network_interface_id() == Some("eni-1"))
            .then_output(|| DeleteNetworkInterfaceOutput::builder().build());
        let in_use = mock!(aws_sdk_ec2::Client::delete_network_interface)
            .match_requests(|r| r.network_interface_id() == Some("eni-2"))
            .sequence()
            .error(|| {
                let meta = ErrorMetadata::builder().code("InvalidNetworkInterface.InUse").build();
                DeleteNetworkInterfaceError::generic(meta)
            })
            .output(|| DeleteNetworkInterfaceOutput::builder().build())
            .build();
        let detach = mock!(aws_sdk_ec2::Client::detach_network_interface)
            .match_requests(|r| r.attachment_id() == Some("eni-2-att"))
            .then_output(|| DetachNetworkInterfaceOutput::builder().build());
        let conf = aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        let mut cx = Cx::new(&conf, "s".into(), "run".into(), Polling::default(), Default::default());
        cx.ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&describe, &plain, &in_use, &detach]);
        release_interfaces(&cx, "i-1").await.unwrap();
        assert_eq!(plain.num_calls(), 1, "eni-1 deleted once, no detach");
        assert_eq!((in_use.num_calls(), detach.num_calls()), (2, 1), "eni-2: refused in use, detached, deleted");
    }
}
