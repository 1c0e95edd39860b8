//! The AWS backend's write side: an [`Executor`] that performs a plan's steps in the DR region
//! (and Route 53) through aws-sdk-rust, for the scheduler in [`crate::apply`].
//!
//! Values are resolved at apply time: before a step runs, the configuration is evaluated again
//! against the inventory as it is now (refreshed for the types that changed since), so a
//! subnet sees the id of the VPC created a moment ago, exactly as Terraform's apply-time
//! evaluation does.
//!
//! Idempotency does not rely on client tokens (moto ignores them, and a token does not survive
//! a crash anyway): every create first looks for the object by its ownership tags or natural
//! key, and converges what it finds. A step retried after a failure or a `kill -9` therefore
//! creates nothing twice. Created objects are tagged in the create call itself where AWS
//! allows it, so no untagged object is ever left behind.
//!
//! This module never builds a client for any region but the DR region: the primary region is
//! not reachable from here at all. (Route 53 is global; only records and health checks the
//! plan names are touched.)

mod args;
mod ec2;
mod elb;
mod rds;
mod route53;
pub mod wait;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};

pub use args::{Args, live_value};
use wait::Polling;

use super::{Aws, Unit, unit_for_type};
use crate::apply::{Runner, StepError, StepSpec};
use crate::eval::Value;
use crate::live::{Inventory, LiveObject};
use crate::plan::ResourceChange;
use crate::plan::diff::AttrDiff;

/// An instance evaluated against the inventory as it is now.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub config: Value,
    /// The object it manages, if one exists.
    pub live: Option<LiveObject>,
    /// Where `live` differs from `config`.
    pub changed: Vec<AttrDiff>,
    pub create_before_destroy: bool,
}

/// Evaluates the configuration at apply time (implemented over the parsed configuration in
/// [`crate::ops::apply`]; the executor knows nothing of HCL).
pub trait Resolve: Send + Sync + 'static {
    fn resolve(&self, inventory: &Inventory, address: &str) -> Result<Resolved, String>;

    /// The root outputs evaluated against `inventory`: (name, value, sensitive); unknown
    /// values are `None`.
    fn outputs(&self, _inventory: &Inventory) -> Vec<(String, Option<serde_json::Value>, bool)> {
        Vec::new()
    }
}

/// What every per-type operation needs: clients for the DR region, the stack, and how to poll.
#[derive(Clone, Debug)]
pub struct Cx {
    pub ec2: aws_sdk_ec2::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub rds: aws_sdk_rds::Client,
    pub r53: aws_sdk_route53::Client,
    pub region: String,
    pub stack: String,
    /// Identifies this plan's execution, for client tokens (same plan, same token).
    pub run_id: String,
    pub polling: Polling,
    pub calls: Arc<AtomicUsize>,
}

impl Cx {
    /// Counts an API call (for the benchmarks).
    pub fn call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
}

/// An SDK error as a step error: the operation and the cause chain, retryable when AWS says
/// "slow down", answers 5xx, or the connection failed.
pub(crate) fn sdk_error<E>(operation: &str, e: SdkError<E>) -> StepError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = e.code().map(str::to_string);
    let status = e.raw_response().map(|r| r.status().as_u16());
    let retryable = match &e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        _ => {
            status.is_some_and(|s| s >= 500 || s == 429)
                || code.as_deref().is_some_and(|c| {
                    matches!(
                        c,
                        "Throttling"
                            | "ThrottlingException"
                            | "RequestLimitExceeded"
                            | "TooManyRequestsException"
                            | "RequestThrottled"
                            | "PriorRequestNotComplete"
                            | "ServiceUnavailable"
                            | "InternalError"
                            | "InternalFailure"
                            | "DependencyViolation"
                            | "IncorrectState"
                            | "InvalidDBInstanceState"
                            | "ResourceInUse"
                    )
                })
        }
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(c) = &code {
        parts.push(c.clone());
    }
    if let Some(m) = e.message() {
        parts.push(m.to_string());
    } else {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = cur {
            let text = err.to_string();
            if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
                parts.push(text);
            }
            cur = err.source();
        }
    }
    if parts.is_empty() {
        parts.push(format!("HTTP {}", status.unwrap_or_default()));
    }
    StepError { message: format!("{operation}: {}", parts.join(": ")), retryable }
}

/// A delete's result where "not found" (one of `codes`) means done: a resumed run may find
/// the object already gone.
pub(crate) fn gone_ok<T, E>(operation: &str, result: Result<T, SdkError<E>>, codes: &[&str]) -> Result<(), StepError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.code().is_some_and(|c| codes.contains(&c)) => Ok(()),
        Err(e) => Err(sdk_error(operation, e)),
    }
}

