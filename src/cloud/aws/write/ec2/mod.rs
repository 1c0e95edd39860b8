//! EC2 and VPC writes: VPCs, subnets, internet gateways, Elastic IPs, NAT gateways, route
//! tables, routes and associations, security groups and their rules, instances, AMI copies.
//! Creates tag in the create call (TagSpecifications), so an object is never untagged.
//! This module dispatches by type and handles networking; security group rules are in
//! `rules`, instances and AMI copies in `compute`, waiting in `waiters`.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{AttributeBooleanValue, IpPermission, IpRange, ResourceType, Tag, TagSpecification};

mod compute;
mod rules;
mod waiters;

use super::args::{Args, owned_tags};
use super::{Cx, code_of, gone_ok, sdk_error};
use crate::apply::StepError;
use crate::live::LiveObject;
use compute::{create_ami_copy, create_instance, short_hash, update_instance};
use rules::{adopt_rule, authorize, live_permissions, permission, revoke, revoke_default_egress, rule_permission};
use waiters::{image_available, instance_state, nat_state, release_interfaces};

const TYPES: &[&str] = &[
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_eip",
    "aws_nat_gateway",
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_instance",
    "aws_ami_copy",
];

pub(super) fn handles(ty: &str) -> bool {
    TYPES.contains(&ty)
}

pub(super) const MINUTE: Duration = Duration::from_secs(60);

pub(super) fn tag_spec(rt: ResourceType, tags: &BTreeMap<String, String>) -> TagSpecification {
    let mut b = TagSpecification::builder().resource_type(rt);
    for (k, v) in tags {
        b = b.tags(Tag::builder().key(k).value(v).build());
    }
    b.build()
}

pub(super) fn missing(what: &str) -> StepError {
    StepError::fatal(format!("the response did not include the new {what}'s id"))
}

