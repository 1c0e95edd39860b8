//! A configured provider that plans, applies, reads and imports objects of the types drplan
//! does not serve natively: `Configure` once (the DR region; offline, credentials and an
//! endpoint that make sure nothing reaches AWS), then `PlanResourceChange`,
//! `ApplyResourceChange`, `ReadResource`, `ImportResourceState` and `ReadDataSource` per object,
//! values encoded with the type's schema ([`super::codec`]).
//!
//! This module speaks for the provider; it does not decide which objects are drplan's (the
//! ownership tags it adds are the rule [`with_ownership_tags`] states, applied by callers) nor
//! what a plan contains.

use std::collections::BTreeMap;
use std::time::Duration;

pub use super::configure::Settings;
use super::configure::provider_config;
use super::schema::Block;
pub use super::state::{live_object, native_prior, object_state, prior_from_state, prior_state, restore_sensitive};
use super::supervised::{StartSpec, Supervised};
use super::{CALL_LIMIT, HostError, Hosted, Plugin, codec, proposed, wire};
use crate::config::Mode;
use crate::eval::Value;

/// Where an offline provider's calls go: the discard port on loopback, refused at once.
pub(super) const NOWHERE: &str = "http://127.0.0.1:9";

/// A running, configured provider and the schemas of the types it serves for this command.
pub struct Host {
    process: Supervised,
    blocks: BTreeMap<(Mode, String), Block>,
    /// Each managed type's schema version.
    versions: BTreeMap<String, i64>,
    pub version: String,
    /// Configured so that it cannot reach AWS (see [`Settings::offline`]).
    pub offline: bool,
    /// The region it reads and writes in (the DR region).
    pub region: String,
    /// Set once a batch of plans found the provider crashed: later batches are not planned,
    /// and not reported again.
    crashed: std::sync::atomic::AtomicBool,
}

/// The error of a resource left unplanned because the provider crashed while planning a batch:
/// the crash is reported once, at the first such resource ([`Host::plan_all`]), and callers
/// skip these.
pub const NOT_PLANNED_AFTER_CRASH: &str = "not planned: terraform-provider-aws stopped answering";

/// What the provider planned for one object.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedState {
    /// The planned state (null: deleted); unknowns where the provider computes the value.
    pub planned: Value,
    /// Top-level attributes whose change the provider says replaces the object.
    pub requires_replace: Vec<String>,
    pub private: Vec<u8>,
    pub warnings: Vec<String>,
}

/// One object to plan: its prior state (null for a create) and its configuration, in the form
/// the provider expects ([`codec::configuration`], with [`with_ownership_tags`]).
#[derive(Clone, Debug)]
pub struct PlanItem {
    pub ty: String,
    pub prior: Value,
    pub config: Value,
}

impl Host {
    /// Starts the provider `hosted` located and configures it. A Configure that fails on a
    /// transient fault (its credential check lost a connection, a throttled STS) is tried again
    /// in a new provider process, up to three times: provider-aws cannot be configured twice in
    /// one process ("unable to add custom RootCAs HTTPClient" on the second Configure).
    pub fn start(hosted: &Hosted, settings: &Settings) -> Result<Host, HostError> {
        let mut attempt = 1;
        loop {
            match Host::start_once(hosted, settings) {
                Err(HostError::Diagnostics(why)) if attempt < 3 && super::transient(&why) => {
                    std::thread::sleep(Duration::from_millis(250 * attempt));
                    attempt += 1;
                }
                done => return done,
            }
        }
    }

