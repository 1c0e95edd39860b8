//! What the DR region offers, for `drplan readiness`: where EC2 instance types are offered
//! (DescribeInstanceTypeOfferings by availability zone) and which AMIs exist (DescribeImages,
//! filtered by id so a missing one is an answer, not an error).

use std::collections::BTreeSet;

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{Filter, LocationType};

use crate::cloud::Offerings;
use crate::error::Error;
use crate::resources::sdk::cloud_error;

/// The zones of `region` offering each of `types` (a type offered nowhere is absent).
pub async fn by_zone(conf: &SdkConfig, region: &str, types: &BTreeSet<String>) -> Result<Offerings, Error> {
    let client = aws_sdk_ec2::Client::new(conf);
    let mut out = Offerings::new();
    if types.is_empty() {
        return Ok(out);
    }
    let filter = Filter::builder().name("instance-type").set_values(Some(types.iter().cloned().collect())).build();
    let mut pages = client
        .describe_instance_type_offerings()
        .location_type(LocationType::AvailabilityZone)
        .filters(filter)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cloud_error("DescribeInstanceTypeOfferings", region, e))?;
        for o in page.instance_type_offerings() {
            if let (Some(ty), Some(zone)) = (o.instance_type(), o.location()) {
                out.entry(ty.as_str().to_string()).or_default().insert(zone.to_string());
            }
        }
    }
    Ok(out)
}

/// The ids among `ids` of AMIs that exist in `region` and this account can use.
pub async fn images(conf: &SdkConfig, region: &str, ids: &BTreeSet<String>) -> Result<BTreeSet<String>, Error> {
    if ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    let client = aws_sdk_ec2::Client::new(conf);
    let filter = Filter::builder().name("image-id").set_values(Some(ids.iter().cloned().collect())).build();
    let out =
        client.describe_images().filters(filter).send().await.map_err(|e| cloud_error("DescribeImages", region, e))?;
    Ok(out.images().iter().filter_map(|i| i.image_id().map(str::to_string)).collect())
}
