//! `drplan plan` and `drplan show`: compute a plan against live state, or read a saved one.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{Configuration, LoadOptions, Parsed, evaluate_with, parse_configuration};
use crate::cloud::{Cloud, InventoryRequest};
use crate::error::Error;
use crate::live::{Inventory, LiveSnapshot};
use crate::plan::Plan;
use crate::plan::build::{self, BuildOptions};
use crate::plan::view::PlanView;
use crate::provider::regional::Regional;

#[derive(Clone)]
pub struct PlanOptions<'c> {
    pub load: LoadOptions,
    pub cloud: &'c dyn Cloud,
    pub targets: Vec<String>,
    /// Plan the deletion of everything the stack owns.
    pub destroy: bool,
    /// Measured step durations for the RTO estimate.
    pub calibration: crate::recovery::Calibration,
}

/// A computed plan, the configuration it came from (for warnings and their sources), and the
/// live inventory it was computed against (apply starts from it).
pub struct Planned {
    pub plan: Plan,
    pub config: Configuration,
    pub inventory: Inventory,
    /// The configured provider host, when the plan has types only the provider serves (apply
    /// writes them through the same process).
    pub host: Option<Arc<crate::provider::Host>>,
    /// Hosts for the other regions data sources are read in (apply reads them there too).
    pub regional: Option<Arc<Regional>>,
}

pub fn plan(opts: &PlanOptions) -> Result<Planned, Error> {
    let load = LoadOptions { lenient_keys: false, ..opts.load.clone() };
    let parsed = parse_configuration(&load);
    let settings = parsed.settings()?;
    let request = settings.inventory_request(load.phase.unwrap_or_default());
    let ignore_tags = settings.ignore_tags_in(&settings.recovery.region);
    let recovery = settings.recovery;
    let identity = request.identities.get(&recovery.region);
    let host = start_host(&parsed, &recovery.region, opts.cloud, identity, ignore_tags)?;
    let (snapshot, regional) = read_live(&parsed, opts.cloud, &request, host.as_ref())?;
    let snapshot = upgrade_recorded(snapshot, host.as_ref())?;
    let hosts = (host.as_ref(), regional.as_ref());
    let inventory = Inventory::new(snapshot, crate::resources::natural_key);
    let mut pass = Pass { first: true, ..Pass::default() };
    let mut parsed = Some(parsed);
    // What one plan learns changes what the next one knows; plan again until nothing is new.
    let (mut plan, config) = loop {
        let parsed = parsed.take().unwrap_or_else(|| parse_configuration(&load));
        let (plan, config, unsettled) = plan_once(parsed, opts, &inventory, hosts, &pass)?;
        match pass.learn(&plan, &config.expansion, host.as_deref()) {
            Some(next) if pass.number < MAX_PASSES => pass = next,
            None if !unsettled.is_empty() => pass.first = false,
            _ => break (plan, config),
        }
    };
    crate::recovery::assess(&mut plan, &config.expansion, &inventory, &opts.calibration);
    plan.account_id = account(opts.cloud, &plan.region, &config.expansion.account_guards)?;
    // Values derive from a seed that does not exist yet: the first apply creates it (a
    // destroy derives nothing).
    plan.creates_stack_seed = request.stack_seed && inventory.snapshot.stack_seed.is_none() && !plan.destroy;
    Ok(Planned { plan, config, inventory, host, regional })
}

/// The account the credentials act in, checked against the provider configurations'
/// `allowed_account_ids` and `forbidden_account_ids` as Terraform checks them: a plan, and so
/// every apply, stops before anything is written with credentials of the wrong account.
fn account(cloud: &dyn Cloud, region: &str, guards: &[crate::expand::AccountGuard]) -> Result<Option<String>, Error> {
    if !cloud.reaches_aws() {
        return Ok(None);
    }
    let account = cloud.caller_account(region)?;
    if let Some(why) = account.as_deref().and_then(|a| guards.iter().find_map(|g| g.refuses(a))) {
        return Err(Error::Usage(format!("refusing to plan or apply: {why}; nothing was written")));
    }
    Ok(account)
}

