//! What every type module shares to talk to AWS through aws-sdk-rust: the write context
//! ([`Cx`]: clients for the DR region), the read context ([`RegionReader`]), read units,
//! errors as drplan reports them (the operation, the region, the cause; retryable or not),
//! argument reading ([`args`]) and adaptive waiting ([`wait`]).
//!
//! It knows no resource type.

pub mod args;
pub mod wait;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_config::SdkConfig;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};

pub use args::{Args, live_value, owned_tags};
pub use wait::Polling;

use super::{BoxFuture, Service};
use crate::error::Error;
use crate::live::{ADDRESS_TAG, LiveObject, STACK_TAG};
use crate::resources::StepError;

/// What every write needs: clients for the DR region, the stack, and how to poll.
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
    pub fn new(conf: &SdkConfig, stack: String, run_id: String, polling: Polling, calls: Arc<AtomicUsize>) -> Self {
        Cx {
            ec2: aws_sdk_ec2::Client::new(conf),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(conf),
            rds: aws_sdk_rds::Client::new(conf),
            r53: aws_sdk_route53::Client::new(conf),
            region: conf.region().map(|r| r.to_string()).unwrap_or_default(),
            stack,
            run_id,
            polling,
            calls,
        }
    }

    /// Counts an API call (for the benchmarks).
    pub fn call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    /// The tags an object created for `address` carries: the user's, then ownership.
    pub fn tags(&self, a: &Args, address: &str) -> BTreeMap<String, String> {
        owned_tags(a, &self.stack, address)
    }

    /// The name an object gets: the configured `name_attr`, else the configured `prefix_attr`
    /// (or the provider's `default_prefix`) followed by 26 characters, as provider-aws's
    /// generated names have. Theirs come from the clock; these are derived from the stack and
    /// the address, so a create sent again after a lost answer asks for the same name (AWS's
    /// uniqueness then refuses a second object), and two stacks never collide.
    pub fn name_or_generated(&self, a: &Args, address: &str, attrs: (&str, &str), default_prefix: &str) -> String {
        use sha2::Digest as _;
        if let Some(name) = a.str(attrs.0) {
            return name;
        }
        let prefix = a.str(attrs.1).unwrap_or_else(|| default_prefix.to_string());
        let digest = sha2::Sha256::digest(format!("drplan name v1\0{}\0{address}", self.stack));
        let unique: String = hex::encode(digest).chars().take(26).collect();
        format!("{prefix}{unique}")
    }
}

/// Which objects of a unit a read covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Narrow {
    /// Everything the unit lists.
    All,
    /// The objects tagged with this `drplan:address` (and the stack).
    Address(String),
    /// The objects with these ids (the cheapest lookup, where the ids are known).
    Ids(Vec<String>),
    /// The object with this id, and the objects whose `attr` names it (a route table's routes
    /// and associations).
    Parent { id: String, attr: &'static str },
}

impl Narrow {
    /// Whether `o` (of one of the unit's types, in the region read) is within this read.
    pub fn covers(&self, o: &LiveObject) -> bool {
        match self {
            Narrow::All => true,
            Narrow::Address(a) => o.tags.get(ADDRESS_TAG) == Some(a),
            Narrow::Ids(ids) => ids.contains(&o.id),
            Narrow::Parent { id, attr } => o.id == *id || o.attr_str(attr) == Some(id.as_str()),
        }
    }
}

/// A read function: lists a unit's objects into the reader, narrowed where it can be.
pub type ReadFn = for<'a> fn(&'a mut RegionReader, &'a Narrow) -> BoxFuture<'a, Result<(), Error>>;

