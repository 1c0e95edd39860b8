//! Security group rules: inline `ingress`/`egress` blocks and standalone rule resources as
//! IpPermissions, authorizing and revoking them, and the idempotency cases (AWS's default
//! egress rule, a rule that already exists untagged).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};

use super::retag;
use crate::live::LiveObject;
use crate::resources::StepError;
use crate::resources::sdk::Args;
use crate::resources::sdk::{Cx, code_of, sdk_error};

/// An inline `ingress`/`egress` block as an IpPermission; `self = true` means the group itself.
pub(super) fn permission(b: &Args, group_id: &str) -> IpPermission {
    let mut groups = b.strs("security_groups");
    if b.bool("self") == Some(true) {
        groups.push(group_id.to_string());
    }
    let description = b.str("description");
    IpPermission::builder()
        .ip_protocol(b.str("protocol").unwrap_or_else(|| "-1".into()))
        .set_from_port(b.int("from_port"))
        .set_to_port(b.int("to_port"))
        .set_ip_ranges(Some(
            b.strs("cidr_blocks")
                .into_iter()
                .map(|c| IpRange::builder().cidr_ip(c).set_description(description.clone()).build())
                .collect(),
        ))
        .set_ipv6_ranges(Some(
            b.strs("ipv6_cidr_blocks")
                .into_iter()
                .map(|c| Ipv6Range::builder().cidr_ipv6(c).set_description(description.clone()).build())
                .collect(),
        ))
        .set_prefix_list_ids(Some(
            b.strs("prefix_list_ids").into_iter().map(|p| PrefixListId::builder().prefix_list_id(p).build()).collect(),
        ))
        .set_user_id_group_pairs(Some(
            groups.into_iter().map(|g| UserIdGroupPair::builder().group_id(g).build()).collect(),
        ))
        .build()
}

/// A standalone rule resource as an IpPermission.
pub(super) fn rule_permission(a: &Args) -> IpPermission {
    let description = a.str("description");
    let mut b = IpPermission::builder()
        .ip_protocol(a.str("ip_protocol").unwrap_or_else(|| "-1".into()))
        .set_from_port(a.int("from_port"))
        .set_to_port(a.int("to_port"));
    if let Some(c) = a.str("cidr_ipv4") {
        b = b.ip_ranges(IpRange::builder().cidr_ip(c).set_description(description.clone()).build());
    }
    if let Some(c) = a.str("cidr_ipv6") {
        b = b.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).set_description(description.clone()).build());
    }
    if let Some(p) = a.str("prefix_list_id") {
        b = b.prefix_list_ids(PrefixListId::builder().prefix_list_id(p).set_description(description.clone()).build());
    }
    if let Some(g) = a.str("referenced_security_group_id") {
        b = b.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).set_description(description).build());
    }
    b.build()
}

pub(super) async fn authorize(
    cx: &Cx,
    id: &str,
    ingress: Vec<IpPermission>,
    egress: Vec<IpPermission>,
) -> Result<(), StepError> {
    if !ingress.is_empty() {
        cx.call();
        cx.ec2
            .authorize_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(ingress))
            .send()
            .await
            .map_err(|e| sdk_error("AuthorizeSecurityGroupIngress", e))?;
    }
    if !egress.is_empty() {
        cx.call();
        cx.ec2
            .authorize_security_group_egress()
            .group_id(id)
            .set_ip_permissions(Some(egress))
            .send()
            .await
            .map_err(|e| sdk_error("AuthorizeSecurityGroupEgress", e))?;
    }
    Ok(())
}