/// At most this many evaluations per plan (each pass can only add to what the next knows).
const MAX_PASSES: usize = 4;

/// What a plan knows from the plan before it.
#[derive(Default)]
struct Pass {
    /// The first plan: it does not know yet which data sources wait for pending changes.
    first: bool,
    /// How many plans came before this one.
    number: usize,
    /// Provider-served instances the provider replaces: references to them are unknown (a
    /// native one's replacement is known while evaluating).
    replaced: BTreeSet<String>,
    /// Data sources read during apply, after the changes they wait for ([`crate::plan::deferred`]).
    deferred: BTreeSet<String>,
}

impl Pass {
    /// What the next plan knows after `plan`; `None` when it would know nothing new.
    fn learn(&self, plan: &Plan, exp: &crate::expand::Expansion, host: Option<&crate::provider::Host>) -> Option<Pass> {
        let replaced = &self.replaced | &served_replacements(plan, host);
        let deferred = &self.deferred | &crate::plan::deferred::reads(exp, plan);
        let new = replaced != self.replaced || deferred != self.deferred;
        new.then_some(Pass { first: false, number: self.number + 1, replaced, deferred })
    }
}

/// Evaluates the configuration against `inventory` and builds its plan, knowing what `pass`
/// knows; also returns the data-source reads a first plan left unsettled. A first plan that
/// fails reports its own errors: a read it left unsettled may well be one Terraform would make
/// during apply, after what it waits for, so it is not reported as failed.
fn plan_once(
    parsed: Parsed,
    opts: &PlanOptions,
    inventory: &Inventory,
    (host, regional): (Option<&Arc<crate::provider::Host>>, Option<&Arc<Regional>>),
    pass: &Pass,
) -> Result<(Plan, Configuration, BTreeSet<String>), Error> {
    let view = PlanView::new(inventory)
        .rooted(&parsed.loaded.tree.root().dir)
        .with_host(host.cloned())
        .with_regional(regional.cloned())
        .with_replaced(pass.replaced.clone())
        .with_deferred(pass.deferred.clone(), pass.first)
        .replaying();
    let plugin = host.map(|h| h.plugin());
    let config = evaluate_with(parsed, &view, plugin.as_deref())?;
    let build_opts = BuildOptions {
        workspace: &opts.load.workspace,
        phase: opts.load.phase.unwrap_or_default(),
        targets: &opts.targets,
        config_fingerprint: config_fingerprint(&config, &opts.load),
        destroy: opts.destroy,
        host: host.map(|h| h.as_ref()),
        configuration: describe_configuration(&config, host.map(|h| h.as_ref())),
        waiting: &pass.deferred,
    };
    match build::build(&config.expansion, inventory, &view, build_opts) {
        Ok(plan) => Ok((plan, config, view.unsettled())),
        Err(diagnostics) => {
            Err(Error::Config { diagnostics: diagnostics.sorted(), sources: Arc::new(config.loaded.sources) })
        }
    }
}

/// The configuration as Terraform's JSON plan describes it; attributes either schema (drplan's
/// or the provider's) marks sensitive are never written.
fn describe_configuration(config: &Configuration, host: Option<&crate::provider::Host>) -> serde_json::Value {
    let sensitive = |mode: crate::config::Mode, ty: &str, attr: &str| {
        crate::schema::lookup(mode, ty).and_then(|s| s.block.attrs.get(attr)).is_some_and(|a| a.sensitive)
            || host.and_then(|h| h.block(mode, ty)).and_then(|b| b.attributes.get(attr)).is_some_and(|a| a.sensitive)
    };
    crate::config::describe::describe(&config.loaded.tree, crate::plan::PROVIDER_NAME, &sensitive)
}