/// A part of a region's inventory read on its own: one batched, paginated listing of one
/// or a few related types.
pub struct ReadUnit {
    pub name: &'static str,
    pub service: Service,
    /// The live types a read of this unit produces (a re-read replaces exactly these).
    pub types: &'static [&'static str],
    /// Read in every region (data sources query it), not only where owned objects are.
    pub everywhere: bool,
    /// Whether the reader honours [`Narrow::Address`], [`Narrow::Ids`] and [`Narrow::Parent`];
    /// if not, a narrowed re-read reads the whole unit.
    pub narrows: bool,
    /// Read once for the account (Route 53), into the global pseudo-region, not per region.
    pub global: bool,
    pub read: ReadFn,
}

impl std::fmt::Debug for ReadUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadUnit").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Units that list objects only data sources read (no managed type owns them).
pub const DATA_UNITS: &[&ReadUnit] = &[&super::ec2::zones::ZONES, &super::rds::db_instance::AUTOMATED_BACKUPS];

/// One region being read: its SDK configuration and what was found.
pub struct RegionReader {
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
        tags.get(STACK_TAG).is_some_and(|s| *s == self.stack)
    }
}

/// An SDK error as drplan reports it: the operation, the region, and the cause chain as
/// sentences (the SDK's debug dump is left out), with a hint for missing credentials.
pub fn cloud_error<E: std::error::Error + 'static>(operation: &str, region: &str, e: E) -> Error {
    let mut message = causes(&e).join(": ");
    if message.contains("credentials") {
        message.push_str("\nhint: configure AWS credentials for the DR account (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or SSO), or plan offline with --live");
    }
    Error::Cloud { operation: operation.into(), region: region.into(), message }
}

fn causes(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts
}

/// Error codes that mean "slow down" or "busy, try again".
pub(crate) const RETRYABLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "PriorRequestNotComplete",
    "ServiceUnavailable",
    "InternalError",
    "InternalFailure",
    "DependencyViolation",
    "IncorrectState",
    "InvalidDBInstanceState",
    "ResourceInUse",
];

/// Runs an idempotent call (a read) up to `tries` times while it fails with an error
/// `transient` accepts, waiting 200 ms, then 400 ms, ... between tries. The one retry loop of
/// reads that the SDKs do not retry themselves (a connection lost before the answer) or that
/// run with their retries off.
pub async fn retry_transient<T, E, F, Fut>(tries: u32, transient: impl Fn(&E) -> bool, mut call: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut tried = 0;
    loop {
        tried += 1;
        match call().await {
            Err(e) if tried < tries && transient(&e) => {
                tokio::time::sleep(std::time::Duration::from_millis(100 << tried)).await;
            }
            result => return result,
        }
    }
}

/// An SDK error as a step error: the operation and the cause chain, retryable when AWS says
/// "slow down", answers 5xx, or the connection failed.
pub fn sdk_error<E>(operation: &str, e: SdkError<E>) -> StepError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = e.code().map(str::to_string);
    let status = e.raw_response().map(|r| r.status().as_u16());
    let retryable = match &e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        _ => {
            status.is_some_and(|s| s >= 500 || s == 429)
                || code.as_deref().is_some_and(|c| RETRYABLE_CODES.contains(&c))
        }
    };
    let mut parts: Vec<String> = code.iter().cloned().collect();
    match e.message() {
        Some(m) => parts.push(m.to_string()),
        None => {
            for text in causes(&e) {
                if !parts.iter().any(|p| p.contains(&text)) {
                    parts.push(text);
                }
            }
        }
    }
    if parts.is_empty() {
        parts.push(format!("HTTP {}", status.unwrap_or_default()));
    }
    StepError { message: format!("{operation}: {}", parts.join(": ")), retryable }
}

/// A delete's result where "not found" (one of `codes`) means done: a resumed run may find
/// the object already gone.
pub fn gone_ok<T, E>(operation: &str, result: Result<T, SdkError<E>>, codes: &[&str]) -> Result<(), StepError>
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
pub fn code_of<E: ProvideErrorMetadata>(e: &SdkError<E>) -> Option<&str> {
    e.code()
}

