//! Outcomes under faults (issue 15), checked against what really ran: every job appends a line
//! to a file named after it on a mounted folder, so a test counts runs, not store rows.
//!
//! The states a crash can leave are built directly (store rows and labelled containers, as the
//! scheduler would have left them at that instant), so each recovery branch is exercised every
//! run instead of by the luck of a kill's timing.

use crate::fixtures::{TestBatch, batch_on, environment, queue};
use crate::scheduler::{local_environment, shell_definition, submit_to, wait_for};
use domain::container::{KeyValuePair, MountPoint, Volume, VolumeHost};
use domain::job_definition::RegisterJobDefinition;
use domain::submit::{ArrayProperties, SubmitJob};
use domain::views::JobDetail;
use sea_orm::{ConnectionTrait, Statement};
use service::docker::DockerEngine;
use service::docker_attempts::{ContainerSpec, VolumeMount};
use service::scheduler::Scheduler;
use service::testing::{BACKENDS, Backend, TempDir, admin, operator, temp_dir};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

const IMAGE: &str = "batch-examples/busybox:latest";

/// A definition whose every run appends its attempt number to `/out/<job id>`, then runs `tail`.
fn recording_definition(name: &str, out: &TempDir, tail: &str) -> RegisterJobDefinition {
    let mut d = shell_definition(name, &format!("echo $AWS_BATCH_JOB_ATTEMPT >> /out/$AWS_BATCH_JOB_ID; {tail}"));
    let container = d.container_properties.as_mut().unwrap();
    container.resource_requirements[0].value = "0.25".into();
    container.volumes = vec![Volume { name: "out".into(), host: Some(VolumeHost { source_path: Some(out.path().display().to_string()) }) }];
    container.mount_points = vec![MountPoint { container_path: "/out".into(), source_volume: "out".into(), read_only: false }];
    d
}

/// How many times the job ran: lines in its file.
fn runs(out: &TempDir, job_id: &str) -> usize {
    std::fs::read_to_string(out.path().join(job_id)).map(|text| text.lines().count()).unwrap_or(0)
}

fn start_scheduler(batch: &TestBatch, instance: &str) -> oneshot::Sender<()> {
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(Scheduler::new(batch.batch.clone(), instance).run(async {
        let _ = stopped.await;
    }));
    stop
}

async fn execute(batch: &TestBatch, sql: &str) {
    let db = batch.db();
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql.to_string())).await.unwrap();
}

async fn scalar(batch: &TestBatch, sql: &str) -> i64 {
    let db = batch.db();
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_string())).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn finished(batch: &TestBatch, job_id: &str) -> JobDetail {
    wait_for(batch, job_id, |j| j.status == "SUCCEEDED" || j.status == "FAILED", 120).await
}