pub(super) async fn create(cx: &Cx, ty: &str, address: &str, a: &Args<'_>) -> Result<(), StepError> {
    let tags = owned_tags(a, &cx.stack, address);
    let c = &cx.ec2;
    match ty {
        "aws_vpc" => {
            cx.call();
            let out = c
                .create_vpc()
                .cidr_block(a.req("cidr_block")?)
                .set_instance_tenancy(a.str("instance_tenancy").map(|t| t.as_str().into()))
                .tag_specifications(tag_spec(ResourceType::Vpc, &tags))
                .send()
                .await
                .map_err(|e| sdk_error("CreateVpc", e))?;
            let id = out.vpc().and_then(|v| v.vpc_id()).ok_or_else(|| missing("VPC"))?.to_string();
            vpc_attributes(cx, &id, a, &[]).await?;
            Ok(())
        }
        "aws_subnet" => {
            cx.call();
            let out = c
                .create_subnet()
                .vpc_id(a.req("vpc_id")?)
                .set_cidr_block(a.str("cidr_block"))
                .set_ipv6_cidr_block(a.str("ipv6_cidr_block"))
                .set_availability_zone(a.str("availability_zone"))
                .set_availability_zone_id(a.str("availability_zone_id"))
                .tag_specifications(tag_spec(ResourceType::Subnet, &tags))
                .send()
                .await
                .map_err(|e| sdk_error("CreateSubnet", e))?;
            let id = out.subnet().and_then(|s| s.subnet_id()).ok_or_else(|| missing("subnet"))?.to_string();
            if a.bool("map_public_ip_on_launch") == Some(true) {
                map_public_ip(cx, &id, true).await?;
            }
            Ok(())
        }
        "aws_internet_gateway" => {
            cx.call();
            let out = c
                .create_internet_gateway()
                .tag_specifications(tag_spec(ResourceType::InternetGateway, &tags))
                .send()
                .await
                .map_err(|e| sdk_error("CreateInternetGateway", e))?;
            let id = out
                .internet_gateway()
                .and_then(|g| g.internet_gateway_id())
                .ok_or_else(|| missing("internet gateway"))?
                .to_string();
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
        "aws_eip" => {
            cx.call();
            c.allocate_address()
                .domain(a.str("domain").unwrap_or_else(|| "vpc".into()).as_str().into())
                .set_address(a.str("address"))
                .set_public_ipv4_pool(a.str("public_ipv4_pool"))
                .tag_specifications(tag_spec(ResourceType::ElasticIp, &tags))
                .send()
                .await
                .map_err(|e| sdk_error("AllocateAddress", e))?;
            Ok(())
        }
        "aws_nat_gateway" => {
            cx.call();
            let out = c
                .create_nat_gateway()
                .subnet_id(a.req("subnet_id")?)
                .set_allocation_id(a.str("allocation_id"))
                .set_connectivity_type(a.str("connectivity_type").map(|t| t.as_str().into()))
                .set_private_ip_address(a.str("private_ip"))
                .tag_specifications(tag_spec(ResourceType::Natgateway, &tags))
                .send()
                .await
                .map_err(|e| sdk_error("CreateNatGateway", e))?;
            let id = out.nat_gateway().and_then(|n| n.nat_gateway_id()).ok_or_else(|| missing("NAT gateway"))?;
            nat_state(cx, id, "available", 10 * MINUTE).await
        }
        "aws_route_table" => {
            cx.call();
            let out = c
                .create_route_table()
                .vpc_id(a.req("vpc_id")?)
                .tag_specifications(tag_spec(ResourceType::RouteTable, &tags))
                .send()
                .await
                .map_err(|e| sdk_error("CreateRouteTable", e))?;
            let id = out.route_table().and_then(|t| t.route_table_id()).ok_or_else(|| missing("route table"))?;
            for route in a.blocks("route") {
                create_route(cx, id, &route, "cidr_block", "ipv6_cidr_block").await?;
            }
            Ok(())
        }
        "aws_route" => {
            let table = a.req("route_table_id")?;
            create_route(cx, &table, a, "destination_cidr_block", "destination_ipv6_cidr_block").await
        }
        "aws_route_table_association" => {
            cx.call();
            c.associate_route_table()
                .route_table_id(a.req("route_table_id")?)
                .set_subnet_id(a.str("subnet_id"))
                .set_gateway_id(a.str("gateway_id"))
                .send()
                .await
                .map_err(|e| sdk_error("AssociateRouteTable", e))?;
            Ok(())
        }
        "aws_security_group" => {
            let name = match a.str("name") {
                Some(n) => n,
                None => format!("{}{}", a.str("name_prefix").unwrap_or_else(|| "drplan-".into()), short_hash(address)),
            };
            cx.call();
            let out = c
                .create_security_group()
                .group_name(name)
                .description(a.str("description").unwrap_or_else(|| "Managed by Terraform".into()))
                .set_vpc_id(a.str("vpc_id"))
                .tag_specifications(tag_spec(ResourceType::SecurityGroup, &tags))
                .send()
                .await
                .map_err(|e| sdk_error("CreateSecurityGroup", e))?;
            let id = out.group_id().ok_or_else(|| missing("security group"))?;
            // As Terraform does: the default allow-all egress goes, the configured rules come.
            let all = IpPermission::builder()
                .ip_protocol("-1")
                .from_port(0)
                .to_port(0)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build();
            cx.call();
            let revoked = c.revoke_security_group_egress().group_id(id).ip_permissions(all).send().await;
            if let Err(e) = revoked
                && code_of(&e) != Some("InvalidPermission.NotFound")
            {
                return Err(sdk_error("RevokeSecurityGroupEgress", e));
            }
            let ingress: Vec<IpPermission> = a.blocks("ingress").iter().map(|b| permission(b, id)).collect();
            let egress: Vec<IpPermission> = a.blocks("egress").iter().map(|b| permission(b, id)).collect();
            authorize(cx, id, ingress, egress).await
        }
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
            let group = a.req("security_group_id")?;
            let p = rule_permission(a);
            let spec = tag_spec(ResourceType::SecurityGroupRule, &tags);
            cx.call();
            let egress = ty.ends_with("egress_rule");
            let result = if egress {
                c.authorize_security_group_egress()
                    .group_id(&group)
                    .ip_permissions(p)
                    .tag_specifications(spec)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| (code_of(&e).map(str::to_string), sdk_error("AuthorizeSecurityGroupEgress", e)))
            } else {
                c.authorize_security_group_ingress()
                    .group_id(&group)
                    .ip_permissions(p)
                    .tag_specifications(spec)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| (code_of(&e).map(str::to_string), sdk_error("AuthorizeSecurityGroupIngress", e)))
            };
            match result {
                Err((Some(code), _)) if code == "InvalidPermission.Duplicate" => {
                    adopt_rule(cx, &group, egress, a, &tags).await
                }
                Err((_, e)) => Err(e),
                Ok(()) => Ok(()),
            }
        }
        "aws_instance" => create_instance(cx, address, a, &tags).await,
        "aws_ami_copy" => create_ami_copy(cx, a, &tags).await,
        other => Err(StepError::fatal(format!("drplan cannot create {other}"))),
    }
}

