//! The scheduler: dependency-driven launching, longest-path-first priority, per-service
//! limits, retries with jittered exponential backoff, failure isolation and cancellation.

use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use super::journal::{Journal, JournalEvent};
use super::{Outcome, Report, Runner, Status, StepSpec, topo_order};
use crate::resources::StepError;

#[derive(Clone, Debug)]
pub struct Options {
    /// Steps running at once, over all services.
    pub parallelism: usize,
    /// Steps running at once per service (`ec2` -> 20); services not listed share only the
    /// global limit.
    pub service_limits: BTreeMap<String, usize>,
    /// Attempts per step, the first included.
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Seeds the backoff jitter, so runs (and tests) are reproducible.
    pub seed: u64,
    /// First-ready-first-started with no priorities: Terraform's policy, for comparison.
    pub fifo: bool,
    /// Set to stop launching; running steps finish.
    pub cancel: Arc<AtomicBool>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            parallelism: 32,
            service_limits: BTreeMap::new(),
            max_attempts: 6,
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(20),
            seed: 0x5eed,
            fifo: false,
            cancel: Arc::default(),
        }
    }
}

/// The longest path from each step to the end of the graph, its own estimate included.
fn remaining_path(steps: &[StepSpec]) -> Vec<Duration> {
    let mut dependents = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate() {
        for &d in &s.deps {
            dependents[d].push(i);
        }
    }
    let mut rank = vec![Duration::ZERO; steps.len()];
    for i in topo_order(steps).into_iter().rev() {
        rank[i] = steps[i].estimate + dependents[i].iter().map(|&j| rank[j]).max().unwrap_or_default();
    }
    rank
}

/// Backoff before attempt `attempt + 1`: exponential, capped, with "equal jitter" (half fixed,
/// half random) so retries of many steps do not synchronise.
fn backoff(opts: &Options, step: usize, attempt: u32) -> Duration {
    let exp = opts.base_backoff.saturating_mul(1u32 << (attempt - 1).min(16)).min(opts.max_backoff);
    let mut x = opts.seed ^ ((step as u64) << 20) ^ u64::from(attempt) ^ 0x9e37_79b9_7f4a_7c15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    let fraction = (x % 1000) as f64 / 1000.0;
    exp.mul_f64(0.5 + fraction / 2.0)
}

struct Finished {
    index: usize,
    result: Result<(), StepError>,
    attempts: u32,
    duration: Duration,
}

/// Runs `steps` (acyclic; `deps` index into `steps`) and reports every step's outcome.
pub async fn run<R: Runner, J: Journal>(steps: &[StepSpec], runner: Arc<R>, journal: Arc<J>, opts: &Options) -> Report {
    let started = Instant::now();
    let since = move || started.elapsed().as_millis() as u64;
    let rank = remaining_path(steps);
    let mut waiting: Vec<usize> = steps.iter().map(|s| s.deps.len()).collect();
    let mut dependents = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate() {
        for &d in &s.deps {
            dependents[d].push(i);
        }
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; steps.len()];
    let mut heap: BinaryHeap<(Duration, std::cmp::Reverse<usize>)> = BinaryHeap::new();
    let mut fifo: VecDeque<usize> = VecDeque::new();
    let push_ready = |i: usize, heap: &mut BinaryHeap<_>, fifo: &mut VecDeque<usize>| {
        if opts.fifo { fifo.push_back(i) } else { heap.push((rank[i], std::cmp::Reverse(i))) }
    };
    for (i, _) in waiting.iter().enumerate().filter(|(_, w)| **w == 0) {
        push_ready(i, &mut heap, &mut fifo);
    }
    let mut in_flight: BTreeMap<String, usize> = BTreeMap::new();
    let mut tasks: JoinSet<Finished> = JoinSet::new();
    loop {
        // Launch every ready step the limits allow, best first.
        if !opts.cancel.load(Ordering::SeqCst) {
            let mut held = Vec::new();
            while tasks.len() < opts.parallelism.max(1) {
                let next = if opts.fifo { fifo.pop_front() } else { heap.pop().map(|(_, std::cmp::Reverse(i))| i) };
                let Some(i) = next else { break };
                let service = &steps[i].service;
                let limit = opts.service_limits.get(service).copied().unwrap_or(usize::MAX);
                if in_flight.get(service).copied().unwrap_or(0) >= limit {
                    held.push(i);
                    continue;
                }
                *in_flight.entry(service.clone()).or_default() += 1;
                let (runner, journal, step, opts) = (runner.clone(), journal.clone(), steps[i].clone(), opts.clone());
                tasks.spawn(async move {
                    let t0 = Instant::now();
                    let mut attempt = 0;
                    loop {
                        attempt += 1;
                        journal.record(&JournalEvent::Start {
                            address: step.address.clone(),
                            action: step.action.clone(),
                            attempt,
                            at_ms: started.elapsed().as_millis() as u64,
                        });
                        match runner.run(&step).await {
                            Err(e) if e.retryable && attempt < opts.max_attempts => {
                                tokio::time::sleep(backoff(&opts, i, attempt)).await;
                            }
                            result => return Finished { index: i, result, attempts: attempt, duration: t0.elapsed() },
                        }
                    }
                });
            }
            for i in held {
                push_ready(i, &mut heap, &mut fifo);
            }
        }
        let Some(joined) = tasks.join_next().await else { break };
        let done = joined.expect("step tasks do not panic");
        let step = &steps[done.index];
        *in_flight.entry(step.service.clone()).or_default() -= 1;
        let (status, error) = match &done.result {
            Ok(()) => (Status::Succeeded, None),
            Err(e) => (Status::Failed, Some(e.message.clone())),
        };
        journal.record(&JournalEvent::End {
            address: step.address.clone(),
            action: step.action.clone(),
            status: status.clone(),
            attempts: done.attempts,
            at_ms: since(),
            duration_ms: done.duration.as_millis() as u64,
            error: error.clone(),
        });
        outcomes[done.index] = Some(Outcome {
            address: step.address.clone(),
            action: step.action.clone(),
            status: status.clone(),
            attempts: done.attempts,
            duration: done.duration,
            error,
        });
        if status == Status::Succeeded {
            for &j in &dependents[done.index] {
                waiting[j] -= 1;
                if waiting[j] == 0 && outcomes[j].is_none() {
                    push_ready(j, &mut heap, &mut fifo);
                }
            }
        } else {
            // Only what depends on the failure stops; independent branches go on.
            let mut stack = dependents[done.index].clone();
            while let Some(j) = stack.pop() {
                if outcomes[j].is_some() {
                    continue;
                }
                let error = Some(format!("not run: {} failed", step.address));
                journal.record(&JournalEvent::End {
                    address: steps[j].address.clone(),
                    action: steps[j].action.clone(),
                    status: Status::Skipped,
                    attempts: 0,
                    at_ms: since(),
                    duration_ms: 0,
                    error: error.clone(),
                });
                outcomes[j] = Some(Outcome {
                    address: steps[j].address.clone(),
                    action: steps[j].action.clone(),
                    status: Status::Skipped,
                    attempts: 0,
                    duration: Duration::ZERO,
                    error,
                });
                stack.extend(dependents[j].iter().copied());
            }
        }
    }
    let outcomes = outcomes
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            o.unwrap_or_else(|| Outcome {
                address: steps[i].address.clone(),
                action: steps[i].action.clone(),
                status: Status::Cancelled,
                attempts: 0,
                duration: Duration::ZERO,
                error: Some("not started: the run was cancelled".into()),
            })
        })
        .collect();
    Report { outcomes, wall_time: started.elapsed() }
}

#[cfg(test)]
mod tests;
