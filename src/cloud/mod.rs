//! The cloud through two traits: [`Cloud`] (where live state comes from) and [`Provider`] (how
//! one object is written). The offline implementation reads a recorded snapshot; the AWS
//! backend reads and writes the regions themselves; [`memory`] does both in memory for tests.
//! All return the same [`LiveSnapshot`] model, so planning never knows which one it talks to.

pub mod aws;
pub mod memory;
mod questions;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub use questions::{Answers, DbOffer, Offerings, Questions, QuotaState};

use crate::error::Error;
use crate::live::remote_state::S3Location;
use crate::live::{LiveObject, LiveSnapshot};

/// What a plan needs read: the stack's owned objects in the DR region, and what data sources
/// may query in every region the configuration names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventoryRequest {
    pub stack: String,
    pub dr_region: String,
    /// The primary region: read-only, time-boxed, and allowed to be dead.
    pub primary_region: Option<String>,
    /// Every region to read (including the two above).
    pub regions: BTreeSet<String>,
    /// Read the primary region's objects this stack owns as the DR region's are read: in the
    /// failback phase, drplan builds there what `recovery.failback` lists.
    pub owned_in_primary: bool,
    /// How to authenticate, per region (the provider configurations' profile and role).
    pub identities: BTreeMap<String, Identity>,
    /// Read the stack's seed (`live::seed`): the configuration derives values from it.
    pub stack_seed: bool,
}

/// How drplan authenticates in a provider configuration's region (reads, writes, waits), as
/// that configuration says: its static keys, else the credentials of a named `profile` (read from its
/// `shared_config_files` and `shared_credentials_files`, or the standard ones), else the
/// environment's credential chain; then, with those, the role `assume_role` names. The default
/// is the environment's chain as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// `access_key`, `secret_key` and `token`: first, before any profile or the environment.
    pub static_keys: Option<StaticKeys>,
    pub profile: Option<String>,
    pub shared_config_files: Vec<String>,
    pub shared_credentials_files: Vec<String>,
    pub assume_role: Option<AssumeRole>,
    /// `assume_role_with_web_identity`: the credentials the others start from, when set.
    pub web_identity: Option<WebIdentity>,
    /// `endpoints`: a custom endpoint per service, by provider-aws's service name (`ec2`,
    /// `sts`); `--endpoint-url` (or `AWS_ENDPOINT_URL`) overrides them all.
    pub endpoints: BTreeMap<String, String>,
    /// The provider configuration's other arguments, as evaluated (`max_retries`,
    /// `use_fips_endpoint`, `s3_use_path_style`, ...): passed to the provider host as written,
    /// and honoured by drplan's own clients where the AWS SDK has them ([`ClientSettings`]).
    pub settings: BTreeMap<String, serde_json::Value>,
}

/// What drplan's own SDK clients take from a provider configuration's arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientSettings {
    pub use_fips: bool,
    pub use_dual_stack: bool,
    /// `max_retries`: the attempts of each call (aws-sdk-go-v2's, which provider-aws uses).
    pub max_attempts: Option<u32>,
    pub adaptive_retries: bool,
}

impl Identity {
    /// The arguments drplan's own clients honour.
    pub fn client(&self) -> ClientSettings {
        let flag = |k: &str| self.settings.get(k).is_some_and(|v| v == &serde_json::Value::Bool(true));
        ClientSettings {
            use_fips: flag("use_fips_endpoint"),
            use_dual_stack: flag("use_dualstack_endpoint"),
            max_attempts: self
                .settings
                .get("max_retries")
                .and_then(serde_json::Value::as_u64)
                .map(|n| n.clamp(1, 100) as u32),
            adaptive_retries: self.settings.get("retry_mode").and_then(serde_json::Value::as_str) == Some("adaptive"),
        }
    }
}

/// A provider configuration's `assume_role_with_web_identity`: a role assumed with an OIDC
/// token (STS AssumeRoleWithWebIdentity), as CI systems and EKS pods reach AWS. Its `Debug`
/// never shows the token.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct WebIdentity {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub duration_seconds: Option<u64>,
    /// The token itself (`web_identity_token`), or the file it is read from, again at every
    /// refresh (`web_identity_token_file`).
    pub token: WebIdentityToken,
    /// A session policy (JSON) and managed policies (ARNs) narrowing the session.
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

