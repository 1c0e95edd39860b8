//! EC2 and VPC writes: VPCs, subnets, internet gateways, Elastic IPs, NAT gateways, route
//! tables, routes and associations, security groups and their rules, instances, AMI copies.
//! Creates tag in the create call (TagSpecifications), so an object is never untagged.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{
    AttributeBooleanValue, IamInstanceProfileSpecification, InstanceMetadataOptionsRequest, InstanceType, IpPermission,
    IpRange, Ipv6Range, PrefixListId, ResourceType, Tag, TagSpecification, UserIdGroupPair,
};
use base64::Engine;

use super::args::{Args, owned_tags};
use super::wait::{self, Poll};
use super::{Cx, code_of, sdk_error};
use crate::apply::StepError;
use crate::live::LiveObject;

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

const MINUTE: Duration = Duration::from_secs(60);

fn tag_spec(rt: ResourceType, tags: &BTreeMap<String, String>) -> TagSpecification {
    let mut b = TagSpecification::builder().resource_type(rt);
    for (k, v) in tags {
        b = b.tags(Tag::builder().key(k).value(v).build());
    }
    b.build()
}

fn missing(what: &str) -> StepError {
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

async fn create_instance(
    cx: &Cx,
    address: &str,
    a: &Args<'_>,
    tags: &BTreeMap<String, String>,
) -> Result<(), StepError> {
    let user_data = match (a.str("user_data"), a.str("user_data_base64")) {
        (Some(plain), _) => Some(base64::engine::general_purpose::STANDARD.encode(plain)),
        (None, b64) => b64,
    };
    let metadata = a.block("metadata_options").map(|m| {
        InstanceMetadataOptionsRequest::builder()
            .set_http_tokens(m.str("http_tokens").map(|t| t.as_str().into()))
            .set_http_endpoint(m.str("http_endpoint").map(|t| t.as_str().into()))
            .set_instance_metadata_tags(m.str("instance_metadata_tags").map(|t| t.as_str().into()))
            .build()
    });
    let mut groups = a.strs("vpc_security_group_ids");
    groups.sort();
    cx.call();
    let out = cx
        .ec2
        .run_instances()
        .image_id(a.req("ami")?)
        .instance_type(InstanceType::from(a.req("instance_type")?.as_str()))
        .min_count(1)
        .max_count(1)
        .set_subnet_id(a.str("subnet_id"))
        .set_security_group_ids((!groups.is_empty()).then_some(groups))
        .set_key_name(a.str("key_name"))
        .set_private_ip_address(a.str("private_ip"))
        .set_user_data(user_data)
        .set_metadata_options(metadata)
        .set_ebs_optimized(a.bool("ebs_optimized"))
        .set_iam_instance_profile(
            a.str("iam_instance_profile").map(|p| IamInstanceProfileSpecification::builder().name(p).build()),
        )
        .client_token(client_token(cx, address))
        .tag_specifications(tag_spec(ResourceType::Instance, tags))
        .tag_specifications(tag_spec(ResourceType::Volume, tags))
        .send()
        .await
        .map_err(|e| sdk_error("RunInstances", e))?;
    let id = out.instances().first().and_then(|i| i.instance_id()).ok_or_else(|| missing("instance"))?;
    if a.bool("source_dest_check") == Some(false) {
        cx.call();
        cx.ec2
            .modify_instance_attribute()
            .instance_id(id)
            .source_dest_check(AttributeBooleanValue::builder().value(false).build())
            .send()
            .await
            .map_err(|e| sdk_error("ModifyInstanceAttribute", e))?;
    }
    instance_state(cx, id, &["running"], 10 * MINUTE).await
}

/// Idempotency for RunInstances on real AWS: one token per stack, address and plan.
fn client_token(cx: &Cx, address: &str) -> String {
    short_hash(&format!("{}|{}|{}", cx.stack, address, cx.run_id))
}

fn short_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::plan::build::hex(&Sha256::digest(s.as_bytes())[..12])
}

