//! `aws_db_snapshot_copy`: a snapshot copied from another region. Its read unit lists every
//! snapshot of the region (the `aws_db_snapshot` data source reads them too).

use aws_sdk_rds::Client;
use serde_json::json;

use super::*;
use crate::resources::StepAction;
use crate::resources::sdk::{ReadUnit, RegionReader, cloud_error};
use crate::resources::{ApplyRequest, BoxFuture, Estimate, Op, ResourceType, RunbookText, Service, StepView};

pub const TYPE: &str = "aws_db_snapshot_copy";

pub struct DbSnapshotCopy;

impl ResourceType for DbSnapshotCopy {
    crate::resources::basics!(TYPE, Rds, &UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &["destination_region", "target_custom_availability_zone", "shared_accounts"]
    }

    fn deleted_first(&self) -> &'static [&'static str] {
        &[super::db_instance::TYPE]
    }

    fn estimate(&self, step: &StepView) -> Estimate {
        match step.action {
            StepAction::Delete | StepAction::Read => crate::resources::generic_estimate(step),
            _ => Estimate::new(20 * 60, "cross-region snapshot copy"),
        }
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws rds copy-db-snapshot --source-db-snapshot-identifier {} --target-db-snapshot-identifier {} {} --region {}",
                s.arg("source_db_snapshot_identifier"),
                s.arg("target_db_snapshot_identifier"),
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
                    let target = a.req("target_db_snapshot_identifier")?;
                    cx.call();
                    c.copy_db_snapshot()
                        .source_db_snapshot_identifier(a.req("source_db_snapshot_identifier")?)
                        .target_db_snapshot_identifier(&target)
                        .set_kms_key_id(a.str("kms_key_id"))
                        .set_copy_tags(a.bool("copy_tags"))
                        .set_option_group_name(a.str("option_group_name"))
                        .set_pre_signed_url(a.str("presigned_url"))
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .map_err(|e| sdk_error("CopyDBSnapshot", e))?;
                    snapshot_available(cx, &target).await
                }
                Op::Update(changed) => {
                    let live = prior(req.prior)?;
                    retag_if_changed(cx, a, live, changed).await
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    cx.call();
                    let result = c.delete_db_snapshot().db_snapshot_identifier(&live.id).send().await;
                    gone_ok("DeleteDBSnapshot", result, &["DBSnapshotNotFound"])
                }
                Op::Ready => snapshot_available(cx, &prior(req.prior)?.id).await,
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "db_snapshots",
    service: Service::Rds,
    types: &[TYPE, "aws_db_snapshot"],
    everywhere: true,
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
    let mut pages = c.describe_db_snapshots().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        for s in page.map_err(|err| cloud_error("DescribeDBSnapshots", &region, err))?.db_snapshots() {
            let t = tags(s.tag_list());
            let id = s.db_snapshot_identifier().unwrap_or_default().to_string();
            let mut attrs = json!({
                "db_instance_identifier": s.db_instance_identifier(), "db_snapshot_identifier": id,
                "db_snapshot_arn": s.db_snapshot_arn(), "snapshot_type": s.snapshot_type(),
                "snapshot_create_time": time(s.snapshot_create_time()),
                "original_snapshot_create_time": time(s.original_snapshot_create_time()),
                "engine": s.engine(), "engine_version": s.engine_version(), "allocated_storage": s.allocated_storage(),
                "encrypted": s.encrypted(), "kms_key_id": s.kms_key_id(), "status": s.status(), "storage_type": s.storage_type(),
                "vpc_id": s.vpc_id(), "port": s.port(), "availability_zone": s.availability_zone(),
                "source_region": s.source_region(), "source_db_snapshot_identifier": s.source_db_snapshot_identifier(),
            });
            // A copy drplan made is a managed aws_db_snapshot_copy; anything else is data.
            let ty = if r.owned && r.owned_by_stack(&t) {
                attrs["target_db_snapshot_identifier"] = json!(id);
                TYPE
            } else {
                "aws_db_snapshot"
            };
            r.push(ty, id, t, attrs);
        }
    }
    Ok(())
}

async fn snapshot_available(cx: &Cx, id: &str) -> Result<(), StepError> {
    wait::until(&format!("snapshot {id} to be available"), &cx.polling, SNAPSHOT_COPY, || async {
        cx.call();
        let out = cx
            .rds
            .describe_db_snapshots()
            .db_snapshot_identifier(id)
            .send()
            .await
            .map_err(|e| sdk_error("DescribeDBSnapshots", e))?;
        Ok(match out.db_snapshots().first().and_then(|s| s.status()) {
            Some("available") => Poll::Ready(()),
            Some("failed") => return Err(StepError::fatal(format!("snapshot copy {id} failed"))),
            Some(s) => Poll::Pending(s.to_string()),
            None => Poll::Pending("not visible yet".into()),
        })
    })
    .await
}