/// Revokes rules one by one; a rule already gone is fine (a resumed or repeated update).
pub(super) async fn revoke(
    cx: &Cx,
    id: &str,
    ingress: Vec<IpPermission>,
    egress: Vec<IpPermission>,
) -> Result<(), StepError> {
    for p in ingress {
        cx.call();
        match cx.ec2.revoke_security_group_ingress().group_id(id).ip_permissions(p).send().await {
            Err(e) if code_of(&e) != Some("InvalidPermission.NotFound") => {
                return Err(sdk_error("RevokeSecurityGroupIngress", e));
            }
            _ => {}
        }
    }
    for p in egress {
        cx.call();
        match cx.ec2.revoke_security_group_egress().group_id(id).ip_permissions(p).send().await {
            Err(e) if code_of(&e) != Some("InvalidPermission.NotFound") => {
                return Err(sdk_error("RevokeSecurityGroupEgress", e));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The live object's recorded inline rules as configuration-shaped values, to revoke them.
pub(super) fn live_permissions(live: &LiveObject, key: &str) -> Vec<IpPermission> {
    let rules = crate::eval::Value::from_json(live.attributes.get(key).unwrap_or(&serde_json::Value::Null));
    Args(&rules)
        .0
        .as_seq()
        .map(|items| items.iter().map(|r| permission(&Args(r), &live.id)).collect())
        .unwrap_or_default()
}

/// The security group's rules, as listed by DescribeSecurityGroupRules.
pub(super) async fn group_rules(cx: &Cx, group: &str) -> Result<Vec<aws_sdk_ec2::types::SecurityGroupRule>, StepError> {
    let mut out = Vec::new();
    let mut pages = cx.ec2.describe_security_group_rules().into_paginator().send();
    while let Some(page) = pages.next().await {
        cx.call();
        let page = page.map_err(|e| sdk_error("DescribeSecurityGroupRules", e))?;
        out.extend(page.security_group_rules().iter().filter(|r| r.group_id() == Some(group)).cloned());
    }
    Ok(out)
}

/// A create interrupted after CreateSecurityGroup may have left AWS's default allow-all egress
/// rule behind; a group whose configuration declares no inline egress must not keep it
/// (unless a rule resource of this stack adopted it: then it is tagged).
pub(super) async fn revoke_default_egress(cx: &Cx, group: &str) -> Result<(), StepError> {
    for r in group_rules(cx, group).await? {
        let tagged = r.tags().iter().any(|t| t.key() == Some(crate::live::STACK_TAG));
        if r.is_egress() == Some(true)
            && r.ip_protocol() == Some("-1")
            && r.cidr_ipv4() == Some("0.0.0.0/0")
            && !tagged
            && let Some(id) = r.security_group_rule_id()
        {
            cx.call();
            match cx.ec2.revoke_security_group_egress().group_id(group).security_group_rule_ids(id).send().await {
                Err(e) if code_of(&e) != Some("InvalidPermission.NotFound") => {
                    return Err(sdk_error("RevokeSecurityGroupEgress", e));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// A rule that already exists untagged (AWS's default allow-all egress, left in place by an
/// interrupted security group create) is adopted: tagged as this address instead of failing
/// with InvalidPermission.Duplicate. (A rule drplan created carries its tags from the start.)
pub(super) async fn adopt_rule(
    cx: &Cx,
    group: &str,
    egress: bool,
    a: &Args<'_>,
    tags: &BTreeMap<String, String>,
) -> Result<(), StepError> {
    let want = (
        a.str("ip_protocol").unwrap_or_else(|| "-1".into()),
        a.str("cidr_ipv4"),
        a.str("cidr_ipv6"),
        a.str("referenced_security_group_id"),
    );
    let rule = group_rules(cx, group).await?.into_iter().find(|r| {
        r.is_egress() == Some(egress)
            && r.ip_protocol().map(str::to_string) == Some(want.0.clone())
            && r.cidr_ipv4().map(str::to_string) == want.1
            && r.cidr_ipv6().map(str::to_string) == want.2
            && r.referenced_group_info().and_then(|g| g.group_id()).map(str::to_string) == want.3
            && (want.0 == "-1" || (r.from_port() == a.int("from_port") && r.to_port() == a.int("to_port")))
    });
    match rule.and_then(|r| r.security_group_rule_id().map(str::to_string)) {
        Some(id) => retag(cx, &id, &BTreeMap::new(), tags).await,
        None => Err(StepError::fatal("InvalidPermission.Duplicate, but no matching rule was found to adopt")),
    }
}
