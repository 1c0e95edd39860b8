//! The AWS backend's read side: the live inventory from the DR and primary regions through
//! aws-sdk-rust. Reads are batched, paginated describe calls per type (filtered by the stack's
//! tag where AWS can filter), never one call per resource; every region is read concurrently;
//! the primary region is time-boxed and, when it does not answer, the plan goes on without it.
//!
//! Credentials and profiles come from the standard AWS chain. `AWS_ENDPOINT_URL` (or
//! `--endpoint-url`) points every service at another endpoint, which is how tests reach moto.

mod credentials;
mod endpoints;
mod offerings;
pub mod provider;
pub mod secrets;
mod seed;
mod state;
mod subscriptions;
mod tagging;

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};

use super::{Cloud, InventoryRequest, Scopes};
use crate::error::Error;
use crate::live::data::GLOBAL_REGION;
use crate::live::{FORMAT_VERSION, LiveObject, LiveSnapshot, UnavailableRegion};
use crate::resources::sdk::{Narrow, ReadUnit, RegionReader};

/// The AWS backend.
#[derive(Clone, Debug)]
pub struct Aws {
    /// Overrides every service endpoint (moto, LocalStack); `AWS_ENDPOINT_URL` works too.
    pub endpoint_url: Option<String>,
    /// How long the primary region may take before the plan goes on without it.
    pub primary_timeout: Duration,
    /// When the snapshot was taken; `None` uses the clock.
    pub captured_at: Option<String>,
    /// How long one call (each attempt, and connecting) may take.
    pub call_timeout: Duration,
    /// API calls made, for the refresh benchmark.
    pub calls: Arc<AtomicUsize>,
    /// How to authenticate, per region (the provider configurations' profile and role), learnt
    /// from the first inventory request and shared by every clone (apply's writes too).
    pub identities: Arc<std::sync::RwLock<std::collections::BTreeMap<String, crate::cloud::Identity>>>,
}

impl Default for Aws {
    fn default() -> Self {
        Aws {
            endpoint_url: None,
            primary_timeout: Duration::from_secs(20),
            captured_at: None,
            call_timeout: Duration::from_secs(60),
            calls: Arc::default(),
            identities: Arc::default(),
        }
    }
}

impl Aws {
    /// Connect and per-attempt timeouts for every call; the whole operation (retries
    /// included) gets three attempts' worth.
    pub(crate) fn timeouts(&self) -> aws_config::timeout::TimeoutConfig {
        aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(self.call_timeout.min(Duration::from_secs(10)))
            .read_timeout(self.call_timeout)
            .operation_attempt_timeout(self.call_timeout)
            .operation_timeout(self.call_timeout * 3)
            .build()
    }

    /// Re-reads one unit of the DR region (global units read the global service), narrowed
    /// where the unit allows it.
    pub(crate) async fn read_unit(
        &self,
        conf: &SdkConfig,
        region: &str,
        stack: &str,
        unit: &ReadUnit,
        narrow: &Narrow,
    ) -> Result<Vec<LiveObject>, Error> {
        let global = unit.global;
        let mut r = RegionReader {
            region: if global { GLOBAL_REGION.into() } else { region.into() },
            conf: conf.clone(),
            stack: stack.into(),
            owned: true,
            calls: self.calls.clone(),
            objects: Vec::new(),
        };
        read_retrying(&mut r, unit, narrow).await?;
        // Server-side filters may match a little more than asked (wildcards): keep exactly
        // what the narrowing covers.
        r.objects.retain(|o| !unit.types.contains(&o.ty.as_str()) || narrow.covers(o));
        Ok(r.objects)
    }

    /// The SDK configuration reads use: the region, the endpoint, and every call time-boxed.
    async fn sdk_config(&self, region: &str) -> SdkConfig {
        self.config(region, |loader| loader).await
    }