async fn no_containers_left(batch: &TestBatch) {
    let installation = batch.installation_id().await.unwrap();
    let engine = DockerEngine::connect(None).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = engine.managed_containers(&installation).await.unwrap();
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "containers left behind: {left:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Puts a SUBMITTED job where a crashed scheduler would have left it: claimed for attempt 1 on
/// the local host (`status`), with an attempt row that names `container` if one was recorded.
async fn leave_claimed(batch: &TestBatch, job_id: &str, status: &str, container: Option<&str>) {
    let environment = scalar(batch, "SELECT CAST(id AS BIGINT) FROM compute_environments WHERE name = 'docker'").await;
    execute(
        batch,
        &format!(
            "UPDATE jobs SET status = '{status}', attempt_count = 1, compute_environment_id = {environment}, host_index = 0, \
             started_at = {now} WHERE id = '{job_id}'",
            now = chrono::Utc::now().timestamp_millis()
        ),
    )
    .await;
    let container = container.map(|c| format!("'{c}'")).unwrap_or_else(|| "NULL".into());
    execute(
        batch,
        &format!(
            "INSERT INTO job_attempts (job_id, attempt_number, compute_environment, host, container_id, log_stream_name) \
             VALUES ('{job_id}', 1, 'docker', 'unix:///var/run/docker.sock', {container}, 'x')"
        ),
    )
    .await;
}

/// The container the scheduler would have created for attempt 1 of `job_id`.
async fn create_container(batch: &TestBatch, out: &TempDir, job_id: &str, script: &str) -> String {
    let spec = ContainerSpec {
        job_id: job_id.into(),
        attempt: 1,
        instance: "crashed".into(),
        installation: batch.installation_id().await.unwrap(),
        image: IMAGE.into(),
        command: vec!["sh".into(), "-c".into(), format!("echo $AWS_BATCH_JOB_ATTEMPT >> /out/$AWS_BATCH_JOB_ID; {script}")],
        environment: vec![("AWS_BATCH_JOB_ID".into(), job_id.into()), ("AWS_BATCH_JOB_ATTEMPT".into(), "1".into())],
        milli_vcpus: 250,
        memory_mib: 64,
        mounts: vec![VolumeMount { host_path: Some(out.path().display().to_string()), container_path: "/out".into(), read_only: false }],
        ..Default::default()
    };
    DockerEngine::connect(None).await.unwrap().create_attempt(&spec).await.unwrap()
}

/// Each state a crash can leave, recovered by a new leader, ends with what really happened:
/// - created, never started (crash between create and start): started now, runs once, and its
///   real exit code is recorded (never Docker's made-up 0 for a container that did not run);
/// - exited while no scheduler ran (crash between exit and storing it): its real exit code;
/// - claimed, container never created (crash between claim and create): placed again, runs once;
/// - container recorded but gone: no made-up outcome; the reason says so and it did not run.
#[tokio::test]
async fn every_state_a_crash_can_leave_ends_with_what_really_happened() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let out = temp_dir();
        local_environment(&batch, "docker", 8).await;
        batch.create_job_queue(&admin(), queue("q", &["docker"])).await.unwrap();
        batch.register_job_definition(&admin(), recording_definition("record", &out, "exit 0")).await.unwrap();
        let mut ids = Vec::new();
        for name in ["never-started", "exited-unrecorded", "never-created", "vanished"] {
            ids.push(batch.submit_job(&operator(), submit_to("record", name)).await.unwrap().job_id);
        }
        let [never_started, exited, never_created, vanished] = [&ids[0], &ids[1], &ids[2], &ids[3]];

        let created = create_container(&batch, &out, never_started, "echo started-late; exit 4").await;
        leave_claimed(&batch, never_started, "STARTING", Some(&created)).await;
        let engine = DockerEngine::connect(None).await.unwrap();
        let ran = create_container(&batch, &out, exited, "echo ran-alone; exit 3").await;
        engine.start(&ran).await.unwrap();
        engine.wait(&ran).await;
        leave_claimed(&batch, exited, "RUNNING", Some(&ran)).await;
        leave_claimed(&batch, never_created, "STARTING", None).await;
        leave_claimed(&batch, vanished, "RUNNING", Some("0123456789ab")).await;
        assert_eq!(runs(&out, exited), 1, "set-up: the exited container ran once");

        let _stop = start_scheduler(&batch, "recovering");
        let job = finished(&batch, never_started).await;
        assert_eq!((job.status.as_str(), job.attempts.len()), ("FAILED", 1), "{backend:?}: {:?}", job.status_reason);
        assert_eq!(job.attempts[0].container.exit_code, Some(4), "{backend:?}: the real exit code of a late start");
        assert_eq!(runs(&out, never_started), 1, "{backend:?}: started exactly once");

        let job = finished(&batch, exited).await;
        assert_eq!((job.status.as_str(), job.attempts[0].container.exit_code), ("FAILED", Some(3)), "{backend:?}");
        let lines: Vec<String> = batch.job_log(&admin(), exited, None, 0, 10).await.unwrap().into_iter().map(|l| l.line).collect();
        assert_eq!(lines, ["ran-alone"], "{backend:?}: the output of a container that ended unwatched is read back");
        assert_eq!(runs(&out, exited), 1, "{backend:?}: not run again");

        let job = finished(&batch, never_created).await;
        assert_eq!(job.status, "SUCCEEDED", "{backend:?}: {:?}", job.status_reason);
        assert_eq!(job.attempts.len(), 1, "{backend:?}: a released claim is not an attempt");
        assert_eq!(runs(&out, never_created), 1, "{backend:?}: ran once");

        let job = finished(&batch, vanished).await;
        assert_eq!(job.status, "FAILED", "{backend:?}");
        assert_eq!(job.attempts[0].container.exit_code, None, "{backend:?}: no made-up exit code");
        assert!(job.status_reason.as_deref().is_some_and(|r| r.contains("outcome is unknown")), "{backend:?}: {:?}", job.status_reason);
        assert_eq!(runs(&out, vanished), 0, "{backend:?}");
        no_containers_left(&batch).await;
    }
}

