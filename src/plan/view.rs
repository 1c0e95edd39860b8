//! What the evaluator sees of the live world while planning: data sources read from the
//! inventory, and the planned value of every kept resource (decided by [`super::decide`]); and
//! the ownership lookup that finds the object an address manages.

use std::cell::RefCell;
use std::collections::BTreeSet;

use super::decide::decide;
use crate::config::Mode;
use crate::eval::Value;
use crate::expand::{DataRead, LiveView, ManagedRef};
use crate::live::{Inventory, LiveObject, data};
use crate::provider::recorded;
use crate::resources::{natural_key, natural_key_fields};
use crate::schema;

/// Answers the evaluator from the inventory, and remembers what it read for the fingerprint.
pub struct PlanView<'a> {
    pub inventory: &'a Inventory,
    pub(super) read: RefCell<BTreeSet<String>>,
    /// The root module's directory: local files data sources read (a remote state) are
    /// relative to it.
    root: std::path::PathBuf,
    /// The provider host, which reads data sources drplan does not serve natively.
    host: Option<std::sync::Arc<crate::provider::Host>>,
    /// Hosts for other regions, for data sources on their provider configurations.
    regional: Option<std::sync::Arc<crate::provider::regional::Regional>>,
    /// Addresses of provider-served instances the provider plans to replace: references to them
    /// are unknown until apply, as in Terraform (learnt from a first plan, see `ops::plan`).
    replaced: BTreeSet<String>,
    /// What the provider planned for new served objects, by address and configuration.
    planned_new: RefCell<std::collections::HashMap<(String, String), Option<Value>>>,
    /// Data sources read during apply because what they wait for has changes pending (learnt
    /// from an earlier plan, see [`super::deferred`]).
    deferred: BTreeSet<String>,
    /// A first plan, which does not know yet which reads [`super::deferred`] defers: a failed
    /// read of a data source that waits for managed instances is left unknown, not an error.
    provisional: bool,
    /// The reads `provisional` left unknown.
    unsettled: RefCell<BTreeSet<String>>,
    /// Whether reads through the provider take what the live state recorded of them (while
    /// planning; apply reads again, after its writes).
    replay: bool,
    /// What was read through the provider ([`recorded::record`]), by region, type and key.
    recorded: RefCell<std::collections::BTreeMap<(String, String, String), LiveObject>>,
}

impl<'a> PlanView<'a> {
    pub fn new(inventory: &'a Inventory) -> Self {
        PlanView {
            inventory,
            read: RefCell::new(BTreeSet::new()),
            root: ".".into(),
            host: None,
            regional: None,
            replaced: BTreeSet::new(),
            planned_new: RefCell::default(),
            deferred: BTreeSet::new(),
            provisional: false,
            unsettled: RefCell::default(),
            replay: false,
            recorded: RefCell::default(),
        }
    }

    /// Takes recorded reads from the live state instead of reading again (see the field).
    pub fn replaying(mut self) -> Self {
        self.replay = true;
        self
    }

    /// Reads `deferred` during apply; with `provisional`, a first plan (see the fields).
    pub fn with_deferred(mut self, deferred: BTreeSet<String>, provisional: bool) -> Self {
        self.deferred = deferred;
        self.provisional = provisional;
        self
    }

    /// The data-source reads a provisional plan left unknown after they failed.
    pub fn unsettled(&self) -> BTreeSet<String> {
        self.unsettled.borrow().clone()
    }

    pub fn with_replaced(mut self, replaced: BTreeSet<String>) -> Self {
        self.replaced = replaced;
        self
    }

    pub fn with_host(mut self, host: Option<std::sync::Arc<crate::provider::Host>>) -> Self {
        self.host = host;
        self
    }

    pub fn with_regional(mut self, regional: Option<std::sync::Arc<crate::provider::regional::Regional>>) -> Self {
        self.regional = regional;
        self
    }

    /// The host that reads in `region`: the DR region's, or another region's started on demand.
    fn host_for(&self, region: &str) -> Result<Option<std::sync::Arc<crate::provider::Host>>, String> {
        match (&self.host, &self.regional) {
            (Some(h), _) if region.is_empty() || h.region == region => Ok(Some(h.clone())),
            (Some(_), Some(regional)) => regional.host(region),
            _ => Ok(None),
        }
    }

    pub fn rooted(mut self, root: &std::path::Path) -> Self {
        self.root = root.to_path_buf();
        self
    }
}

