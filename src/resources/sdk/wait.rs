//! Waiting for an object to become ready (or gone) with adaptive polling: fast at first,
//! backing off, bounded so that the time between readiness and noticing it stays under
//! max(2 s, 2% of the wait so far), and under a per-type timeout like Terraform's.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::resources::StepError;

/// How a wait polls.
#[derive(Clone, Copy, Debug)]
pub struct Polling {
    /// The first interval; each later one doubles, up to the bound below.
    pub initial: Duration,
    /// Intervals never exceed max(`floor`, `fraction` x time waited so far)...
    pub floor: Duration,
    pub fraction: f64,
    /// ...nor this.
    pub ceiling: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            initial: Duration::from_millis(250),
            floor: Duration::from_secs(2),
            fraction: 0.02,
            ceiling: Duration::from_secs(30),
        }
    }
}

impl Polling {
    /// The interval before poll number `n` (0-based), `waited` into the wait.
    pub fn interval(&self, n: u32, waited: Duration) -> Duration {
        let grown = self.initial.saturating_mul(1u32 << n.min(16));
        let bound = self.floor.max(waited.mul_f64(self.fraction)).min(self.ceiling);
        grown.min(bound)
    }
}

/// What one poll saw.
pub enum Poll<T> {
    Ready(T),
    /// Still on its way, in this state ("pending", "creating").
    Pending(String),
}

/// Polls `check` until it reports ready, fails, or `timeout` passes. Retryable errors while
/// polling (throttling) are polled through; the last state seen goes into a timeout's message.
pub async fn until<T, F, Fut>(what: &str, polling: &Polling, timeout: Duration, mut check: F) -> Result<T, StepError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, StepError>>,
{
    let start = Instant::now();
    let mut n = 0;
    loop {
        let last = match check().await {
            Ok(Poll::Ready(v)) => return Ok(v),
            Ok(Poll::Pending(state)) => state,
            Err(e) if e.retryable => e.message,
            Err(e) => return Err(e),
        };
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(StepError::fatal(format!(
                "timed out after {}s waiting for {what} (last seen: {last})",
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(polling.interval(n, waited).min(timeout - waited)).await;
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_grow_but_stay_within_two_seconds_or_two_percent() {
        let p = Polling::default();
        assert_eq!(p.interval(0, Duration::ZERO), Duration::from_millis(250));
        assert_eq!(p.interval(1, Duration::from_millis(250)), Duration::from_millis(500));
        assert_eq!(p.interval(5, Duration::from_secs(10)), Duration::from_secs(2));
        // Ten minutes in, 2% is 12 s.
        assert_eq!(p.interval(20, Duration::from_secs(600)), Duration::from_secs(12));
        assert_eq!(p.interval(20, Duration::from_secs(7200)), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn waits_until_ready_and_reports_the_last_state_on_timeout() {
        let p = Polling::default();
        let mut polls = 0;
        let v = until("x", &p, Duration::from_secs(60), || {
            polls += 1;
            let n = polls;
            async move { Ok(if n < 4 { Poll::Pending("creating".into()) } else { Poll::Ready(n) }) }
        })
        .await
        .unwrap();
        assert_eq!(v, 4);
        let err =
            until::<(), _, _>("db", &p, Duration::from_secs(5), || async { Ok(Poll::Pending("creating".into())) })
                .await
                .unwrap_err();
        assert!(err.message.contains("timed out after 5s waiting for db (last seen: creating)"), "{}", err.message);
    }
}
