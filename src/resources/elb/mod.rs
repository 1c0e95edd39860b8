//! ELBv2 types, one module each: load balancers, target groups, listeners and target
//! registrations. They share one read unit: load balancers and target groups (every one in the
//! region, for data sources and ownership; tags in batches of 20), and for owned ones their
//! listeners and registered targets. Load balancer and target group names are unique per
//! region.

pub mod lb;
pub mod listener;
mod read;
pub mod target_group;
pub mod target_group_attachment;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{Action, Matcher, Tag, TargetDescription};

use super::Service;
use super::sdk::wait::{self, Poll};
use super::sdk::{Args, Cx, ReadUnit, cloud_error, code_of, gone_ok, live_value, prior, sdk_error};
use crate::error::Error;
use crate::live::{ADDRESS_TAG, LiveObject};
use crate::resources::StepError;

const GONE: &[&str] = &["LoadBalancerNotFound", "TargetGroupNotFound", "ListenerNotFound"];

pub static UNIT: ReadUnit = ReadUnit {
    name: "elbv2",
    service: Service::Elbv2,
    types: &[lb::TYPE, target_group::TYPE, listener::TYPE, target_group_attachment::TYPE],
    everywhere: true,
    narrows: false,
    global: false,
    read: |r, _| Box::pin(read::read(r)),
};

fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

fn default_actions(a: &Args) -> Vec<Action> {
    a.blocks("default_action")
        .iter()
        .map(|d| {
            Action::builder()
                .r#type(d.str("type").unwrap_or_else(|| "forward".into()).as_str().into())
                .set_target_group_arn(d.str("target_group_arn"))
                .build()
        })
        .collect()
}

fn target(a: &Args) -> Result<TargetDescription, StepError> {
    Ok(TargetDescription::builder()
        .id(a.req("target_id")?)
        .set_port(a.int("port"))
        .set_availability_zone(a.str("availability_zone"))
        .build())
}

/// Brings the user tags of a load balancer or target group to the configuration's.
async fn retag_if_changed(cx: &Cx, a: &Args<'_>, live: &LiveObject, changed: &[String]) -> Result<(), StepError> {
    let c = &cx.elb;
    if changed.iter().any(|n| n == "tags") {
        let address = live.tags.get(ADDRESS_TAG).cloned().unwrap_or_default();
        let want = cx.tags(a, &address);
        cx.call();
        c.add_tags()
            .resource_arns(&live.id)
            .set_tags(Some(tag_list(&want)))
            .send()
            .await
            .map_err(|e| sdk_error("AddTags", e))?;
        let stale: Vec<String> =
            live.tags.keys().filter(|k| !k.starts_with("drplan:") && !want.contains_key(*k)).cloned().collect();
        if !stale.is_empty() {
            cx.call();
            c.remove_tags()
                .resource_arns(&live.id)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .map_err(|e| sdk_error("RemoveTags", e))?;
        }
    }
    Ok(())
}
