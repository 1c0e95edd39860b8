//! The resource-type registry: one home per resource type.
//!
//! Each managed type drplan serves natively has one module (`ec2::vpc`, `rds::db_instance`, ...)
//! implementing [`ResourceType`]: its schema link, the AWS service it calls, how its objects
//! are identified (ownership tags, or a natural key for types AWS cannot tag), whether it is
//! global, which types must be deleted before it, how long its steps take, its runbook text,
//! the read unit that lists its objects, and its create/update/delete/ready calls. Nothing
//! else in drplan matches on a type name: callers ask [`get`].
//!
//! The trait speaks in requests and responses per type (plan a change, apply it, read), the
//! shape of OpenTofu's `providers.Interface`, so a type served through the Terraform plugin
//! protocol can implement it generically.
//!
//! This module does not decide plans (see [`crate::plan::decide`]) nor schedule steps.
//!
//! ```
//! let vpc = drplan::resources::get("aws_vpc").unwrap();
//! assert_eq!(vpc.service().as_str(), "ec2");
//! assert!(drplan::resources::get("aws_s3_bucket").is_none());
//! ```

mod action;
pub mod capacity;
mod durations;
pub mod ec2;
pub mod elb;
pub mod graph_only;
pub mod imports;
pub mod local_file;
pub mod random;
pub mod rds;
pub mod route53;
pub mod sdk;
pub mod time;
pub mod time_sleep;
pub mod tls;
mod write;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use serde_json::Value as Json;

use crate::eval::Value;
use crate::live::LiveObject;
pub use action::StepAction;
pub use capacity::{Amount, Capacity, DryRun, Permission, Quota, Usage};
use sdk::{Cx, Narrow, ReadUnit};
pub use write::{ApplyRequest, Created, Op, StepError, Wanted};

/// The `name`, `service` and `read_unit` of a type module's [`ResourceType`] implementation:
/// `basics!(TYPE, Ec2, &UNIT);`.
macro_rules! basics {
    ($ty:expr, $service:ident, $unit:expr) => {
        fn name(&self) -> &'static str {
            $ty
        }

        fn service(&self) -> $crate::resources::Service {
            $crate::resources::Service::$service
        }

        fn read_unit(&self) -> &'static $crate::resources::sdk::ReadUnit {
            $unit
        }
    };
}
pub(crate) use basics;

/// A boxed future, so the trait stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The AWS service a type's calls go to (per-service concurrency limits use it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Ec2,
    Elbv2,
    Rds,
    Route53,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::Elbv2 => "elbv2",
            Service::Rds => "rds",
            Service::Route53 => "route53",
        }
    }
}

/// How drplan finds the object an address manages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// By the `drplan:stack` and `drplan:address` tags.
    Tags,
    /// AWS cannot tag it: by these attributes, from the configuration.
    NaturalKey(&'static [&'static str]),
}

/// How an object found by natural key (a type AWS cannot tag) is proven this stack's own before
/// drplan changes or deletes it. An object exactly as the configuration declares it needs no
/// proof: changing nothing, or deleting what the configuration itself describes, harms no one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// Its key names a parent this stack owns (both tags): a route's route table. `attr` holds
    /// the parent's id or ARN.
    Parent { attr: &'static str, parent: &'static str },
    /// Nothing but its content; `overwrite` names a boolean argument with which the
    /// configuration claims an object that differs (provider-aws's `allow_overwrite`).
    Content { overwrite: Option<&'static str> },
    /// Its parent, where this stack owns it (a record in the stack's own zone); else its
    /// content, or the configuration's claim with `overwrite` (a record in a shared zone).
    ParentOrContent { attr: &'static str, parent: &'static str, overwrite: &'static str },
}

/// How long a step is expected to take, and why that figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Estimate {
    pub seconds: u64,
    pub why: String,
    /// No figure is known for the type: the seconds are a placeholder, and a verdict resting on
    /// them is not known ([`durations`]).
    pub guess: bool,
}

impl Estimate {
    pub fn new(seconds: u64, why: &str) -> Self {
        Estimate { seconds, why: why.into(), guess: false }
    }

    pub fn guess(seconds: u64, why: &str) -> Self {
        Estimate { seconds, why: why.into(), guess: true }
    }
}

/// A planned step as a type sees it: to estimate its duration or write its runbook text.
#[derive(Clone, Copy, Debug)]
pub struct StepView<'a> {
    pub address: &'a str,
    /// create, update, replace, delete or read.
    pub action: StepAction,
    /// The planned arguments (Terraform's `after`; unknowns are null).
    pub after: &'a Json,
    /// Attributes an update changes.
    pub changed: &'a [String],
    pub region: &'a str,
    /// The stack (`drplan:stack`), for the ownership tags of a create by hand; empty where
    /// nothing is tagged (estimates, readiness).
    pub stack: &'a str,
}

