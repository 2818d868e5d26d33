//! The Docker path (issues 4 and 21), printed as figures:
//!   1. submit → RUNNING latency (p50, p95) on an idle system, one job at a time;
//!   2. the wall time of N short jobs through the service next to raw `docker run` of the same
//!      containers at the same parallelism, in one run, as a ratio. While they run, a client
//!      polls DescribeJobs for all of them every 250 ms (100 ids a call), as boto3 waiters and
//!      scripts do; it is also what tells the bench they are done ("client-seen" wall).
//!
//! Runs on SQLite (the embedded default) unless BENCH_BACKEND=postgres (then TEST_DATABASE_URL).
//!
//!   cargo bench -p service --bench docker     BENCH_SHORT_JOBS=200, BENCH_PARALLELISM=8 to vary

use domain::container::ResourceRequirement;
use service::docker::DockerEngine;
use service::scheduler::Scheduler;
use service::testing::figures;
use service::testing::{Backend, fresh_database};
use service::testing::{admin, operator};
use service::{Batch, BatchConfig};
use std::time::{Duration, Instant};

#[path = "../tests/service/fixtures.rs"]
#[allow(dead_code, unused_imports)]
mod fixtures;

const IMAGE: &str = "batch-examples/busybox:latest";
/// How often the client polls DescribeJobs, as boto3's and most scripts' loops do.
const POLL_EVERY: Duration = Duration::from_millis(250);

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let backend = match std::env::var("BENCH_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    runtime.block_on(run(backend, figures::setting("BENCH_SHORT_JOBS", 50), figures::setting("BENCH_PARALLELISM", 4)));
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(backend: Backend, short_jobs: usize, parallelism: i64) {
    let store = figures::store_label(backend);
    let (db, _dir) = fresh_database(backend).await;
    let batch = Batch::new(db, BatchConfig::default());
    let mut host = DockerEngine::connect(None).await.unwrap().capacity().await.unwrap();
    host.vcpus = host.vcpus.max(parallelism);
    batch.create_compute_environment(&admin(), fixtures::environment_on("docker", parallelism, host)).await.unwrap();
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
        let detail = poll_until_done(&batch, &[job.job_id], Duration::from_millis(100)).await.remove(0);
        let running_at = detail.status_history.iter().find(|s| s.status == "RUNNING").unwrap().at;
        latencies.push((running_at - detail.created_at) as f64);
    }
    let p50 = percentile(&mut latencies.clone(), 0.5);
    println!("{backend:?}: submit → RUNNING on an idle system (20 jobs): p50 {p50:.0} ms, p95 {:.0} ms", percentile(&mut latencies, 0.95));
    figures::record("docker", "submit to RUNNING on an idle system, p50", &store, p50, "ms");

    // 2. N short jobs through the service, then the same containers by raw `docker run`.
    let started = Instant::now();
    let mut ids = Vec::new();
    for i in 0..short_jobs {
        ids.push(batch.submit_job(&operator(), fixtures::submission(&format!("short-{i}")).with_definition("short")).await.unwrap().job_id);
    }
    let done = poll_until_done(&batch, &ids, POLL_EVERY).await;
    let client_seen = started.elapsed();
    assert!(done.iter().all(|j| j.status == "SUCCEEDED"));
    // From the first submit to the last exit, by the jobs' own recorded times (not the poll).
    let first_submit = done.iter().map(|j| j.created_at).min().unwrap();
    let last_stop = done.iter().filter_map(|j| j.stopped_at).max().unwrap();
    let service_wall = Duration::from_millis((last_stop - first_submit) as u64);

    let started = Instant::now();
    let raw = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "seq {short_jobs} | xargs -P {parallelism} -I{{}} docker run --rm --cpus 1 --memory 64m {IMAGE} sh -c 'echo hi' >/dev/null"
        ))
        .status()
        .unwrap();
    let raw_wall = started.elapsed();
    assert!(raw.success());
    let ratio = service_wall.as_secs_f64() / raw_wall.as_secs_f64();
    println!(
        "{backend:?}: {short_jobs} short jobs, {parallelism} at a time, polled every 250 ms: service {:.2} s (client-seen {:.2} s), raw docker run {:.2} s, ratio {ratio:.2}",
        service_wall.as_secs_f64(),
        client_seen.as_secs_f64(),
        raw_wall.as_secs_f64(),
    );
    let workload = format!("{short_jobs} short containers, {parallelism} at a time");
    figures::record("docker", &format!("{workload}: service / raw docker run"), &store, ratio, "ratio");
    figures::record("docker", &format!("{workload}: service, first submit to last exit"), &store, service_wall.as_secs_f64(), "s");
    figures::record("docker", &format!("{workload}: service, client-seen (polled every 250 ms)"), &store, client_seen.as_secs_f64(), "s");
    figures::record("docker", &format!("{workload}: raw docker run"), &store, raw_wall.as_secs_f64(), "s");
    let _ = stop.send(());
    let _ = scheduler.await;
}

/// What a client does: DescribeJobs of all its jobs (100 ids a call) every `every`, until
/// each has finished.
async fn poll_until_done(batch: &Batch, ids: &[String], every: Duration) -> Vec<domain::views::JobDetail> {
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
        tokio::time::sleep(every).await;
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