/// Tags from any SDK's tag list, as a sorted map.
pub fn tag_map<'t>(tags: impl IntoIterator<Item = (Option<&'t str>, Option<&'t str>)>) -> BTreeMap<String, String> {
    tags.into_iter().filter_map(|(k, v)| Some((k?.to_string(), v.unwrap_or_default().to_string()))).collect()
}

/// SDK timestamps as RFC 3339.
pub fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

/// Nested blocks record only what is set.
pub fn strip_nulls(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            serde_json::Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect())
        }
        other => other,
    }
}

/// The live object an update, delete or ready needs.
/// The prefix a name was generated from ([`Cx::name_or_generated`], or provider-aws's unique
/// suffix): the name without its 26 trailing hexadecimal digits, as provider-aws's
/// `NamePrefixFromName` reads it back; `None` for a name without such a suffix.
pub fn name_prefix_of(name: &str) -> Option<&str> {
    let cut = name.len().checked_sub(26).filter(|c| *c > 0)?;
    let (prefix, suffix) = (name.get(..cut)?, name.get(cut..)?);
    suffix.bytes().all(|b| b.is_ascii_hexdigit()).then_some(prefix)
}

pub fn prior(p: Option<&LiveObject>) -> Result<&LiveObject, StepError> {
    p.ok_or_else(|| StepError::fatal("no live object to change"))
}

#[cfg(test)]
mod tests {
    use crate::eval::Fields;

    use super::*;
    use crate::eval::Value;

    fn cx(stack: &str) -> Cx {
        let conf = aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        Cx::new(&conf, stack.into(), "run".into(), Polling::default(), Arc::default())
    }

    #[test]
    fn a_generated_names_prefix_is_read_back() {
        let none = Value::Map(Default::default());
        let named = |prefix: &str| {
            let config = Value::Map([("name_prefix".to_string(), Value::from(prefix))].into());
            cx("prod").name_or_generated(&Args(&config), "aws_lb.web", ("name", "name_prefix"), "tf-lb-")
        };
        assert_eq!(name_prefix_of(&named("web-")), Some("web-"));
        let generated = cx("prod").name_or_generated(&Args(&none), "aws_lb.web", ("name", "name_prefix"), "tf-lb-");
        assert_eq!(name_prefix_of(&generated), Some("tf-lb-"));
        // provider-aws's own suffix (a timestamp and a counter) reads the same way.
        assert_eq!(name_prefix_of("app-20240102030405060700000001"), Some("app-"));
        for plain in ["web", "web-lb", "0123456789abcdef0123456789", "my-name-not-a-generated-suffix-at-all"] {
            assert_eq!(name_prefix_of(plain), None, "{plain}");
        }
    }

    #[test]
    fn an_unnamed_object_gets_a_name_derived_from_its_stack_and_address() {
        let config = |pairs: &[(&str, &str)]| {
            Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect::<Fields>())
        };
        let none = config(&[]);
        let name = cx("prod").name_or_generated(&Args(&none), "aws_lb.web", ("name", "name_prefix"), "tf-lb-");
        assert!(name.starts_with("tf-lb-") && name.len() == 32, "{name}");
        assert_eq!(cx("prod").name_or_generated(&Args(&none), "aws_lb.web", ("name", "name_prefix"), "tf-lb-"), name);
        assert_ne!(cx("dev").name_or_generated(&Args(&none), "aws_lb.web", ("name", "name_prefix"), "tf-lb-"), name);
        let prefixed = config(&[("name_prefix", "web-")]);
        let with_prefix =
            cx("prod").name_or_generated(&Args(&prefixed), "aws_lb.web", ("name", "name_prefix"), "tf-lb-");
        assert_eq!(with_prefix, format!("web-{}", &name["tf-lb-".len()..]));
        let named = config(&[("name", "web")]);
        assert_eq!(cx("prod").name_or_generated(&Args(&named), "aws_lb.web", ("name", "name_prefix"), "tf-lb-"), "web");
    }
}