#[derive(Clone, PartialEq, Eq)]
pub enum WebIdentityToken {
    Inline(String),
    File(String),
}

impl Default for WebIdentityToken {
    fn default() -> Self {
        WebIdentityToken::File(String::new())
    }
}

impl std::fmt::Debug for WebIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let token = match &self.token {
            WebIdentityToken::Inline(_) => "(token)".to_string(),
            WebIdentityToken::File(path) => format!("file {path}"),
        };
        write!(f, "WebIdentity({}, {token})", self.role_arn)
    }
}

/// Keys written in a provider configuration. Its `Debug` never shows them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StaticKeys {
    pub access_key: String,
    pub secret_key: String,
    pub token: Option<String>,
}

impl std::fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticKeys(..)")
    }
}

impl Identity {
    /// Whether it says anything beyond the environment's credential chain.
    pub fn is_default(&self) -> bool {
        self == &Identity::default()
    }
}

/// A provider configuration's `assume_role`: the role drplan acts as in that configuration's
/// region, through STS AssumeRole from the configuration's credentials.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AssumeRole {
    pub role_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<u64>,
    /// A session policy (JSON) narrowing what the role may do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Managed policies narrowing the session, by ARN.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_arns: Vec<String>,
    /// Session tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Session tags that pass on to sessions this one assumes (role chaining).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitive_tag_keys: Vec<String>,
    /// The source identity CloudTrail records for every action of the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
}

/// Values that scope reading a type (its [`read_scope`](crate::resources::ResourceType::read_scope)
/// attribute), per type: the zone ids the configuration's Route 53 records name.
pub type Scopes = BTreeMap<&'static str, BTreeSet<String>>;

/// A source of secret strings by id (a Secrets Manager ARN or name).
pub trait Secrets: Sync {
    /// The secret's current string value; the error says which call failed, never the value.
    fn secret_string(&self, id: &str) -> Result<String, String>;
}

/// No secrets store: offline runs and tests without AWS.
pub struct NoSecrets;

impl Secrets for NoSecrets {
    fn secret_string(&self, id: &str) -> Result<String, String> {
        Err(format!("reading secret {id}: no AWS access in this run"))
    }
}

/// The read side of the cloud.
pub trait Cloud {
    fn inventory(&self, request: &InventoryRequest) -> Result<LiveSnapshot, Error>;

    /// Whether some things are read in a second step, once the configuration is evaluated
    /// against the inventory ([`Cloud::scoped`], [`Cloud::remote_states`]). A recorded snapshot
    /// already holds what was read.
    fn reads_after_evaluation(&self) -> bool {
        false
    }

    /// Whether it reads AWS (else a recorded snapshot, or nothing): an offline plan's provider
    /// host is configured so it cannot reach AWS either.
    fn reaches_aws(&self) -> bool {
        false
    }

    /// The endpoint every service is reached at, when overridden (moto, LocalStack).
    fn endpoint_url(&self) -> Option<String> {
        None
    }

    /// The AWS account the credentials act in (STS GetCallerIdentity in `region`); `None`
    /// where nothing is reached (a recorded snapshot, tests in memory).
    fn caller_account(&self, _region: &str) -> Result<Option<String>, Error> {
        Ok(None)
    }

    /// Every object in the DR region tagged with the stack, of any service: how objects of
    /// types served through the provider host are found (see `provider::discover`).
    fn tagged(&self, _request: &InventoryRequest) -> Result<Vec<Tagged>, Error> {
        Ok(Vec::new())
    }

    /// The confirmed subscriptions of an SNS topic in the DR region: how a subscription (which
    /// cannot be tagged, and whose ARN AWS makes up) is named for the provider to import.
    fn subscriptions(&self, _request: &InventoryRequest, _topic_arn: &str) -> Result<Vec<Subscription>, Error> {
        Ok(Vec::new())
    }

