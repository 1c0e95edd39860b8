//! `drplan drill`: rehearse a recovery for real. Apply the stack into an isolated workspace
//! (its own ownership tags), skipping DNS cutover records so production traffic never moves,
//! run the `check` blocks until they pass or time out, measure the recovery time (apply start
//! to every check passing) against the estimate and the objective, and destroy what was
//! created unless asked to keep it. A failing drill still cleans up.

use std::sync::Arc;
use std::time::Instant;

use super::LoadOptions;
use super::apply::{ExecuteOptions, Source, aws_provider, execute_with, prepare};
use crate::apply::{Journal, Report};
use crate::cloud::aws::Aws;
use crate::cloud::aws::secrets::AwsSecrets;
use crate::cloud::{Cloud, Provider};
use crate::error::Error;
use crate::plan::Plan;
use crate::recovery::checks::{self, CheckResult};
use crate::recovery::drill::DrillReport;

pub struct DrillOptions {
    pub load: LoadOptions,
    pub execute: ExecuteOptions,
    pub keep: bool,
    /// Told about each failed check attempt while the checks retry (the CLI prints it).
    pub check_progress: Box<dyn Fn(String) + Sync>,
}

/// A drill against AWS.
pub fn drill<J: Journal>(opts: &DrillOptions, journal: Arc<J>, started_at: String) -> Result<DrillReport, Error> {
    let aws: &Aws = &opts.execute.aws;
    drill_with(opts, aws, aws_provider(&opts.execute), journal, started_at)
}

/// A drill that reads through `cloud` and writes through the providers `make_provider` builds.
pub fn drill_with<J, P, F, Fut>(
    opts: &DrillOptions,
    cloud: &dyn Cloud,
    make_provider: F,
    journal: Arc<J>,
    started_at: String,
) -> Result<DrillReport, Error>
where
    J: Journal,
    P: Provider,
    F: Fn(&Plan, &str) -> Fut,
    Fut: std::future::Future<Output = P>,
{
    let mut prepared = prepare(&opts.load, cloud, &Source::Dir, false, &[])?;
    let plan = &mut prepared.planned.plan;
    // What moves traffic (Route 53 records) is the cutover: a drill must never move production
    // traffic.
    let recovery = prepared.planned.config.expansion.recovery.as_ref();
    let skipped = recovery
        .map(|r| crate::plan::gates::moving_traffic(&plan.execution, &plan.resource_changes, r))
        .unwrap_or_default();
    plan.execution.steps.retain(|s| !skipped.contains(&s.address));
    let mut report = DrillReport {
        stack: plan.stack.clone(),
        workspace: plan.workspace.clone(),
        phase: plan.phase,
        region: plan.region.clone(),
        started_at,
        rto_objective_seconds: plan.recovery.rto_objective_seconds,
        rto_estimate_seconds: plan.recovery.rto_estimate_seconds,
        measured_rto_seconds: None,
        rpo_objective_seconds: plan.recovery.rpo_objective_seconds,
        rpo_estimate_seconds: plan.recovery.rpo_estimates.iter().filter_map(|e| e.seconds).max(),
        measured_rpo_seconds: None,
        failure_declared_at: None,
        apply: Report { outcomes: Vec::new(), wall_time: Default::default() },
        approved_without_asking: crate::plan::gates::Stages::of(&plan.execution)
            .approval_roots
            .difference(&skipped)
            .cloned()
            .collect(),
        skipped_cutover: skipped.into_iter().collect(),
        checks: Vec::new(),
        cleanup: None,
        kept: opts.keep,
        passed: false,
        failures: Vec::new(),
    };
    let started = Instant::now();
    // A drill declares the failure when it starts, unless told when it was.
    let declared_at = opts.execute.declared_at.unwrap_or_else(std::time::SystemTime::now);
    report.failure_declared_at = Some(crate::timefmt::rfc3339(declared_at));
    report.apply = execute_with(prepared, &make_provider, &opts.execute, journal.clone())?.report;
    if report.apply.succeeded() {
        // Evaluate the checks against what now exists (the load balancer's name, the DB host).
        let fresh = super::stages::checks_now(&opts.load, cloud)?;
        let secrets = AwsSecrets { aws: &opts.execute.aws, region: fresh.plan.region.clone() };
        let ctx = checks::Context { secrets: &secrets, declared_at: Some(declared_at) };
        report.checks = checks::run_all_reporting(&fresh.config.expansion.checks, &ctx, &opts.check_progress);
        report.measured_rpo_seconds = checks::measured_rpo(&report.checks).map(|(s, _)| s);
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
    report.failures.extend(checks::rpo_breach(&report.checks, report.rpo_objective_seconds));
    if !opts.keep {
        let teardown = prepare(&opts.load, cloud, &Source::Dir, true, &[])?;
        let cleanup = execute_with(teardown, &make_provider, &opts.execute, journal)?.report;
        if !cleanup.succeeded() {
            report.failures.push("cleanup did not complete: run drplan destroy with the same --workspace".into());
        }
        report.cleanup = Some(cleanup);
    }
    report.passed = report.failures.is_empty();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::journal::NoJournal;
    use crate::cloud::memory::InMemory;
    use crate::resources::sdk::Polling;

    /// A drill through a provider: applied in its own workspace, checked, measured and cleaned
    /// up, leaving nothing behind.
    #[test]
    fn a_drill_applies_in_its_workspace_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let config = "recovery {\n  stack  = \"t\"\n  region = \"us-west-2\"\n  rto    = \"1h\"\n}\n\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n\nresource \"aws_subnet\" \"a\" {\n  vpc_id     = aws_vpc.main.id\n  cidr_block = \"10.0.1.0/24\"\n}\n";
        std::fs::write(dir.path().join("main.tf"), config).unwrap();
        let opts = DrillOptions {
            load: LoadOptions {
                dir: dir.path().to_path_buf(),
                vars: Default::default(),
                workspace: "drill".into(),
                phase: None,
                lenient_keys: false,
                provider: crate::provider::Env::off(),
            },
            execute: ExecuteOptions {
                aws: Aws::default(),
                schedule: crate::apply::Options::default(),
                polling: Polling::default(),
                declared_at: None,
            },
            keep: false,
            check_progress: Box::new(|_| {}),
        };
        let cloud = Arc::new(InMemory::new("us-west-2", "t@drill"));
        let provider = |_: &Plan, _: &str| {
            let cloud = cloud.clone();
            async move { cloud }
        };
        let report = drill_with(&opts, cloud.as_ref(), provider, Arc::new(NoJournal), "now".into()).unwrap();
        assert!(report.passed, "{:?}", report.failures);
        assert_eq!(report.workspace, "drill");
        assert_eq!(report.apply.outcomes.len(), 2);
        assert!(report.measured_rto_seconds.is_some());
        assert_eq!(report.cleanup.as_ref().map(|c| c.outcomes.len()), Some(2));
        assert!(cloud.objects().is_empty(), "the drill cleaned up");
        let writes = cloud.writes.lock().unwrap().clone();
        assert_eq!(writes.len(), 4, "{writes:?}");
    }
}
