//! EC2 and VPC objects: availability zones, AMIs, VPCs, subnets, internet gateways, Elastic
//! IPs, NAT gateways, route tables (and their associations), security groups and rules,
//! instances. Objects only data sources read (AZs, AMIs, VPCs, subnets) are read in every
//! region; managed types only in the DR region, filtered by the stack tag.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, IpPermission, Tag};
use serde_json::json;

use super::{RegionReader, cloud_error, tag_map};
use crate::error::Error;
use crate::live::STACK_TAG;

fn tags(t: &[Tag]) -> std::collections::BTreeMap<String, String> {
    tag_map(t.iter().map(|t| (t.key(), t.value())))
}

fn stack_filter(stack: &str) -> Filter {
    Filter::builder().name(format!("tag:{STACK_TAG}")).values(stack).build()
}

/// Every EC2 unit: what a full read of a region covers.
pub(super) const UNITS: &[&str] = &[
    "azs",
    "images",
    "vpcs",
    "subnets",
    "internet_gateways",
    "addresses",
    "nat_gateways",
    "route_tables",
    "security_groups",
    "security_group_rules",
    "instances",
];

/// The live types a unit produces (a refresh of the unit replaces exactly these).
pub(super) fn unit_types(unit: &str) -> &'static [&'static str] {
    match unit {
        "azs" => &["aws_availability_zone"],
        "images" => &["aws_ami", "aws_ami_copy"],
        "vpcs" => &["aws_vpc"],
        "subnets" => &["aws_subnet"],
        "internet_gateways" => &["aws_internet_gateway"],
        "addresses" => &["aws_eip"],
        "nat_gateways" => &["aws_nat_gateway"],
        "route_tables" => &["aws_route_table", "aws_route_table_association", "aws_route"],
        "security_groups" => &["aws_security_group"],
        "security_group_rules" => &["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"],
        "instances" => &["aws_instance"],
        _ => &[],
    }
}

/// Units read only where owned objects are (the DR region).
fn owned_only(unit: &str) -> bool {
    !matches!(unit, "azs" | "images" | "vpcs" | "subnets")
}

pub(super) async fn read(r: &mut RegionReader) -> Result<(), Error> {
    for unit in UNITS {
        read_unit(r, unit).await?;
    }
    Ok(())
}

pub(super) async fn read_unit(r: &mut RegionReader, unit: &str) -> Result<(), Error> {
    if owned_only(unit) && !r.owned {
        return Ok(());
    }
    let c = Client::new(&r.conf);
    match unit {
        "azs" => azs(r, &c).await,
        "images" => images(r, &c).await,
        "vpcs" => vpcs(r, &c).await,
        "subnets" => subnets(r, &c).await,
        "internet_gateways" => internet_gateways(r, &c).await,
        "addresses" => addresses(r, &c).await,
        "nat_gateways" => nat_gateways(r, &c).await,
        "route_tables" => route_tables(r, &c).await,
        "security_groups" => security_groups(r, &c).await,
        "security_group_rules" => security_group_rules(r, &c).await,
        "instances" => instances(r, &c).await,
        _ => Ok(()),
    }
}

async fn azs(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    r.call();
    let azs = c
        .describe_availability_zones()
        .send()
        .await
        .map_err(|err| cloud_error("DescribeAvailabilityZones", &region, err))?;
    for az in azs.availability_zones() {
        let id = az.zone_id().unwrap_or_default().to_string();
        r.push(
            "aws_availability_zone",
            id,
            Default::default(),
            json!({ "name": az.zone_name(), "zone_id": az.zone_id(), "state": az.state().map(|s| s.as_str()), "group_name": az.group_name() }),
        );
    }

    Ok(())
}

async fn images(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let mut images = c.describe_images().owners("self").into_paginator().send();
    while let Some(page) = images.next().await {
        r.call();
        for i in page.map_err(|err| cloud_error("DescribeImages", &region, err))?.images() {
            let t = tags(i.tags());
            let ty = if r.owned && r.owned_by_stack(&t) { "aws_ami_copy" } else { "aws_ami" };
            r.push(
                ty,
                i.image_id().unwrap_or_default(),
                t,
                json!({
                    "name": i.name(), "owner_id": i.owner_id(), "creation_date": i.creation_date(),
                    "state": i.state().map(|s| s.as_str()), "architecture": i.architecture().map(|a| a.as_str()),
                    "description": i.description(), "root_device_name": i.root_device_name(),
                    "virtualization_type": i.virtualization_type().map(|v| v.as_str()), "image_owner_alias": i.image_owner_alias(),
                }),
            );
        }
    }

    Ok(())
}

