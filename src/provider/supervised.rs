//! The configured provider process a [`super::Host`] talks to, replaced when it stops
//! answering: a process that exits or is killed mid-call (the connection breaks), or one that
//! does not answer within the call's bound (it is killed first). The call that met it fails
//! with an error that says the provider was restarted, which callers treat as transient: reads
//! are asked again, and a create is looked up by its tags before it is sent again (the
//! executor's unconfirmed creates), so a restart never duplicates an object.
//!
//! This module owns starting, configuring and replacing the process; what the calls mean is
//! [`super::host`]'s.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::{CALL_LIMIT, HostError, Plugin, PluginError, START_LIMIT, wire};

/// What the provider's error says once it was started again: [`super::transient`] knows it.
pub const RESTARTED: &str = "terraform-provider-aws was restarted";

/// The environment variable that bounds every provider call, in seconds (a hung provider is
/// killed after it). Calls keep their own, lower, bounds.
pub const TIMEOUT_VAR: &str = "DRPLAN_PROVIDER_TIMEOUT";

/// How to start the provider again: its binary, environment and `Configure` request.
pub(super) struct StartSpec {
    pub(super) binary: PathBuf,
    pub(super) env: Vec<(String, String)>,
    pub(super) configure: wire::ConfigureRequest,
}

/// The current process (and how many replaced it before), and how to replace it.
pub(super) struct Supervised {
    current: RwLock<(u64, Arc<Plugin>)>,
    replacing: tokio::sync::Mutex<()>,
    spec: Arc<StartSpec>,
    /// The bound [`TIMEOUT_VAR`] sets, if any.
    cap: Option<Duration>,
}

impl Supervised {
    /// Starts and configures the provider (blocking: call it from outside any runtime).
    pub(super) fn start(spec: StartSpec) -> Result<Supervised, HostError> {
        let plugin = start_configured(&spec)?;
        Ok(Supervised {
            current: RwLock::new((0, Arc::new(plugin))),
            replacing: tokio::sync::Mutex::new(()),
            spec: Arc::new(spec),
            cap: call_cap(std::env::var(TIMEOUT_VAR).ok().as_deref()),
        })
    }

    /// The process calls go to now.
    pub(super) fn plugin(&self) -> Arc<Plugin> {
        self.current.read().map(|c| c.1.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().1.clone())
    }

    fn generation(&self) -> (u64, Arc<Plugin>) {
        let current = self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        (current.0, current.1.clone())
    }

    /// `limit`, or the operator's lower bound on every call.
    pub(super) fn limit(&self, limit: Duration) -> Duration {
        self.cap.map_or(limit, |cap| cap.min(limit))
    }

    /// One call; when the process died or hung during it, it is replaced, and the error says so.
    pub(super) async fn call<Req, Resp>(
        &self,
        name: &'static str,
        path: &'static str,
        request: Req,
        limit: Duration,
    ) -> Result<Resp, String>
    where
        Req: prost::Message + Send + Sync + 'static,
        Resp: prost::Message + Default + Send + Sync + 'static,
    {
        let (generation, plugin) = self.generation();
        let error = match plugin.call_async(name, path, request, self.limit(limit)).await {
            Ok(answer) => return Ok(answer),
            Err(e) => e,
        };
        if !(error.lost_connection() || matches!(error, PluginError::Timeout { .. })) {
            return Err(error.to_string());
        }
        let said = plugin.last_words();
        drop(plugin);
        match self.replace(generation).await {
            Ok(()) => Err(format!("{error}{said}; {RESTARTED}")),
            Err(why) => Err(format!("{error}{said}; starting it again failed: {why}")),
        }
    }

    /// Kills generation `seen` and starts the next, unless another call did so already.
    async fn replace(&self, seen: u64) -> Result<(), String> {
        let _one_at_a_time = self.replacing.lock().await;
        let (generation, old) = self.generation();
        if generation != seen {
            return Ok(());
        }
        old.kill();
        // Starting blocks (the handshake, the new process's own runtime): off any runtime.
        let (tx, rx) = tokio::sync::oneshot::channel();
        let spec = self.spec.clone();
        std::thread::spawn(move || {
            let _ = tx.send(start_configured(&spec).map_err(|e| e.to_string()));
        });
        let fresh = rx.await.map_err(|_| "the start was abandoned".to_string())??;
        let mut current = self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        *current = (generation + 1, Arc::new(fresh));
        Ok(())
    }
}

/// Starts the provider and configures it (blocking).
fn start_configured(spec: &StartSpec) -> Result<Plugin, HostError> {
    let env: Vec<(&str, &str)> = spec.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let plugin = Plugin::start_with(&spec.binary, START_LIMIT, &env)?;
    let response: wire::ConfigureResponse =
        plugin.call("Configure", wire::method::CONFIGURE, spec.configure.clone(), CALL_LIMIT)?;
    super::host::errors(&response.diagnostics).map_err(HostError::Diagnostics)?;
    Ok(plugin)
}

/// [`TIMEOUT_VAR`]'s value: whole seconds, at least one.
fn call_cap(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().filter(|s| *s > 0).map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_bound_is_whole_seconds() {
        assert_eq!(call_cap(Some("5")), Some(Duration::from_secs(5)));
        assert_eq!(call_cap(Some(" 30 ")), Some(Duration::from_secs(30)));
        assert_eq!(call_cap(Some("0")), None);
        assert_eq!(call_cap(Some("soon")), None);
        assert_eq!(call_cap(None), None);
    }

    #[test]
    fn a_restart_is_transient() {
        assert!(crate::provider::transient(&format!("the provider failed X: transport error; {RESTARTED}")));
        assert!(!crate::provider::transient("the provider failed X: transport error; starting it again failed: no"));
    }
}