impl LiveView for PlanView<'_> {
    fn read_data(&self, read: &DataRead) -> Result<Option<Value>, String> {
        if self.deferred.contains(read.addr) {
            return Ok(None); // read during apply, after what it waits for
        }
        match self.read_now(read.ty, read.region.unwrap_or_default(), read.config) {
            Err(_) if self.provisional && read.waits => {
                self.unsettled.borrow_mut().insert(read.addr.to_string());
                Ok(None)
            }
            other => other,
        }
    }

    fn planned_value(&self, m: &ManagedRef, config: &Value) -> Option<Value> {
        self.planned_value_of(m, config)
    }
}

impl PlanView<'_> {
    fn read_now(&self, ty: &str, region: &str, config: &Value) -> Result<Option<Value>, String> {
        if !arguments_known(ty, config) {
            return Ok(None);
        }
        let cx = crate::live::computed::Context {
            region,
            account_id: self.inventory.snapshot.account_id.as_deref(),
            root: &self.root,
            inventory: self.inventory,
        };
        if let Some((value, key)) = crate::live::computed::read(ty, config, &cx)? {
            self.read.borrow_mut().extend(key);
            return Ok(Some(value));
        }
        // A data source drplan reads natively stays native when the provider is running too:
        // one engine's presence never makes the other's values unknown.
        let host = self.host_for(region)?;
        let hosted = host.as_deref().filter(|h| !data::is_native(ty) && h.block(Mode::Data, ty).is_some());
        if let Some(host) = hosted {
            return self.read_through(host, ty, region, config);
        }
        if self.inventory.is_empty() {
            return Ok(None); // read during apply, as Terraform defers it
        }
        let result = match data::read(self.inventory, ty, region, config) {
            Ok(found) => found,
            // Not among what the inventory holds (a public AMI, another account's snapshot):
            // the provider asks AWS itself, in its region.
            Err(why) => match host.as_deref().filter(|h| h.block(Mode::Data, ty).is_some()) {
                Some(host) => match self.read_through(host, ty, region, config) {
                    Ok(Some(value)) => Some(value),
                    Ok(None) => return Err(why),
                    Err(e) => return Err(format!("{why}; terraform-provider-aws: {e}")),
                },
                None => return Err(why),
            },
        };
        if let Some(id) = result.as_ref().and_then(|v| v.get("id")).and_then(Value::as_str) {
            self.read.borrow_mut().insert(format!("{region}/{ty}/{id}"));
        }
        Ok(result)
    }

    /// Reads a data source through the provider: what the live state recorded of the same read
    /// while planning ([`crate::provider::recorded`]), else the provider's answer, recorded.
    fn read_through(
        &self,
        host: &crate::provider::Host,
        ty: &str,
        region: &str,
        config: &Value,
    ) -> Result<Option<Value>, String> {
        let region = if region.is_empty() { host.region.as_str() } else { region };
        let block = host.block(Mode::Data, ty);
        // The same read once already (evaluations repeat), or recorded while planning.
        let id = block.and_then(|b| recorded::key(config, b));
        let done = (region.to_string(), recorded::recorded_type(ty), id.unwrap_or_default());
        if let (Some(block), Some(object)) = (block, self.recorded.borrow().get(&done)) {
            return Ok(Some(recorded::value_of(object, block)));
        }
        if self.replay
            && let Some((value, key)) = block.and_then(|b| recorded::replay(self.inventory, ty, region, config, b))
        {
            self.read.borrow_mut().insert(key);
            return Ok(Some(value));
        }
        // On a thread of its own: the host waits on its runtime, which is not allowed on a
        // thread that runs another (apply evaluates from inside one).
        let read = std::thread::scope(|s| s.spawn(|| host.read_data(ty, config)).join());
        let read = read.unwrap_or_else(|_| Err(format!("reading {ty} through the provider failed")));
        if let (Ok(Some(value)), Some(block)) = (&read, block)
            && let Some(object) = recorded::record(ty, region, config, value, block)
        {
            self.recorded.borrow_mut().insert(done, object);
        }
        read
    }

    /// What this view read through the provider, as live objects to record.
    pub fn recorded(&self) -> Vec<LiveObject> {
        self.recorded.borrow().values().cloned().collect()
    }

    fn planned_value_of(&self, m: &ManagedRef, config: &Value) -> Option<Value> {
        if crate::resources::graph_only::is(m.ty) {
            let stack = m.recovery.map(|r| r.stack.as_str()).unwrap_or_default();
            let live = &self.inventory.snapshot;
            return Some(crate::resources::graph_only::value(m.ty, stack, m.addr, config, live, m.written));
        }
        if m.read_only {
            let Some((value, live)) = super::counterpart::planned_value(self.inventory, m.ty, m.region?, config) else {
                // Not found (a first plan of both halves, or a primary not built yet): where
                // instance keys hang on it, what the provider would plan for a new one (an ACM
                // certificate's validation options carry its domain names), as Terraform sees it.
                return if m.decides_keys && schema::lookup(Mode::Managed, m.ty).is_none() {
                    self.provider_planned(m, config)
                } else {
                    None
                };
            };
            self.read.borrow_mut().insert(format!("{}/{}/{}", live.region, live.ty, live.id));
            return Some(value);
        }
        let recovery = m.recovery?;
        let region = m.region.unwrap_or(&recovery.region);
        let found = find_live(self.inventory, &recovery.stack, region, m.addr, m.ty, config, m.written).ok()?;
        let Some(schema) = schema::lookup(crate::config::Mode::Managed, m.ty).map(|s| &s.block) else {
            // A type the provider serves: its state as found, with what the configuration sets,
            // unless the provider will replace it; a new one as the provider plans it.
            if self.replaced.contains(m.addr) {
                return None;
            }
            return match found {
                Some(live) => Some(super::diff::planned(&crate::resources::sdk::live_value(live), config)),
                // Only where instance keys are decided by it: one provider call per object
                // otherwise would double a large plan's time for values shown as unknown anyway.
                None if m.decides_keys => self.provider_planned(m, config),
                None => None,
            };
        };
        let live = found?;
        let decision = decide(m.ty, schema, config, m.written, m.lifecycle, live);
        if decision.replace() {
            return None;
        }
        Some(decision.planned(config))
    }
}

