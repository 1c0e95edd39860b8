//! `aws_route`: one route of a route table, found by natural key (table and destination).
//! Listed by the route table's read unit.

use super::*;
use crate::eval::Value;
use crate::resources::sdk::Narrow;
use crate::resources::{ApplyRequest, BoxFuture, Identity, Op, Proof, ResourceType, RunbookText, StepView};

pub const TYPE: &str = "aws_route";

pub struct Route;

impl ResourceType for Route {
    crate::resources::basics!(TYPE, Ec2, &super::route_table::UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &["vpc_endpoint_id", "carrier_gateway_id", "local_gateway_id", "core_network_arn"]
    }

    fn identity(&self) -> Identity {
        Identity::NaturalKey(&["route_table_id", "destination_cidr_block", "destination_ipv6_cidr_block"])
    }

    fn proof(&self) -> Proof {
        Proof::Parent { attr: "route_table_id", parent: super::route_table::TYPE }
    }

    fn reread(&self, _address: &str, config: &Value, prior: Option<&LiveObject>, _created: Option<&str>) -> Narrow {
        super::route_table::within_route_table(config, prior)
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws ec2 create-route --route-table-id {} --destination-cidr-block {} --region {}",
                s.arg("route_table_id"),
                s.arg("destination_cidr_block"),
                s.region
            )),
            verify: None,
        }
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            match req.op {
                Op::Create => create(cx, req.address, a).await,
                Op::Update(changed) => {
                    let live = prior(req.prior)?;
                    retag_if_changed(cx, a, live, changed).await?;
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
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let _id = live.id.as_str();
                    let table = live.attr_str("route_table_id").unwrap_or_default();
                    let s = |k: &str| live.attr_str(k).map(str::to_string);
                    delete_route(cx, table, s("destination_cidr_block"), s("destination_ipv6_cidr_block")).await
                }
                Op::Ready => Ok(()),
            }
        })
    }
}

/// Routes cannot be tagged: the natural key (table and destination) identifies them.
async fn create(cx: &Cx, _address: &str, a: &Args<'_>) -> Result<(), StepError> {
    let table = a.req("route_table_id")?;
    create_route(cx, &table, a, "destination_cidr_block", "destination_ipv6_cidr_block").await
}

pub(super) async fn create_route(cx: &Cx, table: &str, r: &Args<'_>, v4: &str, v6: &str) -> Result<(), StepError> {
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

pub(super) async fn delete_route(
    cx: &Cx,
    table: &str,
    v4: Option<String>,
    v6: Option<String>,
) -> Result<(), StepError> {
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