    /// The objects of scoped types within these scopes (with the scoping objects themselves).
    fn scoped(&self, _request: &InventoryRequest, _scopes: &Scopes) -> Result<Vec<LiveObject>, Error> {
        Ok(Vec::new())
    }

    /// What `drplan readiness` asks the DR region (offerings, images, quotas, dry runs).
    /// `None` when this cloud cannot say (a recorded snapshot, nothing at all).
    fn answer(&self, _region: &str, _questions: &Questions) -> Option<Answers> {
        None
    }

    /// States kept in S3 that `terraform_remote_state` data sources read, as snapshot objects
    /// ([`crate::live::remote_state::state_object`]), and the regions whose buckets did not
    /// answer. Read-only and time-boxed like the rest of the primary region.
    fn remote_states(&self, _request: &InventoryRequest, _at: &[S3Location]) -> Result<RemoteStates, Error> {
        Ok(RemoteStates::default())
    }
}

/// An object the tagging API lists: its ARN and tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tagged {
    pub arn: String,
    pub tags: BTreeMap<String, String>,
}

/// An SNS subscription ([`Cloud::subscriptions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub arn: String,
    pub protocol: String,
    pub endpoint: String,
}

/// What [`Cloud::remote_states`] read.
#[derive(Debug, Default)]
pub struct RemoteStates {
    pub objects: Vec<LiveObject>,
    pub unavailable: Vec<crate::live::UnavailableRegion>,
}

/// Live state from a recorded snapshot (`--live PATH`) or nothing at all (`--live empty`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Offline {
    /// An empty DR region and no primary objects.
    Empty,
    /// A recorded snapshot (see docs/live-state.md).
    Snapshot(PathBuf),
}

impl Offline {
    /// `--live empty` or `--live PATH`.
    pub fn parse(arg: &str) -> Result<Offline, String> {
        Ok(if arg == "empty" { Offline::Empty } else { Offline::Snapshot(PathBuf::from(arg)) })
    }
}

impl Cloud for Offline {
    /// A snapshot holds what was recorded; the request does not narrow it (objects of other
    /// stacks are never matched by ownership anyway).
    fn inventory(&self, _request: &InventoryRequest) -> Result<LiveSnapshot, Error> {
        match self {
            Offline::Empty => Ok(LiveSnapshot::empty()),
            Offline::Snapshot(path) => LiveSnapshot::load(path),
        }
    }
}

