//! `aws_security_group` with inline `ingress`/`egress` rules. As Terraform does, AWS's
//! default allow-all egress goes unless the configuration declares it.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{IpPermission, IpRange};

use super::rules::{authorize, live_permissions, permission, revoke};
use serde_json::json;

use super::*;
use crate::error::Error;
use crate::resources::sdk::{Narrow, ReadUnit, RegionReader, cloud_error};
use crate::resources::{ApplyRequest, BoxFuture, Created, Op, ResourceType, RunbookText, Service, StepView};

pub const TYPE: &str = "aws_security_group";

pub struct SecurityGroup;

impl ResourceType for SecurityGroup {
    crate::resources::basics!(TYPE, Ec2, &UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &["revoke_rules_on_delete"]
    }

    fn deleted_first(&self) -> &'static [&'static str] {
        &[
            super::instance::TYPE,
            crate::resources::elb::lb::TYPE,
            crate::resources::rds::db_instance::TYPE,
            super::security_group_rule::INGRESS_TYPE,
            super::security_group_rule::EGRESS_TYPE,
        ]
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws ec2 create-security-group --group-name {} --description \"{}\" --vpc-id {} {} --region {}{}",
                s.arg("name"),
                s.arg("description"),
                s.arg("vpc_id"),
                s.tag_spec("security-group"),
                s.region,
                rules_by_hand(s)
            )),
            verify: Some(s.by_tag("ec2", "describe-security-groups", "SecurityGroups[].GroupId")),
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
                    let id = live.id.as_str();
                    let has = |n: &str| changed.iter().any(|c| c == n);
                    if !(has("ingress") || has("egress")) {
                        return Ok(());
                    }
                    if has("ingress") {
                        revoke(cx, id, live_permissions(live, "ingress"), Vec::new()).await?;
                        authorize(cx, id, a.blocks("ingress").iter().map(|b| permission(b, id)).collect(), Vec::new())
                            .await?;
                    }
                    if has("egress") {
                        revoke(cx, id, Vec::new(), live_permissions(live, "egress")).await?;
                        authorize(cx, id, Vec::new(), a.blocks("egress").iter().map(|b| permission(b, id)).collect())
                            .await?;
                    }
                    Ok(())
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    let c = &cx.ec2;
                    // Rules that name other groups would keep both alive: revoke them first.
                    let ingress = live_permissions(live, "ingress");
                    let egress = live_permissions(live, "egress");
                    revoke(cx, id, ingress, egress).await.ok();
                    call!(cx, "DeleteSecurityGroup", c.delete_security_group().group_id(id), &["InvalidGroup.NotFound"])
                }
                Op::Ready => {
                    let live = prior(req.prior)?;
                    if a.blocks("egress").is_empty() {
                        rules::revoke_default_egress(cx, &live.id).await
                    } else {
                        Ok(())
                    }
                }
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "security_groups",
    service: Service::Ec2,
    types: &[TYPE],
    everywhere: false,
    narrows: true,
    global: false,
    read: |r, n| Box::pin(read(r, n)),
};

async fn read(r: &mut RegionReader, n: &Narrow) -> Result<(), Error> {
    let c = &Client::new(&r.conf);
    let region = r.region.clone();
    let stack = r.stack.clone();
    let mut groups =
        c.describe_security_groups().set_filters(Some(owned(&stack, n))).set_group_ids(ids(n)).into_paginator().send();
    while let Some(page) = groups.next().await {
        r.call();
        for g in page.map_err(|err| cloud_error("DescribeSecurityGroups", &region, err))?.security_groups() {
            r.push(
                TYPE,
                g.group_id().unwrap_or_default(),
                tags(g.tags()),
                json!({
                    "name": g.group_name(), "name_prefix": g.group_name().and_then(name_prefix_of),
                    "description": g.description(), "vpc_id": g.vpc_id(), "owner_id": g.owner_id(),
                    "ingress": g.ip_permissions().iter().map(|p| live_permission(p, g.group_id())).collect::<Vec<_>>(),
                    "egress": g.ip_permissions_egress().iter().map(|p| live_permission(p, g.group_id())).collect::<Vec<_>>(),
                }),
            );
        }
    }

    Ok(())
}

/// An ingress/egress rule as provider-aws's inline block: the group's own id is `self = true`.
fn live_permission(p: &IpPermission, own_id: Option<&str>) -> serde_json::Value {
    let groups: Vec<&str> = p.user_id_group_pairs().iter().filter_map(|g| g.group_id()).collect();
    let is_self = own_id.is_some_and(|id| groups.contains(&id));
    strip_nulls(json!({
        "self": is_self,
        "from_port": p.from_port().unwrap_or(0),
        "to_port": p.to_port().unwrap_or(0),
        "protocol": p.ip_protocol(),
        "cidr_blocks": p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).collect::<Vec<_>>(),
        "ipv6_cidr_blocks": p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()).collect::<Vec<_>>(),
        "prefix_list_ids": p.prefix_list_ids().iter().filter_map(|r| r.prefix_list_id()).collect::<Vec<_>>(),
        "security_groups": groups.iter().filter(|g| Some(**g) != own_id).collect::<Vec<_>>(),
        "description": p.ip_ranges().iter().find_map(|r| r.description()),
    }))
}

