//! Retention (issue 15): the leader forgets finished jobs (with children, attempts, output and
//! history) once they stopped longer ago than the retention period, and audit records older than
//! theirs; it keeps everything else.

use crate::fixtures::{TestBatch, environment, queue};
use crate::scheduler::{shell_definition, submit_to, wait_for};
use domain::container::KeyValuePair;
use domain::submit::ArrayProperties;
use sea_orm::{ConnectionTrait, Statement};
use service::retention::Retention;
use service::scheduler::Scheduler;
use service::testing::{BACKENDS, admin, fresh_database, operator};
use service::{Batch, BatchConfig};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

const HOUR_MS: i64 = 3_600_000;

async fn count(batch: &TestBatch, sql: &str) -> i64 {
    let db = batch.db();
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_string())).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn execute(batch: &TestBatch, sql: &str) {
    batch.db().execute_unprepared(sql).await.unwrap();
}

/// Everything the store holds about `job_id` (and its children): jobs, attempts, output, history.
async fn rows_of(batch: &TestBatch, job_id: &str) -> i64 {
    let like = format!("'{job_id}%'");
    count(batch, &format!("SELECT COUNT(*) FROM jobs WHERE id LIKE {like}")).await
        + count(batch, &format!("SELECT COUNT(*) FROM job_attempts WHERE job_id LIKE {like}")).await
        + count(batch, &format!("SELECT COUNT(*) FROM attempt_logs WHERE job_id LIKE {like}")).await
        + count(batch, &format!("SELECT COUNT(*) FROM job_status_history WHERE job_id LIKE {like}")).await
}

fn start(batch: &TestBatch, instance: &str) -> oneshot::Sender<()> {
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(Scheduler::new(batch.batch.clone(), instance).run(async {
        let _ = stopped.await;
    }));
    stop
}

/// A simulated environment, queue `q` on it, and definition `sim` whose jobs end at once.
async fn instant_jobs(batch: &TestBatch) {
    let mut simulated = environment("sim", 100);
    simulated.executor = Some(domain::compute_environment::ExecutorKind::Simulated);
    batch.create_compute_environment(&admin(), simulated).await.unwrap();
    batch.create_job_queue(&admin(), queue("q", &["sim"])).await.unwrap();
    let mut d = shell_definition("sim", "ignored");
    d.container_properties.as_mut().unwrap().environment = vec![KeyValuePair { name: "SIMULATED_DURATION_MS".into(), value: "0".into() }];
    batch.register_job_definition(&admin(), d).await.unwrap();
}

