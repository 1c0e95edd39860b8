//! Listing the objects a stack owns in a region, whatever their service, with one paginated
//! Resource Groups Tagging API call (`GetResources` filtered by the `drplan:stack` tag): how the
//! objects of types served through the provider host are found again without a state file.

use aws_config::SdkConfig;
use aws_sdk_resourcegroupstagging::types::TagFilter;

use crate::cloud::Tagged;
use crate::error::Error;
use crate::live::STACK_TAG;

/// The listing, again on a transient failure (a read: up to 4 tries, as read units).
pub(super) async fn tagged(conf: &SdkConfig, region: &str, stack: &str) -> Result<Vec<Tagged>, Error> {
    crate::resources::sdk::retry_transient(4, super::transient, || tagged_once(conf, region, stack)).await
}

async fn tagged_once(conf: &SdkConfig, region: &str, stack: &str) -> Result<Vec<Tagged>, Error> {
    let client = aws_sdk_resourcegroupstagging::Client::new(conf);
    let filter = TagFilter::builder().key(STACK_TAG).values(stack).build();
    let mut pages = client.get_resources().tag_filters(filter).resources_per_page(100).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::Cloud {
            operation: "tagging:GetResources".into(),
            region: region.to_string(),
            message: aws_sdk_resourcegroupstagging::error::DisplayErrorContext(&e).to_string(),
        })?;
        for mapping in page.resource_tag_mapping_list() {
            let Some(arn) = mapping.resource_arn() else { continue };
            let tags = mapping.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect();
            out.push(Tagged { arn: arn.to_string(), tags });
        }
    }
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(out)
}
