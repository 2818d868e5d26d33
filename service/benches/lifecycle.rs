//! Lifecycle throughput (issue 8, scenario 1): array jobs on a simulated compute environment go
//! from submit to SUCCEEDED through the real scheduler, store and transitions; prints jobs per
//! second and the process's peak memory. Figures, not assertions.
//!
//!   TEST_DATABASE_URL=postgres://... cargo bench -p service --bench lifecycle
//!   BENCH_ARRAYS=10 BENCH_ARRAY_SIZE=10000 for the full 100,000-job run (default 10 × 1,000)
//!   BENCH_BACKEND=postgres or sqlite for one store only (default both)
//!   BENCH_FAIR_SHARE=1 for a queue that follows a fair-share policy, each array its own share
//!   (weights 1, 0.5, 0.25 in turn): what fair share costs a pass, against the FIFO run
//!   BENCH_POLLERS=32 for 32 clients polling meanwhile as scripts do, each every 250 ms a
//!   DescribeJobs of 100 children and a ListJobs page of the queue's RUNNING jobs
//!
//! The clock runs from the first SubmitJob to the last array parent's recorded stop (its
//! `stoppedAt`), so the harness's polling interval adds nothing to the figure.

use domain::compute_environment::ExecutorKind;
use domain::container::KeyValuePair;
use domain::submit::ArrayProperties;
use service::scheduler::Scheduler;
use service::testing::figures;
use service::testing::{Backend, fresh_database};
use service::testing::{admin, operator};
use service::{Batch, BatchConfig};
use std::time::{Duration, Instant};

#[path = "../tests/service/fixtures.rs"]
#[allow(dead_code, unused_imports)]
mod fixtures;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let arrays = figures::setting("BENCH_ARRAYS", 10);
    let size = figures::setting("BENCH_ARRAY_SIZE", 1000);
    for backend in figures::chosen_backends() {
        runtime.block_on(run(backend, arrays, size));
    }
    println!("peak resident memory of the benchmark process: {} MiB", figures::resident_mib().1);
}