impl PlanView<'_> {
    /// A new provider-served object as the provider plans it, as Terraform's references see it,
    /// for objects a `count` or `for_each` reads: what the provider knows while planning is
    /// known (the domain names of an ACM certificate's `domain_validation_options`, so
    /// `for_each` over them has its keys), the rest unknown. `None` without a provider, or when it refuses (planning reports that).
    fn provider_planned(&self, m: &ManagedRef, config: &Value) -> Option<Value> {
        let host = self.host.as_deref()?;
        let block = host.block(Mode::Managed, m.ty)?;
        let key = (m.addr.to_string(), config.to_string());
        if let Some(known) = self.planned_new.borrow().get(&key) {
            return known.clone();
        }
        let item = crate::provider::host::PlanItem {
            ty: m.ty.to_string(),
            prior: Value::Null,
            config: crate::provider::codec::configuration(config, block, m.written),
        };
        // On a thread of its own, as read_data: apply evaluates from inside a runtime.
        let answer = std::thread::scope(|s| s.spawn(|| host.plan_all(std::slice::from_ref(&item))).join());
        let planned = answer.ok().and_then(|mut a| a.pop()).and_then(Result::ok).map(|p| p.planned);
        self.planned_new.borrow_mut().insert(key, planned.clone());
        planned
    }
}

/// Whether a data source's arguments (not its results) are all known.
pub fn arguments_known(ty: &str, config: &Value) -> bool {
    let Some(schema) = schema::lookup(Mode::Data, ty) else { return true };
    schema
        .block
        .attrs
        .iter()
        .filter(|(_, a)| a.required || a.optional)
        .all(|(k, _)| config.get(k).is_none_or(Value::is_wholly_known))
        && schema.block.blocks.keys().all(|k| config.get(k).is_none_or(Value::is_wholly_known))
}

/// The live object an instance manages: by ownership tags, else by natural key for types AWS
/// cannot tag. Two objects claiming one address is an error naming both.
pub fn find_live<'i>(
    inv: &'i Inventory,
    stack: &str,
    region: &str,
    addr: &str,
    ty: &str,
    config: &Value,
    written: &std::collections::BTreeSet<String>,
) -> Result<Option<&'i LiveObject>, String> {
    let region = crate::resources::home_region(ty, region);
    let owned: Vec<&LiveObject> =
        inv.by_owner(stack, addr).into_iter().filter(|o| o.ty == ty && o.region == region).collect();
    match owned.as_slice() {
        [one] => return Ok(Some(one)),
        [] => {}
        many => {
            let ids: Vec<&str> = many.iter().map(|o| o.id.as_str()).collect();
            return Err(format!("{} objects in {region} are tagged as {addr}: {}", many.len(), ids.join(" and ")));
        }
    }
    // A key with a part not known yet (its object is being created) matches nothing. An
    // argument the configuration does not set is unset, even where references see it unknown
    // (the provider computes it).
    let Some(fields) = natural_key_fields(ty) else { return Ok(None) };
    let field = |f: &str| config.get(f).filter(|v| v.is_wholly_known() || written.contains(f));
    if fields.iter().any(|f| field(f).is_some_and(|v| !v.is_wholly_known())) {
        return Ok(None);
    }
    let attr = |f: &str| Some(field(f).map(crate::live::key_part).unwrap_or_default());
    let Some(key) = natural_key(ty, &attr) else { return Ok(None) };
    Ok(inv.by_natural_key(region, ty, &key).into_iter().next())
}
