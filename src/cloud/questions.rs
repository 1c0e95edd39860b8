//! What `drplan readiness` asks the DR region, and what it answers: where instance types and
//! DB instance classes are offered, which AMIs exist, each quota's limit and current use, the
//! vCPUs of instance types, and dry runs of the plan's writes. Each answer is its own result,
//! so one call that fails (a service moto does not serve, a denied read) leaves the rest.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::resources::{DryRun, Permission, Quota, Usage};

/// Instance type -> the zones it is offered in.
pub type Offerings = BTreeMap<String, BTreeSet<String>>;

#[derive(Default)]
pub struct Questions {
    pub instance_types: BTreeSet<String>,
    pub images: BTreeSet<String>,
    /// (engine, DB instance class).
    pub db_classes: BTreeSet<(String, String)>,
    /// Each quota once.
    pub quotas: Vec<&'static Quota>,
    /// Instance types whose vCPUs count against a quota.
    pub vcpus_of: BTreeSet<String>,
    /// (address, the dry run, the step's planned arguments): one per action.
    pub dry_runs: Vec<(String, DryRun, Json)>,
    /// Secrets Manager secrets the `sql` checks log in with (name or ARN).
    pub secrets: BTreeSet<String>,
}

/// Where a DB instance class is orderable for an engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbOffer {
    Zones(BTreeSet<String>),
    /// The region lists no orderable options at all for the engine: nothing to compare with.
    EngineUnlisted,
}

/// A quota's applied limit and the region's current use of it.
#[derive(Clone, Debug, PartialEq)]
pub struct QuotaState {
    pub limit: f64,
    pub usage: Usage,
}

pub struct Answers {
    pub offerings: Result<Offerings, String>,
    pub images: Result<BTreeSet<String>, String>,
    pub db_classes: Result<BTreeMap<(String, String), DbOffer>, String>,
    /// By quota code.
    pub quotas: BTreeMap<&'static str, Result<QuotaState, String>>,
    pub vcpus: Result<BTreeMap<String, u64>, String>,
    /// (address, action, what the dry run said).
    pub permissions: Vec<(String, &'static str, Permission)>,
    /// By secret id: whether it exists in the DR region (DescribeSecret: metadata, never the
    /// value).
    pub secrets: BTreeMap<String, Result<bool, String>>,
}