/// The provider-served instances the plan replaces.
fn served_replacements(plan: &Plan, host: Option<&crate::provider::Host>) -> BTreeSet<String> {
    let Some(host) = host else { return BTreeSet::new() };
    let served =
        |ty: &str| crate::resources::get(ty).is_none() && host.block(crate::config::Mode::Managed, ty).is_some();
    plan.resource_changes
        .iter()
        .filter(|c| served(&c.ty) && c.change.actions.len() == 2)
        .map(|c| c.address.clone())
        .collect()
}

/// The provider host, configured for the DR region, whenever the provider is installed: it
/// validates every block (as `validate` does), plans the types only it serves and the native
/// blocks that set what only it implements. Offline plans get a provider that cannot reach AWS.
pub fn start_host(
    parsed: &Parsed,
    region: &str,
    cloud: &dyn Cloud,
    identity: Option<&crate::cloud::Identity>,
    ignore_tags: crate::config::IgnoreTags,
) -> Result<Option<Arc<crate::provider::Host>>, Error> {
    let hosted = parsed.hosted();
    // Without the binary there is nothing to start: expansion says what that means per block.
    if hosted.located.is_none() {
        return Ok(None);
    }
    let settings = crate::provider::host::Settings {
        region: region.to_string(),
        offline: !cloud.reaches_aws(),
        endpoint_url: cloud.endpoint_url(),
        identity: identity.cloned().unwrap_or_default(),
        ignore_tags,
    };
    crate::provider::Host::start(hosted, &settings).map(|h| Some(Arc::new(h))).map_err(|e| Error::Cloud {
        operation: "terraform-provider-aws Configure".into(),
        region: region.to_string(),
        message: e.to_string(),
    })
}

/// Provider hosts for the other regions the configuration reads data sources in, started on
/// demand; none for a region the inventory found unreachable (a dead primary).
fn regional_hosts(
    parsed: &Parsed,
    cloud: &dyn Cloud,
    request: &InventoryRequest,
    host: Option<&Arc<crate::provider::Host>>,
    snapshot: &LiveSnapshot,
) -> Option<Arc<Regional>> {
    host?;
    let base = crate::provider::host::Settings {
        region: request.dr_region.clone(),
        offline: !cloud.reaches_aws(),
        endpoint_url: cloud.endpoint_url(),
        identity: crate::cloud::Identity::default(),
        ignore_tags: crate::config::IgnoreTags::default(),
    };
    let unavailable = snapshot.unavailable_regions.iter().map(|u| u.region.clone()).collect();
    Some(Arc::new(Regional::new(parsed.hosted().clone(), base, request.identities.clone(), unavailable)))
}

