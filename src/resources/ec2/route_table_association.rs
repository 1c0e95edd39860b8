//! `aws_route_table_association`: found by natural key (table and subnet or gateway). Listed
//! by the route table's read unit.

use super::*;
use crate::eval::Value;
use crate::resources::sdk::{Narrow, ReadUnit};
use crate::resources::{ApplyRequest, BoxFuture, Identity, Op, ResourceType, RunbookText, Service, StepView};

pub const TYPE: &str = "aws_route_table_association";

pub struct RouteTableAssociation;

impl ResourceType for RouteTableAssociation {
    fn name(&self) -> &'static str {
        TYPE
    }

    fn service(&self) -> Service {
        Service::Ec2
    }

    fn identity(&self) -> Identity {
        Identity::NaturalKey(&["route_table_id", "subnet_id", "gateway_id"])
    }

    fn reread(&self, _address: &str, config: &Value, prior: Option<&LiveObject>, _created: Option<&str>) -> Narrow {
        let table = config.get("route_table_id").and_then(Value::to_template_string);
        let table = table.or_else(|| prior.and_then(|p| p.attr_str("route_table_id")).map(str::to_string));
        Narrow::Parent { id: table.unwrap_or_default(), attr: "route_table_id" }
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws ec2 associate-route-table --route-table-id {} --subnet-id {} --region {}",
                s.arg("route_table_id"),
                s.arg("subnet_id"),
                s.region
            )),
            verify: None,
        }
    }

    fn read_unit(&self) -> &'static ReadUnit {
        &super::route_table::UNIT
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            match req.op {
                Op::Create => create(cx, req.address, a).await,
                Op::Update(changed) => {
                    let live = prior(req.prior)?;
                    retag_if_changed(cx, a, live, changed).await?;
                    if !changed.iter().any(|c| c == "route_table_id") {
                        return Ok(());
                    }
                    let id = live.id.as_str();
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
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    let c = &cx.ec2;
                    call!(
                        cx,
                        "DisassociateRouteTable",
                        c.disassociate_route_table().association_id(id),
                        &["InvalidAssociationID.NotFound"]
                    )
                }
                Op::Ready => {
                    let _ = a;
                    Ok(())
                }
            }
        })
    }
}

async fn create(cx: &Cx, address: &str, a: &Args<'_>) -> Result<(), StepError> {
    let tags = cx.tags(a, address);
    let c = &cx.ec2;
    let _ = tags;
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
