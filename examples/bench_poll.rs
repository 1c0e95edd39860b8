//! Poll-overhead benchmark: how long after an object becomes ready does drplan notice, for
//! waits from seconds (a security group) to tens of minutes (a database restore)? Runs the real
//! waiter (`resources::sdk::wait::until` with the default polling) on tokio's virtual clock
//! against an object that turns ready at a given moment, so the figures are exact and the run
//! takes no real time. Scheduler overhead (a step's end to its dependent's start) is measured
//! separately, from apply journals against moto (docs/performance.md).
//!
//!     cargo run --release --example bench_poll

use std::time::Duration;

use drplan::resources::sdk::wait::{Poll, Polling, until};
use tokio::time::Instant;

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let polling = Polling::default();
    println!("| ready after | noticed after | overhead | overhead / wait | polls |");
    println!("|---|---|---|---|---|");
    let mut worst_ok = true;
    for secs in [1u64, 5, 20, 60, 180, 600, 1200, 2400, 3600] {
        let ready_at = Duration::from_secs(secs);
        let start = Instant::now();
        let mut polls = 0u32;
        until("bench", &polling, Duration::from_secs(7200), || {
            polls += 1;
            let ready = start.elapsed() >= ready_at;
            async move { Ok(if ready { Poll::Ready(()) } else { Poll::Pending("creating".into()) }) }
        })
        .await
        .expect("ready before the timeout");
        let noticed = start.elapsed();
        let overhead = noticed - ready_at;
        let fraction = overhead.as_secs_f64() / ready_at.as_secs_f64();
        worst_ok &= overhead <= Duration::from_secs(2) || fraction <= 0.02;
        println!(
            "| {secs} s | {:.2} s | {:.2} s | {:.1}% | {polls} |",
            noticed.as_secs_f64(),
            overhead.as_secs_f64(),
            fraction * 100.0
        );
    }
    println!("\ntarget (overhead <= 2 s or <= 2% of the wait) met at every point: {worst_ok}");
}
