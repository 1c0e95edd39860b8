//! Instances (launch, resize, attributes) and AMI copies across regions.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    AttributeBooleanValue, IamInstanceProfileSpecification, InstanceMetadataOptionsRequest, InstanceType, ResourceType,
};
use base64::Engine;

use super::super::args::Args;
use super::super::{Cx, sdk_error};
use super::waiters::{image_available, instance_state};
use super::{MINUTE, missing, retag, tag_spec};
use crate::apply::StepError;
use crate::live::LiveObject;

pub(super) async fn create_instance(
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
pub(super) fn client_token(cx: &Cx, address: &str) -> String {
    short_hash(&format!("{}|{}|{}", cx.stack, address, cx.run_id))
}

pub(super) fn short_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::plan::build::hex(&Sha256::digest(s.as_bytes())[..12])
}

pub(super) async fn create_ami_copy(cx: &Cx, a: &Args<'_>, tags: &BTreeMap<String, String>) -> Result<(), StepError> {
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

pub(super) async fn find_image_by_name(cx: &Cx, name: &str) -> Result<Option<String>, StepError> {
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

pub(super) async fn update_instance(
    cx: &Cx,
    a: &Args<'_>,
    live: &LiveObject,
    changed: &[String],
) -> Result<(), StepError> {
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
