//! Performing a plan's steps: the [`Runner`] the scheduler drives, over any [`Provider`].
//!
//! Values are resolved at apply time: before a step writes, its instance is evaluated again
//! against the inventory as it is now (a [`Resolve`] implementation does that; the executor
//! knows nothing of HCL), so a subnet sees the id of the VPC created a moment ago, as
//! Terraform's apply-time evaluation does. After every write the step re-reads only the
//! objects it may have changed (its address, or its parent's objects) and swaps in a new
//! immutable inventory; the lock is held only for the swap, so steps run concurrently.
//!
//! Idempotency does not rely on client tokens (a token does not survive a crash): a create
//! first looks for the object by its ownership tags or natural key and converges what it
//! finds, so a step retried after a failure or a `kill -9` creates nothing twice.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use super::{JournalEvent, Runner, StepSpec};
use crate::cloud::Provider;
use crate::eval::Value;
use crate::live::{ADDRESS_TAG, Inventory, LiveObject, STACK_TAG};
use crate::plan::ResourceChange;
use crate::plan::ownership;
use crate::resources::StepAction;
use crate::resources::StepError;
use crate::resources::sdk::{Args, Narrow, live_value, retry_transient};
use crate::resources::{self, ApplyRequest, Created, Op};

/// An instance evaluated against the inventory as it is now, and what must change.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub config: Value,
    /// The object it manages, if one exists.
    pub live: Option<LiveObject>,
    /// Attributes that differ from `config` (from [`crate::plan::decide`]).
    pub changed: Vec<String>,
    /// Whether the change replaces the object.
    pub replace: bool,
    pub create_before_destroy: bool,
    /// Written through the provider (`Instance::via_provider`).
    pub via_provider: bool,
}

/// Evaluates the configuration at apply time.
pub trait Resolve: Send + Sync + 'static {
    fn resolve(&self, inventory: &Inventory, address: &str) -> Result<Resolved, String>;

    /// The root outputs evaluated against `inventory`: (name, value, sensitive); unknown
    /// values are `None`.
    fn outputs(&self, _inventory: &Inventory) -> Vec<(String, Option<serde_json::Value>, bool)> {
        Vec::new()
    }
}

/// Performs plan steps through a provider. See the module documentation.
pub struct Executor<P: Provider, R: Resolve> {
    provider: P,
    /// Providers for other regions, by region: the failback phase's writes to the primary.
    elsewhere: HashMap<String, P>,
    resolver: R,
    stack: String,
    region: String,
    changes: HashMap<String, ResourceChange>,
    inventory: Mutex<Arc<Inventory>>,
    /// The account the plan was made in (an import id the configuration implies may need it).
    account: Option<String>,
    /// Addresses whose create was sent but not yet confirmed by a re-read (the answer or the
    /// re-read was lost): the next attempt reads before it may create again.
    unconfirmed: Mutex<BTreeSet<String>>,
    /// Served addresses whose configured ids were all free just before this run created them:
    /// an untagged object found there after a lost answer is that create's.
    proven_free: Mutex<BTreeSet<String>>,
    /// Served objects this run created: `(type, address, ARN)`, checked for duplicates after
    /// the run ([`Executor::remove_duplicates`]).
    served_creates: Mutex<Vec<(String, String, String)>>,
}

impl<P: Provider, R: Resolve> Executor<P, R> {
    /// `inventory` is the live state the plan was checked against.
    pub fn new(provider: P, resolver: R, plan: &crate::plan::Plan, inventory: Inventory) -> Self {
        Executor {
            provider,
            elsewhere: HashMap::new(),
            resolver,
            stack: plan.stack.clone(),
            region: plan.region.clone(),
            changes: plan.resource_changes.iter().map(|c| (c.address.clone(), c.clone())).collect(),
            inventory: Mutex::new(Arc::new(inventory)),
            account: plan.account_id.clone(),
            unconfirmed: Mutex::new(BTreeSet::new()),
            proven_free: Mutex::new(BTreeSet::new()),
            served_creates: Mutex::new(Vec::new()),
        }
    }

    /// Writes the steps whose changes are in `region` (not the DR region) through `provider`.
    pub fn with_region(mut self, region: &str, provider: P) -> Self {
        self.elsewhere.insert(region.to_string(), provider);
        self
    }

