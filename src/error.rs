//! The library's error type. `main` maps each variant to an exit code in one place.

use std::sync::Arc;

use crate::diag::{Diagnostics, SourceMap};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration (or variables) has errors; every diagnostic is kept, with the sources
    /// needed to render them.
    #[error("{} in the configuration", plural(.diagnostics.error_count(), "error"))]
    Config { diagnostics: Diagnostics, sources: Arc<SourceMap> },
    /// The command line asked for something impossible.
    #[error("{0}")]
    Usage(String),
    /// An AWS API call failed: which operation, in which region, and why.
    #[error("AWS {operation} in {region} failed: {message}")]
    Cloud { operation: String, region: String, message: String },
    /// Apply or destroy ran, and not every step succeeded (the summary says which).
    #[error("{verb} incomplete: {failed} failed, {skipped} skipped, {cancelled} not started")]
    Incomplete { verb: String, failed: usize, skipped: usize, cancelled: usize },
    /// A drill ran and did not pass (the report says why); it cleaned up unless told to keep.
    #[error("drill failed: {0}")]
    DrillFailed(String),
    /// A failover's checks did not pass: the steps that move traffic were not applied
    /// (everything else was).
    #[error("traffic was not moved: {0}")]
    TrafficNotMoved(String),
    /// Apply stopped at an approval gate (`recovery.approve`): no terminal to ask, or the
    /// operator said no. Everything before the gate is done; `resume` approves and goes on.
    #[error(
        "{why}: {steps} not applied.\nEverything before the gate is done (see the journal). To approve and resume, run:\n  {resume}"
    )]
    AwaitingApproval { why: String, steps: String, resume: String },
    /// The operator did not approve the plan.
    #[error("{0} cancelled: only 'yes' approves")]
    NotApproved(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// "1 error", "3 errors".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