impl<'a> StepView<'a> {
    /// A planned create as readiness looks at it (nothing tagged, nothing changed).
    pub fn create(address: &'a str, after: &'a Json, region: &'a str) -> Self {
        StepView { address, action: StepAction::Create, after, changed: &[], region, stack: "" }
    }

    /// A planned argument as text for a command line, or a placeholder naming it.
    pub fn arg(&self, key: &str) -> String {
        match self.after.get(key) {
            Some(Json::String(s)) => s.clone(),
            Some(Json::Number(n)) => n.to_string(),
            Some(Json::Bool(b)) => b.to_string(),
            Some(Json::Array(items)) if !items.is_empty() && items.iter().all(Json::is_string) => {
                items.iter().filter_map(Json::as_str).collect::<Vec<_>>().join(" ")
            }
            _ => format!("<{key} from an earlier step>"),
        }
    }

    /// A string argument, or `default` when unset.
    pub fn arg_or(&self, key: &str, default: &str) -> String {
        self.after.get(key).and_then(Json::as_str).unwrap_or(default).to_string()
    }

    /// An argument as JSON, when set.
    pub fn json(&self, key: &str) -> Option<&Json> {
        self.after.get(key).filter(|v| !v.is_null())
    }

    /// A key of the first nested `block`, when set.
    pub fn nested(&self, block: &str, key: &str) -> Option<String> {
        self.after.get(block)?.get(0)?.get(key).and_then(|v| match v {
            Json::String(s) => Some(s.clone()),
            Json::Bool(b) => Some(b.to_string()),
            _ => None,
        })
    }

    /// Whether an argument is set (not null, not an empty list).
    pub fn is_set(&self, key: &str) -> bool {
        self.after.get(key).is_some_and(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
    }

    /// `aws SERVICE OP --filters Name=tag:drplan:address,...`: finds this step's object.
    pub fn by_tag(&self, service: &str, op: &str, query: &str) -> String {
        format!(
            "aws {service} {op} --filters Name=tag:drplan:stack,Values={} Name=tag:drplan:address,Values={} --query '{query}' --region {}",
            shell_quote(self.stack),
            shell_quote(self.address),
            self.region
        )
    }

    /// The resource's name in the configuration (`web` in `module.app.aws_instance.web[0]`).
    pub fn name(&self) -> &str {
        let path = self.address.split('[').next().unwrap_or(self.address);
        path.rsplit('.').next().unwrap_or(path)
    }

    /// The tags apply sets: the configuration's (`tags_all`: the provider's default tags
    /// included) and both ownership tags (`drplan:stack` and `drplan:address`, which
    /// `drplan apply` finds the object by afterwards).
    pub fn tags(&self) -> BTreeMap<String, String> {
        let all = self.after.get("tags_all").filter(|t| t.is_object());
        let mut tags: BTreeMap<String, String> = all
            .or_else(|| self.after.get("tags"))
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect();
        tags.insert(crate::live::STACK_TAG.into(), self.stack.into());
        tags.insert(crate::live::ADDRESS_TAG.into(), self.address.into());
        tags
    }

    /// `--tags` as RDS, ELBv2 and most services take them (a JSON list of Key/Value).
    pub fn tags_arg(&self) -> String {
        self.tags_arg_with(None)
    }

    /// [`StepView::tags_arg`] with `extra` tags a type records on its objects.
    pub fn tags_arg_with(&self, extra: impl IntoIterator<Item = (String, String)>) -> String {
        let mut tags = self.tags();
        tags.extend(extra);
        let tags: Vec<Json> = tags.into_iter().map(|(k, v)| serde_json::json!({"Key": k, "Value": v})).collect();
        format!("--tags {}", shell_quote(&Json::Array(tags).to_string()))
    }

    /// The object a create by hand made, by both ownership tags: prints its ARN once it exists.
    pub fn by_ownership_tags(&self) -> String {
        format!(
            "aws resourcegroupstaggingapi get-resources --tag-filters Key=drplan:stack,Values={} Key=drplan:address,Values={} --query 'ResourceTagMappingList[].ResourceARN' --region {}",
            shell_quote(self.stack),
            shell_quote(self.address),
            self.region
        )
    }

    /// `--tag-specifications` for a create by hand (JSON, so any tag value survives).
    pub fn tag_spec(&self, resource_type: &str) -> String {
        let tags: Vec<Json> = self.tags().into_iter().map(|(k, v)| serde_json::json!({"Key": k, "Value": v})).collect();
        let spec = serde_json::json!({"ResourceType": resource_type, "Tags": tags});
        format!("--tag-specifications {}", shell_quote(&spec.to_string()))
    }
}

/// `s` in single quotes for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// What a type says about a create step in the runbook.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunbookText {
    /// The AWS CLI command that does what drplan does.
    pub by_hand: Option<String>,
    /// How to see that it worked.
    pub verify: Option<String>,
}

