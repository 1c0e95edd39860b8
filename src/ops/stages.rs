//! The staged apply. A plan's gated steps (marked in [`crate::plan::gates`]) run in stages:
//!
//! 1. **build**: every step that is neither cutover nor behind an approval gate;
//! 2. **approved**: the steps `recovery.approve` names and what depends on them, once an
//!    operator approved them;
//! 3. **cutover**: the steps that move traffic (failover and failback), once every `check`
//!    block passes against what now exists, and, when `approve` lists `"cutover"`, an operator
//!    approved.
//!
//! Each later stage plans again (what earlier stages created is now known) and may contain
//! only what was held back, or nothing is applied. When a check fails, nothing that moves
//! traffic is applied and everything else stays built; when an approval is pending, apply stops
//! and the same command with `--approve-gates` resumes: drplan has no state, so the resumed run
//! finds what is built and does only the rest. This module decides the stages and their
//! verdicts; asking and printing belong to the [`Gatekeeper`] the CLI passes in.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::LoadOptions;
use super::apply::{ExecuteOptions, Executed, Prepared, Source, execute, prepare};
use super::plan::{PlanOptions, Planned, plan};
use crate::apply::Journal;
use crate::cloud::Cloud;
use crate::cloud::aws::secrets::AwsSecrets;
use crate::error::Error;
use crate::plan::Plan;
use crate::plan::gates::Stages;
use crate::recovery::checks::{self, CheckResult};

/// An approval gate apply reached: its name (`cutover`, or `approval` for `approve`'s steps)
/// and the steps it holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    pub name: &'static str,
    pub steps: Vec<String>,
}

/// The operator's side of a staged apply.
pub trait Gatekeeper: Sync {
    /// A line about the stages and the checks' verdicts.
    fn say(&self, line: &str);
    /// A line while a check is retried (attempt, last error, time left).
    fn waiting(&self, line: &str) {
        self.say(line)
    }
    /// `Ok` approves the gate; an error stops the apply (pending or declined).
    fn approve(&self, gate: &Gate) -> Result<(), Error>;
}

/// What the apply did over all its stages; `stopped` says why it ended before the last stage
/// (traffic not moved, an approval pending, an error re-planning), with everything before it
/// done and reported.
pub struct Staged {
    pub executed: Executed,
    pub stopped: Option<Error>,
}

/// What a later stage re-plans with.
pub struct Replan<'a> {
    pub load: &'a LoadOptions,
    pub targets: &'a [String],
}

/// Runs `prepared` in stages (see the module docs).
pub fn apply_staged<J: Journal>(
    mut prepared: Prepared,
    replan: &Replan,
    opts: &ExecuteOptions,
    journal: Arc<J>,
    keeper: &dyn Gatekeeper,
) -> Result<Staged, Error> {
    let stages = Stages::of(&prepared.planned.plan.execution);
    let later = stages.later();
    if !stages.cutover.is_empty() {
        keeper
            .say(&format!("Traffic moves last: {} waits for every other step and every check.", list(&stages.cutover)));
    }
    if !stages.approval_roots.is_empty() {
        keeper.say(&format!("Approval needed before: {}.", list(&stages.approval_roots)));
    }
    hold_back(&mut prepared.planned.plan, &later);
    let mut executed = execute(prepared, opts, journal.clone())?;
    // Whatever stops a later stage (a gate, a check, an error) is reported after what was built.
    let stopped = match executed.report.succeeded() {
        true => later_stages(&stages, replan, opts, journal, keeper, &mut executed).err(),
        false => None,
    };
    Ok(Staged { executed, stopped })
}

/// The approved and cutover stages, each added to `executed`; `Ok` also when a stage's steps
/// failed (the report says so, and nothing after it runs).
fn later_stages<J: Journal>(
    stages: &Stages,
    replan: &Replan,
    opts: &ExecuteOptions,
    journal: Arc<J>,
    keeper: &dyn Gatekeeper,
    executed: &mut Executed,
) -> Result<(), Error> {
    let mut add = |next: Executed| {
        executed.report.outcomes.extend(next.report.outcomes);
        executed.report.wall_time += next.report.wall_time;
        executed.outputs = next.outputs;
        executed.report.succeeded()
    };
    if !stages.approved.is_empty() {
        keeper.approve(&Gate { name: "approval", steps: stages.approval_roots.iter().cloned().collect() })?;
        let prepared = next_stage(replan, opts, &stages.later(), &stages.cutover)?;
        if !add(execute(prepared, opts, journal.clone())?) {
            return Ok(());
        }
    }
    if stages.cutover.is_empty() {
        return Ok(());
    }
    checks_pass(replan.load, opts, keeper)?.map_err(|why| {
        Error::TrafficNotMoved(format!(
            "{why}\nEverything else is built. Fix it, then run the same drplan apply again: only the cutover is left."
        ))
    })?;
    if stages.cutover_approval {
        keeper.approve(&Gate { name: "cutover", steps: stages.cutover.iter().cloned().collect() })?;
    }
    let prepared = next_stage(replan, opts, &stages.cutover, &BTreeSet::new())?;
    add(execute(prepared, opts, journal)?);
    Ok(())
}

