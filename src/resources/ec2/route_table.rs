//! `aws_route_table` with its inline routes. Its read unit also lists every route as an
//! `aws_route` and every association as an `aws_route_table_association` (both found by
//! natural key: AWS cannot tag them).

use aws_sdk_ec2::Client;
use serde_json::json;

use super::*;
use crate::error::Error;
use crate::eval::Value;
use crate::resources::sdk::{Narrow, ReadUnit, RegionReader, cloud_error};
use crate::resources::{ApplyRequest, BoxFuture, Created, Op, ResourceType, RunbookText, Service, StepView};

pub const TYPE: &str = "aws_route_table";

pub struct RouteTable;

impl ResourceType for RouteTable {
    crate::resources::basics!(TYPE, Ec2, &UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &["propagating_vgws"]
    }

    fn deleted_first(&self) -> &'static [&'static str] {
        &[super::route_table_association::TYPE, super::route::TYPE]
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws ec2 create-route-table --vpc-id {} {} --region {}{}",
                s.arg("vpc_id"),
                s.tag_spec("route-table"),
                s.region,
                routes_by_hand(s)
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
                    if !changed.iter().any(|c| c == "route") {
                        return Ok(());
                    }
                    let id = live.id.as_str();
                    // Replace the routes: remove the live ones, add the configured ones.
                    let routes = live.attributes.get("route").and_then(|r| r.as_array()).cloned().unwrap_or_default();
                    for r in routes {
                        let s = |k: &str| r.get(k).and_then(|v| v.as_str()).map(str::to_string);
                        super::route::delete_route(cx, id, s("cidr_block"), s("ipv6_cidr_block")).await?;
                    }
                    for route in a.blocks("route") {
                        super::route::create_route(cx, id, &route, "cidr_block", "ipv6_cidr_block").await?;
                    }
                    Ok(())
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    call!(
                        cx,
                        "DeleteRouteTable",
                        cx.ec2.delete_route_table().route_table_id(id),
                        &["InvalidRouteTableID.NotFound"]
                    )
                }
                Op::Ready => Ok(()),
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "route_tables",
    service: Service::Ec2,
    types: &[TYPE, super::route_table_association::TYPE, super::route::TYPE],
    everywhere: false,
    narrows: true,
    global: false,
    read: |r, n| Box::pin(read(r, n)),
};

async fn read(r: &mut RegionReader, n: &Narrow) -> Result<(), Error> {
    let c = &Client::new(&r.conf);
    let region = r.region.clone();
    let stack = r.stack.clone();
    let mut tables = c
        .describe_route_tables()
        .set_filters(Some(owned(&stack, n)))
        .set_route_table_ids(match n {
            Narrow::Parent { id, .. } => Some(vec![id.clone()]),
            other => ids(other),
        })
        .into_paginator()
        .send();
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
                    super::route::TYPE,
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
                    super::route_table_association::TYPE,
                    a.route_table_association_id().unwrap_or_default(),
                    Default::default(),
                    json!({ "route_table_id": id, "subnet_id": a.subnet_id(), "gateway_id": a.gateway_id() }),
                );
            }
            r.push(
                TYPE,
                id,
                tags(t.tags()),
                json!({ "vpc_id": t.vpc_id(), "owner_id": t.owner_id(), "route": routes }),
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
        .create_route_table()
        .vpc_id(a.req("vpc_id")?)
        .tag_specifications(tag_spec(TagTarget::RouteTable, &tags))
        .send()
        .await
        .map_err(|e| sdk_error("CreateRouteTable", e))?;
    let id = out.route_table().and_then(|t| t.route_table_id()).ok_or_else(|| missing("route table"))?;
    created.set(id);
    for route in a.blocks("route") {
        super::route::create_route(cx, id, &route, "cidr_block", "ipv6_cidr_block").await?;
    }
    Ok(())
}

/// What to re-read after a write to something that lives in a route table (a route, an
/// association): the table, with its routes and associations.
pub(super) fn within_route_table(config: &Value, prior: Option<&LiveObject>) -> Narrow {
    let table = config.get("route_table_id").and_then(Value::to_template_string);
    let table = table.or_else(|| prior.and_then(|p| p.attr_str("route_table_id")).map(str::to_string));
    Narrow::Parent { id: table.unwrap_or_default(), attr: "route_table_id" }
}

/// `create-route` for each inline route (its destination and target, as configured; a target
/// made by an earlier step is a placeholder naming it).
fn routes_by_hand(s: &StepView) -> String {
    const DESTINATIONS: &[&str] = &["cidr_block", "ipv6_cidr_block", "destination_prefix_list_id"];
    const TARGETS: &[&str] = &[
        "gateway_id",
        "nat_gateway_id",
        "network_interface_id",
        "transit_gateway_id",
        "vpc_peering_connection_id",
        "vpc_endpoint_id",
        "egress_only_gateway_id",
        "carrier_gateway_id",
        "local_gateway_id",
        "core_network_arn",
    ];
    let routes = s.json("route").and_then(serde_json::Value::as_array).cloned().unwrap_or_default();
    let flag = |k: &str| {
        let k = if k == "cidr_block" || k == "ipv6_cidr_block" { format!("destination_{k}") } else { k.to_string() };
        k.replace('_', "-")
    };
    let mut out = String::new();
    for r in &routes {
        let set = |k: &&&str| r.get(**k).is_some_and(|v| !v.is_null() && v != "");
        let unknown_target = TARGETS.iter().find(|k| r.get(**k).is_none());
        let value = |k: &str| {
            r.get(k).and_then(|v| v.as_str()).map_or_else(|| format!("<{k} from an earlier step>"), str::to_string)
        };
        let Some(dest) = DESTINATIONS.iter().find(set) else { continue };
        // A target known only after an earlier step is left out of the plan's values.
        let target = TARGETS
            .iter()
            .find(set)
            .or(unknown_target)
            .map(|t| format!(" --{} {}", flag(t), value(t)))
            .unwrap_or_default();
        out.push_str(&format!(
            " && aws ec2 create-route --route-table-id <new RouteTableId> --{} {}{target} --region {}",
            flag(dest),
            value(dest),
            s.region
        ));
    }
    out
}
