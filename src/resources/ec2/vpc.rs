//! `aws_vpc`: read with every VPC of the region (data sources query them), created with its
//! DNS attributes, deleted last of the network.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{AttributeBooleanValue, VpcAttributeName};
use serde_json::json;

use super::*;
use crate::error::Error;
use crate::eval::Value;
use crate::resources::sdk::{Narrow, ReadUnit, RegionReader, cloud_error};
use crate::resources::{
    Amount, ApplyRequest, BoxFuture, Capacity, Created, Op, ResourceType, RunbookText, Service, StepView,
};

pub const TYPE: &str = "aws_vpc";

pub struct Vpc;

impl ResourceType for Vpc {
    crate::resources::basics!(TYPE, Ec2, &UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &[
            "ipv4_ipam_pool_id",
            "ipv4_netmask_length",
            "enable_network_address_usage_metrics",
            "assign_generated_ipv6_cidr_block",
        ]
    }

    /// AWS changes a VPC's tenancy in place only from dedicated to default (ModifyVpcTenancy);
    /// any other change makes a new VPC, as provider-aws plans it.
    fn forces_replacement(&self, name: &str, before: Option<&Value>, after: Option<&Value>) -> Option<bool> {
        let to_default =
            before.and_then(Value::as_str) == Some("dedicated") && after.and_then(Value::as_str) == Some("default");
        (name == "instance_tenancy").then_some(!to_default)
    }

    fn deleted_first(&self) -> &'static [&'static str] {
        &[
            super::subnet::TYPE,
            super::internet_gateway::TYPE,
            super::route_table::TYPE,
            super::security_group::TYPE,
            crate::resources::elb::target_group::TYPE,
        ]
    }

    fn capacity(&self, _step: &StepView) -> Option<Capacity> {
        Some(Capacity { quota: &super::quotas::VPCS, amount: Amount::One })
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws ec2 create-vpc --cidr-block {} --instance-tenancy {} {} --region {r}{}",
                s.arg("cidr_block"),
                s.arg_or("instance_tenancy", "default"),
                s.tag_spec("vpc"),
                // What differs from what AWS gives a new VPC (DNS support on, hostnames off).
                [("enable_dns_support", true), ("enable_dns_hostnames", false)]
                    .iter()
                    .filter_map(|(k, aws)| s
                        .json(k)
                        .and_then(serde_json::Value::as_bool)
                        .filter(|v| v != aws)
                        .map(|v| (k, v)))
                    .map(|(k, v)| format!(
                        " && aws ec2 modify-vpc-attribute --vpc-id <new VpcId> --{} '{{\"Value\":{v}}}' --region {}",
                        k.replace('_', "-"),
                        s.region
                    ))
                    .collect::<String>(),
                r = s.region
            )),
            verify: Some(s.by_tag("ec2", "describe-vpcs", "Vpcs[].State")),
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
                    if changed.iter().any(|c| c == "instance_tenancy") {
                        let tenancy = a.req("instance_tenancy")?;
                        let req =
                            cx.ec2.modify_vpc_tenancy().vpc_id(&live.id).instance_tenancy(tenancy.as_str().into());
                        cx.call();
                        req.send().await.map_err(|e| sdk_error("ModifyVpcTenancy", e))?;
                    }
                    attributes(cx, &live.id, a, changed).await
                }
                Op::Delete => {
                    let id = prior(req.prior)?.id.as_str();
                    call!(cx, "DeleteVpc", cx.ec2.delete_vpc().vpc_id(id), &["InvalidVpcID.NotFound"])
                }
                Op::Ready => Ok(()),
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "vpcs",
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
    let mut vpcs = c.describe_vpcs().set_filters(narrowed(&r.stack, n)).set_vpc_ids(ids(n)).into_paginator().send();
    while let Some(page) = vpcs.next().await {
        r.call();
        for v in page.map_err(|err| cloud_error("DescribeVpcs", &region, err))?.vpcs() {
            let id = v.vpc_id().unwrap_or_default();
            let arn = format!("arn:aws:ec2:{}:{}:vpc/{id}", r.region, v.owner_id().unwrap_or_default());
            let tags = tags(v.tags());
            let mut attrs = json!({
                "cidr_block": v.cidr_block(), "instance_tenancy": v.instance_tenancy().map(|t| t.as_str()),
                "default": v.is_default(), "dhcp_options_id": v.dhcp_options_id(), "owner_id": v.owner_id(), "arn": arn,
            });
            // The DNS attributes are the VPC's own calls: read for the stack's VPCs only.
            if r.owned && tags.get(STACK_TAG) == Some(&r.stack) {
                for (name, attribute) in [
                    ("enable_dns_support", VpcAttributeName::EnableDnsSupport),
                    ("enable_dns_hostnames", VpcAttributeName::EnableDnsHostnames),
                ] {
                    r.call();
                    let out = c.describe_vpc_attribute().vpc_id(id).attribute(attribute).send().await;
                    let out = out.map_err(|err| cloud_error("DescribeVpcAttribute", &region, err))?;
                    let flag = match name {
                        "enable_dns_support" => out.enable_dns_support(),
                        _ => out.enable_dns_hostnames(),
                    };
                    attrs[name] = json!(flag.and_then(|f| f.value()));
                }
            }
            r.push(TYPE, id, tags, attrs);
        }
    }

    Ok(())
}

async fn create(cx: &Cx, address: &str, a: &Args<'_>, created: &Created) -> Result<(), StepError> {
    let tags = cx.tags(a, address);
    let c = &cx.ec2;
    cx.call();
    let out = c
        .create_vpc()
        .cidr_block(a.req("cidr_block")?)
        .set_instance_tenancy(a.str("instance_tenancy").map(|t| t.as_str().into()))
        .tag_specifications(tag_spec(TagTarget::Vpc, &tags))
        .send()
        .await
        .map_err(|e| sdk_error("CreateVpc", e))?;
    let id = out.vpc().and_then(|v| v.vpc_id()).ok_or_else(|| missing("VPC"))?.to_string();
    created.set(&id);
    attributes(cx, &id, a, &[]).await?;
    Ok(())
}

async fn attributes(cx: &Cx, id: &str, a: &Args<'_>, changed: &[String]) -> Result<(), StepError> {
    let creating = changed.is_empty();
    for (name, value) in
        [("enable_dns_support", a.bool("enable_dns_support")), ("enable_dns_hostnames", a.bool("enable_dns_hostnames"))]
    {
        let Some(value) = value else { continue };
        // On create, only what differs from AWS's defaults (support on, hostnames off).
        let default = name == "enable_dns_support";
        if (creating && value == default) || (!creating && !changed.iter().any(|c| c == name)) {
            continue;
        }
        let flag = AttributeBooleanValue::builder().value(value).build();
        let req = cx.ec2.modify_vpc_attribute().vpc_id(id);
        let req = if default { req.enable_dns_support(flag) } else { req.enable_dns_hostnames(flag) };
        cx.call();
        req.send().await.map_err(|e| sdk_error("ModifyVpcAttribute", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenancy_changes_in_place_only_from_dedicated_to_default() {
        let forces =
            |from: &str, to: &str| Vpc.forces_replacement("instance_tenancy", Some(&from.into()), Some(&to.into()));
        assert_eq!(forces("dedicated", "default"), Some(false));
        assert_eq!(forces("default", "dedicated"), Some(true));
        assert_eq!(Vpc.forces_replacement("enable_dns_support", None, None), None);
    }
}