/// What a create of a type needs the DR region to offer, for `drplan readiness`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// An EC2 instance type offered in the zones the configuration uses.
    InstanceType(String),
    /// An AMI that exists in the DR region.
    Image(String),
    /// An RDS instance class orderable for the engine in the zones the configuration uses.
    DbClass { engine: String, class: String },
}

/// What a type needs to estimate the recovery point of one planned instance.
pub struct RecoveryPointQuery<'a> {
    pub config: &'a Value,
    /// (type, configuration) of the instances it depends on.
    pub deps: Vec<(&'a str, &'a Value)>,
    /// (type, configuration) of every instance in the plan.
    pub all: &'a [(&'a str, &'a Value)],
    pub inventory: &'a crate::live::Inventory,
    /// "Now" in seconds since the epoch (offline: the snapshot's capture time).
    pub now: Option<i64>,
    /// `recovery.replica_lag`, when declared.
    pub replica_lag: Option<u64>,
    /// The object it manages, when it exists (a replica about to be promoted).
    pub live: Option<&'a crate::live::LiveObject>,
    /// The arguments the configuration sets (others are unknown only because AWS computes them).
    pub written: &'a std::collections::BTreeSet<String>,
}

/// How old the data a recovered database holds ([`ResourceType::recovery_point`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryPoint {
    /// `None` when it cannot be known from live state (the source says why).
    pub seconds: Option<u64>,
    pub source: String,
    /// Created from nothing: it recovers no data.
    pub empty: bool,
}

impl RecoveryPoint {
    pub fn aged(seconds: Option<u64>, source: impl Into<String>) -> Self {
        RecoveryPoint { seconds, source: source.into(), empty: false }
    }
}

/// A type-specific planning rule, beyond the schema-driven diff (e.g. promotion of a replica).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtraChange {
    pub name: String,
    pub reason: String,
    /// Whether the change replaces the object.
    pub replaces: bool,
}

/// Everything drplan knows about one resource type. See the module documentation.
pub trait ResourceType: Send + Sync {
    /// The provider-aws type name, e.g. `aws_vpc`.
    fn name(&self) -> &'static str;

    fn service(&self) -> Service;

    fn identity(&self) -> Identity {
        Identity::Tags
    }