/// A simulated attempt lives only in the memory of the process that claimed it (straight to
/// RUNNING). When that process died, or its pass failed after the claim landed (seen in a
/// Postgres restart), nothing ran: the job is placed again and succeeds, never FAILED as a
/// vanished container.
#[tokio::test]
async fn a_simulated_attempt_no_process_follows_is_placed_again() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let mut simulated = environment("sim", 4);
        simulated.executor = Some(domain::compute_environment::ExecutorKind::Simulated);
        batch.create_compute_environment(&admin(), simulated).await.unwrap();
        batch.create_job_queue(&admin(), queue("q", &["sim"])).await.unwrap();
        batch.register_job_definition(&admin(), shell_definition("sim", "ignored")).await.unwrap();
        let job_id = batch.submit_job(&operator(), submit_to("sim", "orphaned")).await.unwrap().job_id;
        // Claimed for attempt 1 by a process that is gone, longer ago than the settle time.
        let long_ago = chrono::Utc::now().timestamp_millis() - 60_000;
        let environment = scalar(&batch, "SELECT CAST(id AS BIGINT) FROM compute_environments WHERE name = 'sim'").await;
        execute(
            &batch,
            &format!(
                "UPDATE jobs SET status = 'RUNNING', attempt_count = 1, compute_environment_id = {environment}, host_index = 0, \
                 started_at = {long_ago}, status_changed_at = {long_ago} WHERE id = '{job_id}'"
            ),
        )
        .await;
        execute(
            &batch,
            &format!(
                "INSERT INTO job_attempts (job_id, attempt_number, compute_environment, host, log_stream_name, started_at) \
                 VALUES ('{job_id}', 1, 'sim', 'simulated://', 'x', {long_ago})"
            ),
        )
        .await;

        let _stop = start_scheduler(&batch, "recovering");
        let job = finished(&batch, &job_id).await;
        assert_eq!(job.status, "SUCCEEDED", "{backend:?}: {:?}", job.status_reason);
        assert_eq!(job.attempts.len(), 1, "{backend:?}: the lost attempt is not counted");
    }
}

/// The store refuses the write of an attempt's end once, and once a batch of its output lines
/// (Postgres triggers that fail the first such statement): the job still ends right, with its
/// whole log, by the same scheduler (no leadership change).
#[tokio::test]
async fn a_store_write_that_fails_once_is_retried_and_nothing_is_lost() {
    let batch = batch_on(Backend::Postgres).await;
    local_environment(&batch, "docker", 8).await;
    batch.create_job_queue(&admin(), queue("q", &["docker"])).await.unwrap();
    batch.register_job_definition(&admin(), shell_definition("count", "for i in 1 2 3 4 5; do echo line-$i; done")).await.unwrap();
    // The end of an attempt is the update that sets `stopped_at`; output is any insert of lines.
    for (table, event, when) in [("job_attempts", "UPDATE", "WHEN (NEW.stopped_at IS NOT NULL)"), ("attempt_logs", "INSERT", "")] {
        let sql = format!(
            "CREATE SEQUENCE fault_{table}; \
             CREATE FUNCTION fault_{table}() RETURNS trigger AS $$ BEGIN \
               IF nextval('fault_{table}') = 1 THEN RAISE EXCEPTION 'injected fault on {table}'; END IF; RETURN NEW; \
             END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER fault_{table} BEFORE {event} ON {table} FOR EACH ROW {when} EXECUTE FUNCTION fault_{table}();"
        );
        batch.db().execute_unprepared(&sql).await.unwrap();
    }
    let _stop = start_scheduler(&batch, "only-leader");
    let job = batch.submit_job(&operator(), submit_to("count", "survives")).await.unwrap();
    let job = finished(&batch, &job.job_id).await;
    assert_eq!(job.status, "SUCCEEDED", "{:?}", job.status_reason);
    assert_eq!((job.attempts.len(), job.attempts[0].container.exit_code), (1, Some(0)));
    let lines: Vec<String> = batch.job_log(&admin(), &job.job_id, None, 0, 10).await.unwrap().into_iter().map(|l| l.line).collect();
    assert_eq!(lines, ["line-1", "line-2", "line-3", "line-4", "line-5"]);
    for table in ["job_attempts", "attempt_logs"] {
        let tried = scalar(&batch, &format!("SELECT last_value FROM fault_{table}")).await;
        assert!(tried >= 2, "the fault on {table} was injected and the write retried ({tried} statements)");
    }
}

