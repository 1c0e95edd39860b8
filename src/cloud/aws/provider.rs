//! The AWS backend's write side: a [`Provider`] that performs writes in one region (and
//! Route 53) through the resource-type registry, and re-reads the objects a write touched.
//!
//! Each provider has clients for its own region only. Apply builds one for the DR region, and
//! one for the primary only when the plan holds failback writes there (`plan.failback_writes`,
//! possible in the failback phase alone): in every other plan the primary region is not
//! reachable from here at all. (Route 53 is global; only records and health checks the plan
//! names are touched.)

use super::Aws;
use crate::cloud::Provider;
use crate::live::LiveObject;
use crate::resources::StepError;
use crate::resources::sdk::{Cx, Narrow, Polling};
use crate::resources::{self, ApplyRequest, BoxFuture};

/// Writes through aws-sdk-rust.
pub struct AwsProvider {
    aws: Aws,
    conf: aws_config::SdkConfig,
    cx: Cx,
}

impl AwsProvider {
    /// A provider for `region` (the DR region of `stack`, or its primary for the failback);
    /// `run_id` identifies the plan executed (client tokens).
    pub async fn new(aws: &Aws, region: &str, stack: &str, run_id: &str, polling: Polling) -> Self {
        let conf = executor_config(aws, region).await;
        let cx = Cx::new(&conf, stack.into(), run_id.into(), polling, aws.calls.clone());
        AwsProvider { aws: aws.clone(), conf, cx }
    }
}

impl Provider for AwsProvider {
    fn apply<'a>(&'a self, ty: &'a str, request: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        match resources::get(ty) {
            Some(t) => t.apply(&self.cx, request),
            None => Box::pin(async move { Err(StepError::fatal(format!("drplan cannot write {ty}"))) }),
        }
    }

    fn reread<'a>(&'a self, ty: &'a str, narrow: &'a Narrow) -> BoxFuture<'a, Result<Vec<LiveObject>, StepError>> {
        Box::pin(async move {
            let Some(t) = resources::get(ty) else { return Ok(Vec::new()) };
            self.aws
                .read_unit(&self.conf, &self.cx.region, &self.cx.stack, t.read_unit(), narrow)
                .await
                .map_err(|e| StepError::retryable(e.to_string()))
        })
    }

    fn tagged(&self) -> BoxFuture<'_, Result<Vec<crate::cloud::Tagged>, StepError>> {
        Box::pin(async move {
            super::tagging::tagged(&self.conf, &self.cx.region, &self.cx.stack)
                .await
                .map_err(|e| StepError::retryable(e.to_string()))
        })
    }

    fn stack_seed(&self) -> BoxFuture<'_, Result<crate::live::seed::StackSeed, StepError>> {
        Box::pin(async move {
            super::seed::ensure(&self.conf, &self.cx.region, &self.cx.stack).await.map_err(StepError::retryable)
        })
    }

    fn record_time<'a>(&'a self, key: &'a str, value: &'a str) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            super::seed::ensure(&self.conf, &self.cx.region, &self.cx.stack).await.map_err(StepError::retryable)?;
            super::seed::record_time(&self.conf, &self.cx.region, &self.cx.stack, key, value)
                .await
                .map_err(StepError::retryable)
        })
    }
}

/// The SDK configuration writes use: the DR region, and no SDK-level retries, because a blind
/// retry of a create would duplicate it on an API without client tokens. Retries happen one
/// level up, where the step looks for the object before creating it again.
pub async fn executor_config(aws: &Aws, region: &str) -> aws_config::SdkConfig {
    aws.config(region, |loader| loader.retry_config(aws_config::retry::RetryConfig::disabled())).await
}
