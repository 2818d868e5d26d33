//! The Docker path (issue 4), printed as figures:
//!   1. submit → RUNNING latency (p50, p95) on an idle system, one job at a time;
//!   2. the wall time of N short jobs through the service next to raw `docker run` of the same
//!      containers at the same parallelism, in one run, as a ratio.
//!
//! Runs on SQLite (the embedded default) unless BENCH_BACKEND=postgres (then TEST_DATABASE_URL).
//!
//!   cargo bench -p service --bench docker            BENCH_SHORT_JOBS=200 for the larger run

use domain::container::ResourceRequirement;
use service::docker::DockerEngine;
use service::scheduler::Scheduler;
use service::testing::{Backend, fresh_database};
use service::testing::{admin, operator};
use service::{Batch, BatchConfig};
use std::time::{Duration, Instant};

#[path = "../tests/service/fixtures.rs"]
#[allow(dead_code, unused_imports)]
mod fixtures;

const IMAGE: &str = "batch-examples/busybox:latest";
const PARALLELISM: i64 = 4;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let backend = match std::env::var("BENCH_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let short_jobs: usize = std::env::var("BENCH_SHORT_JOBS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    runtime.block_on(run(backend, short_jobs));
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(backend: Backend, short_jobs: usize) {
    let (db, _dir) = fresh_database(backend).await;
    let batch = Batch::new(db, BatchConfig::default());
    let mut host = DockerEngine::connect(None).await.unwrap().capacity().await.unwrap();
    host.vcpus = host.vcpus.max(PARALLELISM);
    batch.create_compute_environment(&admin(), fixtures::environment_on("docker", PARALLELISM, host)).await.unwrap();
    batch.create_job_queue(&admin(), fixtures::queue("q", &["docker"])).await.unwrap();
    let mut definition = fixtures::definition("short");
    let container = definition.container_properties.as_mut().unwrap();
    container.command = vec!["sh".into(), "-c".into(), "echo hi".into()];
    container.resource_requirements[0] = ResourceRequirement { kind: "VCPU".into(), value: "1".into() };
    batch.register_job_definition(&admin(), definition).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let scheduler = tokio::spawn(Scheduler::new(batch.clone(), "bench").run(async {
        let _ = stopped.await;
    }));

    // 1. Latency, one job at a time, from the job's own recorded times.
    let mut latencies = Vec::new();
    for i in 0..20 {
        let job = batch.submit_job(&operator(), fixtures::submission(&format!("latency-{i}")).with_definition("short")).await.unwrap();
        let detail = wait_done(&batch, &[job.job_id]).await.remove(0);
        let running_at = detail.status_history.iter().find(|s| s.status == "RUNNING").unwrap().at;
        latencies.push((running_at - detail.created_at) as f64);
    }
    println!(
        "{backend:?}: submit → RUNNING on an idle system (20 jobs): p50 {:.0} ms, p95 {:.0} ms",
        percentile(&mut latencies.clone(), 0.5),
        percentile(&mut latencies, 0.95)
    );

    // 2. N short jobs through the service, then the same containers by raw `docker run`.
    let started = Instant::now();
    let mut ids = Vec::new();
    for i in 0..short_jobs {
        ids.push(batch.submit_job(&operator(), fixtures::submission(&format!("short-{i}")).with_definition("short")).await.unwrap().job_id);
    }
    // Polled cheaply (one index range per unfinished state), so the harness does not compete
    // with Docker for the two cores; the details are read once at the end.
    wait_queue_drained(&batch).await;
    let done = wait_done(&batch, &ids).await;
    assert!(done.iter().all(|j| j.status == "SUCCEEDED"));
    // From the first submit to the last exit, by the jobs' own recorded times (not the poll).
    let first_submit = done.iter().map(|j| j.created_at).min().unwrap();
    let last_stop = done.iter().filter_map(|j| j.stopped_at).max().unwrap();
    let service_wall = Duration::from_millis((last_stop - first_submit) as u64);
    let _ = started;

    let started = Instant::now();
    let raw = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "seq {short_jobs} | xargs -P {PARALLELISM} -I{{}} docker run --rm --cpus 1 --memory 64m {IMAGE} sh -c 'echo hi' >/dev/null"
        ))
        .status()
        .unwrap();
    let raw_wall = started.elapsed();
    assert!(raw.success());
    println!(
        "{backend:?}: {short_jobs} short jobs, {PARALLELISM} at a time: service {:.2} s, raw docker run {:.2} s, ratio {:.2}",
        service_wall.as_secs_f64(),
        raw_wall.as_secs_f64(),
        service_wall.as_secs_f64() / raw_wall.as_secs_f64()
    );
    let _ = stop.send(());
    let _ = scheduler.await;
}

async fn wait_queue_drained(batch: &Batch) {
    use domain::JobStatus::*;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let mut unfinished = 0;
        for status in [Submitted, Pending, Runnable, Starting, Running] {
            let request =
                service::jobs::ListJobs { job_queue: Some("q".into()), status: Some(status), max_results: Some(1), ..Default::default() };
            unfinished += batch.list_jobs(&admin(), &request).await.unwrap().items.len();
        }
        if unfinished == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "jobs did not finish");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn wait_done(batch: &Batch, ids: &[String]) -> Vec<domain::views::JobDetail> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let mut all = Vec::new();
        for chunk in ids.chunks(100) {
            all.extend(batch.describe_jobs(&admin(), chunk).await.unwrap());
        }
        if all.iter().all(|j| j.status == "SUCCEEDED" || j.status == "FAILED") {
            return all;
        }
        assert!(Instant::now() < deadline, "jobs did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

trait WithDefinition {
    fn with_definition(self, definition: &str) -> Self;
}

impl WithDefinition for domain::submit::SubmitJob {
    fn with_definition(mut self, definition: &str) -> Self {
        self.job_definition = definition.into();
        self
    }
}
