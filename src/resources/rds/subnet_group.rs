//! `aws_db_subnet_group`: tags need one call per group to read (there are few).

use aws_sdk_rds::Client;
use serde_json::json;

use super::*;
use crate::resources::sdk::{ReadUnit, RegionReader, cloud_error};
use crate::resources::{ApplyRequest, BoxFuture, Op, ResourceType, RunbookText, Service, StepView};

pub const TYPE: &str = "aws_db_subnet_group";

pub struct DbSubnetGroup;

impl ResourceType for DbSubnetGroup {
    crate::resources::basics!(TYPE, Rds, &UNIT);

    fn deleted_first(&self) -> &'static [&'static str] {
        &[super::db_instance::TYPE]
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws rds create-db-subnet-group --db-subnet-group-name {} --db-subnet-group-description \"{}\" --subnet-ids {} {} --region {}",
                s.arg("name"),
                s.arg("description"),
                s.arg("subnet_ids"),
                s.tags_arg(),
                s.region
            )),
            verify: None,
        }
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            let c = &cx.rds;
            match req.op {
                Op::Create => {
                    let address = req.address;
                    let tags = tag_list(cx, a, address);
                    cx.call();
                    c.create_db_subnet_group()
                        .db_subnet_group_name(cx.name_or_generated(a, address, ("name", "name_prefix"), "terraform-"))
                        .db_subnet_group_description(
                            a.str("description").unwrap_or_else(|| "Managed by Terraform".into()),
                        )
                        .set_subnet_ids(Some(a.strs("subnet_ids")))
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .map_err(|e| sdk_error("CreateDBSubnetGroup", e))?;
                    Ok(())
                }
                Op::Update(changed) => {
                    let live = prior(req.prior)?;
                    let has = |n: &str| changed.iter().any(|c| c == n);
                    retag_if_changed(cx, a, live, changed).await?;
                    if !(has("subnet_ids") || has("description")) {
                        return Ok(());
                    }
                    cx.call();
                    c.modify_db_subnet_group()
                        .db_subnet_group_name(&live.id)
                        .set_db_subnet_group_description(a.str("description"))
                        .set_subnet_ids(Some(a.strs("subnet_ids")))
                        .send()
                        .await
                        .map_err(|e| sdk_error("ModifyDBSubnetGroup", e))?;
                    Ok(())
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    cx.call();
                    let result = c.delete_db_subnet_group().db_subnet_group_name(&live.id).send().await;
                    gone_ok("DeleteDBSubnetGroup", result, &["DBSubnetGroupNotFoundFault"])
                }
                Op::Ready => Ok(()),
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "db_subnet_groups",
    service: Service::Rds,
    types: &[TYPE],
    everywhere: false,
    narrows: false,
    global: false,
    read: |r, _| {
        Box::pin(async move {
            let c = Client::new(&r.conf);
            read(r, &c).await
        })
    },
};

async fn read(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    {
        let mut groups = Vec::new();
        let mut pages = c.describe_db_subnet_groups().into_paginator().send();
        while let Some(page) = pages.next().await {
            r.call();
            groups.extend(
                page.map_err(|err| cloud_error("DescribeDBSubnetGroups", &region, err))?
                    .db_subnet_groups()
                    .iter()
                    .cloned(),
            );
        }
        for g in groups {
            let arn = g.db_subnet_group_arn().unwrap_or_default().to_string();
            r.call();
            let t = c
                .list_tags_for_resource()
                .resource_name(&arn)
                .send()
                .await
                .map_err(|err| cloud_error("ListTagsForResource", &region, err))?;
            let t = tags(t.tag_list());
            if !r.owned_by_stack(&t) {
                continue;
            }
            r.push(
                TYPE,
                g.db_subnet_group_name().unwrap_or_default(),
                t,
                json!({
                    "name": g.db_subnet_group_name(), "name_prefix": g.db_subnet_group_name().and_then(crate::resources::sdk::name_prefix_of),
                    "description": g.db_subnet_group_description(), "arn": arn,
                    "vpc_id": g.vpc_id(), "subnet_ids": g.subnets().iter().filter_map(|s| s.subnet_identifier()).collect::<Vec<_>>(),
                }),
            );
        }
    }

    Ok(())
}
