//! Lifecycle throughput (issue 8, scenario 1): array jobs on a simulated compute environment go
//! from submit to SUCCEEDED through the real scheduler, store and transitions; prints jobs per
//! second and the process's peak memory. Figures, not assertions.
//!
//!   TEST_DATABASE_URL=postgres://... cargo bench -p service --bench lifecycle
//!   BENCH_ARRAYS=10 BENCH_ARRAY_SIZE=10000 for the full 100,000-job run (default 10 × 1,000)
//!   BENCH_BACKEND=postgres or sqlite for one store only (default both)
//!   BENCH_FAIR_SHARE=1 for a queue that follows a fair-share policy, each array its own share
//!   (weights 1, 0.5, 0.25 in turn): what fair share costs a pass, against the FIFO run

use domain::compute_environment::ExecutorKind;
use domain::container::KeyValuePair;
use domain::submit::ArrayProperties;
use service::scheduler::Scheduler;
use service::testing::{BACKENDS, Backend, fresh_database};
use service::testing::{admin, operator};
use service::{Batch, BatchConfig};
use std::time::{Duration, Instant};

#[path = "../tests/service/fixtures.rs"]
#[allow(dead_code, unused_imports)]
mod fixtures;

fn setting(name: &str, default: i64) -> i64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let arrays = setting("BENCH_ARRAYS", 10);
    let size = setting("BENCH_ARRAY_SIZE", 1000);
    let only = std::env::var("BENCH_BACKEND").ok().map(|name| name.to_lowercase());
    for backend in BACKENDS {
        if only.as_deref().is_some_and(|name| format!("{backend:?}").to_lowercase() != name) {
            continue;
        }
        runtime.block_on(run(backend, arrays, size));
    }
    println!("peak resident memory of the benchmark process: {} MiB", peak_memory_mib());
}

async fn run(backend: Backend, arrays: i64, size: i64) {
    let (db, _dir) = fresh_database(backend).await;
    let batch = Batch::new(db, BatchConfig::default());
    let mut environment = fixtures::environment("simulated", 100_000);
    environment.executor = Some(ExecutorKind::Simulated);
    batch.create_compute_environment(&admin(), environment).await.unwrap();
    let fair_share = setting("BENCH_FAIR_SHARE", 0) == 1;
    let mut queue = fixtures::queue("q", &["simulated"]);
    if fair_share {
        queue.scheduling_policy_arn = Some(fair_share_policy(&batch, arrays).await);
    }
    batch.create_job_queue(&admin(), queue).await.unwrap();
    let mut definition = fixtures::definition("sim");
    let container = definition.container_properties.as_mut().unwrap();
    container.environment = vec![KeyValuePair { name: "SIMULATED_DURATION_MS".into(), value: "0".into() }];
    container.resource_requirements[0].value = "0.001".into();
    batch.register_job_definition(&admin(), definition).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let scheduler = Scheduler::new(batch.clone(), "bench");
    let running = tokio::spawn(scheduler.clone().run(async {
        let _ = stopped.await;
    }));

    let started = Instant::now();
    let mut parents = Vec::new();
    for i in 0..arrays {
        let mut request = fixtures::submission(&format!("array-{i}"));
        request.job_definition = "sim".into();
        request.array_properties = Some(ArrayProperties { size });
        if fair_share {
            request.share_identifier = Some(format!("team{i}"));
        }
        parents.push(batch.submit_job(&operator(), request).await.unwrap().job_id);
    }
    let submitted = started.elapsed();
    // Parents finish roughly in submit order: wait on one at a time, so the polling (a
    // DescribeJobs, which counts the children by state) costs one query per tick, not ten.
    for parent in &parents {
        loop {
            let details = batch.describe_jobs(&admin(), std::slice::from_ref(parent)).await.unwrap();
            match details[0].status.as_str() {
                "SUCCEEDED" => break,
                "FAILED" => panic!("array {parent} failed: {:?}", details[0].status_reason),
                _ => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
    }
    let total = started.elapsed();
    let jobs = arrays * size;
    println!(
        "{backend:?}{}: {jobs} jobs ({arrays} arrays × {size}) submitted in {:.2} s, all SUCCEEDED after {:.1} s: {:.0} jobs/s",
        if fair_share { " (fair share)" } else { "" },
        submitted.as_secs_f64(),
        total.as_secs_f64(),
        jobs as f64 / total.as_secs_f64()
    );
    println!("  scheduler time: {}", scheduler.phase_times());
    let _ = stop.send(());
    let _ = running.await;
}

/// A policy naming one share per array, weights 1, 0.5 and 0.25 in turn; returns its ARN.
async fn fair_share_policy(batch: &Batch, shares: i64) -> String {
    use domain::scheduling_policy::{CreateSchedulingPolicy, FairsharePolicy, ShareAttributes};
    let share_distribution = (0..shares)
        .map(|i| ShareAttributes { share_identifier: format!("team{i}"), weight_factor: Some([1.0, 0.5, 0.25][i as usize % 3]) })
        .collect();
    let request = CreateSchedulingPolicy {
        name: "bench-fair".into(),
        fairshare_policy: Some(FairsharePolicy { share_decay_seconds: Some(600), compute_reservation: None, share_distribution }),
        quota_share_policy: None,
        tags: Default::default(),
    };
    batch.create_scheduling_policy(&admin(), request).await.unwrap().arn
}

fn peak_memory_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| status.lines().find(|l| l.starts_with("VmHWM:")).map(String::from))
        .and_then(|line| line.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()))
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}
