//! RDS types, one module each: database instances, subnet groups, snapshot copies. This
//! module holds what they share: tag lists, re-tagging, and sorted id lists for requests.

pub mod db_instance;
mod recovery_point;
pub mod snapshot_copy;
pub mod subnet_group;

use std::time::Duration;

use aws_sdk_rds::types::Tag;

use super::sdk::wait::{self, Poll};
use super::sdk::{Args, Cx, code_of, gone_ok, owned_tags, prior, sdk_error, tag_map, time};
use crate::error::Error;
use crate::live::{ADDRESS_TAG, LiveObject};
use crate::resources::StepError;

const SNAPSHOT_COPY: Duration = Duration::from_secs(120 * 60);

fn tags(t: &[Tag]) -> std::collections::BTreeMap<String, String> {
    tag_map(t.iter().map(|t| (t.key(), t.value())))
}

fn tag_list(cx: &Cx, a: &Args, address: &str) -> Vec<Tag> {
    owned_tags(a, &cx.stack, address).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

fn non_empty(mut v: Vec<String>) -> Option<Vec<String>> {
    v.sort();
    (!v.is_empty()).then_some(v)
}

/// Brings an object's user tags to the configuration's; ownership tags stay.
async fn retag_if_changed(cx: &Cx, a: &Args<'_>, live: &LiveObject, changed: &[String]) -> Result<(), StepError> {
    let c = &cx.rds;
    if changed.iter().any(|n| n == "tags") {
        let arn = live.attr_str("arn").unwrap_or(&live.id).to_string();
        let address = live.tags.get(ADDRESS_TAG).cloned().unwrap_or_default();
        cx.call();
        c.add_tags_to_resource()
            .resource_name(&arn)
            .set_tags(Some(tag_list(cx, a, &address)))
            .send()
            .await
            .map_err(|e| sdk_error("AddTagsToResource", e))?;
        let want = a.user_tags();
        let stale: Vec<String> =
            live.tags.keys().filter(|k| !k.starts_with("drplan:") && !want.contains_key(*k)).cloned().collect();
        if !stale.is_empty() {
            cx.call();
            c.remove_tags_from_resource()
                .resource_name(&arn)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .map_err(|e| sdk_error("RemoveTagsFromResource", e))?;
        }
    }
    Ok(())
}

pub static DB_INSTANCES: crate::resources::Quota = crate::resources::Quota {
    service_code: "rds",
    quota_code: "L-7B6409FD",
    name: "DB instances",
    per_zone: false,
    usage: |conf, region| Box::pin(db_instances(conf, region)),
};

/// The region's DB instances, every owner's.
async fn db_instances(conf: &aws_config::SdkConfig, region: &str) -> Result<crate::resources::Usage, Error> {
    let mut pages = aws_sdk_rds::Client::new(conf).describe_db_instances().into_paginator().items().send();
    let mut n = 0;
    while let Some(db) = pages.next().await {
        db.map_err(|e| crate::resources::sdk::cloud_error("DescribeDBInstances", region, e))?;
        n += 1;
    }
    Ok(crate::resources::Usage { region: n, by_zone: Default::default() })
}