async fn create_ami_copy(cx: &Cx, a: &Args<'_>, tags: &BTreeMap<String, String>) -> Result<(), StepError> {
    let name = a.req("name")?;
    // AMI names are unique per account and region: a copy made by a run that died before
    // tagging it is found by name and adopted rather than copied twice.
    let existing = find_image_by_name(cx, &name).await?;
    let id = match existing {
        Some(id) => id,
        None => {
            cx.call();
            let out = cx
                .ec2
                .copy_image()
                .name(&name)
                .source_image_id(a.req("source_ami_id")?)
                .source_region(a.req("source_ami_region")?)
                .set_description(a.str("description"))
                .set_encrypted(a.bool("encrypted"))
                .set_kms_key_id(a.str("kms_key_id"))
                .send()
                .await
                .map_err(|e| sdk_error("CopyImage", e))?;
            out.image_id().ok_or_else(|| missing("image"))?.to_string()
        }
    };
    retag(cx, &id, &BTreeMap::new(), tags).await?;
    image_available(cx, &id).await
}

async fn find_image_by_name(cx: &Cx, name: &str) -> Result<Option<String>, StepError> {
    let mut pages = cx.ec2.describe_images().owners("self").into_paginator().send();
    while let Some(page) = pages.next().await {
        cx.call();
        let page = page.map_err(|e| sdk_error("DescribeImages", e))?;
        if let Some(i) = page.images().iter().find(|i| i.name() == Some(name)) {
            return Ok(i.image_id().map(str::to_string));
        }
    }
    Ok(None)
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

/// An inline `ingress`/`egress` block as an IpPermission; `self = true` means the group itself.
fn permission(b: &Args, group_id: &str) -> IpPermission {
    let mut groups = b.strs("security_groups");
    if b.bool("self") == Some(true) {
        groups.push(group_id.to_string());
    }
    let description = b.str("description");
    IpPermission::builder()
        .ip_protocol(b.str("protocol").unwrap_or_else(|| "-1".into()))
        .set_from_port(b.int("from_port"))
        .set_to_port(b.int("to_port"))
        .set_ip_ranges(Some(
            b.strs("cidr_blocks")
                .into_iter()
                .map(|c| IpRange::builder().cidr_ip(c).set_description(description.clone()).build())
                .collect(),
        ))
        .set_ipv6_ranges(Some(
            b.strs("ipv6_cidr_blocks")
                .into_iter()
                .map(|c| Ipv6Range::builder().cidr_ipv6(c).set_description(description.clone()).build())
                .collect(),
        ))
        .set_prefix_list_ids(Some(
            b.strs("prefix_list_ids").into_iter().map(|p| PrefixListId::builder().prefix_list_id(p).build()).collect(),
        ))
        .set_user_id_group_pairs(Some(
            groups.into_iter().map(|g| UserIdGroupPair::builder().group_id(g).build()).collect(),
        ))
        .build()
}

/// A standalone rule resource as an IpPermission.
fn rule_permission(a: &Args) -> IpPermission {
    let description = a.str("description");
    let mut b = IpPermission::builder()
        .ip_protocol(a.str("ip_protocol").unwrap_or_else(|| "-1".into()))
        .set_from_port(a.int("from_port"))
        .set_to_port(a.int("to_port"));
    if let Some(c) = a.str("cidr_ipv4") {
        b = b.ip_ranges(IpRange::builder().cidr_ip(c).set_description(description.clone()).build());
    }
    if let Some(c) = a.str("cidr_ipv6") {
        b = b.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).set_description(description.clone()).build());
    }
    if let Some(p) = a.str("prefix_list_id") {
        b = b.prefix_list_ids(PrefixListId::builder().prefix_list_id(p).set_description(description.clone()).build());
    }
    if let Some(g) = a.str("referenced_security_group_id") {
        b = b.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).set_description(description).build());
    }
    b.build()
}

async fn authorize(cx: &Cx, id: &str, ingress: Vec<IpPermission>, egress: Vec<IpPermission>) -> Result<(), StepError> {
    if !ingress.is_empty() {
        cx.call();
        cx.ec2
            .authorize_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(ingress))
            .send()
            .await
            .map_err(|e| sdk_error("AuthorizeSecurityGroupIngress", e))?;
    }
    if !egress.is_empty() {
        cx.call();
        cx.ec2
            .authorize_security_group_egress()
            .group_id(id)
            .set_ip_permissions(Some(egress))
            .send()
            .await
            .map_err(|e| sdk_error("AuthorizeSecurityGroupEgress", e))?;
    }
    Ok(())
}

