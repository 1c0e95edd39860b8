//! `aws_internet_gateway`: created and attached to its VPC; detached before deletion.

use aws_sdk_ec2::Client;
use serde_json::json;

use super::*;
use crate::error::Error;
use crate::resources::sdk::{Narrow, ReadUnit, RegionReader, cloud_error};
use crate::resources::{ApplyRequest, BoxFuture, Created, Op, ResourceType, RunbookText, Service, StepView};

pub const TYPE: &str = "aws_internet_gateway";

pub struct InternetGateway;

impl ResourceType for InternetGateway {
    crate::resources::basics!(TYPE, Ec2, &UNIT);

    fn deleted_first(&self) -> &'static [&'static str] {
        &[super::nat_gateway::TYPE, super::eip::TYPE, super::instance::TYPE, crate::resources::elb::lb::TYPE]
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws ec2 create-internet-gateway {} --region {r} && aws ec2 attach-internet-gateway --internet-gateway-id <new id> --vpc-id {} --region {r}",
                s.tag_spec("internet-gateway"),
                s.arg("vpc_id"),
                r = s.region
            )),
            verify: None,
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
                    if !changed.iter().any(|c| c == "vpc_id") {
                        return Ok(());
                    }
                    let id = live.id.as_str();
                    if let Some(old) = live.attr_str("vpc_id") {
                        cx.call();
                        cx.ec2
                            .detach_internet_gateway()
                            .internet_gateway_id(id)
                            .vpc_id(old)
                            .send()
                            .await
                            .map_err(|e| sdk_error("DetachInternetGateway", e))?;
                    }
                    if let Some(vpc) = a.str("vpc_id") {
                        cx.call();
                        cx.ec2
                            .attach_internet_gateway()
                            .internet_gateway_id(id)
                            .vpc_id(vpc)
                            .send()
                            .await
                            .map_err(|e| sdk_error("AttachInternetGateway", e))?;
                    }
                    Ok(())
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    let c = &cx.ec2;
                    if let Some(vpc) = live.attr_str("vpc_id") {
                        call!(
                            cx,
                            "DetachInternetGateway",
                            c.detach_internet_gateway().internet_gateway_id(id).vpc_id(vpc),
                            &["Gateway.NotAttached", "InvalidInternetGatewayID.NotFound"]
                        )?;
                    }
                    call!(
                        cx,
                        "DeleteInternetGateway",
                        c.delete_internet_gateway().internet_gateway_id(id),
                        &["InvalidInternetGatewayID.NotFound"]
                    )
                }
                Op::Ready => Ok(()),
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "internet_gateways",
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
    let mut igws = c
        .describe_internet_gateways()
        .set_filters(Some(owned(&stack, n)))
        .set_internet_gateway_ids(ids(n))
        .into_paginator()
        .send();
    while let Some(page) = igws.next().await {
        r.call();
        for g in page.map_err(|err| cloud_error("DescribeInternetGateways", &region, err))?.internet_gateways() {
            r.push(
                TYPE,
                g.internet_gateway_id().unwrap_or_default(),
                tags(g.tags()),
                json!({ "vpc_id": g.attachments().first().and_then(|a| a.vpc_id()), "owner_id": g.owner_id() }),
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
        .create_internet_gateway()
        .tag_specifications(tag_spec(TagTarget::InternetGateway, &tags))
        .send()
        .await
        .map_err(|e| sdk_error("CreateInternetGateway", e))?;
    let id = out
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .ok_or_else(|| missing("internet gateway"))?
        .to_string();
    created.set(&id);
    if let Some(vpc) = a.str("vpc_id") {
        cx.call();
        c.attach_internet_gateway()
            .internet_gateway_id(&id)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(|e| sdk_error("AttachInternetGateway", e))?;
    }
    Ok(())
}
