//! The write boundary between the executor and a type: what one write asks ([`ApplyRequest`],
//! [`Op`]), what a create hands back ([`Created`]) and how a write fails ([`StepError`]). These
//! sit here, below `cloud`, `provider` and `apply`, because every one of them speaks them.

use crate::live::LiveObject;

use super::sdk::Args;

/// Why a step failed, and whether trying again may help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepError {
    pub message: String,
    /// Throttling, 5xx and connection errors: retried with backoff.
    pub retryable: bool,
}

impl StepError {
    /// A failure trying again will not fix (bad argument, conflict, not found).
    pub fn fatal(message: impl Into<String>) -> Self {
        StepError { message: message.into(), retryable: false }
    }

    /// Throttling, a 5xx answer, a dropped connection, an object still busy.
    pub fn retryable(message: impl Into<String>) -> Self {
        StepError { message: message.into(), retryable: true }
    }
}

/// What a write asks of a type.
#[derive(Clone, Copy, Debug)]
pub enum Op<'a> {
    Create,
    /// Change these attributes in place.
    Update(&'a [String]),
    Delete,
    /// Wait until an object that already existed (a resumed apply) is ready for dependents.
    Ready,
}

/// One write against one object.
#[derive(Clone, Copy, Debug)]
pub struct ApplyRequest<'a> {
    pub address: &'a str,
    pub op: Op<'a>,
    /// The instance's arguments, evaluated at apply time (for a delete: the live object's).
    pub config: Args<'a>,
    /// The object as it is, for update, delete and ready.
    pub prior: Option<&'a LiveObject>,
    /// Where a create reports the new object's id (so it is re-read by id, the cheapest way).
    pub created: &'a Created,
    /// The instance is served by terraform-provider-aws although its type is native (its block
    /// sets what only the provider implements): the write goes to the provider.
    pub via_provider: bool,
}

/// The id of the object a create made, once known; for types the provider serves, the object
/// itself as the write left it (there is no read unit to re-read it with).
#[derive(Debug, Default)]
pub struct Created {
    id: std::sync::Mutex<Option<String>>,
    object: std::sync::Mutex<Option<LiveObject>>,
}

impl Created {
    pub fn set(&self, id: &str) {
        *self.id.lock().unwrap_or_else(|e| e.into_inner()) = Some(id.to_string());
    }

    pub fn get(&self) -> Option<String> {
        self.id.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_object(&self, object: LiveObject) {
        self.set(&object.id);
        *self.object.lock().unwrap_or_else(|e| e.into_inner()) = Some(object);
    }

    pub fn object(&self) -> Option<LiveObject> {
        self.object.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// An instance of a type served through the provider that the configuration declares, and the
/// import ids its configuration suggests: what planning looks up, and what a step looks up
/// after a create whose outcome is unknown (`Provider::find_served`).
#[derive(Clone, Debug, PartialEq)]
pub struct Wanted {
    pub address: String,
    pub ty: String,
    pub ids: Vec<String>,
    /// The instance's configuration: the provider's data source of the same type, given the
    /// same arguments, may name the object's id where no configured value is it (a launch
    /// template by its name, a listener rule by its listener and priority).
    pub config: crate::eval::Value,
    /// Take an object at one of `ids` that no stack's tags claim: this apply proved every id
    /// free just before its create ([`crate::cloud::Provider::served_ids_free`]), so what is
    /// there now is what that create made before its answer was lost (an S3 bucket is tagged
    /// by a second call, after CreateBucket).
    pub claim_untagged: bool,
}