async fn create_route(cx: &Cx, table: &str, r: &Args<'_>, v4: &str, v6: &str) -> Result<(), StepError> {
    cx.call();
    cx.ec2
        .create_route()
        .route_table_id(table)
        .set_destination_cidr_block(r.str(v4))
        .set_destination_ipv6_cidr_block(r.str(v6))
        .set_destination_prefix_list_id(r.str("destination_prefix_list_id"))
        .set_gateway_id(r.str("gateway_id"))
        .set_nat_gateway_id(r.str("nat_gateway_id"))
        .set_network_interface_id(r.str("network_interface_id"))
        .set_transit_gateway_id(r.str("transit_gateway_id"))
        .set_vpc_peering_connection_id(r.str("vpc_peering_connection_id"))
        .set_egress_only_internet_gateway_id(r.str("egress_only_gateway_id"))
        .send()
        .await
        .map_err(|e| sdk_error("CreateRoute", e))?;
    Ok(())
}

async fn delete_route(cx: &Cx, table: &str, v4: Option<String>, v6: Option<String>) -> Result<(), StepError> {
    cx.call();
    match cx
        .ec2
        .delete_route()
        .route_table_id(table)
        .set_destination_cidr_block(v4)
        .set_destination_ipv6_cidr_block(v6)
        .send()
        .await
    {
        Err(e) if code_of(&e) != Some("InvalidRoute.NotFound") => Err(sdk_error("DeleteRoute", e)),
        _ => Ok(()),
    }
}

async fn vpc_attributes(cx: &Cx, id: &str, a: &Args<'_>, changed: &[String]) -> Result<(), StepError> {
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

/// Brings an object's user tags to `want`; ownership tags are never removed.
pub(super) async fn retag(
    cx: &Cx,
    id: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), StepError> {
    let add: Vec<Tag> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(v))
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let remove: Vec<Tag> = have
        .keys()
        .filter(|k| !k.starts_with("drplan:") && !want.contains_key(*k))
        .map(|k| Tag::builder().key(k).build())
        .collect();
    if !add.is_empty() {
        cx.call();
        cx.ec2.create_tags().resources(id).set_tags(Some(add)).send().await.map_err(|e| sdk_error("CreateTags", e))?;
    }
    if !remove.is_empty() {
        cx.call();
        cx.ec2
            .delete_tags()
            .resources(id)
            .set_tags(Some(remove))
            .send()
            .await
            .map_err(|e| sdk_error("DeleteTags", e))?;
    }
    Ok(())
}

