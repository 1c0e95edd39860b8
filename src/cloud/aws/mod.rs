//! The AWS backend's read side: the live inventory from the DR and primary regions through
//! aws-sdk-rust. Reads are batched, paginated describe calls per type (filtered by the stack's
//! tag where AWS can filter), never one call per resource; every region is read concurrently;
//! the primary region is time-boxed and, when it does not answer, the plan goes on without it.
//!
//! Credentials and profiles come from the standard AWS chain. `AWS_ENDPOINT_URL` (or
//! `--endpoint-url`) points every service at another endpoint, which is how tests reach moto.

mod ec2;
mod elb;
mod rds;
mod route53;
pub mod write;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};

use super::{Cloud, InventoryRequest};
use crate::error::Error;
use crate::live::data::GLOBAL_REGION;
use crate::live::{FORMAT_VERSION, LiveObject, LiveSnapshot, UnavailableRegion};

/// The AWS backend.
#[derive(Clone, Debug)]
pub struct Aws {
    /// Overrides every service endpoint (moto, LocalStack); `AWS_ENDPOINT_URL` works too.
    pub endpoint_url: Option<String>,
    /// How long the primary region may take before the plan goes on without it.
    pub primary_timeout: Duration,
    /// When the snapshot was taken; `None` uses the clock.
    pub captured_at: Option<String>,
    /// API calls made, for the refresh benchmark.
    pub calls: Arc<AtomicUsize>,
}

impl Default for Aws {
    fn default() -> Self {
        Aws { endpoint_url: None, primary_timeout: Duration::from_secs(20), captured_at: None, calls: Arc::default() }
    }
}

/// One region being read: its SDK configuration and what was found.
pub(crate) struct RegionReader {
    pub region: String,
    pub conf: SdkConfig,
    pub stack: String,
    /// Whether owned (managed) objects are read here: true only for the DR region.
    pub owned: bool,
    pub calls: Arc<AtomicUsize>,
    pub objects: Vec<LiveObject>,
}

impl RegionReader {
    pub fn call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    pub fn push(
        &mut self,
        ty: &str,
        id: impl Into<String>,
        tags: BTreeMap<String, String>,
        attributes: serde_json::Value,
    ) {
        let attributes = match attributes {
            serde_json::Value::Object(m) => m.into_iter().filter(|(_, v)| !v.is_null()).collect(),
            _ => BTreeMap::new(),
        };
        self.objects.push(LiveObject { ty: ty.into(), region: self.region.clone(), id: id.into(), tags, attributes });
    }

    pub fn owned_by_stack(&self, tags: &BTreeMap<String, String>) -> bool {
        tags.get(crate::live::STACK_TAG).is_some_and(|s| *s == self.stack)
    }
}

/// An SDK error as drplan reports it: the operation, the region, and the cause chain as
/// sentences (the SDK's debug dump is left out), with a hint for missing credentials.
pub(crate) fn cloud_error<E: std::error::Error + 'static>(operation: &str, region: &str, e: E) -> Error {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    let mut message = parts.join(": ");
    if message.contains("credentials") {
        message.push_str("\nhint: configure AWS credentials for the DR account (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or SSO), or plan offline with --live");
    }
    Error::Cloud { operation: operation.into(), region: region.into(), message }
}

/// A part of a region's inventory that can be re-read on its own: one service's batched reads
/// of one or a few related types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unit {
    service: Service,
    name: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Service {
    Ec2,
    Elb,
    Rds,
    Route53,
}

impl Unit {
    /// The live types a read of this unit replaces.
    pub fn types(&self) -> &'static [&'static str] {
        match self.service {
            Service::Ec2 => ec2::unit_types(self.name),
            Service::Rds => rds::unit_types(self.name),
            Service::Elb => &["aws_lb", "aws_lb_target_group", "aws_lb_listener", "aws_lb_target_group_attachment"],
            Service::Route53 => &["aws_route53_zone", "aws_route53_record", "aws_route53_health_check"],
        }
    }
}

