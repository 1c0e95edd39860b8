//! `drplan drill`: rehearse a recovery for real. Apply the stack into an isolated workspace
//! (its own ownership tags), skipping DNS cutover records so production traffic never moves,
//! run the `check` blocks until they pass or time out, measure the recovery time (apply start
//! to every check passing) against the estimate and the objective, and destroy what was
//! created unless asked to keep it. A failing drill still cleans up.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::LoadOptions;
use super::apply::{ExecuteOptions, Source, execute, prepare};
use super::plan::{PlanOptions, plan};
use crate::apply::{Journal, Report};
use crate::cloud::aws::Aws;
use crate::error::Error;
use crate::recovery::checks::{self, CheckResult};

/// What a drill did, for the Markdown and JSON reports.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DrillReport {
    pub stack: String,
    pub workspace: String,
    pub region: String,
    /// When the drill started (RFC 3339, wall clock: a drill is an event, not a plan).
    pub started_at: String,
    pub rto_objective_seconds: Option<u64>,
    pub rto_estimate_seconds: u64,
    /// Apply start to every check passing; `None` when the recovery did not complete.
    pub measured_rto_seconds: Option<f64>,
    pub apply: Report,
    /// DNS cutover records a drill never applies.
    pub skipped_cutover: Vec<String>,
    pub checks: Vec<CheckResult>,
    /// The destroy that cleaned up (absent with --keep).
    pub cleanup: Option<Report>,
    pub kept: bool,
    pub passed: bool,
    /// Why it failed, in one line each.
    pub failures: Vec<String>,
}

pub struct DrillOptions {
    pub load: LoadOptions,
    pub execute: ExecuteOptions,
    pub keep: bool,
}

pub fn drill<J: Journal>(opts: &DrillOptions, journal: Arc<J>, started_at: String) -> Result<DrillReport, Error> {
    let aws: &Aws = &opts.execute.aws;
    let mut prepared = prepare(&opts.load, aws, &Source::Dir, false, &[])?;
    let plan = &mut prepared.planned.plan;
    // Route 53 records are the cutover: a drill must never move production traffic.
    let records: BTreeSet<String> =
        plan.resource_changes.iter().filter(|c| c.ty == "aws_route53_record").map(|c| c.address.clone()).collect();
    let mut skipped: BTreeSet<String> = records.clone();
    loop {
        let before = skipped.len();
        for s in &plan.execution.steps {
            if s.depends_on.iter().any(|d| skipped.contains(d)) {
                skipped.insert(s.address.clone());
            }
        }
        if skipped.len() == before {
            break;
        }
    }
    plan.execution.steps.retain(|s| !skipped.contains(&s.address));
    let mut report = DrillReport {
        stack: plan.stack.clone(),
        workspace: plan.workspace.clone(),
        region: plan.region.clone(),
        started_at,
        rto_objective_seconds: plan.recovery.rto_objective_seconds,
        rto_estimate_seconds: plan.recovery.rto_estimate_seconds,
        measured_rto_seconds: None,
        apply: Report { outcomes: Vec::new(), wall_time: Default::default() },
        skipped_cutover: skipped.into_iter().collect(),
        checks: Vec::new(),
        cleanup: None,
        kept: opts.keep,
        passed: false,
        failures: Vec::new(),
    };
    let started = Instant::now();
    report.apply = execute(prepared, &opts.execute, journal.clone())?.report;
    if report.apply.succeeded() {
        // Evaluate the checks against what now exists (the load balancer's name, the DB host).
        let fresh = plan_now(opts, aws)?;
        report.checks = checks::run_all(&fresh.config.expansion.checks);
        let failed: Vec<&CheckResult> = report.checks.iter().filter(|c| !c.passed).collect();
        if failed.is_empty() {
            report.measured_rto_seconds = Some(started.elapsed().as_secs_f64());
        }
        for c in failed {
            report.failures.push(format!(
                "check {} ({} {}) did not pass after {} attempts: {}",
                c.name,
                c.kind,
                c.target,
                c.attempts,
                c.last_error.as_deref().unwrap_or("no answer")
            ));
        }
    } else {
        let failed = report.apply.outcomes.iter().filter(|o| o.status == crate::apply::Status::Failed);
        report.failures.extend(failed.map(|o| format!("{} failed: {}", o.address, o.error.as_deref().unwrap_or(""))));
        report.failures.push("checks not run: the recovery did not complete".into());
    }
    if let (Some(measured), Some(objective)) = (report.measured_rto_seconds, report.rto_objective_seconds)
        && measured > objective as f64
    {
        report.failures.push(format!("measured recovery time {measured:.0}s exceeds the RTO objective {objective}s"));
    }
    if !opts.keep {
        let teardown = prepare(&opts.load, aws, &Source::Dir, true, &[])?;
        let cleanup = execute(teardown, &opts.execute, journal)?.report;
        if !cleanup.succeeded() {
            report.failures.push("cleanup did not complete: run drplan destroy with the same --workspace".into());
        }
        report.cleanup = Some(cleanup);
    }
    report.passed = report.failures.is_empty();
    Ok(report)
}

fn plan_now(opts: &DrillOptions, aws: &Aws) -> Result<super::plan::Planned, Error> {
    plan(&PlanOptions {
        load: opts.load.clone(),
        cloud: aws,
        targets: Vec::new(),
        destroy: false,
        calibration: Default::default(),
    })
}