pub(super) async fn update(
    cx: &Cx,
    ty: &str,
    a: &Args<'_>,
    live: &LiveObject,
    changed: &[String],
) -> Result<(), StepError> {
    let id = live.id.as_str();
    let has = |n: &str| changed.iter().any(|c| c == n);
    if has("tags") {
        let address = live.tags.get(crate::live::ADDRESS_TAG).cloned().unwrap_or_default();
        retag(cx, id, &live.tags, &owned_tags(a, &cx.stack, &address)).await?;
    }
    match ty {
        "aws_vpc" => vpc_attributes(cx, id, a, changed).await,
        "aws_subnet" if has("map_public_ip_on_launch") => {
            map_public_ip(cx, id, a.bool("map_public_ip_on_launch").unwrap_or(false)).await
        }
        "aws_internet_gateway" if has("vpc_id") => {
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
        "aws_route_table" if has("route") => {
            // Replace the routes: remove the live ones, add the configured ones.
            let routes = live.attributes.get("route").and_then(|r| r.as_array()).cloned().unwrap_or_default();
            for r in routes {
                let s = |k: &str| r.get(k).and_then(|v| v.as_str()).map(str::to_string);
                delete_route(cx, id, s("cidr_block"), s("ipv6_cidr_block")).await?;
            }
            for route in a.blocks("route") {
                create_route(cx, id, &route, "cidr_block", "ipv6_cidr_block").await?;
            }
            Ok(())
        }
        "aws_route" => {
            cx.call();
            cx.ec2
                .replace_route()
                .route_table_id(a.req("route_table_id")?)
                .set_destination_cidr_block(a.str("destination_cidr_block"))
                .set_destination_ipv6_cidr_block(a.str("destination_ipv6_cidr_block"))
                .set_gateway_id(a.str("gateway_id"))
                .set_nat_gateway_id(a.str("nat_gateway_id"))
                .set_network_interface_id(a.str("network_interface_id"))
                .set_transit_gateway_id(a.str("transit_gateway_id"))
                .set_vpc_peering_connection_id(a.str("vpc_peering_connection_id"))
                .send()
                .await
                .map_err(|e| sdk_error("ReplaceRoute", e))?;
            Ok(())
        }
        "aws_route_table_association" if has("route_table_id") => {
            cx.call();
            cx.ec2
                .replace_route_table_association()
                .association_id(id)
                .route_table_id(a.req("route_table_id")?)
                .send()
                .await
                .map_err(|e| sdk_error("ReplaceRouteTableAssociation", e))?;
            Ok(())
        }
        "aws_security_group" if has("ingress") || has("egress") => {
            if has("ingress") {
                revoke(cx, id, live_permissions(live, "ingress"), Vec::new()).await?;
                authorize(cx, id, a.blocks("ingress").iter().map(|b| permission(b, id)).collect(), Vec::new()).await?;
            }
            if has("egress") {
                revoke(cx, id, Vec::new(), live_permissions(live, "egress")).await?;
                authorize(cx, id, Vec::new(), a.blocks("egress").iter().map(|b| permission(b, id)).collect()).await?;
            }
            Ok(())
        }
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule"
            if changed.iter().any(|c| c != "tags") =>
        {
            // A rule's id changes on re-creation; ownership tags find the new one.
            delete(cx, live).await?;
            let address = live.tags.get(crate::live::ADDRESS_TAG).cloned().unwrap_or_default();
            create(cx, ty, &address, a).await
        }
        "aws_instance" => update_instance(cx, a, live, changed).await,
        _ => Ok(()),
    }
}

pub(super) async fn delete(cx: &Cx, live: &LiveObject) -> Result<(), StepError> {
    let id = live.id.as_str();
    let c = &cx.ec2;
    macro_rules! call {
        ($op:literal, $req:expr, $gone:expr) => {{
            cx.call();
            gone_ok($op, $req.send().await, $gone)
        }};
    }
    match live.ty.as_str() {
        "aws_vpc" => call!("DeleteVpc", c.delete_vpc().vpc_id(id), &["InvalidVpcID.NotFound"]),
        "aws_subnet" => call!("DeleteSubnet", c.delete_subnet().subnet_id(id), &["InvalidSubnetID.NotFound"]),
        "aws_internet_gateway" => {
            if let Some(vpc) = live.attr_str("vpc_id") {
                call!(
                    "DetachInternetGateway",
                    c.detach_internet_gateway().internet_gateway_id(id).vpc_id(vpc),
                    &["Gateway.NotAttached", "InvalidInternetGatewayID.NotFound"]
                )?;
            }
            call!(
                "DeleteInternetGateway",
                c.delete_internet_gateway().internet_gateway_id(id),
                &["InvalidInternetGatewayID.NotFound"]
            )
        }
        "aws_eip" => {
            if let Some(assoc) = live.attr_str("association_id") {
                call!(
                    "DisassociateAddress",
                    c.disassociate_address().association_id(assoc),
                    &["InvalidAssociationID.NotFound"]
                )?;
            }
            call!("ReleaseAddress", c.release_address().allocation_id(id), &["InvalidAllocationID.NotFound"])
        }
        "aws_nat_gateway" => {
            call!("DeleteNatGateway", c.delete_nat_gateway().nat_gateway_id(id), &["NatGatewayNotFound"])?;
            nat_state(cx, id, "deleted", 30 * MINUTE).await?;
            // AWS releases the gateway's interface with it; make sure none outlives it.
            if let Some(eni) = live.attr_str("network_interface_id") {
                call!(
                    "DeleteNetworkInterface",
                    c.delete_network_interface().network_interface_id(eni),
                    &["InvalidNetworkInterfaceID.NotFound"]
                )?;
            }
            Ok(())
        }
        "aws_route_table" => {
            call!("DeleteRouteTable", c.delete_route_table().route_table_id(id), &["InvalidRouteTableID.NotFound"])
        }
        "aws_route" => {
            let table = live.attr_str("route_table_id").unwrap_or_default();
            let s = |k: &str| live.attr_str(k).map(str::to_string);
            delete_route(cx, table, s("destination_cidr_block"), s("destination_ipv6_cidr_block")).await
        }
        "aws_route_table_association" => call!(
            "DisassociateRouteTable",
            c.disassociate_route_table().association_id(id),
            &["InvalidAssociationID.NotFound"]
        ),
        "aws_security_group" => {
            // Rules that name other groups would keep both alive: revoke them first.
            let ingress = live_permissions(live, "ingress");
            let egress = live_permissions(live, "egress");
            revoke(cx, id, ingress, egress).await.ok();
            call!("DeleteSecurityGroup", c.delete_security_group().group_id(id), &["InvalidGroup.NotFound"])
        }
        "aws_vpc_security_group_ingress_rule" => {
            let group = live.attr_str("security_group_id").unwrap_or_default();
            call!(
                "RevokeSecurityGroupIngress",
                c.revoke_security_group_ingress().group_id(group).security_group_rule_ids(id),
                &["InvalidGroup.NotFound", "InvalidPermission.NotFound", "InvalidSecurityGroupRuleId.NotFound"]
            )
        }
        "aws_vpc_security_group_egress_rule" => {
            let group = live.attr_str("security_group_id").unwrap_or_default();
            call!(
                "RevokeSecurityGroupEgress",
                c.revoke_security_group_egress().group_id(group).security_group_rule_ids(id),
                &["InvalidGroup.NotFound", "InvalidPermission.NotFound", "InvalidSecurityGroupRuleId.NotFound"]
            )
        }
        "aws_instance" => {
            call!("TerminateInstances", c.terminate_instances().instance_ids(id), &["InvalidInstanceID.NotFound"])?;
            instance_state(cx, id, &["terminated"], 20 * MINUTE).await?;
            release_interfaces(cx, id).await
        }
        "aws_ami_copy" => {
            cx.call();
            let images = c.describe_images().image_ids(id).send().await.map_err(|e| sdk_error("DescribeImages", e));
            let snapshots: Vec<String> = images
                .map(|o| {
                    o.images()
                        .iter()
                        .flat_map(|i| i.block_device_mappings())
                        .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            call!(
                "DeregisterImage",
                c.deregister_image().image_id(id),
                &["InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"]
            )?;
            for s in snapshots {
                call!("DeleteSnapshot", c.delete_snapshot().snapshot_id(&s), &["InvalidSnapshot.NotFound"])?;
            }
            Ok(())
        }
        other => Err(StepError::fatal(format!("drplan cannot delete {other}"))),
    }
}

/// An object that already existed (a resumed run) may still be on its way up.
pub(super) async fn ready(cx: &Cx, live: &LiveObject, a: &Args<'_>) -> Result<(), StepError> {
    match live.ty.as_str() {
        "aws_security_group" if a.blocks("egress").is_empty() => revoke_default_egress(cx, &live.id).await,
        "aws_instance" => instance_state(cx, &live.id, &["running"], 10 * MINUTE).await,
        "aws_nat_gateway" => nat_state(cx, &live.id, "available", 10 * MINUTE).await,
        "aws_ami_copy" => image_available(cx, &live.id).await,
        _ => Ok(()),
    }
}
