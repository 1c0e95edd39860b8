//! Scheduling benchmark: the apply scheduler on a plan's real step graph, with injected
//! per-type latencies on tokio's virtual clock (the steps sleep; nothing calls AWS).
//!
//! `cargo run --release --example bench_schedule -- PLAN.json [PLAN.json ...]`
//!
//! For each plan it prints the critical path of the graph (the lower bound on any schedule with
//! unlimited concurrency); drplan's makespan at its default limit of 32 against the lower bound
//! at that limit (max of the critical path and total work / 32); drplan's makespan with a limit
//! of 1024 against the critical path; and a FIFO scheduler with a global limit of 10
//! (Terraform's policy) against the critical path.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use drplan::apply::journal::NoJournal;
use drplan::apply::{Options, Runner, StepSpec, critical_path, run};
use drplan::resources::StepError;

/// Injected latencies: DB restore 20 s, instance 5 s, load balancer 8 s, everything else 1 s.
fn latency(address: &str) -> (Duration, &'static str) {
    let ty = address.rsplit('.').nth(1).unwrap_or("");
    let ty = ty.split('[').next().unwrap_or(ty);
    match ty {
        "aws_db_instance" => (Duration::from_secs(20), "rds"),
        "aws_db_subnet_group" | "aws_db_snapshot_copy" => (Duration::from_secs(1), "rds"),
        "aws_instance" => (Duration::from_secs(5), "ec2"),
        "aws_lb" => (Duration::from_secs(8), "elbv2"),
        t if t.starts_with("aws_lb") => (Duration::from_secs(1), "elbv2"),
        t if t.starts_with("aws_route53") => (Duration::from_secs(1), "route53"),
        _ => (Duration::from_secs(1), "ec2"),
    }
}

struct Sleeper;

impl Runner for Sleeper {
    fn run(&self, step: &StepSpec) -> impl std::future::Future<Output = Result<(), StepError>> + Send {
        let d = step.estimate;
        async move {
            tokio::time::sleep(d).await;
            Ok(())
        }
    }
}

fn steps_of(plan: &serde_json::Value) -> Vec<StepSpec> {
    let steps = plan["execution"]["steps"].as_array().expect("a drplan JSON plan");
    let index: HashMap<&str, usize> =
        steps.iter().enumerate().map(|(i, s)| (s["address"].as_str().unwrap_or(""), i)).collect();
    steps
        .iter()
        .map(|s| {
            let address = s["address"].as_str().unwrap_or("").to_string();
            let (estimate, service) = latency(&address);
            let deps = s["depends_on"]
                .as_array()
                .map(|d| d.iter().filter_map(|a| a.as_str().and_then(|a| index.get(a).copied())).collect())
                .unwrap_or_default();
            StepSpec {
                address,
                action: serde_json::from_value(s["action"].clone()).unwrap_or(drplan::resources::StepAction::Create),
                deps,
                service: service.into(),
                estimate,
            }
        })
        .collect()
}

fn makespan(steps: &[StepSpec], opts: Options) -> Duration {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().expect("runtime");
    rt.block_on(async { run(steps, Arc::new(Sleeper), Arc::new(NoJournal), &opts).await.wall_time })
}

fn main() {
    println!(
        "{:<24} {:>6} {:>9} {:>10} {:>7} {:>11} {:>7} {:>12} {:>7}",
        "plan", "steps", "critical", "drplan-32", "/bound", "drplan-1024", "/crit", "fifo-10", "/crit"
    );
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).expect("read plan");
        let plan: serde_json::Value = serde_json::from_str(&text).expect("parse plan");
        let steps = steps_of(&plan);
        let cp = critical_path(&steps);
        let ours = makespan(&steps, Options::default());
        let wide = makespan(&steps, Options { parallelism: 1024, ..Options::default() });
        let fifo = makespan(&steps, Options { parallelism: 10, fifo: true, ..Options::default() });
        // With a global limit, no schedule beats total work / limit either.
        let work: Duration = steps.iter().map(|s| s.estimate).sum();
        let bound = cp.max(work / Options::default().parallelism as u32);
        let ratio = |d: Duration, b: Duration| d.as_secs_f64() / b.as_secs_f64().max(1e-9);
        println!(
            "{:<24} {:>6} {:>8.0}s {:>9.0}s {:>7.3} {:>10.0}s {:>7.3} {:>11.0}s {:>7.3}",
            path.rsplit('/').next().unwrap_or(&path),
            steps.len(),
            cp.as_secs_f64(),
            ours.as_secs_f64(),
            ratio(ours, bound),
            wide.as_secs_f64(),
            ratio(wide, cp),
            fifo.as_secs_f64(),
            ratio(fifo, cp)
        );
    }
}
