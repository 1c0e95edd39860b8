//! `aws_subnet`: read with every subnet of the region (data sources query them).

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::AttributeBooleanValue;
use serde_json::json;

use super::*;
use crate::error::Error;
use crate::resources::sdk::{Narrow, ReadUnit, RegionReader, cloud_error};
use crate::resources::{ApplyRequest, BoxFuture, Created, Op, ResourceType, RunbookText, Service, StepView};

pub const TYPE: &str = "aws_subnet";

pub struct Subnet;

impl ResourceType for Subnet {
    fn placement_zone(&self, attrs: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        attrs("availability_zone")
    }

    fn not_applied(&self) -> &'static [&'static str] {
        &["assign_ipv6_address_on_creation", "enable_dns64", "ipv6_native"]
    }

    crate::resources::basics!(TYPE, Ec2, &UNIT);

    fn deleted_first(&self) -> &'static [&'static str] {
        &[
            super::instance::TYPE,
            super::nat_gateway::TYPE,
            crate::resources::elb::lb::TYPE,
            crate::resources::rds::subnet_group::TYPE,
            super::route_table_association::TYPE,
        ]
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws ec2 create-subnet --vpc-id {} --cidr-block {} --availability-zone {} {} --region {}",
                s.arg("vpc_id"),
                s.arg("cidr_block"),
                s.arg("availability_zone"),
                s.tag_spec("subnet"),
                s.region
            )),
            verify: Some(s.by_tag("ec2", "describe-subnets", "Subnets[].State")),
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
                    if changed.iter().any(|c| c == "map_public_ip_on_launch") {
                        map_public_ip(cx, &live.id, a.bool("map_public_ip_on_launch").unwrap_or(false)).await?;
                    }
                    Ok(())
                }
                Op::Delete => {
                    let id = prior(req.prior)?.id.as_str();
                    call!(cx, "DeleteSubnet", cx.ec2.delete_subnet().subnet_id(id), &["InvalidSubnetID.NotFound"])
                }
                Op::Ready => Ok(()),
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "subnets",
    service: Service::Ec2,
    types: &[TYPE],
    everywhere: true,
    narrows: true,
    global: false,
    read: |r, n| Box::pin(read(r, n)),
};

async fn read(r: &mut RegionReader, n: &Narrow) -> Result<(), Error> {
    let c = &Client::new(&r.conf);
    let region = r.region.clone();
    let mut subnets =
        c.describe_subnets().set_filters(narrowed(&r.stack, n)).set_subnet_ids(ids(n)).into_paginator().send();
    while let Some(page) = subnets.next().await {
        r.call();
        for s in page.map_err(|err| cloud_error("DescribeSubnets", &region, err))?.subnets() {
            r.push(
                TYPE,
                s.subnet_id().unwrap_or_default(),
                tags(s.tags()),
                json!({
                    "vpc_id": s.vpc_id(), "cidr_block": s.cidr_block(), "availability_zone": s.availability_zone(),
                    "availability_zone_id": s.availability_zone_id(), "map_public_ip_on_launch": s.map_public_ip_on_launch(),
                    "assign_ipv6_address_on_creation": s.assign_ipv6_address_on_creation(), "arn": s.subnet_arn(), "owner_id": s.owner_id(),
                    "ipv6_cidr_block": s.ipv6_cidr_block_association_set().iter()
                        .find(|a| a.ipv6_cidr_block_state().and_then(|st| st.state()).is_some_and(|st| st.as_str() == "associated"))
                        .and_then(|a| a.ipv6_cidr_block()),
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
        .create_subnet()
        .vpc_id(a.req("vpc_id")?)
        .set_cidr_block(a.str("cidr_block"))
        .set_ipv6_cidr_block(a.str("ipv6_cidr_block"))
        .set_availability_zone(a.str("availability_zone"))
        .set_availability_zone_id(a.str("availability_zone_id"))
        .tag_specifications(tag_spec(TagTarget::Subnet, &tags))
        .send()
        .await
        .map_err(|e| sdk_error("CreateSubnet", e))?;
    let subnet = out.subnet().ok_or_else(|| missing("subnet"))?;
    let id = subnet.subnet_id().ok_or_else(|| missing("subnet"))?.to_string();
    created.set(&id);
    // What the subnet was created with (a default subnet's is on), not what the API documents.
    let want = a.bool("map_public_ip_on_launch").unwrap_or(false);
    if subnet.map_public_ip_on_launch().unwrap_or(false) != want {
        map_public_ip(cx, &id, want).await?;
    }
    Ok(())
}

async fn map_public_ip(cx: &Cx, id: &str, on: bool) -> Result<(), StepError> {
    cx.call();
    cx.ec2
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(on).build())
        .send()
        .await
        .map_err(|e| sdk_error("ModifySubnetAttribute", e))?;
    Ok(())
}