    /// The region a step writes in: the DR region, unless the plan put its change in a region
    /// this executor has a provider for.
    fn region_of(&self, address: &str) -> &str {
        match self.changes.get(address).map(|c| c.drplan.region.as_str()) {
            Some(r) if self.elsewhere.contains_key(r) => r,
            _ => &self.region,
        }
    }

    fn provider_of(&self, address: &str) -> &P {
        self.elsewhere.get(self.region_of(address)).unwrap_or(&self.provider)
    }

    /// The inventory as last seen.
    pub fn inventory(&self) -> Arc<Inventory> {
        self.inventory.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The configuration's outputs after the run.
    pub fn outputs(&self) -> Vec<(String, Option<serde_json::Value>, bool)> {
        self.resolver.outputs(&self.inventory())
    }

    fn resolve(&self, address: &str) -> Result<Resolved, StepError> {
        self.resolver.resolve(&self.inventory(), address).map_err(StepError::fatal)
    }

    /// Re-reads what a write to `address` may have changed (by id where known) and swaps in
    /// the new inventory. A narrowed read that fails (an id gone meanwhile) is retried by
    /// address.
    async fn refresh(
        &self,
        ty: &str,
        address: &str,
        config: &Value,
        prior: Option<&LiveObject>,
        created: Option<&str>,
    ) -> Result<(), StepError> {
        let Some(t) = resources::get(ty) else { return Ok(()) };
        let unit = t.read_unit();
        let narrow = if unit.narrows { t.reread(address, config, prior, created) } else { Narrow::All };
        let (narrow, fresh) = match self.reread(ty, address, &narrow).await {
            Ok(fresh) => (narrow, fresh),
            Err(_) if matches!(narrow, Narrow::Ids(_)) => {
                let by_address = Narrow::Address(address.to_string());
                let fresh = self.reread(ty, address, &by_address).await?;
                (by_address, fresh)
            }
            Err(e) => return Err(e),
        };
        self.merge(ty, address, unit.types, &narrow, fresh, &[]);
        Ok(())
    }

    /// A read is idempotent: one lost answer or throttled call is tried again at once, with a
    /// short backoff, so the attributes a write produced are not lost with it (the step's own
    /// retries, slower, remain for longer outages).
    async fn reread(&self, ty: &str, address: &str, narrow: &Narrow) -> Result<Vec<LiveObject>, StepError> {
        let provider = self.provider_of(address);
        retry_transient(4, |e: &StepError| e.retryable, || provider.reread(ty, narrow)).await
    }

    /// Whether `address` had a create sent whose outcome is not known yet; the mark is set
    /// before a create and cleared by the re-read that follows it.
    fn mark_unconfirmed(&self, address: &str, unconfirmed: bool) {
        let mut set = self.unconfirmed.lock().unwrap_or_else(|e| e.into_inner());
        if unconfirmed {
            set.insert(address.to_string());
        } else {
            set.remove(address);
        }
    }

    /// Looks a served instance up by the stack's tags and its configured import ids, and
    /// takes what is proven this stack's into the inventory (the next write converges it).
    /// Its create was interrupted, so its configuration tag may be older than what the
    /// create finished (an instance profile tagged at CreateInstanceProfile, its role never
    /// added): it is dropped, and the write compares the whole object with the configuration.
    async fn find_served(&self, ty: &str, address: &str, config: &Value) -> Result<(), StepError> {
        let want = self.wanted(ty, address, config);
        if let Some(mut object) =
            self.provider_of(address).find_served(&want, &self.stack, self.account.as_deref()).await?
        {
            crate::provider::ownership::forget_config_tag(&mut object);
            self.merge(ty, address, &[ty], &Narrow::Address(address.to_string()), vec![object], &[]);
        }
        Ok(())
    }

    /// What looking `address` up by its configuration needs.
    fn wanted(&self, ty: &str, address: &str, config: &Value) -> crate::resources::Wanted {
        crate::resources::Wanted {
            address: address.to_string(),
            ty: ty.to_string(),
            ids: crate::provider::discover::config_ids(config),
            config: config.clone(),
            claim_untagged: self.proven_free.lock().unwrap_or_else(|e| e.into_inner()).contains(address),
        }
    }

    /// Before the first create of a served instance whose configuration names its ids: proves
    /// them free, so an untagged object there after a lost answer can be taken as this
    /// create's (see [`crate::resources::Wanted::claim_untagged`]). A failed proof only means
    /// such an object will not be taken.
    async fn prove_free(&self, ty: &str, address: &str, config: &Value) {
        let want = self.wanted(ty, address, config);
        if want.claim_untagged || want.ids.is_empty() || self.is_unconfirmed(address) {
            return;
        }
        if let Ok(true) = self.provider_of(address).served_ids_free(&want).await {
            self.proven_free.lock().unwrap_or_else(|e| e.into_inner()).insert(address.to_string());
        }
    }

    fn is_unconfirmed(&self, address: &str) -> bool {
        self.unconfirmed.lock().unwrap_or_else(|e| e.into_inner()).contains(address)
    }

    /// Swaps in an inventory whose snapshot records the base time `key` = `value`, so the
    /// steps that follow see the time resource's attributes.
    fn note_time(&self, key: String, value: String) {
        self.swap_snapshot(|snapshot| {
            snapshot.recorded_times.insert(key.clone(), value.clone());
        });
    }

    /// Swaps in an inventory where the objects `narrow` covers (and `gone`) in the region of
    /// `address`'s step are replaced by `fresh`.
    fn merge(&self, ty: &str, address: &str, types: &[&str], narrow: &Narrow, fresh: Vec<LiveObject>, gone: &[&str]) {
        let home = resources::home_region(ty, self.region_of(address)).to_string();
        let types: BTreeSet<&str> = types.iter().copied().collect();
        let fresh_keys: BTreeSet<(&str, &str)> = fresh.iter().map(|o| (o.ty.as_str(), o.id.as_str())).collect();
        self.swap_snapshot(|snapshot| {
            snapshot.objects.retain(|o| {
                let mine = o.region == home && types.contains(o.ty.as_str());
                !(mine
                    && (narrow.covers(o)
                        || gone.contains(&o.id.as_str())
                        || fresh_keys.contains(&(o.ty.as_str(), o.id.as_str()))))
            });
            snapshot.objects.extend(fresh.iter().cloned());
            snapshot.sort();
        });
    }

    /// Swaps in an inventory built from the current snapshot changed by `change`. Computed
    /// outside the lock; done again if another step swapped first.
    fn swap_snapshot(&self, change: impl Fn(&mut crate::live::LiveSnapshot)) {
        loop {
            let old = self.inventory();
            let mut snapshot = old.snapshot.clone();
            change(&mut snapshot);
            let new = Arc::new(Inventory::new(snapshot, crate::resources::natural_key));
            let mut current = self.inventory.lock().unwrap_or_else(|e| e.into_inner());
            if Arc::ptr_eq(&current, &old) {
                *current = new;
                return;
            }
        }
    }

    async fn write(
        &self,
        ty: &str,
        address: &str,
        op: Op<'_>,
        config: &Value,
        prior: Option<&LiveObject>,
        via_provider: bool,
    ) -> Result<Option<String>, StepError> {
        if let Some(wait) = resources::time_sleep::wait_of(ty, config) {
            // Nothing to write: the wait is the step.
            tokio::time::sleep(wait.map_err(StepError::fatal)?).await;
            return Ok(None);
        }
        if resources::local_file::is(ty) {
            return resources::local_file::write(config).map(|()| None).map_err(StepError::fatal);
        }
        if resources::graph_only::records_time(ty) {
            // Its base time is recorded (on the stack seed's secret); a configured base is not.
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            let recorded = self.inventory().snapshot.recorded_times.clone();
            if let Some(record) = resources::graph_only::record(ty, address, config, &recorded, now as i64) {
                let (key, value) = record.map_err(StepError::fatal)?;
                self.provider_of(address).record_time(&key, &value).await?;
                self.note_time(key, value);
            }
            return Ok(None);
        }
        if !matches!(op, Op::Delete | Op::Ready)
            && let Some(Value::Map(tags)) = config.get("tags")
            && let Some((key, _)) = tags.iter().find(|(_, v)| !v.is_wholly_known())
        {
            // A tag left out would be a silent difference from the plan.
            return Err(StepError::fatal(format!("argument tags.{key} is not known at apply time")));
        }
        let created = Created::default();
        let request = ApplyRequest { address, op, config: Args(config), prior, created: &created, via_provider };
        self.provider_of(address).apply(ty, request).await?;
        // A type served through the provider hands back the object it made or changed.
        if let Some(object) = created.object() {
            if prior.is_none()
                && let Some(arn) = object.attr_str("arn")
            {
                let made = (ty.to_string(), address.to_string(), arn.to_string());
                self.served_creates.lock().unwrap_or_else(|e| e.into_inner()).push(made);
            }
            let gone: Vec<&str> = prior.map(|p| p.id.as_str()).into_iter().collect();
            self.merge(ty, address, &[ty], &Narrow::Address(address.to_string()), vec![object], &gone);
        }
        Ok(created.get())
    }

    /// After the run: the objects a served create's retry inside the provider made besides
    /// the one it handed back (KMS's `CreateKey` has no client token), found by one listing
    /// of the stack's tags and proven by their tags, are deleted, each noted in the journal.
    /// The plan proved no object of these addresses existed before the run, so every other
    /// object carrying one of them was made by this run.
    pub async fn remove_duplicates<J: super::Journal>(&self, journal: &J) {
        let made = std::mem::take(&mut *self.served_creates.lock().unwrap_or_else(|e| e.into_inner()));
        if made.is_empty() {
            return;
        }
        let tagged = match retry_transient(4, |e: &StepError| e.retryable, || self.provider.tagged()).await {
            Ok(tagged) => tagged,
            Err(e) => {
                let message = format!("the stack's tags could not be listed to look for duplicates: {}", e.message);
                journal.record(&JournalEvent::Note { address: made[0].1.clone(), message });
                return;
            }
        };
        for (ty, address, arn) in &made {
            for duplicate in self.provider.served_duplicates(ty, address, arn, &self.stack, &tagged).await {
                let message = match self.delete(ty, address, &duplicate).await {
                    Ok(()) => format!("deleted {}, a duplicate the provider's retry of its create made", duplicate.id),
                    Err(e) => format!(
                        "{} is a duplicate the provider's retry of its create made, and deleting it failed: {}",
                        duplicate.id, e.message
                    ),
                };
                journal.record(&JournalEvent::Note { address: address.clone(), message });
            }
        }
    }

    /// Deletes `live` and drops it from the inventory (it is gone; nothing to re-read).
    async fn delete(&self, ty: &str, address: &str, live: &LiveObject) -> Result<(), StepError> {
        // A delete may need arguments AWS does not report back (a KMS key's deletion window, a
        // DB instance's final snapshot): its configuration, while the address still declares it.
        let config =
            self.resolver.resolve(&self.inventory(), address).map(|r| r.config).unwrap_or_else(|_| live_value(live));
        self.write(ty, address, Op::Delete, &config, Some(live), false).await?;
        let served = [ty];
        let unit_types = resources::get(ty).map_or(&served[..], |t| t.read_unit().types);
        self.merge(ty, address, unit_types, &Narrow::Ids(vec![live.id.clone()]), Vec::new(), &[]);
        Ok(())
    }

    async fn converge(&self, change: &ResourceChange) -> Result<(), StepError> {
        let (ty, address) = (change.ty.as_str(), change.address.as_str());
        // A create whose answer (or whose re-read) was lost may have happened: find out
        // before anything may create it again. Until a read answers, nothing is sent.
        if self.is_unconfirmed(address) {
            let config = self.resolve(address)?.config;
            match resources::get(ty) {
                Some(_) => self.refresh(ty, address, &config, None, None).await?,
                None => self.find_served(ty, address, &config).await?,
            }
            self.mark_unconfirmed(address, false);
        }
        let r = self.resolve(address)?;
        let mut prior = r.live.as_ref();
        let result = match &r.live {
            // The provider decides at write time whether a served object changes or is replaced.
            Some(live) if resources::get(ty).is_none() || r.via_provider => {
                self.write(ty, address, Op::Update(&[]), &r.config, Some(live), r.via_provider).await
            }
            Some(live) if r.replace => {
                if r.create_before_destroy {
                    return Err(StepError::fatal(format!(
                        "{address}: create_before_destroy replacement is not supported yet; replace it in two applies"
                    )));
                }
                self.delete(ty, address, live).await?;
                prior = None;
                self.mark_unconfirmed(address, true);
                self.write(ty, address, Op::Create, &r.config, None, r.via_provider).await
            }
            Some(live) => {
                let updated = match r.changed.is_empty() {
                    true => Ok(None),
                    false => self.write(ty, address, Op::Update(&r.changed), &r.config, Some(live), false).await,
                };
                match updated {
                    Ok(_) => self.write(ty, address, Op::Ready, &r.config, Some(live), false).await,
                    Err(e) => Err(e),
                }
            }
            None => {
                if resources::get(ty).is_none() {
                    self.prove_free(ty, address, &r.config).await;
                }
                self.mark_unconfirmed(address, true);
                self.write(ty, address, Op::Create, &r.config, None, r.via_provider).await
            }
        };
        // Whatever happened, what this step touched must be re-read before it is trusted.
        let created = result.as_ref().ok().and_then(Option::as_deref);
        self.refresh(ty, address, &r.config, prior, created).await?;
        // A served type has no read unit: only its write's own answer confirms it.
        if result.is_ok() || resources::get(ty).is_some() {
            self.mark_unconfirmed(address, false);
        }
        result.map(drop)
    }

    /// Deletes the object the plan named, after checking (by id) that it is still there and
    /// still ours.
    async fn remove(&self, change: &ResourceChange) -> Result<(), StepError> {
        let Some(id) = change.drplan.live_id.as_deref() else { return Ok(()) };
        let (ty, address) = (change.ty.as_str(), change.address.as_str());
        let planned = self.find(ty, id, address);
        let config = planned.as_ref().map(live_value).unwrap_or(Value::Null);
        self.refresh(ty, address, &config, planned.as_ref(), None).await?;
        let Some(live) = self.find(ty, id, address) else { return Ok(()) };
        self.still_proven(change, &live)?;
        self.delete(ty, address, &live).await
    }

    /// An object AWS cannot tag is deleted only as the plan proved it its own: while its parent
    /// (a route's route table, a record's zone) is still this stack's, or while it is still exactly what the plan
    /// recorded.
    fn still_proven(&self, change: &ResourceChange, live: &LiveObject) -> Result<(), StepError> {
        if resources::natural_key_fields(&live.ty).is_none() {
            return Ok(());
        }
        if ownership::parent_proves(&self.inventory(), &self.stack, live)
            || crate::plan::recorded(live) == change.change.before
        {
            return Ok(());
        }
        Err(StepError::fatal(format!(
            "not deleted: {} {} changed since the plan was made, and drplan cannot otherwise prove it manages it; plan again",
            live.ty, live.id
        )))
    }

    /// The DR region's (or Route 53's) object of `ty` with this id, if this stack owns it as
    /// `address` (both ownership tags; objects AWS cannot tag are deleted only when a fresh plan
    /// of the configuration names them, which `ops::apply` checks): ids can repeat across
    /// regions, and an object that is not ours is never touched.
    fn find(&self, ty: &str, id: &str, address: &str) -> Option<LiveObject> {
        let inventory = self.inventory();
        let home = resources::home_region(ty, self.region_of(address));
        let ours = |o: &LiveObject| match resources::natural_key_fields(&o.ty) {
            Some(_) => true,
            None => {
                o.tags.get(STACK_TAG) == Some(&self.stack)
                    && o.tags.get(ADDRESS_TAG).map(String::as_str) == Some(address)
            }
        };
        inventory.objects().iter().find(|o| o.ty == ty && o.id == id && o.region == home && ours(o)).cloned()
    }
}

impl<P: Provider, R: Resolve> Runner for Executor<P, R> {
    async fn run(&self, step: &StepSpec) -> Result<(), StepError> {
        let Some(change) = self.changes.get(&step.address) else {
            return Err(StepError::fatal(format!("{} is not in the plan", step.address)));
        };
        match step.action {
            StepAction::Read => self.resolve(&step.address).map(drop),
            StepAction::Delete => self.remove(change).await,
            _ => self.converge(change).await,
        }
    }
}
