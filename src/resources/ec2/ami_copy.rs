//! `aws_ami_copy`: an AMI copied from another region, found by name when a run died before
//! tagging it. Its read unit lists every image this account owns (the `aws_ami` data source
//! reads them too).

use aws_sdk_ec2::Client;
use serde_json::json;

use super::*;
use crate::error::Error;
use crate::resources::StepAction;
use crate::resources::sdk::{Narrow, ReadUnit, RegionReader, cloud_error};
use crate::resources::{ApplyRequest, BoxFuture, Created, Estimate, Op, ResourceType, RunbookText, Service, StepView};

pub const TYPE: &str = "aws_ami_copy";

pub struct AmiCopy;

impl ResourceType for AmiCopy {
    crate::resources::basics!(TYPE, Ec2, &UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &["destination_outpost_arn", "deprecation_time"]
    }

    fn deleted_first(&self) -> &'static [&'static str] {
        &[super::instance::TYPE]
    }

    fn estimate(&self, step: &StepView) -> Estimate {
        match step.action {
            StepAction::Delete | StepAction::Read => crate::resources::generic_estimate(step),
            _ => Estimate::new(15 * 60, "cross-region AMI copy"),
        }
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws ec2 copy-image --source-image-id {} --source-region {} --name {} --region {}",
                s.arg("source_ami_id"),
                s.arg("source_ami_region"),
                s.arg("name"),
                s.region
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
                    Ok(())
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    let c = &cx.ec2;
                    cx.call();
                    let images =
                        c.describe_images().image_ids(id).send().await.map_err(|e| sdk_error("DescribeImages", e));
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
                        cx,
                        "DeregisterImage",
                        c.deregister_image().image_id(id),
                        &["InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"]
                    )?;
                    for s in snapshots {
                        call!(
                            cx,
                            "DeleteSnapshot",
                            c.delete_snapshot().snapshot_id(&s),
                            &["InvalidSnapshot.NotFound"]
                        )?;
                    }
                    Ok(())
                }
                Op::Ready => waiters::image_available(cx, &prior(req.prior)?.id).await,
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "images",
    service: Service::Ec2,
    types: &[TYPE, "aws_ami"],
    everywhere: true,
    narrows: true,
    global: false,
    read: |r, n| Box::pin(read(r, n)),
};

async fn read(r: &mut RegionReader, n: &Narrow) -> Result<(), Error> {
    let c = &Client::new(&r.conf);
    let region = r.region.clone();
    let mut images = c
        .describe_images()
        .owners("self")
        .set_filters(narrowed(&r.stack, n))
        .set_image_ids(ids(n))
        .into_paginator()
        .send();
    while let Some(page) = images.next().await {
        r.call();
        for i in page.map_err(|err| cloud_error("DescribeImages", &region, err))?.images() {
            let t = tags(i.tags());
            let ty = if r.owned && r.owned_by_stack(&t) { TYPE } else { "aws_ami" };
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

async fn create(cx: &Cx, address: &str, a: &Args<'_>, created: &Created) -> Result<(), StepError> {
    let tags = cx.tags(a, address);
    copy(cx, a, &tags, created).await
}

async fn copy(cx: &Cx, a: &Args<'_>, tags: &BTreeMap<String, String>, created: &Created) -> Result<(), StepError> {
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
    created.set(&id);
    retag(cx, &id, &BTreeMap::new(), tags).await?;
    waiters::image_available(cx, &id).await
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