async fn run(backend: Backend, arrays: i64, size: i64) {
    let (db, _dir) = fresh_database(backend).await;
    let batch = Batch::new(db, BatchConfig::default());
    let mut environment = fixtures::environment("simulated", 100_000);
    environment.executor = Some(ExecutorKind::Simulated);
    batch.create_compute_environment(&admin(), environment).await.unwrap();
    let fair_share = figures::setting("BENCH_FAIR_SHARE", 0) == 1;
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

    let pollers = figures::setting("BENCH_POLLERS", 0);
    let started = Instant::now();
    let started_ms = chrono::Utc::now().timestamp_millis();
    let mut parents = Vec::new();
    let mut polling = Vec::new();
    for i in 0..arrays {
        let mut request = fixtures::submission(&format!("array-{i}"));
        request.job_definition = "sim".into();
        request.array_properties = Some(ArrayProperties { size });
        if fair_share {
            request.share_identifier = Some(format!("team{i}"));
        }
        parents.push(batch.submit_job(&operator(), request).await.unwrap().job_id);
        if i == 0 {
            for client in 0..pollers {
                polling.push(tokio::spawn(poll_like_a_script(batch.clone(), parents[0].clone(), size, client)));
            }
        }
    }
    let submitted = started.elapsed();
    // Parents finish roughly in submit order: wait on one at a time, so the polling (a
    // DescribeJobs, which counts the children by state) costs one query per tick, not ten.
    let mut last_stop = started_ms;
    for parent in &parents {
        loop {
            let details = batch.describe_jobs(&admin(), std::slice::from_ref(parent)).await.unwrap();
            match details[0].status.as_str() {
                "SUCCEEDED" => {
                    last_stop = last_stop.max(details[0].stopped_at.expect("a finished job has stoppedAt"));
                    break;
                }
                "FAILED" => panic!("array {parent} failed: {:?}", details[0].status_reason),
                _ => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
    }
    polling.iter().for_each(|poller| poller.abort());
    let answered = service::testing::polls_answered_from_memory(&batch);
    let listed = service::testing::listings_answered_from_memory(&batch);
    let total = Duration::from_millis((last_stop - started_ms) as u64);
    let jobs = arrays * size;
    let label = match (fair_share, pollers) {
        (true, _) => " (fair share)".to_string(),
        (false, 0) => String::new(),
        (false, n) => format!(" ({n} clients polling)"),
    };
    let rate = jobs as f64 / total.as_secs_f64();
    println!(
        "{backend:?}{label}: {jobs} jobs ({arrays} arrays × {size}) submitted in {:.2} s, all SUCCEEDED after {:.1} s: {rate:.0} jobs/s",
        submitted.as_secs_f64(),
        total.as_secs_f64(),
    );
    let figure = format!("{jobs} jobs in arrays, submit to SUCCEEDED{label}");
    figures::record("lifecycle", &figure, &figures::store_label(backend), rate, "jobs/s");
    println!("  scheduler time: {}", scheduler.phase_times());
    if pollers > 0 {
        let polls = POLLS.load(std::sync::atomic::Ordering::Relaxed);
        println!("  {polls} polls during the run: {answered} DescribeJobs answered from kept details, {listed} ListJobs from kept pages");
        one_poll_costs(&batch, &parents[0], size).await;
    }
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

/// What one client's poll costs once every job has finished: the median time of each call, and
/// the process's CPU time per poll (the store's threads included), which is what polling takes
/// from the scheduler.
async fn one_poll_costs(batch: &Batch, parent: &str, size: i64) {
    let children: Vec<String> = (0..100.min(size)).map(|index| format!("{parent}:{index}")).collect();
    // The queue's SUCCEEDED jobs: its array jobs, among 100,000 SUCCEEDED children it does not list.
    let list = service::jobs::ListJobs {
        job_queue: Some("q".into()),
        status: Some(domain::JobStatus::Succeeded),
        max_results: Some(100),
        ..Default::default()
    };
    let (mut describes, mut lists) = (Vec::new(), Vec::new());
    let samples = figures::setting("BENCH_POLL_SAMPLES", 500);
    let cpu_before = figures::cpu_seconds();
    for _ in 0..samples {
        let started = Instant::now();
        batch.describe_jobs(&admin(), &children).await.unwrap();
        describes.push(started.elapsed());
        let started = Instant::now();
        batch.list_jobs(&admin(), &list).await.unwrap();
        lists.push(started.elapsed());
    }
    let cpu_per_poll = (figures::cpu_seconds() - cpu_before) / samples as f64;
    describes.sort();
    lists.sort();
    println!(
        "  one poll ({samples} in a row): DescribeJobs of 100 children p50 {:?}, ListJobs of the queue's SUCCEEDED jobs p50 {:?}, CPU {:.2} ms a poll",
        describes[describes.len() / 2],
        lists[lists.len() / 2],
        cpu_per_poll * 1000.0
    );
}

/// DescribeJobs calls the polling clients made.
static POLLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A client polling the way scripts and waiters do: every 250 ms a DescribeJobs of 100 of the
/// first array's children (a different hundred per client) and a ListJobs page of the queue's
/// RUNNING jobs, until the process ends.
async fn poll_like_a_script(batch: Batch, parent: String, size: i64, client: i64) {
    let first = (client * 100) % size.max(1);
    let children: Vec<String> = (first..(first + 100).min(size)).map(|index| format!("{parent}:{index}")).collect();
    let running = service::jobs::ListJobs {
        job_queue: Some("q".into()),
        status: Some(domain::JobStatus::Running),
        max_results: Some(100),
        ..Default::default()
    };
    loop {
        batch.describe_jobs(&admin(), &children).await.unwrap();
        POLLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        batch.list_jobs(&admin(), &running).await.unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
