//! Route 53 types (global), one module each: records and health checks. They share one read
//! unit: hosted zones (for data sources), health checks (tags in batches of 10), and record
//! sets only of the zones asked for ([`Narrow::Parent`] with a zone id): drplan reads the
//! records of the zones its configuration names, never every zone of the account. Record
//! changes are waited for until INSYNC.

pub mod health_check;
mod read;
pub mod record;

use std::time::Duration;

use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecordSet, TagResourceType};

use super::Service;
use super::sdk::wait::{self, Poll};
use super::sdk::{Args, Cx, Narrow, ReadUnit, code_of, gone_ok, live_value, owned_tags, prior, sdk_error};
use crate::live::ADDRESS_TAG;
use crate::resources::StepError;

pub static UNIT: ReadUnit = ReadUnit {
    name: "route53",
    service: Service::Route53,
    types: &["aws_route53_zone", record::TYPE, health_check::TYPE],
    everywhere: false,
    narrows: true,
    global: true,
    read: |r, narrow| Box::pin(read::read(r, narrow)),
};

/// The attribute naming a record's zone: what scopes reading records.
pub(crate) const ZONE_ATTR: &str = "zone_id";

const CHANGE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

fn invalid(e: impl std::fmt::Display) -> StepError {
    StepError::fatal(format!("invalid record: {e}"))
}

async fn change(cx: &Cx, zone: &str, action: ChangeAction, set: ResourceRecordSet) -> Result<(), StepError> {
    let deleting = action == ChangeAction::Delete;
    let op = if deleting { "ChangeResourceRecordSets (DELETE)" } else { "ChangeResourceRecordSets" };
    let batch = ChangeBatch::builder()
        .changes(Change::builder().action(action).resource_record_set(set).build().map_err(invalid)?)
        .build()
        .map_err(invalid)?;
    cx.call();
    let out = match cx.r53.change_resource_record_sets().hosted_zone_id(zone).change_batch(batch).send().await {
        Ok(out) => out,
        // Deleting what is already gone is success (a resumed destroy).
        Err(e) if deleting && code_of(&e) == Some("InvalidChangeBatch") => return Ok(()),
        Err(e) => return Err(sdk_error(op, e)),
    };
    let Some(info) = out.change_info() else { return Ok(()) };
    let id = info.id().to_string();
    wait::until(&format!("Route 53 change {id} to be INSYNC"), &cx.polling, CHANGE_TIMEOUT, || async {
        cx.call();
        let out = cx.r53.get_change().id(&id).send().await.map_err(|e| sdk_error("GetChange", e))?;
        Ok(match out.change_info().map(|c| c.status().as_str()) {
            Some("INSYNC") => Poll::Ready(()),
            Some(s) => Poll::Pending(s.to_string()),
            None => Poll::Pending("unknown".into()),
        })
    })
    .await
}

/// `/hostedzone/Z123` -> `Z123`.
fn zone_id(raw: &str) -> &str {
    raw.rsplit('/').next().unwrap_or(raw)
}