/// The write side of the cloud, symmetric to [`Cloud`]: performs one write on one object and
/// re-reads what a write may have changed. The AWS backend dispatches to the resource-type
/// registry; tests use an in-memory fake.
pub trait Provider: Send + Sync + 'static {
    /// Performs one write (create, update, delete, or waiting until ready) of a `ty` object.
    fn apply<'a>(
        &'a self,
        ty: &'a str,
        request: crate::resources::ApplyRequest<'a>,
    ) -> crate::resources::BoxFuture<'a, Result<(), crate::resources::StepError>>;

    /// Re-reads the objects of `ty`'s read unit that `narrow` covers, in the DR region (or
    /// the global pseudo-region for global types). Returns the unit's types too, so the caller
    /// knows which live objects the answer replaces.
    fn reread<'a>(
        &'a self,
        ty: &'a str,
        narrow: &'a crate::resources::sdk::Narrow,
    ) -> crate::resources::BoxFuture<'a, Result<Vec<LiveObject>, crate::resources::StepError>>;

    /// The stack's seed (`live::seed`), created in the DR region when it does not exist yet.
    /// A backend that keeps none refuses.
    fn stack_seed(
        &self,
    ) -> crate::resources::BoxFuture<'_, Result<crate::live::seed::StackSeed, crate::resources::StepError>> {
        Box::pin(async { Err(crate::resources::StepError::fatal("this backend keeps no stack seed")) })
    }

    /// Records a `time_*` resource's base time on the stack seed's secret, creating the seed
    /// first if it does not exist (`resources::time`). A backend that keeps none refuses.
    fn record_time<'a>(
        &'a self,
        _key: &'a str,
        _value: &'a str,
    ) -> crate::resources::BoxFuture<'a, Result<(), crate::resources::StepError>> {
        Box::pin(async { Err(crate::resources::StepError::fatal("this backend records no base times")) })
    }

    /// The stack's objects the tagging API lists in this provider's region (served types are
    /// found again through it). A backend without one lists nothing.
    fn tagged(&self) -> crate::resources::BoxFuture<'_, Result<Vec<Tagged>, crate::resources::StepError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// The object of a type served through the provider at `want.address`, looked up after a
    /// create whose outcome is unknown (see `provider::discover::find_after_write`); `None`
    /// for native types and backends without the provider.
    fn find_served<'a>(
        &'a self,
        _want: &'a crate::resources::Wanted,
        _stack: &'a str,
        _account: Option<&'a str>,
    ) -> crate::resources::BoxFuture<'a, Result<Option<LiveObject>, crate::resources::StepError>> {
        Box::pin(async { Ok(None) })
    }

    /// Whether every id `want` names is read as "no such object" through the provider, just
    /// before a served create: `true` lets a lookup after a lost answer take an untagged
    /// object there ([`crate::resources::Wanted::claim_untagged`]). `false` where unknown.
    fn served_ids_free<'a>(
        &'a self,
        _want: &'a crate::resources::Wanted,
    ) -> crate::resources::BoxFuture<'a, Result<bool, crate::resources::StepError>> {
        Box::pin(async { Ok(false) })
    }

    /// Objects of a served type, other than the one whose ARN is `kept`, that the tagging
    /// listing `tagged` names as `address`'s in `stack`, read and proven by their tags: what
    /// the provider's own retry of a create made besides the object it handed back. Empty for
    /// native types (their creates are idempotent by token or found before a retry).
    fn served_duplicates<'a>(
        &'a self,
        _ty: &'a str,
        _address: &'a str,
        _kept: &'a str,
        _stack: &'a str,
        _tagged: &'a [Tagged],
    ) -> crate::resources::BoxFuture<'a, Vec<crate::live::LiveObject>> {
        Box::pin(async { Vec::new() })
    }
}

impl<P: Provider> Provider for std::sync::Arc<P> {
    fn apply<'a>(
        &'a self,
        ty: &'a str,
        request: crate::resources::ApplyRequest<'a>,
    ) -> crate::resources::BoxFuture<'a, Result<(), crate::resources::StepError>> {
        self.as_ref().apply(ty, request)
    }

    fn reread<'a>(
        &'a self,
        ty: &'a str,
        narrow: &'a crate::resources::sdk::Narrow,
    ) -> crate::resources::BoxFuture<'a, Result<Vec<LiveObject>, crate::resources::StepError>> {
        self.as_ref().reread(ty, narrow)
    }

    fn stack_seed(
        &self,
    ) -> crate::resources::BoxFuture<'_, Result<crate::live::seed::StackSeed, crate::resources::StepError>> {
        self.as_ref().stack_seed()
    }

    fn record_time<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
    ) -> crate::resources::BoxFuture<'a, Result<(), crate::resources::StepError>> {
        self.as_ref().record_time(key, value)
    }

    fn tagged(&self) -> crate::resources::BoxFuture<'_, Result<Vec<Tagged>, crate::resources::StepError>> {
        self.as_ref().tagged()
    }

    fn find_served<'a>(
        &'a self,
        want: &'a crate::resources::Wanted,
        stack: &'a str,
        account: Option<&'a str>,
    ) -> crate::resources::BoxFuture<'a, Result<Option<LiveObject>, crate::resources::StepError>> {
        self.as_ref().find_served(want, stack, account)
    }

    fn served_ids_free<'a>(
        &'a self,
        want: &'a crate::resources::Wanted,
    ) -> crate::resources::BoxFuture<'a, Result<bool, crate::resources::StepError>> {
        self.as_ref().served_ids_free(want)
    }

    fn served_duplicates<'a>(
        &'a self,
        ty: &'a str,
        address: &'a str,
        kept: &'a str,
        stack: &'a str,
        tagged: &'a [Tagged],
    ) -> crate::resources::BoxFuture<'a, Vec<crate::live::LiveObject>> {
        self.as_ref().served_duplicates(ty, address, kept, stack, tagged)
    }
}