/// The prefix a group's name was generated from: provider-aws's 26 trailing characters, or
/// the 24 hexadecimal digits drplan gave the groups it created before 2026-12-07 (so their
/// `name_prefix` still reads back as configured and they are not replaced).
fn name_prefix_of(name: &str) -> Option<&str> {
    crate::resources::sdk::name_prefix_of(name).or_else(|| {
        let cut = name.len().checked_sub(24).filter(|c| *c > 0)?;
        let (prefix, suffix) = (name.get(..cut)?, name.get(cut..)?);
        let hex = suffix.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        (hex && !prefix.ends_with(|c: char| c.is_ascii_hexdigit())).then_some(prefix)
    })
}

async fn create(cx: &Cx, address: &str, a: &Args<'_>, created: &Created) -> Result<(), StepError> {
    let tags = cx.tags(a, address);
    let c = &cx.ec2;
    let name = cx.name_or_generated(a, address, ("name", "name_prefix"), "terraform-");
    cx.call();
    let out = c
        .create_security_group()
        .group_name(name)
        .description(a.str("description").unwrap_or_else(|| "Managed by Terraform".into()))
        .set_vpc_id(a.str("vpc_id"))
        .tag_specifications(tag_spec(TagTarget::SecurityGroup, &tags))
        .send()
        .await
        .map_err(|e| sdk_error("CreateSecurityGroup", e))?;
    let id = out.group_id().ok_or_else(|| missing("security group"))?;
    created.set(id);
    // As Terraform does: the default allow-all egress goes, the configured rules come.
    let all = IpPermission::builder()
        .ip_protocol("-1")
        .from_port(0)
        .to_port(0)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    cx.call();
    let revoked = c.revoke_security_group_egress().group_id(id).ip_permissions(all).send().await;
    if let Err(e) = revoked
        && code_of(&e) != Some("InvalidPermission.NotFound")
    {
        return Err(sdk_error("RevokeSecurityGroupEgress", e));
    }
    let ingress: Vec<IpPermission> = a.blocks("ingress").iter().map(|b| permission(b, id)).collect();
    let egress: Vec<IpPermission> = a.blocks("egress").iter().map(|b| permission(b, id)).collect();
    authorize(cx, id, ingress, egress).await
}

/// The rules apply sets after creating the group: AWS's default allow-all egress is revoked
/// (as Terraform does) and the configured ingress and egress authorized.
fn rules_by_hand(s: &StepView) -> String {
    let region = s.region;
    let permissions = |block: &str| -> Vec<serde_json::Value> {
        let rules = s.json(block).and_then(serde_json::Value::as_array).cloned().unwrap_or_default();
        rules.iter().map(ip_permission).collect()
    };
    let mut out = format!(
        " && aws ec2 revoke-security-group-egress --group-id <new GroupId> --ip-permissions '[{{\"IpProtocol\":\"-1\",\"IpRanges\":[{{\"CidrIp\":\"0.0.0.0/0\"}}]}}]' --region {region}"
    );
    for (block, op) in [("ingress", "authorize-security-group-ingress"), ("egress", "authorize-security-group-egress")]
    {
        let p = permissions(block);
        if !p.is_empty() {
            let json = crate::resources::shell_quote(&serde_json::Value::Array(p).to_string());
            out.push_str(&format!(
                " && aws ec2 {op} --group-id <new GroupId> --ip-permissions {json} --region {region}"
            ));
        }
    }
    out
}

/// One rule block as the EC2 API's IpPermission.
fn ip_permission(rule: &serde_json::Value) -> serde_json::Value {
    let list = |k: &str| -> Vec<String> {
        rule.get(k)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let description = rule.get("description").and_then(|d| d.as_str()).filter(|d| !d.is_empty());
    let with_description = |key: &str, v: String| {
        let mut o = json!({ key: v });
        if let Some(d) = description {
            o["Description"] = d.into();
        }
        o
    };
    let mut p = json!({ "IpProtocol": rule.get("protocol").cloned().unwrap_or(json!("-1")) });
    if rule.get("protocol").and_then(|v| v.as_str()) != Some("-1") {
        p["FromPort"] = rule.get("from_port").cloned().unwrap_or_default();
        p["ToPort"] = rule.get("to_port").cloned().unwrap_or_default();
    }
    let v4: Vec<_> = list("cidr_blocks").into_iter().map(|c| with_description("CidrIp", c)).collect();
    let v6: Vec<_> = list("ipv6_cidr_blocks").into_iter().map(|c| with_description("CidrIpv6", c)).collect();
    let groups: Vec<_> = list("security_groups").into_iter().map(|g| with_description("GroupId", g)).collect();
    let prefixes: Vec<_> = list("prefix_list_ids").into_iter().map(|g| with_description("PrefixListId", g)).collect();
    for (k, v) in [("IpRanges", v4), ("Ipv6Ranges", v6), ("UserIdGroupPairs", groups), ("PrefixListIds", prefixes)] {
        if !v.is_empty() {
            p[k] = v.into();
        }
    }
    if rule.get("self").and_then(|v| v.as_bool()) == Some(true) {
        let pairs = p["UserIdGroupPairs"].as_array().cloned().unwrap_or_default();
        p["UserIdGroupPairs"] = pairs.into_iter().chain([json!({"GroupId": "<new GroupId>"})]).collect();
    }
    p
}

#[cfg(test)]
mod tests {
    /// A group's prefix reads back from provider-aws's names and from drplan's earlier ones.
    #[test]
    fn name_prefixes_read_back() {
        assert_eq!(super::name_prefix_of("web-20240102030405060700000001"), Some("web-"));
        assert_eq!(super::name_prefix_of("web-0123456789abcdef01234567"), Some("web-"), "drplan's earlier names");
        assert_eq!(super::name_prefix_of("web"), None);
        assert_eq!(super::name_prefix_of("allow-https-from-the-load-balancer"), None);
    }
}
