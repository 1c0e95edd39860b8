//! `aws_route53_record`: found by natural key (zone, name, type, set identifier), since
//! records cannot be tagged; written with UPSERT and waited for until INSYNC.

use super::*;
use aws_sdk_route53::types::{AliasTarget, ResourceRecord, ResourceRecordSet, RrType};

use crate::eval::Value;
use crate::live::LiveObject;
use crate::resources::StepAction;
use crate::resources::{ApplyRequest, BoxFuture, Estimate, Identity, Op, Proof, ResourceType, RunbookText, StepView};

pub const TYPE: &str = "aws_route53_record";

pub struct Record;

impl ResourceType for Record {
    crate::resources::basics!(TYPE, Route53, &super::UNIT);

    fn identity(&self) -> Identity {
        Identity::NaturalKey(&["zone_id", "name", "type", "set_identifier"])
    }

    fn read_scope(&self) -> Option<&'static str> {
        Some(ZONE_ATTR)
    }

    /// A record's zone: the zone and its records are read again.
    fn reread(&self, _address: &str, config: &Value, prior: Option<&LiveObject>, _created: Option<&str>) -> Narrow {
        let zone = config.get(ZONE_ATTR).and_then(Value::as_str).or_else(|| prior.and_then(|p| p.attr_str(ZONE_ATTR)));
        Narrow::Parent { id: zone_id(zone.unwrap_or_default()).to_string(), attr: ZONE_ATTR }
    }

    fn proof(&self) -> Proof {
        Proof::ParentOrContent { attr: "zone_id", parent: "aws_route53_zone", overwrite: "allow_overwrite" }
    }

    fn moves_traffic(&self) -> bool {
        true
    }

    fn estimate(&self, step: &StepView) -> Estimate {
        match step.action {
            StepAction::Delete | StepAction::Read => crate::resources::generic_estimate(step),
            _ => {
                let ttl = step.after.get("ttl").and_then(|t| t.as_u64()).unwrap_or(60);
                Estimate {
                    seconds: 60 + ttl,
                    why: format!("Route 53 propagation (~60 s) plus the record's TTL ({ttl} s)"),
                    guess: false,
                }
            }
        }
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws route53 change-resource-record-sets --hosted-zone-id {} --change-batch file://{}.json  # UPSERT {} {}",
                s.arg("zone_id"),
                s.name(),
                s.arg("name"),
                s.arg("type")
            )),
            verify: Some(format!("dig +short {} → the DR load balancer's addresses", s.arg("name"))),
        }
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            match req.op {
                Op::Create => change(cx, &a.req("zone_id")?, ChangeAction::Upsert, record_set(a)?).await,
                // UPSERT writes the whole record set.
                Op::Update(_) => change(cx, &a.req("zone_id")?, ChangeAction::Upsert, record_set(a)?).await,
                Op::Delete => {
                    let live = prior(req.prior)?;
                    // DELETE must name the record exactly as it is: build it from the live object.
                    let value = live_value(live);
                    let zone = live.attr_str("zone_id").unwrap_or_default().to_string();
                    change(cx, &zone, ChangeAction::Delete, record_set(&Args(&value))?).await
                }
                Op::Ready => Ok(()),
            }
        })
    }
}

/// A record's configuration (or its live attributes) as a record set.
fn record_set(a: &Args) -> Result<ResourceRecordSet, StepError> {
    let mut b = ResourceRecordSet::builder()
        .name(a.req("name")?)
        .r#type(RrType::from(a.req("type")?.as_str()))
        .set_set_identifier(a.str("set_identifier"))
        .set_health_check_id(a.str("health_check_id"))
        .set_multi_value_answer(a.bool("multivalue_answer_routing_policy"));
    if let Some(alias) = a.block("alias") {
        b = b.alias_target(
            AliasTarget::builder()
                .dns_name(alias.req("name")?)
                .hosted_zone_id(alias.req("zone_id")?)
                .evaluate_target_health(alias.bool("evaluate_target_health").unwrap_or(false))
                .build()
                .map_err(invalid)?,
        );
    } else {
        b = b.set_ttl(a.int("ttl").map(i64::from));
        let mut records = Vec::new();
        for r in a.strs("records") {
            records.push(ResourceRecord::builder().value(r).build().map_err(invalid)?);
        }
        b = b.set_resource_records(Some(records));
    }
    if let Some(f) = a.block("failover_routing_policy") {
        b = b.set_failover(f.str("type").map(|t| t.as_str().into()));
    }
    if let Some(w) = a.block("weighted_routing_policy") {
        b = b.set_weight(w.int("weight").map(i64::from));
    }
    if let Some(l) = a.block("latency_routing_policy") {
        b = b.set_region(l.str("region").map(|r| r.as_str().into()));
    }
    b.build().map_err(invalid)
}