    /// The attribute that scopes reading this type: its objects are read only where the
    /// evaluated configuration names that value (Route 53 records, in the zones the
    /// configuration's records name), through [`sdk::Narrow::Parent`]. `None`: read with its unit.
    fn read_scope(&self) -> Option<&'static str> {
        None
    }

    /// For a type found by natural key: how an object is proven this stack's own.
    fn proof(&self) -> Proof {
        Proof::Content { overwrite: None }
    }

    /// Attributes that name one existing object of this type in its region (an RDS
    /// identifier, a load balancer's name): how a primary-side counterpart of a two-region
    /// root is found. Empty: by natural key, else by the configured tags.
    fn lookup_key(&self) -> &'static [&'static str] {
        &[]
    }

    /// Route 53 is global; everything else lives in the DR region. Its read unit says which.
    fn global(&self) -> bool {
        self.read_unit().global
    }

    /// Arguments drplan's schema of this type accepts (so a plan without the provider reads
    /// them) that its native writes do not apply. An instance setting one to anything but its
    /// default is served by terraform-provider-aws where it is installed, and planned with a
    /// warning where it is not: never silently dropped.
    fn not_applied(&self) -> &'static [&'static str] {
        &[]
    }

    /// Types whose objects AWS requires gone before an object of this type can be deleted.
    fn deleted_first(&self) -> &'static [&'static str] {
        &[]
    }

    /// The default duration of a step (calibration and overrides come first, in `recovery`).
    fn estimate(&self, step: &StepView) -> Estimate {
        generic_estimate(step)
    }

    /// Changes the schema diff cannot see, decided from the live object and the configuration
    /// (`written`: the arguments it sets; the others are unknown only because AWS computes them).
    fn extra_changes(
        &self,
        _prior: &LiveObject,
        _config: &Value,
        _written: &std::collections::BTreeSet<String>,
        _ignored: &[String],
    ) -> Vec<ExtraChange> {
        Vec::new()
    }

    /// Whether changing `name` from `before` to `after` replaces the object, where provider-aws
    /// decides that from the values (its CustomizeDiff) rather than from the schema: `None`
    /// keeps the schema's `force_new`.
    fn forces_replacement(&self, _name: &str, _before: Option<&Value>, _after: Option<&Value>) -> Option<bool> {
        None
    }

    /// How old the data a create of this type recovers is: `Some((seconds, source))` for a
    /// database recovered from something, `None` for everything else.
    fn recovery_point(&self, _query: &RecoveryPointQuery) -> Option<RecoveryPoint> {
        None
    }

    /// The runbook's text for a create step.
    fn runbook(&self, _step: &StepView) -> RunbookText {
        RunbookText::default()
    }

    /// The quota a create step consumes, if any worth checking before a recovery.
    fn capacity(&self, _step: &StepView) -> Option<Capacity> {
        None
    }

    /// A dry run of a create's write, proving the caller may make it (`drplan readiness`);
    /// only where AWS offers one that needs nothing created first.
    fn dry_run(&self, _step: &StepView) -> Option<DryRun> {
        None
    }

    /// What a create or replace of it needs the DR region to offer (`drplan readiness`); known
    /// values only.
    fn needs(&self, _step: &StepView) -> Vec<Need> {
        Vec::new()
    }

    /// The availability zone what is launched into it runs in (a subnet's), from its planned
    /// or live attributes: the zones `drplan readiness` checks instance types against.
    fn placement_zone(&self, _attrs: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        None
    }

    /// Whether changing it moves traffic (the runbook's DNS cutover section).
    fn moves_traffic(&self) -> bool {
        false
    }

    /// Why deleting `live` must be refused while planning (what the provider would refuse at
    /// apply, such as a DB instance whose final snapshot nobody decided), if it must; `config`
    /// is its configuration while the address still declares it.
    fn refuses_delete(&self, _live: &LiveObject, _config: Option<&Value>) -> Option<String> {
        None
    }

    /// The read unit that lists this type's objects.
    fn read_unit(&self) -> &'static ReadUnit;

    /// What to re-read after a write to `address`: only the objects that may have changed. By
    /// id where it is known (the object created, or the one changed), else by address.
    fn reread(&self, address: &str, _config: &Value, prior: Option<&LiveObject>, created: Option<&str>) -> Narrow {
        match created.or(prior.map(|p| p.id.as_str())) {
            Some(id) => Narrow::Ids(vec![id.to_string()]),
            None => Narrow::Address(address.to_string()),
        }
    }

    /// Performs one write.
    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>>;
}

/// Every natively served type, in one list.
fn registry() -> &'static [&'static dyn ResourceType] {
    static REGISTRY: &[&dyn ResourceType] = &[
        &ec2::vpc::Vpc,
        &ec2::subnet::Subnet,
        &ec2::internet_gateway::InternetGateway,
        &ec2::eip::Eip,
        &ec2::nat_gateway::NatGateway,
        &ec2::route_table::RouteTable,
        &ec2::route::Route,
        &ec2::route_table_association::RouteTableAssociation,
        &ec2::security_group::SecurityGroup,
        &ec2::security_group_rule::INGRESS,
        &ec2::security_group_rule::EGRESS,
        &ec2::instance::Instance,
        &ec2::ami_copy::AmiCopy,
        &elb::lb::Lb,
        &elb::target_group::TargetGroup,
        &elb::listener::Listener,
        &elb::target_group_attachment::TargetGroupAttachment,
        &rds::subnet_group::DbSubnetGroup,
        &rds::db_instance::DbInstance,
        &rds::snapshot_copy::DbSnapshotCopy,
        &route53::health_check::HealthCheck,
        &route53::record::Record,
    ];
    REGISTRY
}

fn index() -> &'static HashMap<&'static str, &'static dyn ResourceType> {
    static INDEX: OnceLock<HashMap<&'static str, &'static dyn ResourceType>> = OnceLock::new();
    INDEX.get_or_init(|| registry().iter().map(|t| (t.name(), *t)).collect())
}

/// The type's home, if drplan serves it natively.
pub fn get(ty: &str) -> Option<&'static dyn ResourceType> {
    index().get(ty).copied()
}

/// Every native type.
pub fn all() -> impl Iterator<Item = &'static dyn ResourceType> {
    registry().iter().copied()
}

