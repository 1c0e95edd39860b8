//! Scheduler tests on tokio's paused clock: durations are virtual, exact and instant.

use std::sync::Mutex;

use super::*;
use crate::apply::critical_path;
use crate::apply::journal::MemoryJournal;

fn step(address: &str, deps: &[usize], service: &str, secs: u64) -> StepSpec {
    StepSpec {
        address: address.into(),
        action: crate::resources::StepAction::Create,
        deps: deps.to_vec(),
        service: service.into(),
        estimate: Duration::from_secs(secs),
    }
}

/// Sleeps for each step's estimate; fails the listed addresses (retryably the given number of times).
#[derive(Default)]
struct Fake {
    fail: BTreeMap<String, (u32, bool)>,
    calls: Mutex<Vec<(String, Duration)>>,
    t0: Mutex<Option<Instant>>,
}

impl Runner for Fake {
    fn run(&self, step: &StepSpec) -> impl std::future::Future<Output = Result<(), StepError>> + Send {
        let start = *self.t0.lock().unwrap().get_or_insert_with(Instant::now);
        let failure = {
            let mut calls = self.calls.lock().unwrap();
            calls.push((step.address.clone(), start.elapsed()));
            let tries = calls.iter().filter(|(a, _)| *a == step.address).count() as u32;
            self.fail.get(&step.address).and_then(|(times, retryable)| (tries <= *times).then_some(*retryable))
        };
        let d = step.estimate;
        let address = step.address.clone();
        async move {
            tokio::time::sleep(d).await;
            match failure {
                Some(retryable) => Err(StepError { message: format!("{address}: Throttling"), retryable }),
                None => Ok(()),
            }
        }
    }
}

async fn go(steps: &[StepSpec], fake: Fake, opts: Options) -> (Report, Arc<Fake>, Arc<MemoryJournal>) {
    let fake = Arc::new(fake);
    let journal = Arc::new(MemoryJournal::default());
    let report = run(steps, fake.clone(), journal.clone(), &opts).await;
    (report, fake, journal)
}

#[tokio::test(start_paused = true)]
async fn steps_start_as_soon_as_their_own_dependencies_finish() {
    // a(1s) -> b(1s); c(5s) independent. No waves: b starts at 1s, not after c at 5s.
    let steps = [step("a", &[], "ec2", 1), step("b", &[0], "ec2", 1), step("c", &[], "rds", 5)];
    let (report, fake, _) = go(&steps, Fake::default(), Options::default()).await;
    assert!(report.succeeded());
    let calls = fake.calls.lock().unwrap().clone();
    let b = calls.iter().find(|(a, _)| a == "b").unwrap();
    assert_eq!(b.1, Duration::from_secs(1));
    assert_eq!(report.wall_time, Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn the_longest_remaining_path_goes_first_under_a_limit() {
    // With one slot, starting the 10s db chain first finishes at 12s; a FIFO start of the
    // short independent steps first would finish later.
    let steps = [
        step("x", &[], "ec2", 1),
        step("y", &[], "ec2", 1),
        step("db", &[], "rds", 10),
        step("dns", &[2], "route53", 1),
    ];
    let opts = Options { parallelism: 2, ..Options::default() };
    let (report, _, _) = go(&steps, Fake::default(), opts.clone()).await;
    assert_eq!(report.wall_time, Duration::from_secs(11));
    assert_eq!(critical_path(&steps), Duration::from_secs(11));
    let (fifo, _, _) = go(&steps, Fake::default(), Options { fifo: true, ..opts }).await;
    assert!(fifo.wall_time > report.wall_time, "fifo {:?}", fifo.wall_time);
}

#[tokio::test(start_paused = true)]
async fn per_service_limits_hold() {
    let steps: Vec<StepSpec> = (0..6).map(|i| step(&format!("i{i}"), &[], "ec2", 2)).collect();
    let opts = Options { service_limits: [("ec2".to_string(), 2)].into(), ..Options::default() };
    let (report, _, _) = go(&steps, Fake::default(), opts).await;
    assert_eq!(report.wall_time, Duration::from_secs(6), "6 steps of 2s, 2 at a time");
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_with_backoff_and_failures_stop_only_dependents() {
    let steps = [
        step("vpc", &[], "ec2", 1),
        step("subnet", &[0], "ec2", 1),
        step("zone", &[], "route53", 1),
        step("record", &[2], "route53", 1),
        step("check", &[3], "route53", 1),
    ];
    let fake =
        Fake { fail: [("vpc".to_string(), (2, true)), ("zone".to_string(), (1, false))].into(), ..Fake::default() };
    let (report, _, journal) = go(&steps, fake, Options::default()).await;
    let by = |a: &str| report.outcomes.iter().find(|o| o.address == a).unwrap().clone();
    assert_eq!(by("vpc").status, Status::Succeeded);
    assert_eq!(by("vpc").attempts, 3, "two throttles, then success");
    assert_eq!(by("subnet").status, Status::Succeeded);
    assert_eq!(by("zone").status, Status::Failed, "a non-retryable error is not retried");
    assert_eq!(by("zone").attempts, 1);
    assert_eq!(by("record").status, Status::Skipped);
    assert_eq!(by("check").status, Status::Skipped, "dependents of dependents stop too");
    let events = journal.0.lock().unwrap();
    let starts = events.iter().filter(|e| matches!(e, JournalEvent::Start { .. })).count();
    assert_eq!(starts, 3 + 1 + 1, "every attempt is journalled");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, JournalEvent::End { address, status: Status::Skipped, .. } if address == "check"))
    );
}

#[tokio::test(start_paused = true)]
async fn cancellation_stops_launching_and_lets_running_steps_finish() {
    let steps = [step("a", &[], "ec2", 2), step("b", &[0], "ec2", 1)];
    let opts = Options::default();
    let cancel = opts.cancel.clone();
    let fake = Arc::new(Fake::default());
    let journal = Arc::new(MemoryJournal::default());
    let handle = tokio::spawn({
        let (fake, journal, opts) = (fake.clone(), journal.clone(), opts.clone());
        let steps = steps.to_vec();
        async move { run(&steps, fake, journal, &opts).await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    cancel.store(true, Ordering::SeqCst);
    let report = handle.await.unwrap();
    assert_eq!(report.outcomes[0].status, Status::Succeeded, "the running step finished");
    assert_eq!(report.outcomes[1].status, Status::Cancelled);
}

#[test]
fn backoff_grows_is_capped_and_jittered() {
    let opts = Options::default();
    let b1 = backoff(&opts, 0, 1);
    let b3 = backoff(&opts, 0, 3);
    assert!(b1 >= Duration::from_millis(125) && b1 <= Duration::from_millis(250), "{b1:?}");
    assert!(b3 >= Duration::from_millis(500) && b3 <= Duration::from_secs(1), "{b3:?}");
    assert!(backoff(&opts, 0, 30) <= opts.max_backoff);
    assert_ne!(backoff(&opts, 1, 2), backoff(&opts, 2, 2), "steps do not retry in lockstep");
}