/// The error code of an SDK error, for "already gone" checks.
pub(crate) fn code_of<E: ProvideErrorMetadata>(e: &SdkError<E>) -> Option<&str> {
    e.code()
}

/// Per-type create, update and delete. Creates return the new object's id.
async fn create(cx: &Cx, ty: &str, address: &str, a: &Args<'_>) -> Result<(), StepError> {
    match ty {
        t if ec2::handles(t) => ec2::create(cx, t, address, a).await,
        t if elb::handles(t) => elb::create(cx, t, address, a).await,
        t if rds::handles(t) => rds::create(cx, t, address, a).await,
        t if route53::handles(t) => route53::create(cx, t, address, a).await,
        other => Err(StepError::fatal(format!("drplan cannot create {other}"))),
    }
}

async fn update(cx: &Cx, ty: &str, a: &Args<'_>, live: &LiveObject, changed: &[String]) -> Result<(), StepError> {
    match ty {
        t if ec2::handles(t) => ec2::update(cx, t, a, live, changed).await,
        t if elb::handles(t) => elb::update(cx, t, a, live, changed).await,
        t if rds::handles(t) => rds::update(cx, t, a, live, changed).await,
        t if route53::handles(t) => route53::update(cx, t, a, live, changed).await,
        other => Err(StepError::fatal(format!("drplan cannot update {other}"))),
    }
}

async fn delete(cx: &Cx, live: &LiveObject) -> Result<(), StepError> {
    match live.ty.as_str() {
        t if ec2::handles(t) => ec2::delete(cx, live).await,
        t if elb::handles(t) => elb::delete(cx, live).await,
        t if rds::handles(t) => rds::delete(cx, live).await,
        t if route53::handles(t) => route53::delete(cx, live).await,
        other => Err(StepError::fatal(format!("drplan cannot delete {other}"))),
    }
}

/// Waits until an object found already existing (a resumed apply) is ready for dependents.
async fn ready(cx: &Cx, live: &LiveObject, a: &Args<'_>) -> Result<(), StepError> {
    match live.ty.as_str() {
        t if ec2::handles(t) => ec2::ready(cx, live, a).await,
        t if elb::handles(t) => elb::ready(cx, live).await,
        t if rds::handles(t) => rds::ready(cx, live).await,
        _ => Ok(()),
    }
}

/// The inventory as the executor last saw it, and which parts of it are out of date.
struct State {
    inventory: Inventory,
    dirty: BTreeSet<Unit>,
}

/// Everything an executor starts from.
pub struct Setup<R> {
    pub aws: Aws,
    /// The DR region's SDK configuration (see [`executor_config`]).
    pub conf: aws_config::SdkConfig,
    pub stack: String,
    /// Identifies the plan being executed, for client tokens.
    pub run_id: String,
    pub resolver: R,
    pub changes: Vec<ResourceChange>,
    /// The live state the plan was checked against.
    pub inventory: Inventory,
    pub polling: Polling,
}

/// Performs plan steps against AWS. See the module documentation.
pub struct Executor<R: Resolve> {
    cx: Cx,
    aws: Aws,
    conf: aws_config::SdkConfig,
    resolver: R,
    changes: HashMap<String, ResourceChange>,
    state: tokio::sync::Mutex<State>,
}

impl<R: Resolve> Executor<R> {
    pub fn new(setup: Setup<R>) -> Self {
        let Setup { aws, conf, stack, run_id, resolver, changes, inventory, polling } = setup;
        let region = conf.region().map(|r| r.to_string()).unwrap_or_default();
        let cx = Cx {
            ec2: aws_sdk_ec2::Client::new(&conf),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(&conf),
            rds: aws_sdk_rds::Client::new(&conf),
            r53: aws_sdk_route53::Client::new(&conf),
            region,
            stack,
            run_id,
            polling,
            calls: aws.calls.clone(),
        };
        Executor {
            cx,
            aws,
            conf,
            resolver,
            changes: changes.into_iter().map(|c| (c.address.clone(), c)).collect(),
            state: tokio::sync::Mutex::new(State { inventory, dirty: BTreeSet::new() }),
        }
    }

    /// Re-reads what changed, then evaluates `address`.
    async fn resolve(&self, address: &str) -> Result<Resolved, StepError> {
        let mut state = self.state.lock().await;
        self.refresh(&mut state).await?;
        self.resolver.resolve(&state.inventory, address).map_err(StepError::fatal)
    }