async fn vpcs(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let mut vpcs = c.describe_vpcs().into_paginator().send();
    while let Some(page) = vpcs.next().await {
        r.call();
        for v in page.map_err(|err| cloud_error("DescribeVpcs", &region, err))?.vpcs() {
            let id = v.vpc_id().unwrap_or_default();
            let arn = format!("arn:aws:ec2:{}:{}:vpc/{id}", r.region, v.owner_id().unwrap_or_default());
            r.push(
                "aws_vpc",
                id,
                tags(v.tags()),
                json!({
                    "cidr_block": v.cidr_block(), "instance_tenancy": v.instance_tenancy().map(|t| t.as_str()),
                    "default": v.is_default(), "dhcp_options_id": v.dhcp_options_id(), "owner_id": v.owner_id(), "arn": arn,
                }),
            );
        }
    }

    Ok(())
}

async fn subnets(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let mut subnets = c.describe_subnets().into_paginator().send();
    while let Some(page) = subnets.next().await {
        r.call();
        for s in page.map_err(|err| cloud_error("DescribeSubnets", &region, err))?.subnets() {
            r.push(
                "aws_subnet",
                s.subnet_id().unwrap_or_default(),
                tags(s.tags()),
                json!({
                    "vpc_id": s.vpc_id(), "cidr_block": s.cidr_block(), "availability_zone": s.availability_zone(),
                    "availability_zone_id": s.availability_zone_id(), "map_public_ip_on_launch": s.map_public_ip_on_launch(),
                    "assign_ipv6_address_on_creation": s.assign_ipv6_address_on_creation(), "arn": s.subnet_arn(), "owner_id": s.owner_id(),
                }),
            );
        }
    }

    Ok(())
}

async fn internet_gateways(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let stack = r.stack.clone();
    let mut igws = c.describe_internet_gateways().filters(stack_filter(&stack)).into_paginator().send();
    while let Some(page) = igws.next().await {
        r.call();
        for g in page.map_err(|err| cloud_error("DescribeInternetGateways", &region, err))?.internet_gateways() {
            r.push(
                "aws_internet_gateway",
                g.internet_gateway_id().unwrap_or_default(),
                tags(g.tags()),
                json!({ "vpc_id": g.attachments().first().and_then(|a| a.vpc_id()), "owner_id": g.owner_id() }),
            );
        }
    }

    Ok(())
}

async fn addresses(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let stack = r.stack.clone();
    r.call();
    let addresses = c
        .describe_addresses()
        .filters(stack_filter(&stack))
        .send()
        .await
        .map_err(|err| cloud_error("DescribeAddresses", &region, err))?;
    for a in addresses.addresses() {
        r.push(
            "aws_eip",
            a.allocation_id().unwrap_or_default(),
            tags(a.tags()),
            json!({
                "domain": a.domain().map(|d| d.as_str()), "public_ip": a.public_ip(), "allocation_id": a.allocation_id(),
                "association_id": a.association_id(), "instance": a.instance_id(), "network_interface": a.network_interface_id(),
                "private_ip": a.private_ip_address(),
            }),
        );
    }

    Ok(())
}