/// A fresh plan for the next stage: it may contain only `allowed` steps (anything else means
/// the DR region changed between stages), less the ones a still later stage holds.
fn next_stage(
    replan: &Replan,
    opts: &ExecuteOptions,
    allowed: &BTreeSet<String>,
    held: &BTreeSet<String>,
) -> Result<Prepared, Error> {
    let mut prepared = prepare(replan.load, &opts.aws, &Source::Dir, false, replan.targets)?;
    let other: Vec<&str> = prepared
        .planned
        .plan
        .execution
        .steps
        .iter()
        .map(|s| s.address.as_str())
        .filter(|a| !allowed.contains(*a))
        .collect();
    if !other.is_empty() {
        return Err(Error::TrafficNotMoved(format!(
            "the DR region changed while applying ({} would change again); run drplan apply again",
            other.join(", ")
        )));
    }
    hold_back(&mut prepared.planned.plan, held);
    Ok(prepared)
}

/// Removes the `held` steps from the plan's execution.
fn hold_back(plan: &mut Plan, held: &BTreeSet<String>) {
    plan.execution.steps.retain(|s| !held.contains(&s.address));
}

/// The `check` blocks, evaluated against what exists now and run with progress: `Ok(Err(why))`
/// when any failed.
fn checks_pass(
    load: &LoadOptions,
    opts: &ExecuteOptions,
    keeper: &dyn Gatekeeper,
) -> Result<Result<(), String>, Error> {
    let now = checks_now(load, &opts.aws)?;
    let defined = &now.config.expansion.checks;
    keeper.say(&format!("Checking before moving traffic: {} check(s).", defined.len()));
    let secrets = AwsSecrets { aws: &opts.aws, region: now.plan.region.clone() };
    let ctx = checks::Context { secrets: &secrets, declared_at: opts.declared_at };
    let results = checks::run_all_reporting(defined, &ctx, &|line| keeper.waiting(&line));
    for r in &results {
        let verdict = if r.passed { "passed" } else { "FAILED" };
        let seen = r.observed.as_ref().map(|o| format!(" ({o})")).unwrap_or_default();
        keeper.say(&format!(
            "check {} ({} {}): {verdict} after {} attempt(s){seen}",
            r.name, r.kind, r.target, r.attempts
        ));
    }
    Ok(verdict(&results, now.plan.recovery.rpo_objective_seconds))
}

/// The `check` blocks evaluated against what exists now (a fresh plan of the same phase).
pub fn checks_now(load: &LoadOptions, cloud: &dyn Cloud) -> Result<Planned, Error> {
    plan(&PlanOptions {
        load: load.clone(),
        cloud,
        targets: Vec::new(),
        destroy: false,
        calibration: Default::default(),
    })
}

/// `Ok` when every check passed and the data they measured is within the RPO objective;
/// otherwise what failed, for "traffic was not moved: ...".
pub fn verdict(results: &[CheckResult], rpo_objective: Option<u64>) -> Result<(), String> {
    let failed: Vec<String> = results
        .iter()
        .filter(|c| !c.passed)
        .map(|c| {
            let why = c.last_error.as_deref().unwrap_or("no answer");
            format!("check {} failed after {} attempts ({} {}): {why}", c.name, c.attempts, c.kind, c.target)
        })
        .chain(checks::rpo_breach(results, rpo_objective).map(|why| {
            format!("{why}: the restored data is older than recovery.rpo allows (raise rpo to accept this loss)")
        }))
        .collect();
    if failed.is_empty() { Ok(()) } else { Err(failed.join("; ")) }
}

fn list(addresses: &BTreeSet<String>) -> String {
    addresses.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, passed: bool) -> CheckResult {
        CheckResult {
            name: name.into(),
            kind: "tcp".into(),
            target: "127.0.0.1:9".into(),
            passed,
            attempts: 3,
            elapsed_ms: 10,
            last_error: (!passed).then(|| "connection refused".into()),
            observed: None,
            measured_rpo_seconds: None,
        }
    }

    #[test]
    fn the_verdict_names_every_failed_check_and_a_breached_rpo() {
        assert_eq!(verdict(&[result("site", true)], None), Ok(()));
        assert_eq!(verdict(&[], Some(60)), Ok(()));
        let why = verdict(&[result("site", false), result("db", true)], None).unwrap_err();
        assert_eq!(why, "check site failed after 3 attempts (tcp 127.0.0.1:9): connection refused");
        // Every check passed, but the data they measured is older than the objective.
        let orders = CheckResult { measured_rpo_seconds: Some(600.0), ..result("orders", true) };
        let why = verdict(std::slice::from_ref(&orders), Some(300)).unwrap_err();
        assert!(why.starts_with("measured recovery point 10m (check orders) exceeds the RPO objective 5m"), "{why}");
        assert_eq!(verdict(&[orders], Some(600)), Ok(()));
    }
}