    /// An SDK configuration for `region` (`tune` adjusts it), with the credentials the region's
    /// provider configuration names ([`crate::cloud::Identity`]): a named profile's (which then
    /// wins over the environment's keys, as in Terraform), then the role it assumes with them
    /// (STS AssumeRole, refreshed by the SDK as they expire).
    pub(crate) async fn config(
        &self,
        region: &str,
        tune: impl Fn(aws_config::ConfigLoader) -> aws_config::ConfigLoader,
    ) -> SdkConfig {
        let identity = self.identities.read().unwrap_or_else(|e| e.into_inner()).get(region).cloned();
        let identity = identity.unwrap_or_default();
        let profile = credentials::profile(&identity);
        let web = match &identity.web_identity {
            Some(web) => Some(self.web_identity(region, web, &identity.endpoints).await),
            None => None,
        };
        let loader = || {
            let mut loader = aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(region.to_string()))
                .timeout_config(self.timeouts());
            if let Some(url) = &self.endpoint_url {
                loader = loader.endpoint_url(url);
            }
            loader = client_settings(loader, &identity.client());
            if let Some(web) = &web {
                loader = loader.credentials_provider(web.clone());
            } else if let Some(keys) = &identity.static_keys {
                loader = loader.credentials_provider(credentials::fixed(keys));
            } else if let Some((files, name)) = &profile {
                let provider = credentials::provider(files, name, region);
                loader = loader.profile_files(files.clone()).profile_name(name).credentials_provider(provider);
            }
            tune(loader)
        };
        let endpoints = &identity.endpoints;
        let Some(role) = identity.assume_role.clone() else {
            return endpoints::apply(loader().load().await, endpoints);
        };
        let base = endpoints::apply(loader().load().await, endpoints);
        let assume = credentials::AssumeRoleCredentials { sts: aws_sdk_sts::Client::new(&base), role };
        let shared = aws_credential_types::provider::SharedCredentialsProvider::new(assume);
        endpoints::apply(loader().credentials_provider(shared).load().await, endpoints)
    }

    /// The credentials `assume_role_with_web_identity` gives in `region` (cached and refreshed
    /// by the SDK as they expire).
    async fn web_identity(
        &self,
        region: &str,
        web: &crate::cloud::WebIdentity,
        endpoints: &std::collections::BTreeMap<String, String>,
    ) -> aws_credential_types::provider::SharedCredentialsProvider {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .timeout_config(self.timeouts())
            .no_credentials();
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let sts = aws_sdk_sts::Client::new(&endpoints::apply(loader.load().await, endpoints));
        let provider = credentials::WebIdentityCredentials { sts, web: web.clone() };
        aws_credential_types::provider::SharedCredentialsProvider::new(provider)
    }

    /// STS GetCallerIdentity in `region`: the account its credentials act in.
    async fn account_of(&self, region: &str) -> Result<Option<String>, Error> {
        let sts = aws_sdk_sts::Client::new(&self.sdk_config(region).await);
        // A read: a lost answer is asked again, as read units are.
        let identity = crate::resources::sdk::retry_transient(4, transient, || async {
            self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            sts.get_caller_identity()
                .send()
                .await
                .map_err(|e| crate::resources::sdk::cloud_error("STS GetCallerIdentity", region, e))
        })
        .await?;
        Ok(identity.account().map(str::to_string))
    }

    /// Remembers how a request's provider configurations authenticate.
    fn act_as(&self, request: &InventoryRequest) {
        *self.identities.write().unwrap_or_else(|e| e.into_inner()) = request.identities.clone();
    }

    async fn read_region(&self, region: String, stack: String, owned: bool) -> Result<Vec<LiveObject>, Error> {
        let conf = self.sdk_config(&region).await;
        let mut r = RegionReader { region, conf, stack, owned, calls: self.calls.clone(), objects: Vec::new() };
        for unit in crate::resources::read_units() {
            if unit.global || !(unit.everywhere || owned) {
                continue;
            }
            read_retrying(&mut r, unit, &Narrow::All).await?;
        }
        Ok(r.objects)
    }

    async fn read_global(&self, dr_region: String, stack: String) -> Result<Vec<LiveObject>, Error> {
        let conf = self.sdk_config(&dr_region).await;
        let mut r = RegionReader {
            region: GLOBAL_REGION.into(),
            conf,
            stack,
            owned: true,
            calls: self.calls.clone(),
            objects: Vec::new(),
        };
        for unit in crate::resources::read_units().into_iter().filter(|u| u.global) {
            read_retrying(&mut r, unit, &Narrow::All).await?;
        }
        Ok(r.objects)
    }

    async fn read_all(&self, req: &InventoryRequest) -> Result<LiveSnapshot, Error> {
        let mut tasks = Vec::new();
        for region in &req.regions {
            let is_dr = *region == req.dr_region;
            let is_primary = req.primary_region.as_deref() == Some(region.as_str());
            let timeout = if is_primary { Some(self.primary_timeout) } else { None };
            let (this, name, stack) = (self.clone(), region.clone(), req.stack.clone());
            let owned = is_dr || (is_primary && req.owned_in_primary);
            tasks.push((region.clone(), is_dr, async move {
                let fut = this.read_region(name, stack, owned);
                match timeout {
                    Some(t) => tokio::time::timeout(t, fut).await.unwrap_or_else(|_| {
                        Err(Error::Cloud {
                            operation: "reading".into(),
                            region: String::new(),
                            message: format!("no answer within {}s", t.as_secs()),
                        })
                    }),
                    None => fut.await,
                }
            }));
        }
        let global = self.read_global(req.dr_region.clone(), req.stack.clone());
        let (regions, futures): (Vec<(String, bool)>, Vec<_>) =
            tasks.into_iter().map(|(r, dr, f)| ((r, dr), f)).unzip();
        let (results, global) = tokio::join!(futures_join_all(futures), global);
        let mut snapshot = LiveSnapshot {
            format_version: FORMAT_VERSION,
            captured_at: self.captured_at.clone().unwrap_or_else(crate::timefmt::now_rfc3339),
            account_id: None,
            regions: req.regions.iter().cloned().chain([GLOBAL_REGION.to_string()]).collect(),
            unavailable_regions: Vec::new(),
            objects: global?,
            provider_schema_versions: Default::default(),
            stack_seed: None,
            recorded_times: Default::default(),
        };
        for ((region, is_dr), result) in regions.into_iter().zip(results) {
            match result {
                Ok(objects) => snapshot.objects.extend(objects),
                // The DR region must be readable; any other region may be down.
                Err(e) if is_dr => return Err(e),
                Err(e) => snapshot.unavailable_regions.push(UnavailableRegion { region, reason: short_reason(&e) }),
            }
        }
        // The account the DR region's credentials act in (its role's, when it assumes one): what
        // data.aws_caller_identity answers. An object's owner is the fallback.
        let owner = snapshot.objects.iter().find_map(|o| o.attr_str("owner_id").map(str::to_string));
        snapshot.account_id = self.account_of(&req.dr_region).await.ok().flatten().or(owner);
        snapshot.sort();
        Ok(snapshot)
    }
}

