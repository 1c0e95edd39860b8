//! The drill report model: what a drill did and measured, written by `ops::drill` and printed
//! by [`crate::render::drill`].

use serde::{Deserialize, Serialize};

use super::checks::CheckResult;
use crate::apply::Report;

/// What a drill did, for the Markdown and JSON reports.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DrillReport {
    pub stack: String,
    pub workspace: String,
    /// The phase rehearsed (`drill --phase failover`).
    #[serde(default)]
    pub phase: crate::expand::Phase,
    pub region: String,
    /// When the drill started (RFC 3339, wall clock: a drill is an event, not a plan).
    pub started_at: String,
    pub rto_objective_seconds: Option<u64>,
    pub rto_estimate_seconds: u64,
    /// Apply start to every check passing: the time to cutover-ready (traffic could move now);
    /// `None` when the recovery did not complete.
    pub measured_rto_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpo_objective_seconds: Option<u64>,
    /// The plan's worst estimated recovery point (from backup and replication metadata).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpo_estimate_seconds: Option<u64>,
    /// The worst recovery point the `sql` checks measured (their `max_age` probes): how much
    /// older than the failure's declaration the newest restored row was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_rpo_seconds: Option<f64>,
    /// When the failure was declared for that measure (RFC 3339; the drill's start by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_declared_at: Option<String>,
    pub apply: Report,
    /// DNS cutover records a drill never applies.
    pub skipped_cutover: Vec<String>,
    /// Steps behind `recovery.approve` gates, which a drill applies without asking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approved_without_asking: Vec<String>,
    pub checks: Vec<CheckResult>,
    /// The destroy that cleaned up (absent with --keep).
    pub cleanup: Option<Report>,
    pub kept: bool,
    pub passed: bool,
    /// Why it failed, in one line each.
    pub failures: Vec<String>,
}