/// The unit whose read covers a managed type.
pub fn unit_for_type(ty: &str) -> Option<Unit> {
    let find = |service: Service, units: &[&'static str], types: fn(&str) -> &'static [&'static str]| {
        units.iter().find(|u| types(u).contains(&ty)).map(|&name| Unit { service, name })
    };
    find(Service::Ec2, ec2::UNITS, ec2::unit_types).or_else(|| find(Service::Rds, rds::UNITS, rds::unit_types)).or_else(
        || {
            let elb = Unit { service: Service::Elb, name: "elbv2" };
            let r53 = Unit { service: Service::Route53, name: "route53" };
            [elb, r53].into_iter().find(|u| u.types().contains(&ty))
        },
    )
}

impl Aws {
    /// Re-reads some units of the DR region (Route 53 units read the global service).
    pub(crate) async fn read_units(
        &self,
        conf: &SdkConfig,
        region: &str,
        stack: &str,
        units: &[Unit],
    ) -> Result<Vec<LiveObject>, Error> {
        let mut r = RegionReader {
            region: region.into(),
            conf: conf.clone(),
            stack: stack.into(),
            owned: true,
            calls: self.calls.clone(),
            objects: Vec::new(),
        };
        for unit in units {
            match unit.service {
                Service::Ec2 => ec2::read_unit(&mut r, unit.name).await?,
                Service::Rds => rds::read_unit(&mut r, unit.name).await?,
                Service::Elb => elb::read(&mut r).await?,
                Service::Route53 => {
                    let mut g = RegionReader {
                        region: GLOBAL_REGION.into(),
                        conf: conf.clone(),
                        stack: stack.into(),
                        owned: true,
                        calls: self.calls.clone(),
                        objects: Vec::new(),
                    };
                    route53::read(&mut g).await?;
                    r.objects.extend(g.objects);
                }
            }
        }
        Ok(r.objects)
    }

    async fn sdk_config(&self, region: &str) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(Region::new(region.to_string()));
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        loader.load().await
    }

    async fn read_region(&self, region: String, stack: String, owned: bool) -> Result<Vec<LiveObject>, Error> {
        let conf = self.sdk_config(&region).await;
        let mut r = RegionReader { region, conf, stack, owned, calls: self.calls.clone(), objects: Vec::new() };
        ec2::read(&mut r).await?;
        elb::read(&mut r).await?;
        rds::read(&mut r).await?;
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
        route53::read(&mut r).await?;
        Ok(r.objects)
    }

    async fn read_all(&self, req: &InventoryRequest) -> Result<LiveSnapshot, Error> {
        let mut tasks = Vec::new();
        for region in &req.regions {
            let is_dr = *region == req.dr_region;
            let is_primary = req.primary_region.as_deref() == Some(region.as_str());
            let timeout = if is_primary { Some(self.primary_timeout) } else { None };
            let (this, name, stack) = (self.clone(), region.clone(), req.stack.clone());
            tasks.push((region.clone(), is_dr, async move {
                let fut = this.read_region(name, stack, is_dr);
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
            captured_at: self.captured_at.clone().unwrap_or_else(now_rfc3339),
            account_id: None,
            regions: req.regions.iter().cloned().chain([GLOBAL_REGION.to_string()]).collect(),
            unavailable_regions: Vec::new(),
            objects: global?,
        };
        for ((region, is_dr), result) in regions.into_iter().zip(results) {
            match result {
                Ok(objects) => snapshot.objects.extend(objects),
                // The DR region must be readable; any other region may be down.
                Err(e) if is_dr => return Err(e),
                Err(e) => snapshot.unavailable_regions.push(UnavailableRegion { region, reason: short_reason(&e) }),
            }
        }
        snapshot.account_id = snapshot.objects.iter().find_map(|o| o.attr_str("owner_id").map(str::to_string));
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

/// The clock as RFC 3339 (snapshots and drill reports).
pub fn now_rfc3339() -> String {
    aws_smithy_types::DateTime::from(std::time::SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| crate::live::EMPTY_CAPTURED_AT.into())
}

impl Cloud for Aws {
    fn inventory(&self, request: &InventoryRequest) -> Result<LiveSnapshot, Error> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .map_err(|e| Error::Io { context: "starting the async runtime".into(), source: e })?;
        rt.block_on(self.read_all(request))
    }
}

/// Tags from any SDK's tag list, as a sorted map.
pub(crate) fn tag_map<'t>(
    tags: impl IntoIterator<Item = (Option<&'t str>, Option<&'t str>)>,
) -> BTreeMap<String, String> {
    tags.into_iter().filter_map(|(k, v)| Some((k?.to_string(), v.unwrap_or_default().to_string()))).collect()
}

/// SDK timestamps as RFC 3339.
pub(crate) fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}