fn short_reason(e: &Error) -> String {
    match e {
        Error::Cloud { operation, message, .. } if operation == "reading" => message.clone(),
        Error::Cloud { operation, message, .. } => {
            format!("{operation} failed: {}", message.lines().next().unwrap_or(message))
        }
        other => other.to_string(),
    }
}

/// Runs futures concurrently and returns their results in order.
async fn futures_join_all<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("reader task panicked"));
    }
    out
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .map_err(|e| Error::Io { context: "starting the async runtime".into(), source: e })
}

impl Cloud for Aws {
    fn inventory(&self, request: &InventoryRequest) -> Result<LiveSnapshot, Error> {
        self.act_as(request);
        runtime()?.block_on(async {
            let mut snapshot = self.read_all(request).await?;
            if request.stack_seed {
                let conf = self.sdk_config(&request.dr_region).await;
                let found =
                    seed::read(&conf, &request.dr_region, &request.stack).await.map_err(|message| Error::Cloud {
                        operation: "reading the stack seed".into(),
                        region: request.dr_region.clone(),
                        message,
                    })?;
                if let Some(found) = found {
                    snapshot.stack_seed = Some(found.seed);
                    snapshot.recorded_times = found.times;
                }
            }
            Ok(snapshot)
        })
    }

    fn reads_after_evaluation(&self) -> bool {
        true
    }

    fn reaches_aws(&self) -> bool {
        true
    }

    fn endpoint_url(&self) -> Option<String> {
        self.endpoint_url.clone()
    }

    fn caller_account(&self, region: &str) -> Result<Option<String>, Error> {
        runtime()?.block_on(self.account_of(region))
    }

    fn tagged(&self, request: &InventoryRequest) -> Result<Vec<crate::cloud::Tagged>, Error> {
        runtime()?.block_on(async {
            let conf = self.sdk_config(&request.dr_region).await;
            tagging::tagged(&conf, &request.dr_region, &request.stack).await
        })
    }

    fn subscriptions(
        &self,
        request: &InventoryRequest,
        topic_arn: &str,
    ) -> Result<Vec<crate::cloud::Subscription>, Error> {
        runtime()?.block_on(async {
            let conf = self.sdk_config(&request.dr_region).await;
            subscriptions::by_topic(&conf, &request.dr_region, topic_arn).await
        })
    }

