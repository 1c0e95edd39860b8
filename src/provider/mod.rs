//! The provider host: `terraform-provider-aws` itself, run as a plugin over the Terraform
//! plugin protocol (version 5), for the resource types and data sources drplan does not serve
//! natively ([`crate::resources`]).
//!
//! This module owns finding the provider ([`locate`]), running it ([`plugin`]), the protocol's
//! messages ([`wire`]) and its schemas ([`schema`]), with an on-disk cache of the schema keyed
//! by the provider binary so a plan does not start a 700 MB executable only to re-read it. It
//! does not decide anything about plans: callers ask it for schemas and, later, for changes.

pub mod codec;
mod configure;
pub mod discover;
pub mod host;
pub mod hosted;
pub mod locate;
pub mod ownership;
pub mod plugin;
pub mod proposed;
pub mod recorded;
pub mod regional;
pub mod schema;
pub mod state;
mod supervised;
pub mod wire;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use host::Host;
pub use hosted::Hosted;
pub use locate::{Env, Located, NotFound};
pub use plugin::{Plugin, PluginError};
pub use schema::ProviderSchema;
pub use supervised::{RESTARTED, TIMEOUT_VAR};

/// How long the provider may take to start, and to answer one call.
pub const START_LIMIT: Duration = Duration::from_secs(60);
pub const CALL_LIMIT: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error(transparent)]
    Plugin(#[from] PluginError),
    #[error("the provider reported: {0}")]
    Diagnostics(String),
}

/// The provider's schema for the configuration in `dir`, from the cache when the same binary
/// answered before, else from the provider (and then cached).
pub fn load_schema(dir: &Path, env: &Env) -> Result<(Located, ProviderSchema), HostError> {
    let located = locate::locate(dir, env)?;
    let cache = cache_file(&located, env);
    if let Some(schema) = cache.as_deref().and_then(read_cache) {
        return Ok((located, schema));
    }
    let plugin = Plugin::start(&located.binary, START_LIMIT)?;
    let response = plugin.get_schema(CALL_LIMIT)?;
    let errors: Vec<String> = response
        .diagnostics
        .iter()
        .filter(|d| d.severity() == wire::Severity::Error)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect();
    if !errors.is_empty() {
        return Err(HostError::Diagnostics(errors.join("; ")));
    }
    let schema = schema::from_wire(&response);
    if let Some(path) = cache {
        write_cache(&path, &schema);
    }
    Ok((located, schema))
}

/// A schema document in the format of `terraform providers schema -json`.
pub fn read_schema_file(path: &Path) -> Result<ProviderSchema, String> {
    let why = |e: &dyn std::fmt::Display| {
        format!("Cannot read the provider schema {} (DRPLAN_PROVIDER_SCHEMA): {e}.", path.display())
    };
    let text = std::fs::read(path).map_err(|e| why(&e))?;
    let doc: schema::Document = serde_json::from_slice(&text).map_err(|e| why(&e))?;
    doc.provider_schemas
        .get(schema::AWS_SOURCE)
        .cloned()
        .ok_or_else(|| why(&format!("it has no schema for {}", schema::AWS_SOURCE)))
}

/// `<cache>/provider-schema/<key>.json`, the key naming the binary, its size and mtime.
fn cache_file(located: &Located, env: &Env) -> Option<PathBuf> {
    use sha2::Digest;
    let dir = env.cache_dir.clone()?;
    let meta = std::fs::metadata(&located.binary).ok()?;
    let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    let id = format!("{}\n{}\n{}\n{}", located.binary.display(), meta.len(), mtime, located.version);
    let key = sha2::Sha256::digest(id.as_bytes());
    let hex: String = key.iter().take(12).map(|b| format!("{b:02x}")).collect();
    Some(dir.join("provider-schema").join(format!("aws-{hex}.json")))
}

fn read_cache(path: &Path) -> Option<ProviderSchema> {
    read_schema_file(path).ok()
}

/// Best effort: a cache that cannot be written only costs the next run a provider start.
fn write_cache(path: &Path, schema: &ProviderSchema) {
    let doc = schema::Document {
        format_version: "1.0".into(),
        provider_schemas: [(schema::AWS_SOURCE.to_string(), schema.clone())].into(),
    };
    let Some(dir) = path.parent() else { return };
    let Ok(text) = serde_json::to_vec(&doc) else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    // Write then rename, so a concurrent reader never sees half a file.
    let tmp = dir.join(format!(".{}.tmp", std::process::id()));
    if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Whether an error the provider reported may pass when tried again: AWS throttled the call,
/// answered 5xx, or the connection was lost (the AWS SDK for Go's words for them). Retried by
/// drplan only where a retry cannot duplicate (a create is looked up first).
pub fn transient(message: &str) -> bool {
    let markers = [
        "StatusCode: 5",
        "connection reset",
        "connection refused",
        "use of closed network connection",
        "EOF",
        "i/o timeout",
        "timeout",
        RESTARTED,
    ];
    markers.iter().copied().chain(crate::resources::sdk::RETRYABLE_CODES.iter().copied()).any(|m| message.contains(m))
}

/// Whether a create failed because its object exists already (AWS's words for it, per
/// service): after a lost answer, the provider's own retry of its create (or an earlier run's
/// create) may have made it. The step is tried again, and the next attempt looks the object up
/// by its tags (and ids proven free) before anything is sent; an object not proven this
/// stack's is never taken, and the create fails again, named.
pub fn already_exists(message: &str) -> bool {
    let markers = [
        "AlreadyExists",
        "BucketAlreadyOwnedByYou",
        "ResourceExistsException",
        "ResourceInUseException",
        "already exists",
        "DuplicateRecord",
        // IAM's answer to adding an instance profile's one role again.
        "InstanceSessionsPerInstanceProfile",
        // ELBv2's answer to a listener rule created again at its priority.
        "PriorityInUse",
    ];
    markers.iter().any(|m| message.contains(m))
}
