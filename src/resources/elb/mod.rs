//! ELBv2 types, one module each: load balancers, target groups, listeners and target
//! registrations. They share one read unit: load balancers and target groups (every one in the
//! region, for data sources and ownership; tags in batches of 20), and for owned ones their
//! listeners and registered targets. Load balancer and target group names are unique per
//! region.

pub mod lb;
pub mod listener;
pub mod target_group;
pub mod target_group_attachment;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{Action, Matcher, Tag, TargetDescription};
use serde_json::json;

use super::Service;
use super::sdk::wait::{self, Poll};
use super::sdk::{
    Args, Cx, ReadUnit, RegionReader, cloud_error, code_of, gone_ok, live_value, prior, sdk_error, strip_nulls, tag_map,
};
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
    read: |r, _| Box::pin(read(r)),
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

async fn read(r: &mut RegionReader) -> Result<(), Error> {
    let c = Client::new(&r.conf);
    let region = r.region.clone();

    let mut lbs = Vec::new();
    let mut pages = c.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        lbs.extend(
            page.map_err(|err| cloud_error("DescribeLoadBalancers", &region, err))?.load_balancers().iter().cloned(),
        );
    }
    let mut tgs = Vec::new();
    let mut pages = c.describe_target_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        tgs.extend(
            page.map_err(|err| cloud_error("DescribeTargetGroups", &region, err))?.target_groups().iter().cloned(),
        );
    }
    let arns: Vec<String> = lbs
        .iter()
        .filter_map(|l| l.load_balancer_arn())
        .chain(tgs.iter().filter_map(|t| t.target_group_arn()))
        .map(str::to_string)
        .collect();
    let mut tags = std::collections::HashMap::new();
    for chunk in arns.chunks(20) {
        r.call();
        let out = c
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|err| cloud_error("DescribeTags", &region, err))?;
        for d in out.tag_descriptions() {
            tags.insert(
                d.resource_arn().unwrap_or_default().to_string(),
                tag_map(d.tags().iter().map(|t| (t.key(), t.value()))),
            );
        }
    }

    let mut owned_lbs = Vec::new();
    for l in &lbs {
        let arn = l.load_balancer_arn().unwrap_or_default().to_string();
        let t = tags.get(&arn).cloned().unwrap_or_default();
        if r.owned && r.owned_by_stack(&t) {
            owned_lbs.push(arn.clone());
        }
        r.push(
            lb::TYPE,
            arn.clone(),
            t,
            json!({
                "name": l.load_balancer_name(), "arn": arn, "dns_name": l.dns_name(), "zone_id": l.canonical_hosted_zone_id(),
                "internal": l.scheme().map(|s| s.as_str() == "internal"), "load_balancer_type": l.r#type().map(|t| t.as_str()),
                "security_groups": l.security_groups(), "subnets": l.availability_zones().iter().filter_map(|z| z.subnet_id()).collect::<Vec<_>>(),
                "ip_address_type": l.ip_address_type().map(|t| t.as_str()), "vpc_id": l.vpc_id(),
                "arn_suffix": arn.split(":loadbalancer/").nth(1),
            }),
        );
    }
    let mut owned_tgs = Vec::new();
    for tg in &tgs {
        let arn = tg.target_group_arn().unwrap_or_default().to_string();
        let t = tags.get(&arn).cloned().unwrap_or_default();
        if !(r.owned && r.owned_by_stack(&t)) {
            continue;
        }
        owned_tgs.push((arn.clone(), tg.port()));
        let health = strip_nulls(json!({
            "enabled": tg.health_check_enabled(), "path": tg.health_check_path(), "port": tg.health_check_port(),
            "protocol": tg.health_check_protocol().map(|p| p.as_str()), "interval": tg.health_check_interval_seconds(),
            "timeout": tg.health_check_timeout_seconds(), "healthy_threshold": tg.healthy_threshold_count(),
            "unhealthy_threshold": tg.unhealthy_threshold_count(), "matcher": tg.matcher().and_then(|m| m.http_code()),
        }));
        r.push(
            target_group::TYPE,
            arn.clone(),
            t,
            json!({
                "name": tg.target_group_name(), "arn": arn, "port": tg.port(), "protocol": tg.protocol().map(|p| p.as_str()),
                "vpc_id": tg.vpc_id(), "target_type": tg.target_type().map(|t| t.as_str()), "protocol_version": tg.protocol_version(),
                "load_balancer_arns": tg.load_balancer_arns(), "health_check": [health],
                "arn_suffix": arn.split(':').next_back().map(|s| s.to_string()),
            }),
        );
    }
    // Listeners and registered targets have no useful tags: they are found by natural key
    // (load balancer + port; target group + target + port) under owned parents.
    for lb in owned_lbs {
        r.call();
        let out = c
            .describe_listeners()
            .load_balancer_arn(&lb)
            .send()
            .await
            .map_err(|err| cloud_error("DescribeListeners", &region, err))?;
        for l in out.listeners() {
            let actions: Vec<_> = l
                .default_actions()
                .iter()
                .map(|a| strip_nulls(json!({ "type": a.r#type().map(|t| t.as_str()), "target_group_arn": a.target_group_arn(), "order": a.order() })))
                .collect();
            r.push(
                listener::TYPE,
                l.listener_arn().unwrap_or_default(),
                Default::default(),
                json!({
                    "load_balancer_arn": l.load_balancer_arn(), "port": l.port(), "protocol": l.protocol().map(|p| p.as_str()),
                    "ssl_policy": l.ssl_policy(), "certificate_arn": l.certificates().first().and_then(|c| c.certificate_arn()),
                    "default_action": actions, "arn": l.listener_arn(),
                }),
            );
        }
    }
    for (tg, default_port) in owned_tgs {
        r.call();
        let out = c
            .describe_target_health()
            .target_group_arn(&tg)
            .send()
            .await
            .map_err(|err| cloud_error("DescribeTargetHealth", &region, err))?;
        for d in out.target_health_descriptions() {
            let Some(target) = d.target() else { continue };
            let port = target.port().or(default_port);
            let id =
                format!("{tg}-{}-{}", target.id().unwrap_or_default(), port.map(|p| p.to_string()).unwrap_or_default());
            r.push(
                target_group_attachment::TYPE,
                id,
                Default::default(),
                json!({ "target_group_arn": tg, "target_id": target.id(), "port": port, "availability_zone": target.availability_zone() }),
            );
        }
    }
    Ok(())
}
