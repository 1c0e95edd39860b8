//! Running `check` blocks after a recovery, each retried every `interval` until it passes or
//! its `timeout` runs out: HTTP(S), TCP connect and DNS resolution ([`net`]), and SQL queries
//! against the recovered database ([`sql`]) that prove the data is there and measure how old it
//! is (the measured recovery point).
//!
//! This module owns the retry loop, the results and the by-hand commands; it does not decide
//! what a failed check means (drill and cutover do, in `ops`).

mod net;
mod sql;
mod sql_engines;

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::eval::Value;
use crate::expand::CheckValue;
use crate::timefmt::parse_duration;

pub use crate::cloud::{NoSecrets, Secrets};

/// What one check did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub name: String,
    pub kind: String,
    /// What was probed: the URL, host:port, name, or engine://host:port/database.
    pub target: String,
    pub passed: bool,
    pub attempts: u32,
    /// From the first probe to passing (or giving up).
    pub elapsed_ms: u64,
    /// The last failure, when it never passed (or before it did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// What the last attempt saw, when the probe reads data ("1200 rows", the newest row's time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
    /// A `max_age` probe's measured recovery point: how much older than the moment the failure
    /// was declared its newest row is (or than the check, when no declaration is known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_rpo_seconds: Option<f64>,
}

/// Where a probe finds what it needs beyond its arguments.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// Reads `secret_id` credentials (Secrets Manager in the DR region).
    pub secrets: &'a dyn Secrets,
    /// When the failure was declared (a drill's start, a failover's start or
    /// `--failure-declared-at`): the measured recovery point is how much older than this the
    /// newest row is. `None` measures from the moment of the check.
    pub declared_at: Option<SystemTime>,
}

impl Default for Context<'_> {
    fn default() -> Self {
        Context { secrets: &NoSecrets, declared_at: None }
    }
}

fn text(args: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    args.get(key).filter(|v| !v.is_null()).and_then(Value::to_template_string)
}

fn duration(args: &BTreeMap<String, Value>, key: &str, default: u64) -> Duration {
    Duration::from_secs(text(args, key).and_then(|t| parse_duration(&t).ok()).unwrap_or(default))
}

/// The time the checks add before a cutover: one retry interval of the slowest check (a service
/// just built often fails its first probe); `None` without checks.
pub fn estimate(checks: &[CheckValue]) -> Option<crate::plan::StepEstimate> {
    let interval = checks.iter().map(|c| duration(&c.args, "interval", 10).as_secs()).max()?;
    let timeout = checks.iter().map(|c| duration(&c.args, "timeout", 300).as_secs()).max().unwrap_or(300);
    Some(crate::plan::StepEstimate {
        address: format!("checks ({})", checks.len()),
        seconds: interval,
        source: format!(
            "model: one retry interval of the slowest check ({interval}s); a check that never passes stops the cutover after its timeout ({timeout}s)"
        ),
        guess: false,
    })
}

/// The shell command that does what a probe does, for a person at a terminal: `curl` for http,
/// `nc -z` for tcp, `dig` for dns, `psql` or `mysql` for sql. `args` are the probe's arguments
/// as text; a value not known before apply becomes a `<name>` placeholder. `region` is the DR
/// region (where a check's secret is read).
pub fn by_hand(kind: &str, args: &[(String, String)], region: &str) -> Option<String> {
    let arg = |k: &str| {
        args.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.starts_with('('))
            .unwrap_or_else(|| format!("<{k}>"))
    };
    let given = |k: &str| args.iter().any(|(n, _)| n == k);
    match kind {
        "sql" => Some(sql::by_hand(&arg, &given, region)),
        _ => net::by_hand(kind, &arg, &given),
    }
}

/// A client error with its causes (clients' own messages are often only the outermost one).
pub(crate) fn describe(e: &dyn std::error::Error) -> String {
    crate::live::http::describe(e)
}

/// What one attempt saw, passing or not.
#[derive(Default)]
struct Seen {
    observed: Option<String>,
    measured_rpo_seconds: Option<f64>,
}

/// One probe: `Ok(())` passes, `Err(why)` fails this attempt; `seen` is filled either way.
fn probe(check: &CheckValue, ctx: &Context, attempt_timeout: Duration, seen: &mut Seen) -> Result<(), String> {
    match check.kind.as_str() {
        "sql" => sql::probe(&check.args, ctx, attempt_timeout, seen),
        _ => net::probe(&check.kind, &check.args, attempt_timeout),
    }
}

fn target(check: &CheckValue) -> String {
    match check.kind.as_str() {
        "sql" => sql::target(&check.args),
        kind => net::target(kind, &check.args),
    }
}

/// Runs one check until it passes or times out (default timeout 5m, interval 10s).
pub fn run(check: &CheckValue, ctx: &Context) -> CheckResult {
    run_reporting(check, ctx, &|_| {})
}