/// A queue whose 20,000 RUNNABLE jobs cannot start (its environment is disabled) is twice the
/// 10,000 jobs a pass reads; a job of another queue that waited for room must still start as
/// soon as there is room.
#[tokio::test]
async fn a_backlog_in_one_queue_never_hides_another_queues_jobs() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let simulated = |name: &str, max_vcpus: i64, state: Option<String>| {
            let mut e = environment(name, max_vcpus);
            e.executor = Some(domain::compute_environment::ExecutorKind::Simulated);
            e.state = state;
            e
        };
        batch.create_compute_environment(&admin(), simulated("parked", 1000, crate::fixtures::disabled())).await.unwrap();
        batch.create_compute_environment(&admin(), simulated("open", 1, None)).await.unwrap();
        batch.create_job_queue(&admin(), queue("parked", &["parked"])).await.unwrap();
        batch.create_job_queue(&admin(), queue("q", &["open"])).await.unwrap();
        let mut d = shell_definition("sim", "ignored");
        d.container_properties.as_mut().unwrap().environment =
            vec![KeyValuePair { name: "SIMULATED_DURATION_MS".into(), value: "2000".into() }];
        batch.register_job_definition(&admin(), d).await.unwrap();
        let _stop = start_scheduler(&batch, "fair");

        for name in ["backlog-1", "backlog-2"] {
            let request = SubmitJob {
                job_queue: "parked".into(),
                array_properties: Some(ArrayProperties { size: 10_000 }),
                ..submit_to("sim", name)
            };
            batch.submit_job(&operator(), request).await.unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        while scalar(&batch, "SELECT COUNT(*) FROM jobs WHERE status = 'RUNNABLE'").await < 20_000 {
            assert!(Instant::now() < deadline, "{backend:?}: the backlog did not become RUNNABLE");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        // One job holds the open environment's only vCPU; the next must wait for it.
        let holder = batch.submit_job(&operator(), submit_to("sim", "holder")).await.unwrap();
        wait_for(&batch, &holder.job_id, |j| j.status == "RUNNING", 60).await;
        let waiter = batch.submit_job(&operator(), submit_to("sim", "waiter")).await.unwrap();
        let waiting = wait_for(&batch, &waiter.job_id, |j| j.status != "SUBMITTED", 60).await;
        assert_eq!(waiting.status, "RUNNABLE", "{backend:?}: the waiter waits for room");
        let done = finished(&batch, &waiter.job_id).await;
        assert_eq!(done.status, "SUCCEEDED", "{backend:?}: {:?}", done.status_reason);
    }
}

async fn lease_holder(batch: &TestBatch) -> Option<String> {
    let db = batch.db();
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), "SELECT holder FROM scheduler_lease")).await.unwrap();
    row.map(|r| r.try_get_by_index::<String>(0).unwrap())
}

async fn wait_for_holder(batch: &TestBatch, instance: &str, seconds: u64) -> Duration {
    let started = Instant::now();
    while lease_holder(batch).await.as_deref() != Some(instance) {
        assert!(started.elapsed() < Duration::from_secs(seconds), "{instance} did not lead within {seconds} s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed()
}

/// Two replicas; the leader dies without a word (its task is dropped, as `kill -9` would). The
/// survivor leads within the lease (4 s) and one renewal (1 s); a restarted process with the
/// dead one's instance id takes the lease back at once. Figures are printed.
#[tokio::test]
async fn a_survivor_leads_within_five_seconds_and_a_restarted_leader_at_once() {
    let batch = batch_on(Backend::Postgres).await;
    let leader = tokio::spawn(Scheduler::new(batch.batch.clone(), "replica-a").run(std::future::pending()));
    wait_for_holder(&batch, "replica-a", 30).await;
    let survivor = tokio::spawn(Scheduler::new(batch.batch.clone(), "replica-b").run(std::future::pending()));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(lease_holder(&batch).await.as_deref(), Some("replica-a"), "a live leader keeps the lease");
    leader.abort();
    let failover = wait_for_holder(&batch, "replica-b", 15).await;
    println!("failover: the survivor led {} ms after the leader died", failover.as_millis());
    assert!(failover < Duration::from_millis(5_500), "failover took {failover:?}");

    // replica-b dies too; a process with its instance id (a restart) takes the lease back
    // before the dead one's lease expires.
    survivor.abort();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let dead_until = lease_expiry(&batch).await;
    let restarted_at = Instant::now();
    let _restarted = tokio::spawn(Scheduler::new(batch.batch.clone(), "replica-b").run(std::future::pending()));
    while lease_expiry(&batch).await == dead_until {
        assert!(restarted_at.elapsed() < Duration::from_secs(15), "the restarted instance never renewed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let renewed_at = chrono::Utc::now().timestamp_millis();
    println!("restart: the same instance renewed its lease {} ms after it started", restarted_at.elapsed().as_millis());
    assert!(renewed_at < dead_until, "renewed before the dead lease expired ({renewed_at} vs {dead_until})");
}

async fn lease_expiry(batch: &TestBatch) -> i64 {
    scalar(batch, "SELECT CAST(expires_at AS BIGINT) FROM scheduler_lease").await
}
