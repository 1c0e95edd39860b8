//! `aws_vpc_security_group_ingress_rule` and `aws_vpc_security_group_egress_rule`: one
//! module for the pair, which differ only in direction. Rules are tagged in the authorize
//! call; a rule that already exists untagged (AWS's default egress) is adopted.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::ResourceType as TagTarget;
use serde_json::json;

use super::rules::{adopt_rule, rule_permission};
use super::*;
use crate::error::Error;
use crate::resources::sdk::{Narrow, ReadUnit, RegionReader, cloud_error};
use crate::resources::{ApplyRequest, BoxFuture, Op, ResourceType, RunbookText, Service, StepView};

pub const INGRESS_TYPE: &str = "aws_vpc_security_group_ingress_rule";
pub const EGRESS_TYPE: &str = "aws_vpc_security_group_egress_rule";

pub struct Rule {
    egress: bool,
}

pub static INGRESS: Rule = Rule { egress: false };
pub static EGRESS: Rule = Rule { egress: true };

impl ResourceType for Rule {
    fn name(&self) -> &'static str {
        if self.egress { EGRESS_TYPE } else { INGRESS_TYPE }
    }

    fn service(&self) -> Service {
        Service::Ec2
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        let by_hand = if self.egress {
            format!(
                "aws ec2 authorize-security-group-egress --group-id {} --ip-permissions IpProtocol={} --region {}",
                s.arg("security_group_id"),
                s.arg("ip_protocol"),
                s.region
            )
        } else {
            format!(
                "aws ec2 authorize-security-group-ingress --group-id {} --ip-permissions IpProtocol={},FromPort={},ToPort={} --region {}",
                s.arg("security_group_id"),
                s.arg("ip_protocol"),
                s.arg("from_port"),
                s.arg("to_port"),
                s.region
            )
        };
        RunbookText { by_hand: Some(by_hand), verify: None }
    }

    fn read_unit(&self) -> &'static ReadUnit {
        &UNIT
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            match req.op {
                Op::Create => create(cx, self.egress, req.address, a).await,
                Op::Update(changed) => {
                    let live = prior(req.prior)?;
                    retag_if_changed(cx, a, live, changed).await?;
                    if changed.iter().all(|c| c == "tags") {
                        return Ok(());
                    }
                    // A rule's id changes on re-creation; ownership tags find the new one.
                    delete(cx, self.egress, live).await?;
                    let address = live.tags.get(ADDRESS_TAG).cloned().unwrap_or_default();
                    create(cx, self.egress, &address, a).await
                }
                Op::Delete => delete(cx, self.egress, prior(req.prior)?).await,
                Op::Ready => Ok(()),
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "security_group_rules",
    service: Service::Ec2,
    types: &[INGRESS_TYPE, EGRESS_TYPE],
    everywhere: false,
    narrows: true,
    global: false,
    read: |r, n| Box::pin(read(r, n)),
};

async fn read(r: &mut RegionReader, n: &Narrow) -> Result<(), Error> {
    let c = &Client::new(&r.conf);
    let region = r.region.clone();
    let stack = r.stack.clone();
    r.call();
    let rules = c
        .describe_security_group_rules()
        .set_filters(Some(owned(&stack, n)))
        .set_security_group_rule_ids(ids(n))
        .send()
        .await
        .map_err(|err| cloud_error("DescribeSecurityGroupRules", &region, err))?;
    for rule in rules.security_group_rules() {
        let ty = if rule.is_egress() == Some(true) { EGRESS_TYPE } else { INGRESS_TYPE };
        r.push(
            ty,
            rule.security_group_rule_id().unwrap_or_default(),
            tags(rule.tags()),
            json!({
                "security_group_id": rule.group_id(), "ip_protocol": rule.ip_protocol(), "from_port": rule.from_port(),
                "to_port": rule.to_port(), "cidr_ipv4": rule.cidr_ipv4(), "cidr_ipv6": rule.cidr_ipv6(),
                "prefix_list_id": rule.prefix_list_id(), "referenced_security_group_id": rule.referenced_group_info().and_then(|g| g.group_id()),
                "description": rule.description(), "arn": rule.security_group_rule_arn(),
            }),
        );
    }

    Ok(())
}

async fn create(cx: &Cx, egress: bool, address: &str, a: &Args<'_>) -> Result<(), StepError> {
    let tags = cx.tags(a, address);
    let c = &cx.ec2;
    let group = a.req("security_group_id")?;
    let p = rule_permission(a);
    let spec = tag_spec(TagTarget::SecurityGroupRule, &tags);
    cx.call();
    let result = if egress {
        c.authorize_security_group_egress()
            .group_id(&group)
            .ip_permissions(p)
            .tag_specifications(spec)
            .send()
            .await
            .map(drop)
            .map_err(|e| (code_of(&e).map(str::to_string), sdk_error("AuthorizeSecurityGroupEgress", e)))
    } else {
        c.authorize_security_group_ingress()
            .group_id(&group)
            .ip_permissions(p)
            .tag_specifications(spec)
            .send()
            .await
            .map(drop)
            .map_err(|e| (code_of(&e).map(str::to_string), sdk_error("AuthorizeSecurityGroupIngress", e)))
    };
    match result {
        Err((Some(code), _)) if code == "InvalidPermission.Duplicate" => adopt_rule(cx, &group, egress, a, &tags).await,
        Err((_, e)) => Err(e),
        Ok(()) => Ok(()),
    }
}

async fn delete(cx: &Cx, egress: bool, live: &LiveObject) -> Result<(), StepError> {
    let id = live.id.as_str();
    let c = &cx.ec2;
    if egress {
        let group = live.attr_str("security_group_id").unwrap_or_default();
        call!(
            cx,
            "RevokeSecurityGroupEgress",
            c.revoke_security_group_egress().group_id(group).security_group_rule_ids(id),
            &["InvalidGroup.NotFound", "InvalidPermission.NotFound", "InvalidSecurityGroupRuleId.NotFound"]
        )
    } else {
        let group = live.attr_str("security_group_id").unwrap_or_default();
        call!(
            cx,
            "RevokeSecurityGroupIngress",
            c.revoke_security_group_ingress().group_id(group).security_group_rule_ids(id),
            &["InvalidGroup.NotFound", "InvalidPermission.NotFound", "InvalidSecurityGroupRuleId.NotFound"]
        )
    }
}