/// [`run`], telling `progress` about each failed attempt: its number, why, and the time left.
pub fn run_reporting(check: &CheckValue, ctx: &Context, progress: &(dyn Fn(String) + Sync)) -> CheckResult {
    let timeout = duration(&check.args, "timeout", 300);
    let interval = duration(&check.args, "interval", 10);
    let start = Instant::now();
    let mut result = CheckResult {
        name: check.name.clone(),
        kind: check.kind.clone(),
        target: target(check),
        passed: false,
        attempts: 0,
        elapsed_ms: 0,
        last_error: None,
        observed: None,
        measured_rpo_seconds: None,
    };
    loop {
        result.attempts += 1;
        let left = timeout.saturating_sub(start.elapsed()).max(Duration::from_millis(200));
        let mut seen = Seen::default();
        let outcome = probe(check, ctx, left.min(Duration::from_secs(10)), &mut seen);
        result.observed = seen.observed;
        result.measured_rpo_seconds = seen.measured_rpo_seconds;
        result.elapsed_ms = start.elapsed().as_millis() as u64;
        match outcome {
            Ok(()) => {
                result.passed = true;
                return result;
            }
            Err(e) => {
                let left = timeout.saturating_sub(start.elapsed()).as_secs();
                progress(format!("check {}: attempt {} failed ({e}), {left}s left", check.name, result.attempts));
                result.last_error = Some(e);
            }
        }
        if start.elapsed() + interval > timeout {
            return result;
        }
        std::thread::sleep(interval);
    }
}

/// Runs every check concurrently (one thread each) and returns results in declaration order.
pub fn run_all(checks: &[CheckValue], ctx: &Context) -> Vec<CheckResult> {
    run_all_reporting(checks, ctx, &|_| {})
}

/// [`run_all`] with [`run_reporting`]'s progress.
pub fn run_all_reporting(checks: &[CheckValue], ctx: &Context, progress: &(dyn Fn(String) + Sync)) -> Vec<CheckResult> {
    std::thread::scope(|s| {
        let handles: Vec<_> = checks.iter().map(|c| s.spawn(move || run_reporting(c, ctx, progress))).collect();
        handles.into_iter().map(|h| h.join().expect("check threads do not panic")).collect()
    })
}

/// The checks that will measure the recovery point (`sql` with `max_age`), for the plan:
/// "orders (max_age 15m)".
pub fn measuring_rpo(checks: &[CheckValue]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| c.kind == "sql")
        .filter_map(|c| {
            let age = c.args.get("max_age").filter(|v| !v.is_null())?;
            let shown = age.to_template_string().unwrap_or_else(|| "(known after apply)".into());
            Some(format!("{} (max_age {shown})", c.name))
        })
        .collect()
}

/// The worst measured recovery point among `results`, with the check that measured it.
pub fn measured_rpo(results: &[CheckResult]) -> Option<(f64, &str)> {
    results
        .iter()
        .filter_map(|c| c.measured_rpo_seconds.map(|s| (s, c.name.as_str())))
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

/// Why the measured recovery point breaks the objective `rpo_objective` (seconds), if it does.
pub fn rpo_breach(results: &[CheckResult], rpo_objective: Option<u64>) -> Option<String> {
    let (measured, check) = measured_rpo(results)?;
    let objective = rpo_objective?;
    (measured > objective as f64).then(|| {
        format!(
            "measured recovery point {} (check {check}) exceeds the RPO objective {}",
            crate::timefmt::format_duration(measured.round() as u64),
            crate::timefmt::format_duration(objective)
        )
    })
}

#[cfg(test)]
pub(crate) fn check(kind: &str, args: &[(&str, &str)]) -> CheckValue {
    CheckValue {
        name: "t".into(),
        kind: kind.into(),
        span: crate::diag::Span { file: crate::diag::FileId(0), start: 0, end: 0 },
        args: args.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect(),
        sensitive_args: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, rpo: Option<f64>) -> CheckResult {
        CheckResult {
            name: name.into(),
            kind: "sql".into(),
            target: String::new(),
            passed: true,
            attempts: 1,
            elapsed_ms: 0,
            last_error: None,
            observed: None,
            measured_rpo_seconds: rpo,
        }
    }

    #[test]
    fn the_worst_measured_recovery_point_is_compared_with_the_objective() {
        let results = [result("a", Some(30.0)), result("b", None), result("c", Some(400.0))];
        assert_eq!(measured_rpo(&results), Some((400.0, "c")));
        assert_eq!(
            rpo_breach(&results, Some(300)).as_deref(),
            Some("measured recovery point 6m40s (check c) exceeds the RPO objective 5m")
        );
        assert_eq!(rpo_breach(&results, Some(400)), None);
        assert_eq!(rpo_breach(&results, None), None);
        assert_eq!(rpo_breach(&[result("b", None)], Some(1)), None);
    }
}
