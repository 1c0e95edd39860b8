//! EC2 and VPC types, one module each: VPCs, subnets, internet gateways, Elastic IPs, NAT
//! gateways, route tables, routes and associations, security groups and their rules,
//! instances, AMI copies; and the availability zones data sources read.
//!
//! This module holds what they share: tag conversion, the stack and address filters owned
//! listings use, tag specifications, re-tagging, short hashes; `rules` turns rule blocks into
//! IpPermissions; `waiters` polls instances, NAT gateways and images.
//! Creates tag in the create call (TagSpecifications), so an object is never untagged.

pub mod ami_copy;
pub mod eip;
pub mod instance;
pub mod internet_gateway;
pub mod nat_gateway;
pub mod quotas;
pub mod route;
pub mod route_table;
pub mod route_table_association;
mod rules;
pub mod security_group;
pub mod security_group_rule;
pub mod subnet;
pub mod vpc;
mod waiters;
pub mod zones;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, ResourceType as TagTarget, Tag, TagSpecification};

use super::sdk::{Args, Cx, Narrow, code_of, prior, sdk_error, strip_nulls, tag_map};
use crate::live::{ADDRESS_TAG, LiveObject, STACK_TAG};
use crate::resources::StepError;

pub(crate) const MINUTE: Duration = Duration::from_secs(60);

/// `call!(cx, "Operation", request, &["NotFound codes"])`: one counted call whose "not found"
/// answer means done (deletes).
macro_rules! call {
    ($cx:expr, $op:literal, $req:expr, $gone:expr) => {{
        $cx.call();
        $crate::resources::sdk::gone_ok($op, $req.send().await, $gone)
    }};
}
pub(crate) use call;

fn tags(t: &[Tag]) -> BTreeMap<String, String> {
    tag_map(t.iter().map(|t| (t.key(), t.value())))
}

fn tag_filter(key: &str, value: &str) -> Filter {
    Filter::builder().name(format!("tag:{key}")).values(value).build()
}

/// Filters for a listing of the stack's own objects, narrowed to one address when asked.
fn owned(stack: &str, n: &Narrow) -> Vec<Filter> {
    let mut f = vec![tag_filter(STACK_TAG, stack)];
    if let Narrow::Address(a) = n {
        f.push(tag_filter(ADDRESS_TAG, &wildcard_safe(a)));
    }
    f
}

/// A filter value that matches `value` literally or with a few extra matches, on AWS (where
/// `*` and `?` are wildcards) and on emulators that also treat `[...]` as a character class:
/// every such character becomes `?`. The caller filters the answer exactly.
fn wildcard_safe(value: &str) -> String {
    value.chars().map(|c| if matches!(c, '[' | ']' | '*' | '?' | '\\') { '?' } else { c }).collect()
}

/// Filters for a listing of every object (data sources read them too): none, unless the read
/// is narrowed to one owned address.
fn narrowed(stack: &str, n: &Narrow) -> Option<Vec<Filter>> {
    matches!(n, Narrow::Address(_) | Narrow::Ids(_)).then(|| owned(stack, n))
}

/// The ids a read is narrowed to, for the describe call's id list (the cheapest lookup).
fn ids(n: &Narrow) -> Option<Vec<String>> {
    match n {
        Narrow::Ids(ids) => Some(ids.clone()),
        _ => None,
    }
}

fn tag_spec(rt: TagTarget, tags: &BTreeMap<String, String>) -> TagSpecification {
    let mut b = TagSpecification::builder().resource_type(rt);
    for (k, v) in tags {
        b = b.tags(Tag::builder().key(k).value(v).build());
    }
    b.build()
}

fn missing(what: &str) -> StepError {
    StepError::fatal(format!("the response did not include the new {what}'s id"))
}

/// Brings an object's user tags to `want`; ownership tags are never removed.
pub(super) async fn retag(
    cx: &Cx,
    id: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), StepError> {
    let add: Vec<Tag> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(v))
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let remove: Vec<Tag> = have
        .keys()
        .filter(|k| !k.starts_with("drplan:") && !want.contains_key(*k))
        .map(|k| Tag::builder().key(k).build())
        .collect();
    if !add.is_empty() {
        cx.call();
        cx.ec2.create_tags().resources(id).set_tags(Some(add)).send().await.map_err(|e| sdk_error("CreateTags", e))?;
    }
    if !remove.is_empty() {
        cx.call();
        cx.ec2
            .delete_tags()
            .resources(id)
            .set_tags(Some(remove))
            .send()
            .await
            .map_err(|e| sdk_error("DeleteTags", e))?;
    }
    Ok(())
}

/// Re-tags an object whose `tags` changed (every EC2 update starts here).
async fn retag_if_changed(cx: &Cx, a: &Args<'_>, live: &LiveObject, changed: &[String]) -> Result<(), StepError> {
    if changed.iter().any(|c| c == "tags") {
        let address = live.tags.get(ADDRESS_TAG).cloned().unwrap_or_default();
        retag(cx, &live.id, &live.tags, &cx.tags(a, &address)).await?;
    }
    Ok(())
}

pub(super) fn short_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(s.as_bytes())[..12])
}
