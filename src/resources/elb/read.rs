//! The ELBv2 read unit: every load balancer and target group of the region (data sources and
//! ownership), their tags in batches of 20, and for owned ones their listeners and registered
//! targets. One function per AWS call.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{LoadBalancer, TargetGroup};
use serde_json::json;

use super::{lb, listener, target_group, target_group_attachment};
use crate::error::Error;
use crate::resources::sdk::{RegionReader, cloud_error, strip_nulls, tag_map};

type Tags = HashMap<String, BTreeMap<String, String>>;

pub(super) async fn read(r: &mut RegionReader) -> Result<(), Error> {
    let c = Client::new(&r.conf);
    let lbs = load_balancers(r, &c).await?;
    let tgs = target_groups(r, &c).await?;
    let arns: Vec<String> = lbs
        .iter()
        .filter_map(|l| l.load_balancer_arn())
        .chain(tgs.iter().filter_map(|t| t.target_group_arn()))
        .map(str::to_string)
        .collect();
    let tags = tags(r, &c, &arns).await?;
    let owned_lbs = push_load_balancers(r, &lbs, &tags);
    let owned_tgs = push_target_groups(r, &tgs, &tags);
    // Listeners and registered targets have no useful tags: they are found by natural key
    // (load balancer + port; target group + target + port) under owned parents.
    for lb in owned_lbs {
        listeners(r, &c, &lb).await?;
    }
    for (tg, default_port) in owned_tgs {
        targets(r, &c, &tg, default_port).await?;
    }
    Ok(())
}

async fn load_balancers(r: &mut RegionReader, c: &Client) -> Result<Vec<LoadBalancer>, Error> {
    let mut lbs = Vec::new();
    let mut pages = c.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        let page = page.map_err(|err| cloud_error("DescribeLoadBalancers", &r.region, err))?;
        lbs.extend(page.load_balancers().iter().cloned());
    }
    Ok(lbs)
}

async fn target_groups(r: &mut RegionReader, c: &Client) -> Result<Vec<TargetGroup>, Error> {
    let mut tgs = Vec::new();
    let mut pages = c.describe_target_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        let page = page.map_err(|err| cloud_error("DescribeTargetGroups", &r.region, err))?;
        tgs.extend(page.target_groups().iter().cloned());
    }
    Ok(tgs)
}

async fn tags(r: &mut RegionReader, c: &Client, arns: &[String]) -> Result<Tags, Error> {
    let mut tags = HashMap::new();
    for chunk in arns.chunks(20) {
        r.call();
        let out = c
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|err| cloud_error("DescribeTags", &r.region, err))?;
        for d in out.tag_descriptions() {
            tags.insert(
                d.resource_arn().unwrap_or_default().to_string(),
                tag_map(d.tags().iter().map(|t| (t.key(), t.value()))),
            );
        }
    }
    Ok(tags)
}

/// Pushes every load balancer; returns the ARNs of the stack's own.
fn push_load_balancers(r: &mut RegionReader, lbs: &[LoadBalancer], tags: &Tags) -> Vec<String> {
    let mut owned = Vec::new();
    for l in lbs {
        let arn = l.load_balancer_arn().unwrap_or_default().to_string();
        let t = tags.get(&arn).cloned().unwrap_or_default();
        if r.owned && r.owned_by_stack(&t) {
            owned.push(arn.clone());
        }
        r.push(
            lb::TYPE,
            arn.clone(),
            t,
            json!({
                "name": l.load_balancer_name(), "name_prefix": l.load_balancer_name().and_then(crate::resources::sdk::name_prefix_of), "arn": arn, "dns_name": l.dns_name(), "zone_id": l.canonical_hosted_zone_id(),
                "internal": l.scheme().map(|s| s.as_str() == "internal"), "load_balancer_type": l.r#type().map(|t| t.as_str()),
                "security_groups": l.security_groups(), "subnets": l.availability_zones().iter().filter_map(|z| z.subnet_id()).collect::<Vec<_>>(),
                "ip_address_type": l.ip_address_type().map(|t| t.as_str()), "vpc_id": l.vpc_id(),
                "arn_suffix": arn.split(":loadbalancer/").nth(1),
            }),
        );
    }
    owned
}

/// Pushes the stack's own target groups; returns their ARNs and default ports.
fn push_target_groups(r: &mut RegionReader, tgs: &[TargetGroup], tags: &Tags) -> Vec<(String, Option<i32>)> {
    let mut owned = Vec::new();
    for tg in tgs {
        let arn = tg.target_group_arn().unwrap_or_default().to_string();
        let t = tags.get(&arn).cloned().unwrap_or_default();
        if !(r.owned && r.owned_by_stack(&t)) {
            continue;
        }
        owned.push((arn.clone(), tg.port()));
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
                "name": tg.target_group_name(), "name_prefix": tg.target_group_name().and_then(crate::resources::sdk::name_prefix_of), "arn": arn, "port": tg.port(), "protocol": tg.protocol().map(|p| p.as_str()),
                "vpc_id": tg.vpc_id(), "target_type": tg.target_type().map(|t| t.as_str()), "protocol_version": tg.protocol_version(),
                "load_balancer_arns": tg.load_balancer_arns(), "health_check": [health],
                "arn_suffix": arn.split(':').next_back().map(|s| s.to_string()),
            }),
        );
    }
    owned
}

async fn listeners(r: &mut RegionReader, c: &Client, lb: &str) -> Result<(), Error> {
    r.call();
    let out = c
        .describe_listeners()
        .load_balancer_arn(lb)
        .send()
        .await
        .map_err(|err| cloud_error("DescribeListeners", &r.region, err))?;
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
    Ok(())
}

async fn targets(r: &mut RegionReader, c: &Client, tg: &str, default_port: Option<i32>) -> Result<(), Error> {
    r.call();
    let out = c
        .describe_target_health()
        .target_group_arn(tg)
        .send()
        .await
        .map_err(|err| cloud_error("DescribeTargetHealth", &r.region, err))?;
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
    Ok(())
}
