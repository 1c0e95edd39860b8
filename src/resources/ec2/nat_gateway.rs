//! `aws_nat_gateway`: created and waited for until available; deleted with its interface.

use aws_sdk_ec2::Client;
use serde_json::json;

use super::*;
use crate::error::Error;
use crate::resources::StepAction;
use crate::resources::sdk::{Narrow, ReadUnit, RegionReader, cloud_error};
use crate::resources::{
    Amount, ApplyRequest, BoxFuture, Capacity, Created, Estimate, Op, ResourceType, RunbookText, Service, StepView,
};

pub const TYPE: &str = "aws_nat_gateway";

pub struct NatGateway;

impl ResourceType for NatGateway {
    crate::resources::basics!(TYPE, Ec2, &UNIT);

    fn estimate(&self, step: &StepView) -> Estimate {
        match step.action {
            StepAction::Delete => Estimate::new(60, "termination"),
            StepAction::Read => crate::resources::generic_estimate(step),
            _ => Estimate::new(2 * 60, "NAT gateway provisioning"),
        }
    }

    fn capacity(&self, _step: &StepView) -> Option<Capacity> {
        Some(Capacity { quota: &super::quotas::NAT_GATEWAYS, amount: Amount::One })
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws ec2 create-nat-gateway --subnet-id {} --allocation-id {} {} --region {}",
                s.arg("subnet_id"),
                s.arg("allocation_id"),
                s.tag_spec("natgateway"),
                s.region
            )),
            verify: Some(format!("{} → `available`", s.by_tag("ec2", "describe-nat-gateways", "NatGateways[].State"))),
        }
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            match req.op {
                Op::Create => create(cx, req.address, a, req.created).await,
                Op::Update(changed) => {
                    let live = prior(req.prior)?;
                    retag_if_changed(cx, a, live, changed).await?;
                    Ok(())
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    let c = &cx.ec2;
                    // AWS releases the gateway's interface with it; make sure none outlives it.
                    // Retried here as a whole, not by the step: once the gateway is gone (its
                    // delete took effect, the answer was lost), a retried step finds nothing to
                    // delete, and the interface would be left behind.
                    crate::resources::sdk::retry_transient(
                        4,
                        |e: &StepError| e.retryable,
                        || async {
                            call!(
                                cx,
                                "DeleteNatGateway",
                                c.delete_nat_gateway().nat_gateway_id(id),
                                &["NatGatewayNotFound"]
                            )?;
                            waiters::nat_state(cx, id, "deleted", 30 * MINUTE).await?;
                            if let Some(eni) = live.attr_str("network_interface_id") {
                                call!(
                                    cx,
                                    "DeleteNetworkInterface",
                                    c.delete_network_interface().network_interface_id(eni),
                                    &["InvalidNetworkInterfaceID.NotFound"]
                                )?;
                            }
                            Ok(())
                        },
                    )
                    .await
                }
                Op::Ready => waiters::nat_state(cx, &prior(req.prior)?.id, "available", 10 * MINUTE).await,
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "nat_gateways",
    service: Service::Ec2,
    types: &[TYPE],
    everywhere: false,
    narrows: true,
    global: false,
    read: |r, n| Box::pin(read(r, n)),
};

async fn read(r: &mut RegionReader, n: &Narrow) -> Result<(), Error> {
    let c = &Client::new(&r.conf);
    let region = r.region.clone();
    let stack = r.stack.clone();
    let mut nats = c
        .describe_nat_gateways()
        .set_filter(Some(owned(&stack, n)))
        .set_nat_gateway_ids(ids(n))
        .into_paginator()
        .send();
    while let Some(page) = nats.next().await {
        r.call();
        for n in page.map_err(|err| cloud_error("DescribeNatGateways", &region, err))?.nat_gateways() {
            let state = n.state().map(|s| s.as_str()).unwrap_or_default();
            if state == "deleted" || state == "deleting" {
                continue;
            }
            let addr = n.nat_gateway_addresses().first();
            r.push(
                TYPE,
                n.nat_gateway_id().unwrap_or_default(),
                tags(n.tags()),
                json!({
                    "subnet_id": n.subnet_id(), "allocation_id": addr.and_then(|a| a.allocation_id()),
                    "connectivity_type": n.connectivity_type().map(|c| c.as_str()), "public_ip": addr.and_then(|a| a.public_ip()),
                    "private_ip": addr.and_then(|a| a.private_ip()), "network_interface_id": addr.and_then(|a| a.network_interface_id()),
                    "state": state,
                }),
            );
        }
    }

    Ok(())
}

async fn create(cx: &Cx, address: &str, a: &Args<'_>, created: &Created) -> Result<(), StepError> {
    let tags = cx.tags(a, address);
    let c = &cx.ec2;
    cx.call();
    let out = c
        .create_nat_gateway()
        .subnet_id(a.req("subnet_id")?)
        .set_allocation_id(a.str("allocation_id"))
        .set_connectivity_type(a.str("connectivity_type").map(|t| t.as_str().into()))
        .set_private_ip_address(a.str("private_ip"))
        .tag_specifications(tag_spec(TagTarget::Natgateway, &tags))
        .send()
        .await
        .map_err(|e| sdk_error("CreateNatGateway", e))?;
    let id = out.nat_gateway().and_then(|n| n.nat_gateway_id()).ok_or_else(|| missing("NAT gateway"))?;
    created.set(id);
    waiters::nat_state(cx, id, "available", 10 * MINUTE).await
}