#[tokio::test]
async fn retention_removes_exactly_what_is_old() {
    for backend in BACKENDS {
        let (db, dir) = fresh_database(backend).await;
        let config = BatchConfig {
            retention: Retention { jobs_ms: HOUR_MS, audit_ms: 24 * HOUR_MS, ..Retention::default() },
            ..BatchConfig::default()
        };
        let batch = TestBatch::wrap(Batch::new(db, config));
        instant_jobs(&batch).await;
        let first = start(&batch, "first");
        let old = batch.submit_job(&operator(), submit_to("sim", "old")).await.unwrap().job_id;
        let mut array = submit_to("sim", "old-array");
        array.array_properties = Some(ArrayProperties { size: 3 });
        let old_array = batch.submit_job(&operator(), array).await.unwrap().job_id;
        let recent = batch.submit_job(&operator(), submit_to("sim", "recent")).await.unwrap().job_id;
        let long_running = batch.submit_job(&operator(), submit_to("sim", "created-long-ago-finished-now")).await.unwrap().job_id;
        for id in [&old, &old_array, &recent, &long_running] {
            wait_for(&batch, id, |j| j.status == "SUCCEEDED", 60).await;
        }
        drop(first);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(rows_of(&batch, &old_array).await > 4, "{backend:?}: set-up: the array has rows");

        // Two hours ago: "old" and the array finished; the long runner was only created then.
        let two_hours = 2 * HOUR_MS;
        let ids = |id: &str| format!("id = '{id}' OR array_parent_id = '{id}'");
        for id in [&old, &old_array] {
            execute(
                &batch,
                &format!("UPDATE jobs SET created_at = created_at - {two_hours}, stopped_at = stopped_at - {two_hours} WHERE {}", ids(id)),
            )
            .await;
        }
        execute(&batch, &format!("UPDATE jobs SET created_at = created_at - {two_hours} WHERE id = '{long_running}'")).await;
        let audit_before = count(&batch, "SELECT COUNT(*) FROM audit_log").await;
        assert!(audit_before > 0, "{backend:?}: set-up: submissions were audited");
        execute(&batch, &format!("UPDATE audit_log SET at = at - {}", 2 * 24 * HOUR_MS)).await;
        let kept = batch.submit_job(&operator(), submit_to("sim", "audited-now")).await.unwrap().job_id;

        // A new leader runs retention with its first maintenance.
        let _second = start(&batch, "second");
        let deadline = Instant::now() + Duration::from_secs(60);
        while rows_of(&batch, &old).await + rows_of(&batch, &old_array).await > 0 {
            assert!(Instant::now() < deadline, "{backend:?}: old jobs were not removed");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(batch.describe_jobs(&admin(), std::slice::from_ref(&old)).await.unwrap().len(), 0, "{backend:?}");
        for id in [&recent, &long_running, &kept] {
            let job = wait_for(&batch, id, |j| j.status == "SUCCEEDED", 60).await;
            assert_eq!(job.attempts.len(), 1, "{backend:?} {id}: kept whole");
            assert!(!job.status_history.is_empty(), "{backend:?} {id}");
        }
        let audit_after = count(&batch, "SELECT COUNT(*) FROM audit_log").await;
        assert!(
            audit_after >= 1 && audit_after < audit_before,
            "{backend:?}: old audit records go, new ones stay ({audit_before} → {audit_after})"
        );
        drop(dir);
    }
}

/// Every row the store keeps about jobs.
async fn job_rows(batch: &TestBatch) -> i64 {
    let mut total = 0;
    for table in ["jobs", "job_attempts", "attempt_logs", "job_status_history"] {
        total += count(batch, &format!("SELECT COUNT(*) FROM {table}")).await;
    }
    total
}

/// Steady traffic for many retention periods (compressed: jobs kept 2 s, retention every
/// second): the rows the store holds level off instead of growing with what was submitted.
#[tokio::test]
async fn the_store_stays_flat_under_steady_traffic() {
    for backend in BACKENDS {
        let (db, dir) = fresh_database(backend).await;
        let retention = Retention { jobs_ms: 2000, every: Duration::from_secs(1), ..Retention::default() };
        let batch = TestBatch::wrap(Batch::new(db, BatchConfig { retention, ..BatchConfig::default() }));
        instant_jobs(&batch).await;
        let _scheduler = start(&batch, "steady");

        // 25 submissions a second for 20 s, the store's job rows sampled four times a second: the
        // count rises and falls with each retention run (every second), and a sample a second
        // can land on the low phase through a whole window and miss its peak.
        let started = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_millis(40));
        let mut samples: Vec<(Duration, i64)> = Vec::new();
        let mut submitted = 0;
        while started.elapsed() < Duration::from_secs(20) {
            tick.tick().await;
            batch.submit_job(&operator(), submit_to("sim", "steady")).await.unwrap();
            submitted += 1;
            if samples.last().is_none_or(|(at, _)| started.elapsed() - *at >= Duration::from_millis(250)) {
                samples.push((started.elapsed(), job_rows(&batch).await));
            }
        }
        let peak = |from: u64, to: u64| {
            let window = Duration::from_secs(from)..Duration::from_secs(to);
            samples.iter().filter(|(at, _)| window.contains(at)).map(|(_, rows)| *rows).max().unwrap()
        };
        let (middle, last) = (peak(7, 14), peak(14, 21));
        println!("{backend:?}: {submitted} jobs submitted; job rows held, peak of seconds 7-14: {middle}, of 14-20: {last}");
        assert!(last <= middle + middle / 4 + 40, "{backend:?}: the store kept growing ({middle} → {last} rows): {samples:?}");
        let jobs_held = count(&batch, "SELECT COUNT(*) FROM jobs").await;
        assert!(jobs_held < submitted / 2, "{backend:?}: retention removed most jobs ({jobs_held} of {submitted} held)");
        drop(dir);
    }
}