/// Reads the live state a plan of `parsed` needs: the inventory, then what depends on the
/// configuration evaluated against that first read: the objects within the scopes it names
/// (Route 53 records of the zones its records name, never every zone's) and the S3 states its
/// `terraform_remote_state` data sources read, and (with the provider host) the objects of
/// types the provider serves, found by tag or by their configured names, then those AWS cannot
/// tag, by the import ids their configuration implies. A recorded snapshot
/// already holds all of it. Also returns the provider hosts of the other regions, which read
/// data sources there (a primary's AMI lookup), recorded too.
pub fn read_live(
    parsed: &Parsed,
    cloud: &dyn Cloud,
    request: &InventoryRequest,
    host: Option<&Arc<crate::provider::Host>>,
) -> Result<(LiveSnapshot, Option<Arc<Regional>>), Error> {
    let snapshot = cloud.inventory(request)?;
    let regional = regional_hosts(parsed, cloud, request, host, &snapshot);
    if !cloud.reads_after_evaluation() {
        return Ok((snapshot, regional));
    }
    let inventory = Inventory::new(snapshot, crate::resources::natural_key);
    let view = PlanView::new(&inventory)
        .rooted(&parsed.loaded.tree.root().dir)
        .with_host(host.cloned())
        .with_regional(regional.clone());
    let reads = parsed.second_reads(&view);
    // What data sources read through the provider is recorded with the rest.
    let mut recorded = view.recorded();
    drop(view);
    let mut snapshot = inventory.snapshot;
    if reads.is_empty() {
        snapshot.objects.append(&mut recorded);
        snapshot.sort();
        return Ok((snapshot, regional));
    }
    let known: HashSet<(String, String, String)> =
        snapshot.objects.iter().map(|o| (o.region.clone(), o.ty.clone(), o.id.clone())).collect();
    let mut fresh = if reads.scopes.is_empty() { Vec::new() } else { cloud.scoped(request, &reads.scopes)? };
    if let Some(host) = host.filter(|_| !reads.served.is_empty()) {
        fresh.extend(served_objects(host, cloud, request, snapshot.account_id.as_deref(), &reads.served)?);
    }
    // What was just found by tag (a served zone, a bucket) can name what is read next: a record's
    // zone, an untaggable object's import id. Evaluate again with it.
    fresh.append(&mut recorded);
    let again = (!fresh.is_empty() && (reads.unscoped || reads.declares_untagged)).then(|| {
        let mut known = snapshot.clone();
        known.objects.extend(fresh.iter().cloned());
        let inventory = Inventory::new(known, crate::resources::natural_key);
        let view = PlanView::new(&inventory)
            .rooted(&parsed.loaded.tree.root().dir)
            .with_host(host.cloned())
            .with_regional(regional.clone());
        let reads = parsed.second_reads(&view);
        (reads, view.recorded())
    });
    let again = again.map(|(reads, mut recorded)| {
        fresh.append(&mut recorded);
        reads
    });
    if let Some(again) = &again {
        let mut scopes = again.scopes.clone();
        for (ty, values) in &mut scopes {
            values.retain(|v| !reads.scopes.get(ty).is_some_and(|read| read.contains(v)));
        }
        scopes.retain(|_, values| !values.is_empty());
        if !scopes.is_empty() {
            fresh.extend(cloud.scoped(request, &scopes)?);
        }
    }
    if let Some(host) = host.filter(|_| reads.declares_untagged) {
        let untagged = match again {
            None => reads.untagged,
            Some(again) => again.untagged,
        };
        let list = |topic: &str| cloud.subscriptions(request, topic).unwrap_or_default();
        let untagged = crate::provider::discover::name_subscriptions(untagged, &list);
        fresh.extend(crate::provider::discover::find_untagged(host, &request.dr_region, &untagged));
    }
    if !reads.remote_states.is_empty() {
        let states = cloud.remote_states(request, &reads.remote_states)?;
        fresh.extend(states.objects);
        for u in states.unavailable {
            if snapshot.unavailable_regions.iter().all(|known| known.region != u.region) {
                snapshot.unavailable_regions.push(u);
            }
        }
    }
    let mut known = known;
    let new = fresh.into_iter().filter(|o| known.insert((o.region.clone(), o.ty.clone(), o.id.clone())));
    snapshot.objects.extend(new);
    if let Some(host) = host {
        // The schema each provider state was read under, so a newer provider can upgrade it.
        for o in snapshot.objects.iter().filter(|o| crate::resources::get(&o.ty).is_none()) {
            if let Some(version) = host.schema_version(&o.ty) {
                snapshot.provider_schema_versions.insert(o.ty.clone(), version);
            }
        }
    }
    snapshot.sort();
    Ok((snapshot, regional))
}

/// The objects of provider-served types the stack's tags are on, read through the provider; an
/// error when one cannot be read (planning it as new would duplicate it).
fn served_objects(
    host: &Arc<crate::provider::Host>,
    cloud: &dyn Cloud,
    request: &InventoryRequest,
    account: Option<&str>,
    served: &[crate::provider::discover::Wanted],
) -> Result<Vec<crate::live::LiveObject>, Error> {
    let tagged = cloud.tagged(request)?;
    let found = crate::provider::discover::discover(host, &request.dr_region, account, &request.stack, &tagged, served);
    if !found.unreadable.is_empty() {
        return Err(Error::Cloud {
            operation: "terraform-provider-aws ImportResourceState".into(),
            region: request.dr_region.clone(),
            message: {
                let it = if found.unreadable.len() == 1 { "it" } else { "them" };
                format!(
                    "the stack's tags are on {}, but the provider could not read {it}; planning {it} as new would duplicate {it}, so there is no plan (the provider log: set DRPLAN_PROVIDER_LOG=FILE and TF_LOG=debug)",
                    found.unreadable.join(", ")
                )
            },
        });
    }
    Ok(found.objects)
}

