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
    let mut s = Scheduler::new(steps, journal, opts);
    let mut tasks: JoinSet<Finished> = JoinSet::new();
    loop {
        if !opts.cancel.load(Ordering::SeqCst) {
            s.launch_ready(&mut tasks, &runner);
        }
        let Some(joined) = tasks.join_next().await else { break };
        s.finish(joined.expect("step tasks do not panic"));
    }
    s.report()
}

/// What a run knows between launches: which steps wait on how many others, what is ready
/// (by priority, or first-come in `fifo` mode), what runs per service, and every outcome.
struct Scheduler<'a, J> {
    steps: &'a [StepSpec],
    opts: &'a Options,
    journal: Arc<J>,
    started: Instant,
    rank: Vec<Duration>,
    waiting: Vec<usize>,
    dependents: Vec<Vec<usize>>,
    outcomes: Vec<Option<Outcome>>,
    heap: BinaryHeap<(Duration, std::cmp::Reverse<usize>)>,
    fifo: VecDeque<usize>,
    in_flight: BTreeMap<String, usize>,
}

impl<'a, J: Journal> Scheduler<'a, J> {
    fn new(steps: &'a [StepSpec], journal: Arc<J>, opts: &'a Options) -> Self {
        let mut dependents = vec![Vec::new(); steps.len()];
        for (i, s) in steps.iter().enumerate() {
            for &d in &s.deps {
                dependents[d].push(i);
            }
        }
        let mut s = Scheduler {
            steps,
            opts,
            journal,
            started: Instant::now(),
            rank: remaining_path(steps),
            waiting: steps.iter().map(|s| s.deps.len()).collect(),
            dependents,
            outcomes: vec![None; steps.len()],
            heap: BinaryHeap::new(),
            fifo: VecDeque::new(),
            in_flight: BTreeMap::new(),
        };
        let ready: Vec<usize> = (0..steps.len()).filter(|&i| s.waiting[i] == 0).collect();
        for i in ready {
            s.push_ready(i);
        }
        s
    }

    fn push_ready(&mut self, i: usize) {
        if self.opts.fifo { self.fifo.push_back(i) } else { self.heap.push((self.rank[i], std::cmp::Reverse(i))) }
    }

    fn pop_ready(&mut self) -> Option<usize> {
        if self.opts.fifo { self.fifo.pop_front() } else { self.heap.pop().map(|(_, std::cmp::Reverse(i))| i) }
    }

    /// Launches every ready step the limits allow, best first.
    fn launch_ready<R: Runner>(&mut self, tasks: &mut JoinSet<Finished>, runner: &Arc<R>) {
        let mut held = Vec::new();
        while tasks.len() < self.opts.parallelism.max(1) {
            let Some(i) = self.pop_ready() else { break };
            let service = &self.steps[i].service;
            let limit = self.opts.service_limits.get(service).copied().unwrap_or(usize::MAX);
            if self.in_flight.get(service).copied().unwrap_or(0) >= limit {
                held.push(i);
                continue;
            }
            *self.in_flight.entry(service.clone()).or_default() += 1;
            let (runner, journal, step, opts) =
                (runner.clone(), self.journal.clone(), self.steps[i].clone(), self.opts.clone());
            tasks.spawn(attempt(runner, journal, step, i, opts, self.started));
        }
        for i in held {
            self.push_ready(i);
        }
    }

    /// Records a finished step and releases (or, on failure, skips) what depends on it.
    fn finish(&mut self, done: Finished) {
        let step = &self.steps[done.index];
        *self.in_flight.entry(step.service.clone()).or_default() -= 1;
        let (status, error) = match &done.result {
            Ok(()) => (Status::Succeeded, None),
            Err(e) => (Status::Failed, Some(e.message.clone())),
        };
        self.record(done.index, status.clone(), done.attempts, done.duration, error);
        if status == Status::Succeeded {
            for j in self.dependents[done.index].clone() {
                self.waiting[j] -= 1;
                if self.waiting[j] == 0 && self.outcomes[j].is_none() {
                    self.push_ready(j);
                }
            }
        } else {
            self.skip_dependents_of(done.index);
        }
    }

    /// Only what depends on a failure stops; independent branches go on.
    fn skip_dependents_of(&mut self, failed: usize) {
        let mut stack = self.dependents[failed].clone();
        while let Some(j) = stack.pop() {
            if self.outcomes[j].is_some() {
                continue;
            }
            let error = Some(format!("not run: {} failed", self.steps[failed].address));
            self.record(j, Status::Skipped, 0, Duration::ZERO, error);
            stack.extend(self.dependents[j].iter().copied());
        }
    }

    /// A step's end, in the journal and in the outcomes.
    fn record(&mut self, i: usize, status: Status, attempts: u32, duration: Duration, error: Option<String>) {
        let step = &self.steps[i];
        self.journal.record(&JournalEvent::End {
            address: step.address.clone(),
            action: step.action,
            status: status.clone(),
            attempts,
            at_ms: self.started.elapsed().as_millis() as u64,
            duration_ms: duration.as_millis() as u64,
            error: error.clone(),
        });
        self.outcomes[i] =
            Some(Outcome { address: step.address.clone(), action: step.action, status, attempts, duration, error });
    }

    /// Every outcome; steps never started were cancelled.
    fn report(self) -> Report {
        let steps = self.steps;
        let outcomes = self
            .outcomes
            .into_iter()
            .enumerate()
            .map(|(i, o)| {
                o.unwrap_or_else(|| Outcome {
                    address: steps[i].address.clone(),
                    action: steps[i].action,
                    status: Status::Cancelled,
                    attempts: 0,
                    duration: Duration::ZERO,
                    error: Some("not started: the run was cancelled".into()),
                })
            })
            .collect();
        Report { outcomes, wall_time: self.started.elapsed() }
    }
}

/// Runs one step, retrying what may pass on another attempt, each attempt journaled.
async fn attempt<R: Runner, J: Journal>(
    runner: Arc<R>,
    journal: Arc<J>,
    step: StepSpec,
    index: usize,
    opts: Options,
    started: Instant,
) -> Finished {
    let t0 = Instant::now();
    let mut attempt = 0;
    let mut retry_after = None;
    loop {
        attempt += 1;
        journal.record(&JournalEvent::Start {
            address: step.address.clone(),
            action: step.action,
            attempt,
            at_ms: started.elapsed().as_millis() as u64,
            retry_after: retry_after.take(),
        });
        match runner.run(&step).await {
            Err(e) if e.retryable && attempt < opts.max_attempts => {
                retry_after = Some(e.message);
                tokio::time::sleep(backoff(&opts, index, attempt)).await;
            }
            result => return Finished { index, result, attempts: attempt, duration: t0.elapsed() },
        }
    }
}

#[cfg(test)]
mod tests;