async fn nat_gateways(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let stack = r.stack.clone();
    let mut nats = c.describe_nat_gateways().filter(stack_filter(&stack)).into_paginator().send();
    while let Some(page) = nats.next().await {
        r.call();
        for n in page.map_err(|err| cloud_error("DescribeNatGateways", &region, err))?.nat_gateways() {
            let state = n.state().map(|s| s.as_str()).unwrap_or_default();
            if state == "deleted" || state == "deleting" {
                continue;
            }
            let addr = n.nat_gateway_addresses().first();
            r.push(
                "aws_nat_gateway",
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

async fn route_tables(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let stack = r.stack.clone();
    let mut tables = c.describe_route_tables().filters(stack_filter(&stack)).into_paginator().send();
    while let Some(page) = tables.next().await {
        r.call();
        for t in page.map_err(|err| cloud_error("DescribeRouteTables", &region, err))?.route_tables() {
            let id = t.route_table_id().unwrap_or_default().to_string();
            let routes: Vec<_> = t
                .routes()
                .iter()
                .filter(|rt| rt.gateway_id() != Some("local") && rt.origin().is_none_or(|o| o.as_str() != "CreateRouteTable"))
                .map(|rt| {
                    json!({
                        "cidr_block": rt.destination_cidr_block(), "ipv6_cidr_block": rt.destination_ipv6_cidr_block(),
                        "destination_prefix_list_id": rt.destination_prefix_list_id(), "gateway_id": rt.gateway_id(),
                        "nat_gateway_id": rt.nat_gateway_id(), "network_interface_id": rt.network_interface_id(),
                        "transit_gateway_id": rt.transit_gateway_id(), "vpc_peering_connection_id": rt.vpc_peering_connection_id(),
                        "egress_only_gateway_id": rt.egress_only_internet_gateway_id(),
                    })
                })
                .map(strip_nulls)
                .collect();
            // Each route is also an `aws_route`, found by its natural key (table + destination).
            for rt in t.routes().iter().filter(|rt| rt.gateway_id() != Some("local")) {
                let dest = rt.destination_cidr_block().or(rt.destination_ipv6_cidr_block()).unwrap_or_default();
                r.push(
                    "aws_route",
                    format!("{id}_{dest}"),
                    Default::default(),
                    json!({
                        "route_table_id": id, "destination_cidr_block": rt.destination_cidr_block(),
                        "destination_ipv6_cidr_block": rt.destination_ipv6_cidr_block(),
                        "destination_prefix_list_id": rt.destination_prefix_list_id(), "gateway_id": rt.gateway_id(),
                        "nat_gateway_id": rt.nat_gateway_id(), "network_interface_id": rt.network_interface_id(),
                        "transit_gateway_id": rt.transit_gateway_id(), "vpc_peering_connection_id": rt.vpc_peering_connection_id(),
                        "egress_only_gateway_id": rt.egress_only_internet_gateway_id(),
                        "state": rt.state().map(|s| s.as_str()), "origin": rt.origin().map(|o| o.as_str()),
                    }),
                );
            }
            for a in t.associations() {
                if a.main() == Some(true) {
                    continue;
                }
                r.push(
                    "aws_route_table_association",
                    a.route_table_association_id().unwrap_or_default(),
                    Default::default(),
                    json!({ "route_table_id": id, "subnet_id": a.subnet_id(), "gateway_id": a.gateway_id() }),
                );
            }
            r.push(
                "aws_route_table",
                id,
                tags(t.tags()),
                json!({ "vpc_id": t.vpc_id(), "owner_id": t.owner_id(), "route": routes }),
            );
        }
    }

    Ok(())
}

async fn security_groups(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let stack = r.stack.clone();
    let mut groups = c.describe_security_groups().filters(stack_filter(&stack)).into_paginator().send();
    while let Some(page) = groups.next().await {
        r.call();
        for g in page.map_err(|err| cloud_error("DescribeSecurityGroups", &region, err))?.security_groups() {
            r.push(
                "aws_security_group",
                g.group_id().unwrap_or_default(),
                tags(g.tags()),
                json!({
                    "name": g.group_name(), "description": g.description(), "vpc_id": g.vpc_id(), "owner_id": g.owner_id(),
                    "ingress": g.ip_permissions().iter().map(|p| permission(p, g.group_id())).collect::<Vec<_>>(),
                    "egress": g.ip_permissions_egress().iter().map(|p| permission(p, g.group_id())).collect::<Vec<_>>(),
                }),
            );
        }
    }

    Ok(())
}

async fn security_group_rules(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let stack = r.stack.clone();
    r.call();
    let rules = c
        .describe_security_group_rules()
        .filters(stack_filter(&stack))
        .send()
        .await
        .map_err(|err| cloud_error("DescribeSecurityGroupRules", &region, err))?;
    for rule in rules.security_group_rules() {
        let ty = if rule.is_egress() == Some(true) {
            "aws_vpc_security_group_egress_rule"
        } else {
            "aws_vpc_security_group_ingress_rule"
        };
        r.push(
            ty,
            rule.security_group_rule_id().unwrap_or_default(),
            tags(rule.tags()),
            json!({
                "security_group_id": rule.group_id(), "ip_protocol": rule.ip_protocol(), "from_port": rule.from_port(),
                "to_port": rule.to_port(), "cidr_ipv4": rule.cidr_ipv4(), "cidr_ipv6": rule.cidr_ipv6(),
                "prefix_list_id": rule.prefix_list_id(), "referenced_security_group_id": rule.referenced_group_info().and_then(|g| g.group_id()),
                "description": rule.description(), "arn": rule.security_group_rule_arn(),
            }),
        );
    }

    Ok(())
}

async fn instances(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let stack = r.stack.clone();
    let running = Filter::builder()
        .name("instance-state-name")
        .values("pending")
        .values("running")
        .values("stopping")
        .values("stopped")
        .build();
    let mut instances = c.describe_instances().filters(stack_filter(&stack)).filters(running).into_paginator().send();
    while let Some(page) = instances.next().await {
        r.call();
        for res in page.map_err(|err| cloud_error("DescribeInstances", &region, err))?.reservations() {
            for i in res.instances() {
                let meta = i.metadata_options();
                r.push(
                    "aws_instance",
                    i.instance_id().unwrap_or_default(),
                    tags(i.tags()),
                    json!({
                        "ami": i.image_id(), "instance_type": i.instance_type().map(|t| t.as_str()), "subnet_id": i.subnet_id(),
                        "vpc_security_group_ids": i.security_groups().iter().filter_map(|g| g.group_id()).collect::<Vec<_>>(),
                        "key_name": i.key_name(), "private_ip": i.private_ip_address(), "public_ip": i.public_ip_address(),
                        "availability_zone": i.placement().and_then(|p| p.availability_zone()),
                        "instance_state": i.state().and_then(|s| s.name()).map(|n| n.as_str()),
                        "ebs_optimized": i.ebs_optimized(), "source_dest_check": i.source_dest_check(),
                        "monitoring": i.monitoring().and_then(|m| m.state()).map(|s| s.as_str() == "enabled"),
                        "iam_instance_profile": i.iam_instance_profile().and_then(|p| p.arn()),
                        "private_dns": i.private_dns_name(), "public_dns": i.public_dns_name(),
                        "metadata_options": meta.map(|m| vec![strip_nulls(json!({
                            "http_tokens": m.http_tokens().map(|t| t.as_str()), "http_endpoint": m.http_endpoint().map(|t| t.as_str()),
                            "http_put_response_hop_limit": m.http_put_response_hop_limit(),
                            "instance_metadata_tags": m.instance_metadata_tags().map(|t| t.as_str()),
                        }))]),
                    }),
                );
            }
        }
    }
    Ok(())
}

/// An ingress/egress rule as provider-aws's inline block: the group's own id is `self = true`.
fn permission(p: &IpPermission, own_id: Option<&str>) -> serde_json::Value {
    let groups: Vec<&str> = p.user_id_group_pairs().iter().filter_map(|g| g.group_id()).collect();
    let is_self = own_id.is_some_and(|id| groups.contains(&id));
    strip_nulls(json!({
        "self": is_self,
        "from_port": p.from_port().unwrap_or(0),
        "to_port": p.to_port().unwrap_or(0),
        "protocol": p.ip_protocol(),
        "cidr_blocks": p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).collect::<Vec<_>>(),
        "ipv6_cidr_blocks": p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()).collect::<Vec<_>>(),
        "prefix_list_ids": p.prefix_list_ids().iter().filter_map(|r| r.prefix_list_id()).collect::<Vec<_>>(),
        "security_groups": groups.iter().filter(|g| Some(**g) != own_id).collect::<Vec<_>>(),
        "description": p.ip_ranges().iter().find_map(|r| r.description()),
    }))
}

/// Nested blocks record only what is set.
pub(super) fn strip_nulls(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            serde_json::Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect())
        }
        other => other,
    }
}