/// Revokes rules one by one; a rule already gone is fine (a resumed or repeated update).
async fn revoke(cx: &Cx, id: &str, ingress: Vec<IpPermission>, egress: Vec<IpPermission>) -> Result<(), StepError> {
    for p in ingress {
        cx.call();
        match cx.ec2.revoke_security_group_ingress().group_id(id).ip_permissions(p).send().await {
            Err(e) if code_of(&e) != Some("InvalidPermission.NotFound") => {
                return Err(sdk_error("RevokeSecurityGroupIngress", e));
            }
            _ => {}
        }
    }
    for p in egress {
        cx.call();
        match cx.ec2.revoke_security_group_egress().group_id(id).ip_permissions(p).send().await {
            Err(e) if code_of(&e) != Some("InvalidPermission.NotFound") => {
                return Err(sdk_error("RevokeSecurityGroupEgress", e));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The live object's recorded inline rules as configuration-shaped values, to revoke them.
fn live_permissions(live: &LiveObject, key: &str) -> Vec<IpPermission> {
    let rules = crate::eval::Value::from_json(live.attributes.get(key).unwrap_or(&serde_json::Value::Null));
    Args(&rules)
        .0
        .as_seq()
        .map(|items| items.iter().map(|r| permission(&Args(r), &live.id)).collect())
        .unwrap_or_default()
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
async fn retag(
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

async fn update_instance(cx: &Cx, a: &Args<'_>, live: &LiveObject, changed: &[String]) -> Result<(), StepError> {
    let id = live.id.as_str();
    let has = |n: &str| changed.iter().any(|c| c == n);
    let c = &cx.ec2;
    if has("vpc_security_group_ids") {
        cx.call();
        c.modify_instance_attribute()
            .instance_id(id)
            .set_groups(Some(a.strs("vpc_security_group_ids")))
            .send()
            .await
            .map_err(|e| sdk_error("ModifyInstanceAttribute", e))?;
    }
    if has("source_dest_check") {
        cx.call();
        c.modify_instance_attribute()
            .instance_id(id)
            .source_dest_check(
                AttributeBooleanValue::builder().value(a.bool("source_dest_check").unwrap_or(true)).build(),
            )
            .send()
            .await
            .map_err(|e| sdk_error("ModifyInstanceAttribute", e))?;
    }
    if has("instance_type") {
        // Resizing needs the instance stopped, as in Terraform.
        cx.call();
        c.stop_instances().instance_ids(id).send().await.map_err(|e| sdk_error("StopInstances", e))?;
        instance_state(cx, id, &["stopped"], 10 * MINUTE).await?;
        cx.call();
        c.modify_instance_attribute()
            .instance_id(id)
            .instance_type(aws_sdk_ec2::types::AttributeValue::builder().value(a.req("instance_type")?).build())
            .send()
            .await
            .map_err(|e| sdk_error("ModifyInstanceAttribute", e))?;
        cx.call();
        c.start_instances().instance_ids(id).send().await.map_err(|e| sdk_error("StartInstances", e))?;
        instance_state(cx, id, &["running"], 10 * MINUTE).await?;
    }
    Ok(())
}

pub(super) async fn delete(cx: &Cx, live: &LiveObject) -> Result<(), StepError> {
    let id = live.id.as_str();
    let c = &cx.ec2;
    let gone = |codes: &[&str], r: Result<(), StepError>, code: Option<String>| match r {
        Err(_) if code.as_deref().is_some_and(|c| codes.contains(&c)) => Ok(()),
        other => other,
    };
    macro_rules! call {
        ($op:literal, $req:expr, $gone:expr) => {{
            cx.call();
            match $req.send().await {
                Ok(_) => Ok(()),
                Err(e) => {
                    let code = code_of(&e).map(str::to_string);
                    gone($gone, Err(sdk_error($op, e)), code)
                }
            }
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

/// The security group's rules, as listed by DescribeSecurityGroupRules.
async fn group_rules(cx: &Cx, group: &str) -> Result<Vec<aws_sdk_ec2::types::SecurityGroupRule>, StepError> {
    let mut out = Vec::new();
    let mut pages = cx.ec2.describe_security_group_rules().into_paginator().send();
    while let Some(page) = pages.next().await {
        cx.call();
        let page = page.map_err(|e| sdk_error("DescribeSecurityGroupRules", e))?;
        out.extend(page.security_group_rules().iter().filter(|r| r.group_id() == Some(group)).cloned());
    }
    Ok(out)
}

/// A create interrupted after CreateSecurityGroup may have left AWS's default allow-all egress
/// rule behind; a group whose configuration declares no inline egress must not keep it
/// (unless a rule resource of this stack adopted it: then it is tagged).
async fn revoke_default_egress(cx: &Cx, group: &str) -> Result<(), StepError> {
    for r in group_rules(cx, group).await? {
        let tagged = r.tags().iter().any(|t| t.key() == Some(crate::live::STACK_TAG));
        if r.is_egress() == Some(true)
            && r.ip_protocol() == Some("-1")
            && r.cidr_ipv4() == Some("0.0.0.0/0")
            && !tagged
            && let Some(id) = r.security_group_rule_id()
        {
            cx.call();
            match cx.ec2.revoke_security_group_egress().group_id(group).security_group_rule_ids(id).send().await {
                Err(e) if code_of(&e) != Some("InvalidPermission.NotFound") => {
                    return Err(sdk_error("RevokeSecurityGroupEgress", e));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// A rule that already exists untagged (AWS's default allow-all egress, left in place by an
/// interrupted security group create) is adopted: tagged as this address instead of failing
/// with InvalidPermission.Duplicate. (A rule drplan created carries its tags from the start.)
async fn adopt_rule(
    cx: &Cx,
    group: &str,
    egress: bool,
    a: &Args<'_>,
    tags: &BTreeMap<String, String>,
) -> Result<(), StepError> {
    let want = (
        a.str("ip_protocol").unwrap_or_else(|| "-1".into()),
        a.str("cidr_ipv4"),
        a.str("cidr_ipv6"),
        a.str("referenced_security_group_id"),
    );
    let rule = group_rules(cx, group).await?.into_iter().find(|r| {
        r.is_egress() == Some(egress)
            && r.ip_protocol().map(str::to_string) == Some(want.0.clone())
            && r.cidr_ipv4().map(str::to_string) == want.1
            && r.cidr_ipv6().map(str::to_string) == want.2
            && r.referenced_group_info().and_then(|g| g.group_id()).map(str::to_string) == want.3
            && (want.0 == "-1" || (r.from_port() == a.int("from_port") && r.to_port() == a.int("to_port")))
    });
    match rule.and_then(|r| r.security_group_rule_id().map(str::to_string)) {
        Some(id) => retag(cx, &id, &BTreeMap::new(), tags).await,
        None => Err(StepError::fatal("InvalidPermission.Duplicate, but no matching rule was found to adopt")),
    }
}

/// Network interfaces still attached to a terminated instance. AWS deletes an instance's
/// primary interface with it; an interface that outlives it (some emulators, or one attached
/// later with DeleteOnTermination off) would dangle in the VPC, so it goes too.
async fn release_interfaces(cx: &Cx, instance: &str) -> Result<(), StepError> {
    cx.call();
    let out =
        cx.ec2.describe_network_interfaces().send().await.map_err(|e| sdk_error("DescribeNetworkInterfaces", e))?;
    for eni in out.network_interfaces() {
        let Some(att) = eni.attachment().filter(|a| a.instance_id() == Some(instance)) else { continue };
        let Some(eni_id) = eni.network_interface_id() else { continue };
        if let Some(att_id) = att.attachment_id() {
            cx.call();
            let _ = cx.ec2.detach_network_interface().attachment_id(att_id).force(true).send().await;
        }
        cx.call();
        match cx.ec2.delete_network_interface().network_interface_id(eni_id).send().await {
            Err(e) if code_of(&e) != Some("InvalidNetworkInterfaceID.NotFound") => {
                return Err(sdk_error("DeleteNetworkInterface", e));
            }
            _ => {}
        }
    }
    Ok(())
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

async fn instance_state(cx: &Cx, id: &str, want: &[&str], timeout: Duration) -> Result<(), StepError> {
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

async fn nat_state(cx: &Cx, id: &str, want: &str, timeout: Duration) -> Result<(), StepError> {
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

async fn image_available(cx: &Cx, id: &str) -> Result<(), StepError> {
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
