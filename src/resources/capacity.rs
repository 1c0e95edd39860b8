//! What a resource type tells `drplan readiness` about the account it launches into: the
//! Service Quota a create consumes (and how to count what the region uses of it now), and a
//! dry run of its write that proves the caller may make it. The types own the facts (which
//! quota, which call); the AWS cloud runs the calls; `readiness::quotas` and
//! `readiness::permissions` judge.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use serde_json::Value as Json;

use super::BoxFuture;
use crate::error::Error;

/// A quota a create step consumes (`drplan readiness`; the runbook's pre-flight list).
#[derive(Clone, Debug)]
pub struct Capacity {
    pub quota: &'static Quota,
    pub amount: Amount,
}

/// How much of its quota one create takes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Amount {
    One,
    /// The vCPUs of this instance type (the On-Demand quotas count vCPUs).
    VcpusOf(String),
}

/// A Service Quotas quota, and how to count the region's current use of it.
pub struct Quota {
    pub service_code: &'static str,
    pub quota_code: &'static str,
    /// Its name in the Service Quotas console.
    pub name: &'static str,
    /// Counted per availability zone (NAT gateways), not per region.
    pub per_zone: bool,
    pub usage: UsageFn,
}

impl std::fmt::Debug for Quota {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.service_code, self.quota_code)
    }
}

/// Counts what the whole region (every owner, not only drplan's objects) uses of a quota.
pub type UsageFn = for<'a> fn(&'a SdkConfig, &'a str) -> BoxFuture<'a, Result<Usage, Error>>;

/// A quota's current use: in the region, and by zone where it is counted per zone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub region: u64,
    pub by_zone: BTreeMap<String, u64>,
}

/// A dry run of the write a create makes (EC2's `DryRun` flag): AWS checks the caller's
/// permission and answers without doing anything.
#[derive(Clone, Copy)]
pub struct DryRun {
    /// The API action, as IAM names it (`ec2:RunInstances`).
    pub action: &'static str,
    pub call: DryRunFn,
}

/// Makes the dry-run call with the step's planned arguments.
pub type DryRunFn = for<'a> fn(&'a SdkConfig, &'a Json) -> BoxFuture<'a, Permission>;

/// What a dry run said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Permission {
    Allowed,
    /// UnauthorizedOperation, with AWS's message.
    Denied(String),
    /// Anything else: a dry run not honoured, a parameter error, a throttle.
    Unknown(String),
}

/// A dry run's answer as a [`Permission`]: `DryRunOperation` means the call would have been
/// allowed, `UnauthorizedOperation` that it would not.
pub fn permission<T, E: ProvideErrorMetadata>(result: Result<T, SdkError<E>>) -> Permission {
    match result {
        Ok(_) => Permission::Unknown("the dry run was not honoured (the call succeeded)".into()),
        Err(e) => match e.code() {
            Some("DryRunOperation") => Permission::Allowed,
            Some("UnauthorizedOperation") => Permission::Denied(e.message().unwrap_or("not authorized").to_string()),
            Some(code) => Permission::Unknown(format!("{code}: {}", e.message().unwrap_or_default())),
            None => Permission::Unknown(e.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::operation::allocate_address::AllocateAddressError;
    use aws_smithy_types::error::ErrorMetadata;

    fn answered(code: &str) -> Permission {
        let meta = ErrorMetadata::builder().code(code).message("msg").build();
        let err = AllocateAddressError::generic(meta);
        let raw = aws_sdk_ec2::config::http::HttpResponse::new(
            400.try_into().unwrap(),
            aws_smithy_types::body::SdkBody::empty(),
        );
        permission::<(), _>(Err(SdkError::service_error(err, raw)))
    }

    #[test]
    fn a_dry_run_answer_says_whether_the_call_is_allowed() {
        assert_eq!(answered("DryRunOperation"), Permission::Allowed);
        assert_eq!(answered("UnauthorizedOperation"), Permission::Denied("msg".into()));
        assert_eq!(answered("InvalidParameterValue"), Permission::Unknown("InvalidParameterValue: msg".into()));
        assert!(matches!(permission::<(), AllocateAddressError>(Ok(())), Permission::Unknown(_)));
    }
}
