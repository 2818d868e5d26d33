//! Output bombs against the default per-attempt allowance (64 MiB, 1,000,000 lines): one job
//! printing 100 MB with no newline, one printing 10 million short lines, one after the other.
//! Prints, per bomb, the time from submit to the truncation line stored, the lines stored, and
//! this process's resident memory (the scheduler, follower and store client all run in it):
//! before, and the peak sampled every 50 ms while the bomb runs.
//!
//!   cargo bench -p service --bench output        BENCH_BACKEND=postgres for Postgres

use service::docker::DockerEngine;
use service::scheduler::Scheduler;
use service::testing::{Backend, admin, fresh_database, operator};
use service::{Batch, BatchConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[path = "../tests/service/fixtures.rs"]
#[allow(dead_code, unused_imports)]
mod fixtures;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let backend = match std::env::var("BENCH_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    runtime.block_on(run(backend));
}

/// This process's resident set, in MiB.
fn resident_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap();
    kib / 1024
}

async fn run(backend: Backend) {
    let (db, _dir) = fresh_database(backend).await;
    let batch = Batch::new(db, BatchConfig::default());
    let host = DockerEngine::connect(None).await.unwrap().capacity().await.unwrap();
    batch.create_compute_environment(&admin(), fixtures::environment_on("docker", 2, host)).await.unwrap();
    batch.create_job_queue(&admin(), fixtures::queue("q", &["docker"])).await.unwrap();
    let bombs = [("one-line", "head -c 100000000 /dev/zero | tr '\\0' a"), ("many-lines", "seq 10000000")];
    for (name, script) in bombs {
        let mut definition = fixtures::definition(name);
        definition.container_properties.as_mut().unwrap().command = vec!["sh".into(), "-c".into(), script.into()];
        batch.register_job_definition(&admin(), definition).await.unwrap();
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let scheduler = tokio::spawn(Scheduler::new(batch.clone(), "bench").run(async {
        let _ = stopped.await;
    }));

    for (name, _) in bombs {
        let before = resident_mib();
        let peak = Arc::new(AtomicU64::new(before));
        let sampling = {
            let peak = peak.clone();
            tokio::spawn(async move {
                loop {
                    peak.fetch_max(resident_mib(), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        };
        let started = Instant::now();
        let job = batch
            .submit_job(&operator(), domain::submit::SubmitJob { job_definition: name.into(), ..fixtures::submission(name) })
            .await
            .unwrap();
        let (lines, last) = wait_for_truncation(&batch, &job.job_id).await;
        let elapsed = started.elapsed();
        sampling.abort();
        println!(
            "{backend:?}: {name}: {:.1} s to the truncation line; {lines} lines stored; last: {last}; resident {before} MiB before, peak {} MiB",
            elapsed.as_secs_f64(),
            peak.load(Ordering::Relaxed)
        );
    }
    let _ = stop.send(());
    let _ = scheduler.await;
}

/// Waits until the stored output's last line is the truncation line, asking the store for that
/// one line and a count (the bench's own reading stays out of the memory it measures).
async fn wait_for_truncation(batch: &Batch, job_id: &str) -> (u64, String) {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
    use service::store::entities::attempt_logs;
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let of_job = attempt_logs::Entity::find().filter(attempt_logs::Column::JobId.eq(job_id));
        let last = of_job.clone().order_by_desc(attempt_logs::Column::Id).one(batch.db()).await.unwrap();
        if let Some(last) = last.filter(|l| l.line.starts_with("[output truncated: ")) {
            return (of_job.count(batch.db()).await.unwrap(), last.line);
        }
        assert!(Instant::now() < deadline, "the output of {job_id} was not all stored");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