    async fn refresh(&self, state: &mut State) -> Result<(), StepError> {
        if state.dirty.is_empty() {
            return Ok(());
        }
        let units: Vec<Unit> = state.dirty.iter().copied().collect();
        let fresh = self
            .aws
            .read_units(&self.conf, &self.cx.region, &self.cx.stack, &units)
            .await
            .map_err(|e| StepError::retryable(e.to_string()))?;
        let mut snapshot = state.inventory.snapshot.clone();
        let types: BTreeSet<&str> = units.iter().flat_map(|u| u.types()).copied().collect();
        snapshot.objects.retain(|o| {
            !(types.contains(o.ty.as_str())
                && (o.region == self.cx.region || o.region == crate::live::data::GLOBAL_REGION))
        });
        snapshot.objects.extend(fresh);
        snapshot.sort();
        state.inventory = Inventory::new(snapshot);
        state.dirty.clear();
        Ok(())
    }

    /// The configuration's outputs after the run, from the inventory brought up to date.
    pub async fn outputs(&self) -> Result<Vec<(String, Option<serde_json::Value>, bool)>, StepError> {
        let mut state = self.state.lock().await;
        self.refresh(&mut state).await?;
        Ok(self.resolver.outputs(&state.inventory))
    }

    async fn mark_dirty(&self, ty: &str) {
        if let Some(unit) = unit_for_type(ty) {
            self.state.lock().await.dirty.insert(unit);
        }
    }

    async fn converge(&self, change: &ResourceChange) -> Result<(), StepError> {
        let ty = change.ty.as_str();
        let r = self.resolve(&change.address).await?;
        let args = Args(&r.config);
        match &r.live {
            Some(live) if r.changed.iter().any(|d| d.forces_replacement) => {
                if r.create_before_destroy {
                    return Err(StepError::fatal(format!(
                        "{}: create_before_destroy replacement is not supported yet; replace it in two applies",
                        change.address
                    )));
                }
                delete(&self.cx, live).await?;
                self.mark_dirty(ty).await;
                create(&self.cx, ty, &change.address, &args).await
            }
            Some(live) => {
                if !r.changed.is_empty() {
                    let names: Vec<String> = r.changed.iter().map(|d| d.name.clone()).collect();
                    update(&self.cx, ty, &args, live, &names).await?;
                }
                ready(&self.cx, live, &args).await
            }
            None => create(&self.cx, ty, &change.address, &args).await,
        }
    }

    async fn remove(&self, change: &ResourceChange) -> Result<(), StepError> {
        let Some(id) = change.drplan.live_id.as_deref() else { return Ok(()) };
        let live = {
            let state = self.state.lock().await;
            // Only ever the DR region's (or Route 53's) object: ids can repeat across regions.
            let home = crate::live::home_region(&change.ty, &self.cx.region);
            // Never an object this stack does not own, even one that shares the id.
            let ours = |o: &LiveObject| {
                o.tags.get(crate::live::STACK_TAG) == Some(&self.cx.stack)
                    || crate::live::natural_key_fields(&o.ty).is_some()
            };
            state
                .inventory
                .objects()
                .iter()
                .find(|o| o.ty == change.ty && o.id == id && o.region == home && ours(o))
                .cloned()
        };
        match live {
            // Already gone (a resumed destroy): nothing to do.
            None => Ok(()),
            Some(live) => delete(&self.cx, &live).await,
        }
    }
}

impl<R: Resolve> Runner for Executor<R> {
    async fn run(&self, step: &StepSpec) -> Result<(), StepError> {
        let Some(change) = self.changes.get(&step.address) else {
            return Err(StepError::fatal(format!("{} is not in the plan", step.address)));
        };
        let result = match step.action.as_str() {
            "read" => self.resolve(&step.address).await.map(drop),
            "delete" => {
                // Deletes look the object up fresh: a resumed run may find it gone already.
                self.mark_dirty(&change.ty).await;
                let mut state = self.state.lock().await;
                self.refresh(&mut state).await?;
                drop(state);
                self.remove(change).await
            }
            _ => self.converge(change).await,
        };
        // Whatever happened, what this step touched must be re-read before it is trusted.
        self.mark_dirty(&change.ty).await;
        result
    }
}

/// The SDK configuration the executor uses: the DR region, and no SDK-level retries, because
/// a blind retry of a create would duplicate it on an API without client tokens. Retries
/// happen one level up, where the step looks for the object before creating it again.
pub async fn executor_config(aws: &Aws, region: &str) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(60))
                .connect_timeout(Duration::from_secs(10))
                .build(),
        );
    if let Some(url) = &aws.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}
