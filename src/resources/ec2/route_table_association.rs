//! `aws_route_table_association`: found by natural key (table and subnet or gateway). Listed
//! by the route table's read unit.

use super::*;
use crate::eval::Value;
use crate::resources::sdk::Narrow;
use crate::resources::{ApplyRequest, BoxFuture, Identity, Op, Proof, ResourceType, RunbookText, StepView};

pub const TYPE: &str = "aws_route_table_association";

pub struct RouteTableAssociation;

impl ResourceType for RouteTableAssociation {
    crate::resources::basics!(TYPE, Ec2, &super::route_table::UNIT);

    fn identity(&self) -> Identity {
        Identity::NaturalKey(&["route_table_id", "subnet_id", "gateway_id"])
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
                "aws ec2 associate-route-table --route-table-id {} --subnet-id {} --region {}",
                s.arg("route_table_id"),
                s.arg("subnet_id"),
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
                Op::Ready => Ok(()),
            }
        })
    }
}

/// Associations cannot be tagged: the natural key (table and subnet or gateway) identifies them.
async fn create(cx: &Cx, _address: &str, a: &Args<'_>) -> Result<(), StepError> {
    let c = &cx.ec2;
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
