//! Executing a plan's steps: the scheduler, independent of AWS.
//!
//! A step starts as soon as its own dependencies are done (no waves); when concurrency is
//! limited, the ready step with the longest remaining path to the end goes first; services have
//! their own limits; retryable failures (throttling, 5xx, connection errors) are retried with
//! jittered exponential backoff; a failed step stops only its dependents; cancellation stops
//! new launches and lets running steps finish. Every start and end goes to a [`Journal`].
//!
//! What a step *does* is a [`Runner`]'s business: the AWS backend, or a fake in tests.

pub mod executor;
pub mod journal;
mod schedule;
pub mod served;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::resources::{StepAction, StepError};

pub use journal::{Journal, JournalEvent};
pub use schedule::{Options, run};

/// One unit of work, e.g. "create module.network.aws_vpc.this".
#[derive(Clone, Debug, PartialEq)]
pub struct StepSpec {
    pub address: String,
    pub action: StepAction,
    /// Indices of the steps that must succeed first.
    pub deps: Vec<usize>,
    /// The AWS service it calls (ec2, rds, elbv2, route53), for per-service limits.
    pub service: String,
    /// Expected duration, for ordering by the longest remaining path.
    pub estimate: Duration,
}

/// Performs steps.
pub trait Runner: Send + Sync + 'static {
    fn run(&self, step: &StepSpec) -> impl std::future::Future<Output = Result<(), StepError>> + Send;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Succeeded,
    Failed,
    /// Not run because a dependency failed.
    Skipped,
    /// Not started because the run was cancelled.
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub address: String,
    pub action: StepAction,
    pub status: Status,
    pub attempts: u32,
    /// From the first attempt's start to the end, including retries.
    #[serde(with = "millis")]
    pub duration: Duration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    #[serde(with = "millis")]
    pub wall_time: Duration,
}

impl Report {
    pub fn count(&self, status: Status) -> usize {
        self.outcomes.iter().filter(|o| o.status == status).count()
    }

    pub fn succeeded(&self) -> bool {
        self.outcomes.iter().all(|o| o.status == Status::Succeeded)
    }
}

/// The critical path of a step graph: the longest chain of estimates, a lower bound on any
/// schedule's makespan.
pub fn critical_path(steps: &[StepSpec]) -> Duration {
    crate::graph::longest_path(&topo_order(steps), |i| steps[i].deps.iter().copied(), |i| steps[i].estimate).0
}

/// Indices in an order where dependencies come first (steps are assumed acyclic).
fn topo_order(steps: &[StepSpec]) -> Vec<usize> {
    crate::graph::kahn(steps.len(), |i| steps[i].deps.iter().copied()).unwrap_or_else(|_| (0..steps.len()).collect())
}

mod millis {
    use std::time::Duration;

    pub(super) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let ms: u64 = serde::Deserialize::deserialize(d)?;
        Ok(Duration::from_millis(ms))
    }
}