    fn start_once(hosted: &Hosted, settings: &Settings) -> Result<Host, HostError> {
        let located = hosted.located.as_ref().ok_or_else(|| {
            HostError::Diagnostics("planning these types needs the provider binary, not only its schema".into())
        })?;
        let env: Vec<(&str, &str)> = match (settings.offline, &settings.endpoint_url) {
            (true, _) => vec![("AWS_ENDPOINT_URL", NOWHERE), ("AWS_EC2_METADATA_DISABLED", "true")],
            (false, Some(url)) => vec![("AWS_ENDPOINT_URL", url.as_str())],
            (false, None) => Vec::new(),
        };
        let provider = hosted.provider_block().cloned().unwrap_or_default();
        let config = codec::encode_block(&provider_config(settings), &provider);
        let configure = wire::ConfigureRequest {
            terraform_version: env!("CARGO_PKG_VERSION").into(),
            config: Some(dynamic(config)),
            client_capabilities: Some(capabilities()),
        };
        let env = env.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let process = Supervised::start(StartSpec { binary: located.binary.clone(), env, configure })?;
        Ok(Host {
            process,
            blocks: hosted.blocks().clone(),
            versions: hosted.versions().clone(),
            version: located.version.clone(),
            offline: settings.offline,
            region: settings.region.clone(),
            crashed: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The provider process, for calls a configured provider answers as well as an unconfigured
    /// one (validations).
    pub fn plugin(&self) -> std::sync::Arc<Plugin> {
        self.process.plugin()
    }

    /// Runs `f` to completion on the provider's runtime (from outside any runtime).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.process.plugin().block_on(f)
    }

    /// The schema version of a managed type this command loaded.
    pub fn schema_version(&self, ty: &str) -> Option<i64> {
        self.versions.get(ty).copied()
    }

    /// A state recorded (as JSON) under schema `version` of `ty`, brought to the provider's
    /// current schema (`UpgradeResourceState`). Blocking: call it from outside any runtime.
    pub fn upgrade(&self, ty: &str, version: i64, recorded: &serde_json::Value) -> Result<Value, String> {
        let block = self.schema_of(Mode::Managed, ty)?;
        let request = wire::UpgradeResourceStateRequest {
            type_name: ty.to_string(),
            version,
            raw_state: Some(wire::RawState {
                json: serde_json::to_vec(recorded).unwrap_or_default(),
                flatmap: Default::default(),
            }),
        };
        let answer: wire::UpgradeResourceStateResponse = self.block_on(self.process.call(
            "UpgradeResourceState",
            wire::method::UPGRADE_RESOURCE_STATE,
            request,
            CALL_LIMIT,
        ))?;
        errors(&answer.diagnostics)?;
        decode_state(answer.upgraded_state, block)
    }

    /// The provider's schema of a type this command loaded.
    pub fn block(&self, mode: Mode, ty: &str) -> Option<&Block> {
        self.blocks.get(&(mode, ty.to_string()))
    }

    fn schema_of(&self, mode: Mode, ty: &str) -> Result<&Block, String> {
        self.block(mode, ty).ok_or_else(|| format!("the provider has no schema for {ty}"))
    }

    /// Plans many objects at once (planning a configuration); answers in order.
    pub fn plan_all(&self, items: &[PlanItem]) -> Vec<Result<PlannedState, String>> {
        // A crash was reported with an earlier batch: nothing more is sent to a dead process.
        if self.crashed.load(std::sync::atomic::Ordering::SeqCst) {
            return items.iter().map(|_| Err(NOT_PLANNED_AFTER_CRASH.to_string())).collect();
        }
        let requests: Vec<Result<wire::PlanResourceChangeRequest, String>> =
            items.iter().map(|item| self.plan_request(item)).collect();
        let sendable: Vec<wire::PlanResourceChangeRequest> = requests.iter().filter_map(|r| r.clone().ok()).collect();
        let plugin = self.process.plugin();
        let mut answers = plugin
            .call_many::<_, wire::PlanResourceChangeResponse>(
                "PlanResourceChange",
                wire::method::PLAN_RESOURCE_CHANGE,
                sendable,
                self.process.limit(CALL_LIMIT),
            )
            .into_iter();
        let mut out: Vec<Result<PlannedState, String>> = Vec::with_capacity(items.len());
        let mut crashed: Option<(usize, String)> = None;
        let mut after_crash = 0;
        for (item, request) in items.iter().zip(requests) {
            let answer = request.and_then(|_| answers.next().ok_or_else(|| "the provider did not answer".to_string()));
            out.push(match answer {
                Ok(Err(e)) if e.lost_connection() => {
                    match crashed {
                        None => crashed = Some((out.len(), e.to_string())),
                        Some(_) => after_crash += 1,
                    }
                    Err(NOT_PLANNED_AFTER_CRASH.to_string())
                }
                Ok(answer) => answer.map_err(|e| e.to_string()).and_then(|a| self.planned(&item.ty, a)),
                Err(why) => Err(why),
            });
        }
        // One error for a crash, at the first block it left unplanned, instead of one per block.
        if let Some((at, why)) = crashed {
            self.crashed.store(true, std::sync::atomic::Ordering::SeqCst);
            let why = format!("{why}{}", plugin.last_words());
            let others = match after_crash {
                0 => String::new(),
                n => format!(" (and {n} other resources of this plan, left unplanned)"),
            };
            out[at] = Err(format!(
                "terraform-provider-aws stopped answering while planning this resource{others}; it crashed, or was stopped: {why}"
            ));
        }
        out
    }

    /// Plans one object (at apply time, on apply's runtime).
    pub async fn plan(&self, item: &PlanItem) -> Result<PlannedState, String> {
        let request = self.plan_request(item)?;
        let answer =
            self.process.call("PlanResourceChange", wire::method::PLAN_RESOURCE_CHANGE, request, CALL_LIMIT).await?;
        self.planned(&item.ty, answer)
    }

    fn plan_request(&self, item: &PlanItem) -> Result<wire::PlanResourceChangeRequest, String> {
        let block = self.schema_of(Mode::Managed, &item.ty)?;
        let proposed = proposed::proposed_new(&item.prior, &item.config, block);
        Ok(wire::PlanResourceChangeRequest {
            type_name: item.ty.clone(),
            prior_state: Some(dynamic(codec::encode_block(&item.prior, block))),
            proposed_new_state: Some(dynamic(codec::encode_block(&proposed, block))),
            config: Some(dynamic(codec::encode_block(&item.config, block))),
            prior_private: Vec::new(),
            client_capabilities: Some(capabilities()),
        })
    }

    fn planned(&self, ty: &str, answer: wire::PlanResourceChangeResponse) -> Result<PlannedState, String> {
        let warnings = errors(&answer.diagnostics)?;
        let block = self.schema_of(Mode::Managed, ty)?;
        let planned = decode_state(answer.planned_state, block)?;
        let mut requires_replace: Vec<String> = answer
            .requires_replace
            .iter()
            .filter_map(|p| match p.steps.first()?.selector.as_ref()? {
                wire::Selector::AttributeName(name) => Some(name.clone()),
                _ => None,
            })
            .collect();
        requires_replace.sort();
        requires_replace.dedup();
        Ok(PlannedState { planned, requires_replace, private: answer.planned_private, warnings })
    }

    /// Applies a planned change: creates or updates to `planned.planned`, or deletes when it is
    /// null. Returns the new state (null once deleted).
    pub async fn apply(
        &self,
        ty: &str,
        prior: &Value,
        planned: &PlannedState,
        config: &Value,
    ) -> Result<Value, String> {
        let block = self.schema_of(Mode::Managed, ty)?;
        let request = wire::ApplyResourceChangeRequest {
            type_name: ty.to_string(),
            prior_state: Some(dynamic(codec::encode_block(prior, block))),
            planned_state: Some(dynamic(codec::encode_block(&planned.planned, block))),
            config: Some(dynamic(codec::encode_block(config, block))),
            planned_private: planned.private.clone(),
        };
        let answer: wire::ApplyResourceChangeResponse =
            self.process.call("ApplyResourceChange", wire::method::APPLY_RESOURCE_CHANGE, request, APPLY_LIMIT).await?;
        errors(&answer.diagnostics)?;
        decode_state(answer.new_state, block)
    }

    /// Deletes the object `prior` is the state of.
    pub async fn delete(&self, ty: &str, prior: &Value) -> Result<(), String> {
        let gone = PlannedState {
            planned: Value::Null,
            requires_replace: Vec::new(),
            private: Vec::new(),
            warnings: Vec::new(),
        };
        self.apply(ty, prior, &gone, &Value::Null).await.map(drop)
    }

    /// Reads an object's current state from AWS; `None` when it no longer exists. A transient
    /// failure is asked again ([`reading`]).
    pub async fn read(&self, ty: &str, state: &Value) -> Result<Option<Value>, String> {
        reading(|| self.read_once(ty, state)).await
    }

    async fn read_once(&self, ty: &str, state: &Value) -> Result<Option<Value>, String> {
        let block = self.schema_of(Mode::Managed, ty)?;
        let request = wire::ReadResourceRequest {
            type_name: ty.to_string(),
            current_state: Some(dynamic(codec::encode_block(state, block))),
            private: Vec::new(),
            client_capabilities: Some(capabilities()),
        };
        let answer: wire::ReadResourceResponse =
            self.process.call("ReadResource", wire::method::READ_RESOURCE, request, CALL_LIMIT).await?;
        errors(&answer.diagnostics)?;
        Ok(Some(decode_state(answer.new_state, block)?).filter(|v| !v.is_null()))
    }

    /// The state of the existing object `id` names (as `terraform import` takes it), read in
    /// full; `None` when there is no such object.
    pub async fn import(&self, ty: &str, id: &str) -> Result<Option<Value>, String> {
        reading(|| self.import_once(ty, id)).await
    }

    async fn import_once(&self, ty: &str, id: &str) -> Result<Option<Value>, String> {
        let block = self.schema_of(Mode::Managed, ty)?;
        let request = wire::ImportResourceStateRequest {
            type_name: ty.to_string(),
            id: id.to_string(),
            client_capabilities: Some(capabilities()),
        };
        let answer: wire::ImportResourceStateResponse =
            self.process.call("ImportResourceState", wire::method::IMPORT_RESOURCE_STATE, request, CALL_LIMIT).await?;
        errors(&answer.diagnostics)?;
        let Some(imported) = answer.imported_resources.into_iter().find(|r| r.type_name == ty) else {
            return Ok(None);
        };
        let state = decode_state(imported.state, block)?;
        self.read_once(ty, &state).await
    }

    /// Reads a data source of a type drplan does not serve natively, from its evaluated
    /// configuration (computed attributes unknown). `Ok(None)` when it cannot be read now: an
    /// argument is known only after apply, or the provider is offline. Blocking: call it from
    /// outside any async runtime.
    pub fn read_data(&self, ty: &str, config: &Value) -> Result<Option<Value>, String> {
        self.block_on(self.read_data_async(ty, config))
    }

    /// [`Host::read_data`], from within the provider's runtime.
    pub async fn read_data_async(&self, ty: &str, config: &Value) -> Result<Option<Value>, String> {
        reading(|| self.read_data_once(ty, config)).await
    }

    async fn read_data_once(&self, ty: &str, config: &Value) -> Result<Option<Value>, String> {
        let block = self.schema_of(Mode::Data, ty)?;
        let Some(config) = data_configuration(config, block) else { return Ok(None) };
        if self.offline {
            return Ok(None);
        }
        let request = wire::ReadDataSourceRequest {
            type_name: ty.to_string(),
            config: Some(dynamic(codec::encode_block(&config, block))),
            client_capabilities: Some(capabilities()),
        };
        let answer: wire::ReadDataSourceResponse =
            self.process.call("ReadDataSource", wire::method::READ_DATA_SOURCE, request, CALL_LIMIT).await?;
        errors(&answer.diagnostics)?;
        decode_state(answer.state, block).map(Some)
    }
}

/// A data source's configuration as the provider takes it: the arguments, without what only the
/// provider computes; `None` while an argument is not known yet.
pub(super) fn data_configuration(config: &Value, block: &Block) -> Option<Value> {
    let Value::Map(fields) = config else { return Some(config.clone()) };
    let mut out = BTreeMap::new();
    for (name, attr) in &block.attributes {
        let value = fields.get(name).cloned().unwrap_or(Value::Null);
        match (attr.required || attr.optional, attr.computed, value.is_wholly_known()) {
            (false, _, _) => {}
            (true, false, false) => return None,
            // Optional and computed, not set: the provider's to fill in.
            (true, true, false) if value == Value::Unknown => {}
            (true, true, false) => return None,
            (true, _, true) => {
                out.insert(name.clone(), value);
            }
        }
    }
    for name in block.block_types.keys() {
        let value = fields.get(name).cloned().unwrap_or(Value::Null);
        if !value.is_wholly_known() {
            return None;
        }
        out.insert(name.clone(), value);
    }
    Some(Value::Map(out.into()))
}

/// How many times a read is asked when it fails transiently.
const READ_TRIES: u32 = 3;

/// Runs a read, again when it fails transiently (throttling, a 5xx, a lost connection):
/// against an emulator the provider makes one attempt per call (see `configure::provider_config`),
/// and reads are idempotent.
async fn reading<T, F, Fut>(read: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    crate::resources::sdk::retry_transient(READ_TRIES, |e: &String| super::transient(e), read).await
}

/// Creating or deleting can take long (a KMS key's schedule, a bucket's contents): the
/// provider's own per-type timeouts apply inside this.
const APPLY_LIMIT: Duration = Duration::from_secs(3600);

impl Host {
    /// The prior state of an object a native type's read unit read (drplan's form of it),
    /// refreshed by the provider into its own state (`ReadResource`), as Terraform refreshes
    /// before it plans. Where the provider cannot read it (offline), the native attributes
    /// stand in. Types the provider serves alone already hold its state.
    pub async fn refreshed_prior(&self, ty: &str, live: Option<&crate::live::LiveObject>, config: &Value) -> Value {
        let none = Block::default();
        let block = self.block(Mode::Managed, ty).unwrap_or(&none);
        let (Some(live), Some(_)) = (live, crate::resources::get(ty)) else {
            return prior_state(block, live, config);
        };
        let prior = native_prior(block, live, config);
        match self.read(ty, &prior).await {
            Ok(Some(fresh)) => prior_from_state(block, fresh, config),
            _ => prior,
        }
    }
}

fn dynamic(msgpack: Vec<u8>) -> wire::DynamicValue {
    wire::DynamicValue { msgpack, json: Vec::new() }
}

fn capabilities() -> wire::ClientCapabilities {
    wire::ClientCapabilities { deferral_allowed: false, write_only_attributes_allowed: true }
}

fn decode_state(value: Option<wire::DynamicValue>, block: &Block) -> Result<Value, String> {
    match value.map(|d| d.msgpack).unwrap_or_default() {
        bytes if bytes.is_empty() => Ok(Value::Null),
        bytes => codec::decode_block(&bytes, block),
    }
}

/// The error diagnostics as one message, or the warnings.
pub(super) fn errors(diagnostics: &[wire::Diagnostic]) -> Result<Vec<String>, String> {
    let text = |d: &wire::Diagnostic| {
        let at = d.attribute.as_ref().map(wire::AttributePath::text).filter(|p| !p.is_empty());
        let detail = Some(d.detail.trim()).filter(|t| !t.is_empty() && *t != d.summary.trim());
        let mut s = d.summary.trim().to_string();
        if let Some(at) = at {
            s = format!("{s} (at {at})");
        }
        if let Some(detail) = detail {
            s = format!("{s}: {detail}");
        }
        s
    };
    let (errors, warnings): (Vec<&wire::Diagnostic>, Vec<&wire::Diagnostic>) =
        diagnostics.iter().partition(|d| d.severity() == wire::Severity::Error);
    match errors.is_empty() {
        true => Ok(warnings.into_iter().map(text).collect()),
        false => Err(errors.into_iter().map(text).collect::<Vec<_>>().join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::schema::Attribute;

    /// Errors are joined with where they point; warnings are returned.
    #[test]
    fn diagnostics_become_one_message() {
        let d = |severity: wire::Severity, summary: &str, detail: &str, at: Option<&str>| wire::Diagnostic {
            severity: severity as i32,
            summary: summary.into(),
            detail: detail.into(),
            attribute: at.map(|a| wire::AttributePath {
                steps: vec![wire::Step { selector: Some(wire::Selector::AttributeName(a.into())) }],
            }),
        };
        let warn = d(wire::Severity::Warning, "deprecated", "", None);
        assert_eq!(errors(std::slice::from_ref(&warn)), Ok(vec!["deprecated".to_string()]));
        let err = d(wire::Severity::Error, "invalid name", "must start with a letter", Some("name"));
        assert_eq!(errors(&[warn, err]), Err("invalid name (at name): must start with a letter".to_string()));
    }

    /// A secret never reaches a live object; the configured value comes back only when it is
    /// the one AWS holds.
    #[test]
    fn sensitive_strings_are_held_as_digests() {
        let block = Block {
            attributes: [
                ("id".to_string(), Attribute { ty: "string".into(), computed: true, ..Attribute::default() }),
                (
                    "secret_string".to_string(),
                    Attribute { ty: "string".into(), optional: true, sensitive: true, ..Attribute::default() },
                ),
            ]
            .into(),
            ..Block::default()
        };
        let state = Value::Map(
            [("id".to_string(), Value::from("s-1")), ("secret_string".to_string(), Value::from("hunter2"))].into(),
        );
        let object = live_object("aws_secretsmanager_secret_version", "us-west-2", &state, &block);
        let text = serde_json::to_string(&object).unwrap();
        assert!(!text.contains("hunter2") && text.contains(super::super::state::SENSITIVE_PREFIX), "{text}");
        let prior = object_state(&block, Some(&object));
        let same = Value::Map([("secret_string".to_string(), Value::from("hunter2"))].into());
        assert_eq!(restore_sensitive(prior.clone(), &same, &block).get("secret_string"), Some(&Value::from("hunter2")));
        let other = Value::Map([("secret_string".to_string(), Value::from("rotated"))].into());
        assert_eq!(restore_sensitive(prior.clone(), &other, &block), prior);
    }
}