/// Brings provider states a snapshot recorded under an older schema of their type (a snapshot
/// taken with an older provider) to the running provider's (`UpgradeResourceState`), before
/// anything plans from them, as Terraform upgrades its state.
fn upgrade_recorded(
    mut snapshot: LiveSnapshot,
    host: Option<&Arc<crate::provider::Host>>,
) -> Result<LiveSnapshot, Error> {
    let Some(host) = host else { return Ok(snapshot) };
    for object in &mut snapshot.objects {
        let (Some(&was), Some(now)) =
            (snapshot.provider_schema_versions.get(&object.ty), host.schema_version(&object.ty))
        else {
            continue;
        };
        let Some(block) = host.block(crate::config::Mode::Managed, &object.ty).filter(|_| was < now) else { continue };
        let recorded = serde_json::Value::Object(object.attributes.clone().into_iter().collect());
        let state = host.upgrade(&object.ty, was, &recorded).map_err(|e| Error::Cloud {
            operation: "terraform-provider-aws UpgradeResourceState".into(),
            region: object.region.clone(),
            message: format!(
                "{} {} was recorded under schema version {was} of its type and this provider's is {now}, but the provider could not upgrade it: {e}; record the live state again (drplan snapshot)",
                object.ty, object.id
            ),
        })?;
        *object = crate::provider::host::live_object(&object.ty, &object.region, &state, block);
    }
    for (ty, version) in snapshot.provider_schema_versions.iter_mut() {
        *version = host.schema_version(ty).unwrap_or(*version).max(*version);
    }
    Ok(snapshot)
}

/// SHA-256 of the configuration files (by name relative to their module, and content), the
/// variable values given and the workspace: what apply must see unchanged.
pub fn config_fingerprint(config: &Configuration, load: &LoadOptions) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for file in config.loaded.sources.files() {
        let name = file.path.strip_prefix(&load.dir).unwrap_or(&file.path);
        h.update(name.to_string_lossy().as_bytes());
        h.update([0]);
        h.update(file.text.as_bytes());
        h.update([0]);
    }
    for item in &load.vars.items {
        match item {
            Ok((k, v)) => h.update(format!("var {k}={v}\n").as_bytes()),
            Err(path) => h.update(format!("var-file {}\n", path.display()).as_bytes()),
        }
    }
    let mut env: Vec<(String, String)> =
        std::env::vars().filter(|(k, _)| k.starts_with("TF_VAR_") || k.starts_with("DRPLAN_VAR_")).collect();
    env.sort();
    for (k, v) in env {
        h.update(format!("env {k}={v}\n").as_bytes());
    }
    h.update(format!("workspace {}\n", load.workspace).as_bytes());
    h.update(format!("phase {}\n", load.phase.unwrap_or_default()).as_bytes());
    hex::encode(h.finalize())
}

/// Reads a plan file written by `drplan plan --out`.
pub fn read_plan(path: &Path) -> Result<Plan, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Io { context: format!("reading plan file {}", path.display()), source: e })?;
    Plan::from_json(&text).map_err(|e| Error::Usage(format!("{} is not a drplan plan file: {e}", path.display())))
}

pub fn write_plan(path: &Path, plan: &Plan) -> Result<(), Error> {
    let write = || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        plan.write_json(&mut out)?;
        std::io::Write::flush(&mut out)
    };
    write().map_err(|e| Error::Io { context: format!("writing plan file {}", path.display()), source: e })
}