/// Every read unit, in a fixed order: what a full read of a region covers.
pub fn read_units() -> Vec<&'static ReadUnit> {
    let mut seen = BTreeSet::new();
    let mut units: Vec<&'static ReadUnit> = sdk::DATA_UNITS.to_vec();
    units.extend(all().map(|t| t.read_unit()));
    units.retain(|u| seen.insert(u.name));
    units
}

/// The identifying attributes of a type AWS cannot tag; `None` for taggable (and unknown) types.
/// Types served through the provider that AWS cannot tag have one too
/// ([`crate::resources::imports`]).
pub fn natural_key_fields(ty: &str) -> Option<&'static [&'static str]> {
    let Some(native) = get(ty) else { return imports::find(ty).map(|u| u.key) };
    match native.identity() {
        Identity::NaturalKey(fields) => Some(fields),
        Identity::Tags => None,
    }
}

/// How an object of `ty` found by natural key is proven this stack's (`None` for tagged types).
pub fn proof_of(ty: &str) -> Option<Proof> {
    natural_key_fields(ty)?;
    match get(ty) {
        Some(native) => Some(native.proof()),
        None => imports::find(ty).map(|u| u.proof()),
    }
}

/// A natural key computed from attributes (`None` for taggable types).
pub fn natural_key(ty: &str, attrs: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let fields = natural_key_fields(ty)?;
    let parts: Vec<String> = fields
        .iter()
        .map(|f| {
            let v = attrs(f).unwrap_or_default();
            // Route 53 names compare without the trailing dot, case-insensitively.
            if *f == "name" { v.trim_end_matches('.').to_ascii_lowercase() } else { v }
        })
        .collect();
    Some(parts.join("|"))
}

/// Where a managed object of `ty` lives: global types in the global pseudo-region, the rest in
/// the DR region.
pub fn home_region<'a>(ty: &str, dr_region: &'a str) -> &'a str {
    if get(ty).is_some_and(|t| t.global()) { crate::live::data::GLOBAL_REGION } else { dr_region }
}

/// Every type that must be gone before `ty` (the transitive closure of `deleted_first`).
pub fn deleted_before(ty: &str) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<&'static str> = get(ty).map(|t| t.deleted_first().to_vec()).unwrap_or_default();
    while let Some(t) = stack.pop() {
        if out.insert(t) {
            stack.extend(get(t).map(|t| t.deleted_first()).unwrap_or_default());
        }
    }
    out
}

/// The service a step of `ty` calls, for per-service limits; `provider` for every type not
/// served natively (`--service-limit provider=N` bounds the provider host's writes).
pub fn service_of(ty: &str) -> &'static str {
    get(ty).map_or("provider", |t| t.service().as_str())
}

/// The default duration of a step: the type's, or a generic figure.
pub fn estimate(ty: &str, step: &StepView) -> Estimate {
    if let Some(wait) = time_sleep::estimate(ty, step) {
        return wait;
    }
    if graph_only::records_time(ty) {
        return Estimate::new(1, "one tag written on the stack seed");
    }
    if local_file::is(ty) {
        return Estimate::new(1, "a local file written");
    }
    match get(ty) {
        Some(t) => t.estimate(step),
        None => durations::served(ty, step),
    }
}

/// The figure for a step nothing more is known about: a read, or one API call.
pub fn generic_estimate(step: &StepView) -> Estimate {
    match step.action {
        StepAction::Read => Estimate::new(1, "a data source read"),
        _ => Estimate::new(5, "an API call"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;

    #[test]
    fn the_registry_and_the_schema_list_the_same_managed_types() {
        let mut registered: Vec<&str> = all().map(|t| t.name()).chain(graph_only::all()).collect();
        registered.sort_unstable();
        assert_eq!(registered, crate::schema::type_names(Mode::Managed));
        assert_eq!(index().len(), registry().len(), "a type is registered twice");
    }

    #[test]
    fn every_type_is_read_by_a_unit_that_lists_it() {
        for t in all() {
            assert!(t.read_unit().types.contains(&t.name()), "{}'s read unit does not produce it", t.name());
        }
    }

    #[test]
    fn teardown_puts_the_vpc_last_and_records_first() {
        let vpc = deleted_before("aws_vpc");
        for t in ["aws_instance", "aws_nat_gateway", "aws_eip", "aws_lb_listener", "aws_route53_record"] {
            assert!(vpc.contains(t), "{t} must be deleted before the VPC");
        }
        assert!(deleted_before("aws_route53_record").is_empty());
        assert!(!deleted_before("aws_instance").contains("aws_vpc"));
    }
}