    fn answer(&self, region: &str, questions: &crate::cloud::Questions) -> Option<crate::cloud::Answers> {
        let rt = runtime().ok()?;
        Some(rt.block_on(async {
            let conf = self.sdk_config(region).await;
            offerings::answer(&conf, region, questions).await
        }))
    }

    fn remote_states(
        &self,
        request: &InventoryRequest,
        at: &[crate::live::remote_state::S3Location],
    ) -> Result<crate::cloud::RemoteStates, Error> {
        Ok(runtime()?.block_on(self.read_states(request.primary_region.as_deref(), at)))
    }

    /// One narrowed read of the type's unit per scope (a zone and its records).
    fn scoped(&self, request: &InventoryRequest, scopes: &Scopes) -> Result<Vec<LiveObject>, Error> {
        runtime()?.block_on(async {
            let conf = self.sdk_config(&request.dr_region).await;
            let mut objects = Vec::new();
            for (ty, values) in scopes {
                let Some(t) = crate::resources::get(ty) else { continue };
                let Some(attr) = t.read_scope() else { continue };
                for id in values {
                    let narrow = Narrow::Parent { id: id.clone(), attr };
                    objects.extend(
                        self.read_unit(&conf, &request.dr_region, &request.stack, t.read_unit(), &narrow).await?,
                    );
                }
            }
            Ok(objects)
        })
    }
}

/// Reads one unit, again on a transient failure (throttling, a 5xx, a connection lost before
/// the answer: the SDK does not retry that last one), up to 4 tries with a doubling backoff
/// from 200 ms. Reads are idempotent; what a failed try had collected is dropped first. The
/// primary region's reads stay inside its time box, which wraps them all.
async fn read_retrying(r: &mut RegionReader, unit: &ReadUnit, narrow: &Narrow) -> Result<(), Error> {
    const TRIES: u32 = 4;
    let kept = r.objects.len();
    let mut tries = 0;
    loop {
        tries += 1;
        match (unit.read)(r, narrow).await {
            Err(e) if tries < TRIES && transient(&e) => {
                r.objects.truncate(kept);
                tokio::time::sleep(Duration::from_millis(100 << tries)).await;
            }
            result => return result,
        }
    }
}

/// Whether a failed read may pass when tried again: the connection failed or timed out, AWS
/// answered 5xx, or said "slow down" (the codes apply's retries use).
fn transient(e: &Error) -> bool {
    let Error::Cloud { message, .. } = e else { return false };
    ["dispatch failure", "timed out", "timeout", "connection closed", "connection reset", "HTTP 5"]
        .iter()
        .chain(crate::resources::sdk::RETRYABLE_CODES)
        .any(|needle| message.contains(needle))
}

/// A provider configuration's `use_fips_endpoint`, `use_dualstack_endpoint`, `max_retries` and
/// `retry_mode`, as the AWS SDK takes them.
fn client_settings(mut loader: aws_config::ConfigLoader, c: &crate::cloud::ClientSettings) -> aws_config::ConfigLoader {
    if c.use_fips {
        loader = loader.use_fips(true);
    }
    if c.use_dual_stack {
        loader = loader.use_dual_stack(true);
    }
    if let Some(attempts) = c.max_attempts {
        let retry = match c.adaptive_retries {
            true => aws_config::retry::RetryConfig::adaptive(),
            false => aws_config::retry::RetryConfig::standard(),
        };
        loader = loader.retry_config(retry.with_max_attempts(attempts));
    }
    loader
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_throttling_and_5xx_are_transient_for_reads() {
        let cloud = |message: &str| Error::Cloud {
            operation: "DescribeVpcs".into(),
            region: "us-west-2".into(),
            message: message.into(),
        };
        for message in [
            "dispatch failure: other: client error (SendRequest): connection closed before message completed",
            "service error: RequestLimitExceeded: Request limit exceeded.",
            "service error: ServiceUnavailable",
        ] {
            assert!(transient(&cloud(message)), "{message}");
        }
        for message in ["service error: UnauthorizedOperation: not allowed", "service error: InvalidVpcID.NotFound"] {
            assert!(!transient(&cloud(message)), "{message}");
        }
        assert!(!transient(&Error::Usage("x".into())));
    }
}
