//! The scheduler and the Docker executor, end to end against the real engine and the local
//! example image.

use crate::fixtures::{TestBatch, batch_on, definition, environment_on, queue, submission};
use domain::container::ResourceRequirement;
use domain::job_definition::RegisterJobDefinition;
use domain::retry::{EvaluateOnExit, RetryStrategy};
use domain::submit::{ArrayProperties, JobDependency, SubmitJob};
use domain::views::JobDetail;
use sea_orm::ConnectionTrait;
use service::docker::DockerEngine;
use service::scheduler::Scheduler;
use service::testing::{BACKENDS, Backend};
use service::testing::{admin, operator};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

pub struct Harness {
    pub batch: TestBatch,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn local_environment(batch: &TestBatch, name: &str, max_vcpus: i64) {
    let host = DockerEngine::connect(None).await.unwrap().capacity().await.unwrap();
    batch.create_compute_environment(&admin(), environment_on(name, max_vcpus, host)).await.unwrap();
}

/// An environment of `max_vcpus` on the local engine, a queue `q`, and a running scheduler.
pub async fn harness(backend: Backend, max_vcpus: i64) -> Harness {
    let batch = batch_on(backend).await;
    local_environment(&batch, "docker", max_vcpus).await;
    batch.create_job_queue(&admin(), queue("q", &["docker"])).await.unwrap();
    run_scheduler(batch)
}

/// Starts a scheduler on `batch`; it stops when the harness is dropped.
pub fn run_scheduler(batch: TestBatch) -> Harness {
    let (stop, stopped) = oneshot::channel::<()>();
    let scheduler = Scheduler::new(batch.batch.clone(), format!("test-{}", uuid::Uuid::new_v4().simple()));
    tokio::spawn(scheduler.run(async {
        let _ = stopped.await;
    }));
    Harness { batch, stop: Some(stop) }
}

pub fn shell_definition(name: &str, script: &str) -> RegisterJobDefinition {
    let mut d = definition(name);
    let container = d.container_properties.as_mut().unwrap();
    container.command = vec!["sh".into(), "-c".into(), script.into()];
    d
}

pub fn submit_to(definition: &str, name: &str) -> SubmitJob {
    SubmitJob { job_definition: definition.into(), ..submission(name) }
}

pub async fn wait_for(batch: &TestBatch, job_id: &str, done: impl Fn(&JobDetail) -> bool, seconds: u64) -> JobDetail {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let job = batch.describe_jobs(&admin(), &[job_id.to_string()]).await.unwrap().remove(0);
        if done(&job) {
            return job;
        }
        assert!(Instant::now() < deadline, "job {job_id} did not get there in {seconds} s: {} {:?}", job.status, job.status_reason);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn finished(batch: &TestBatch, job_id: &str) -> JobDetail {
    wait_for(batch, job_id, |j| j.status == "SUCCEEDED" || j.status == "FAILED", 90).await
}

async fn output(batch: &TestBatch, job_id: &str) -> Vec<String> {
    batch.job_log(&admin(), job_id, None, 0, 1000).await.unwrap().into_iter().map(|l| l.line).collect()
}

#[tokio::test]
async fn a_job_runs_to_success_with_its_output_and_batch_variables() {
    for backend in BACKENDS {
        let h = harness(backend, 4).await;
        h.batch
            .register_job_definition(
                &admin(),
                shell_definition("hello", "echo hello $AWS_BATCH_JQ_NAME $AWS_BATCH_CE_NAME attempt=$AWS_BATCH_JOB_ATTEMPT; echo oops >&2"),
            )
            .await
            .unwrap();
        let job = h.batch.submit_job(&operator(), submit_to("hello", "hello")).await.unwrap();
        let done = finished(&h.batch, &job.job_id).await;
        assert_eq!(done.status, "SUCCEEDED", "{backend:?}: {:?}", done.status_reason);
        assert_eq!(done.attempts.len(), 1);
        assert_eq!(done.attempts[0].container.exit_code, Some(0));
        assert!(done.started_at.is_some() && done.stopped_at.is_some());
        let lines = output(&h.batch, &job.job_id).await;
        assert!(lines.contains(&"hello q docker attempt=1".to_string()), "{lines:?}");
        assert!(lines.contains(&"oops".to_string()), "{lines:?}");
        let states: Vec<_> = done.status_history.iter().map(|s| s.status.as_str()).collect();
        assert_eq!(states, ["SUBMITTED", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"], "{backend:?}");
    }
}

#[tokio::test]
async fn a_non_zero_exit_fails_the_job_with_its_exit_code() {
    let h = harness(Backend::Postgres, 4).await;
    h.batch.register_job_definition(&admin(), shell_definition("fail", "exit 3")).await.unwrap();
    let job = h.batch.submit_job(&operator(), submit_to("fail", "fail")).await.unwrap();
    let done = finished(&h.batch, &job.job_id).await;
    assert_eq!(done.status, "FAILED");
    assert_eq!(done.container.exit_code, Some(3));
    assert_eq!(done.status_reason.as_deref(), Some("Essential container in task exited"));
}

#[tokio::test]
async fn a_job_that_fails_once_succeeds_on_its_second_attempt() {
    let h = harness(Backend::Sqlite, 4).await;
    h.batch
        .register_job_definition(&admin(), shell_definition("flaky", "test $AWS_BATCH_JOB_ATTEMPT -ge 2 || exit 1; echo made it"))
        .await
        .unwrap();
    let mut request = submit_to("flaky", "flaky");
    request.retry_strategy = Some(RetryStrategy { attempts: Some(3), evaluate_on_exit: vec![] });
    let job = h.batch.submit_job(&operator(), request).await.unwrap();
    let done = finished(&h.batch, &job.job_id).await;
    assert_eq!(done.status, "SUCCEEDED", "{:?}", done.status_reason);
    let codes: Vec<_> = done.attempts.iter().map(|a| a.container.exit_code).collect();
    assert_eq!(codes, [Some(1), Some(0)]);
}

/// The console's tail of a retried job's output: the newest lines across its attempts, in
/// order, a page at a time going back, and the count of what comes before.
#[tokio::test]
async fn the_tail_of_a_retried_jobs_output_spans_its_attempts_in_order() {
    for backend in BACKENDS {
        let h = harness(backend, 4).await;
        let script = "for i in $(seq 1 30); do echo a$AWS_BATCH_JOB_ATTEMPT-$i; done; test $AWS_BATCH_JOB_ATTEMPT -ge 3 || exit 1";
        h.batch.register_job_definition(&admin(), shell_definition("twice", script)).await.unwrap();
        let mut request = submit_to("twice", "twice");
        request.retry_strategy = Some(RetryStrategy { attempts: Some(3), evaluate_on_exit: vec![] });
        let job = h.batch.submit_job(&operator(), request).await.unwrap();
        assert_eq!(finished(&h.batch, &job.job_id).await.status, "SUCCEEDED", "{backend:?}");
        let text = |lines: &[service::jobs::LogLine]| lines.iter().map(|l| l.line.clone()).collect::<Vec<_>>();
        let expected = |attempt: u32, from: u32, to: u32| (from..=to).map(|i| format!("a{attempt}-{i}")).collect::<Vec<_>>();

        let (newest, earlier) = h.batch.job_log_tail(&admin(), &job.job_id, None, None, 40).await.unwrap();
        assert_eq!(text(&newest), [expected(2, 21, 30), expected(3, 1, 30)].concat(), "{backend:?}");
        assert_eq!(earlier, 50, "{backend:?}");
        let (before, earlier) = h.batch.job_log_tail(&admin(), &job.job_id, None, Some(newest[0].id), 40).await.unwrap();
        assert_eq!(text(&before), [expected(1, 11, 30), expected(2, 1, 20)].concat(), "{backend:?}");
        assert_eq!(earlier, 10, "{backend:?}");
        let (first, earlier) = h.batch.job_log_tail(&admin(), &job.job_id, None, Some(before[0].id), 40).await.unwrap();
        assert_eq!((text(&first), earlier), (expected(1, 1, 10), 0), "{backend:?}");
        // Fewer than the newest attempt printed: its lines alone (the older attempts passed over).
        let (newest_only, earlier) = h.batch.job_log_tail(&admin(), &job.job_id, None, None, 20).await.unwrap();
        assert_eq!((text(&newest_only), earlier), (expected(3, 11, 30), 70), "{backend:?}");
        let (only, _) = h.batch.job_log_tail(&admin(), &job.job_id, Some(2), None, 5).await.unwrap();
        assert_eq!(text(&only), expected(2, 26, 30), "{backend:?}");
    }
}

#[tokio::test]
async fn an_exit_rule_stops_the_retries() {
    let h = harness(Backend::Postgres, 4).await;
    h.batch.register_job_definition(&admin(), shell_definition("fatal", "exit 42")).await.unwrap();
    let mut request = submit_to("fatal", "fatal");
    request.retry_strategy = Some(RetryStrategy {
        attempts: Some(5),
        evaluate_on_exit: vec![EvaluateOnExit {
            on_exit_code: Some("4*".into()),
            on_reason: None,
            on_status_reason: None,
            action: "EXIT".into(),
        }],
    });
    let job = h.batch.submit_job(&operator(), request).await.unwrap();
    let done = finished(&h.batch, &job.job_id).await;
    assert_eq!((done.status.as_str(), done.attempts.len()), ("FAILED", 1));
}

#[tokio::test]
async fn an_attempt_over_its_timeout_is_stopped_and_not_retried() {
    let h = harness(Backend::Sqlite, 4).await;
    let mut slow = shell_definition("slow", "sleep 600");
    slow.timeout = Some(domain::job_definition::JobTimeout { attempt_duration_seconds: Some(60) });
    h.batch.register_job_definition(&admin(), slow).await.unwrap();
    // AWS's minimum timeout is 60 s; shorten the stored one (jobs copy it at submit) so the
    // test is quick.
    h.batch.db().execute_unprepared("UPDATE job_definitions SET timeout_seconds = 2 WHERE name = 'slow'").await.unwrap();
    let mut request = submit_to("slow", "slow");
    request.retry_strategy = Some(RetryStrategy { attempts: Some(3), evaluate_on_exit: vec![] });
    let job = h.batch.submit_job(&operator(), request).await.unwrap();
    let started = Instant::now();
    let done = finished(&h.batch, &job.job_id).await;
    assert_eq!(done.status, "FAILED");
    assert_eq!(done.status_reason.as_deref(), Some("Job attempt duration exceeded timeout"));
    assert_eq!(done.attempts.len(), 1, "timeouts are never retried");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn terminate_stops_a_running_job() {
    let h = harness(Backend::Postgres, 4).await;
    h.batch.register_job_definition(&admin(), shell_definition("sleepy", "echo started; sleep 600")).await.unwrap();
    let job = h.batch.submit_job(&operator(), submit_to("sleepy", "sleepy")).await.unwrap();
    wait_for(&h.batch, &job.job_id, |j| j.status == "RUNNING", 60).await;
    h.batch.terminate_job(&operator(), &job.job_id, "operator stopped it").await.unwrap();
    let done = finished(&h.batch, &job.job_id).await;
    assert_eq!((done.status.as_str(), done.status_reason.as_deref()), ("FAILED", Some("operator stopped it")));
    assert!(done.is_terminated);
}

/// A container that exits 0 when asked to stop is still a terminated job: clean exits move to
/// SUCCEEDED only while no one asked to terminate (the finish's compare-and-set condition).
#[tokio::test]
async fn a_terminated_job_whose_container_exits_zero_still_fails() {
    let h = harness(Backend::Sqlite, 4).await;
    let graceful = shell_definition("graceful", "trap 'echo stopping; exit 0' TERM; echo started; sleep 600 & wait");
    h.batch.register_job_definition(&admin(), graceful).await.unwrap();
    let job = h.batch.submit_job(&operator(), submit_to("graceful", "graceful")).await.unwrap();
    wait_for(&h.batch, &job.job_id, |j| j.status == "RUNNING", 60).await;
    h.batch.terminate_job(&operator(), &job.job_id, "operator stopped it").await.unwrap();
    let done = finished(&h.batch, &job.job_id).await;
    assert_eq!(done.attempts.len(), 1);
    assert_eq!(done.attempts[0].container.exit_code, Some(0), "the container exited 0");
    assert_eq!((done.status.as_str(), done.status_reason.as_deref()), ("FAILED", Some("operator stopped it")));
}

#[tokio::test]
async fn cancel_fails_a_runnable_job_and_a_disabled_queue_says_why_it_waits() {
    let h = harness(Backend::Sqlite, 4).await;
    // A job holding every vCPU of the host (2), so the next one waits RUNNABLE when its queue is disabled
    // (a disabled queue refuses new submissions; the jobs it has wait).
    let mut whole = shell_definition("whole", "sleep 600");
    whole.container_properties.as_mut().unwrap().resource_requirements[0] = ResourceRequirement { kind: "VCPU".into(), value: "2".into() };
    h.batch.register_job_definition(&admin(), whole).await.unwrap();
    h.batch.register_job_definition(&admin(), shell_definition("noop", "true")).await.unwrap();
    let blocker = h.batch.submit_job(&operator(), submit_to("whole", "blocker")).await.unwrap();
    wait_for(&h.batch, &blocker.job_id, |j| j.status == "RUNNING", 60).await;
    let job = h.batch.submit_job(&operator(), submit_to("noop", "waiting")).await.unwrap();
    wait_for(&h.batch, &job.job_id, |j| j.status == "RUNNABLE", 30).await;
    h.batch
        .update_job_queue(
            &admin(),
            domain::job_queue::UpdateJobQueue { job_queue: "q".into(), state: Some("DISABLED".into()), ..Default::default() },
        )
        .await
        .unwrap();
    let waiting = wait_for(&h.batch, &job.job_id, |j| j.status_reason.as_deref() == Some("Job queue q is DISABLED"), 30).await;
    assert_eq!(waiting.status, "RUNNABLE");
    // The dashboard's reasons per queue: this one job, for this reason.
    let reasons = h.batch.waiting_reasons_by_queue(&admin()).await.unwrap();
    assert_eq!(reasons["q"], [("Job queue q is DISABLED".to_string(), 1)]);
    h.batch.cancel_job(&operator(), &job.job_id, "not needed").await.unwrap();
    let done = finished(&h.batch, &job.job_id).await;
    assert_eq!((done.status.as_str(), done.status_reason.as_deref()), ("FAILED", Some("not needed")));
    assert!(done.attempts.is_empty());
    h.batch.terminate_job(&operator(), &blocker.job_id, "test over").await.unwrap();
    finished(&h.batch, &blocker.job_id).await;
}

#[tokio::test]
async fn retrying_an_arrays_failed_children_reruns_exactly_those_indexes() {
    let h = harness(Backend::Sqlite, 8).await;
    // Odd indexes fail the first time; a retry's child prints the index it stands for.
    let script = r#"if [ -n "$BATCH_ORIGINAL_ARRAY_INDEX" ]; then echo "redo $BATCH_ORIGINAL_ARRAY_INDEX as $AWS_BATCH_JOB_ARRAY_INDEX"; exit 0; fi
exit $((AWS_BATCH_JOB_ARRAY_INDEX % 2))"#;
    let mut d = shell_definition("flaky", script);
    d.container_properties.as_mut().unwrap().resource_requirements[0] = ResourceRequirement { kind: "VCPU".into(), value: "0.5".into() };
    h.batch.register_job_definition(&admin(), d).await.unwrap();
    let mut request = submit_to("flaky", "half");
    request.array_properties = Some(ArrayProperties { size: 6 });
    let parent = h.batch.submit_job(&operator(), request).await.unwrap();
    let done = finished(&h.batch, &parent.job_id).await;
    assert_eq!(done.array_properties.unwrap().status_summary.unwrap()["FAILED"], 3);

    let retry = h.batch.retry_failed_children(&operator(), &parent.job_id).await.unwrap();
    let redone = finished(&h.batch, &retry.job_id).await;
    assert_eq!(redone.status, "SUCCEEDED", "{:?}", redone.status_reason);
    assert_eq!(redone.array_properties.as_ref().unwrap().size, Some(3));
    let mut lines = Vec::new();
    for index in 0..3 {
        lines.extend(output(&h.batch, &format!("{}:{index}", retry.job_id)).await);
    }
    assert_eq!(lines, ["redo 1 as 0", "redo 3 as 1", "redo 5 as 2"], "what really ran");
    // Linked both ways.
    assert_eq!(redone.tags[domain::retry_children::RETRY_OF_TAG], parent.job_id);
    let parent_now = h.batch.describe_jobs(&admin(), std::slice::from_ref(&parent.job_id)).await.unwrap().remove(0);
    assert_eq!(parent_now.tags[domain::retry_children::RETRIED_AS_TAG], retry.job_id);
    // Nothing failed in the retry: nothing to retry again.
    let error = h.batch.retry_failed_children(&operator(), &retry.job_id).await.unwrap_err();
    assert!(error.to_string().contains("no child of this array failed"), "{error}");
}

#[tokio::test]
async fn an_array_of_twenty_sees_each_index() {
    let h = harness(Backend::Postgres, 8).await;
    let mut d = shell_definition("indexed", "echo index=$AWS_BATCH_JOB_ARRAY_INDEX of $AWS_BATCH_JOB_ARRAY_SIZE");
    d.container_properties.as_mut().unwrap().resource_requirements[0] = ResourceRequirement { kind: "VCPU".into(), value: "0.5".into() };
    h.batch.register_job_definition(&admin(), d).await.unwrap();
    let mut request = submit_to("indexed", "array");
    request.array_properties = Some(ArrayProperties { size: 20 });
    let parent = h.batch.submit_job(&operator(), request).await.unwrap();
    let done = finished(&h.batch, &parent.job_id).await;
    assert_eq!(done.status, "SUCCEEDED", "{:?}", done.status_reason);
    assert_eq!(done.array_properties.unwrap().status_summary.unwrap()["SUCCEEDED"], 20);
    for index in 0..20 {
        let lines = output(&h.batch, &format!("{}:{index}", parent.job_id)).await;
        assert_eq!(lines, [format!("index={index} of 20")]);
    }
}

#[tokio::test]
async fn a_sequential_array_runs_its_children_one_after_another() {
    let h = harness(Backend::Sqlite, 8).await;
    h.batch.register_job_definition(&admin(), shell_definition("step", "echo step $AWS_BATCH_JOB_ARRAY_INDEX")).await.unwrap();
    let mut request = submit_to("step", "steps");
    request.array_properties = Some(ArrayProperties { size: 3 });
    request.depends_on = vec![JobDependency { job_id: None, kind: Some("SEQUENTIAL".into()) }];
    let parent = h.batch.submit_job(&operator(), request).await.unwrap();
    finished(&h.batch, &parent.job_id).await;
    let ids: Vec<String> = (0..3).map(|i| format!("{}:{i}", parent.job_id)).collect();
    let children = h.batch.describe_jobs(&admin(), &ids).await.unwrap();
    for pair in children.windows(2) {
        assert!(
            pair[0].stopped_at.unwrap() <= pair[1].started_at.unwrap(),
            "child {} started before {} stopped",
            pair[1].job_id,
            pair[0].job_id
        );
    }
}

#[tokio::test]
async fn a_failed_dependency_fails_the_chain() {
    let h = harness(Backend::Postgres, 4).await;
    h.batch.register_job_definition(&admin(), shell_definition("fail", "exit 1")).await.unwrap();
    h.batch.register_job_definition(&admin(), shell_definition("ok", "true")).await.unwrap();
    let first = h.batch.submit_job(&operator(), submit_to("fail", "first")).await.unwrap();
    let mut second = submit_to("ok", "second");
    second.depends_on = vec![JobDependency { job_id: Some(first.job_id.clone()), kind: None }];
    let second = h.batch.submit_job(&operator(), second).await.unwrap();
    let mut third = submit_to("ok", "third");
    third.depends_on = vec![JobDependency { job_id: Some(second.job_id.clone()), kind: None }];
    let third = h.batch.submit_job(&operator(), third).await.unwrap();
    for id in [&second.job_id, &third.job_id] {
        let done = finished(&h.batch, id).await;
        assert_eq!((done.status.as_str(), done.status_reason.as_deref()), ("FAILED", Some("Dependent job failed")));
        assert!(done.attempts.is_empty());
    }
}

#[tokio::test]
async fn an_environment_of_two_vcpus_never_runs_more_than_two_one_vcpu_jobs() {
    let h = harness(Backend::Sqlite, 2).await;
    h.batch.register_job_definition(&admin(), shell_definition("nap", "sleep 2")).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(h.batch.submit_job(&operator(), submit_to("nap", &format!("nap-{i}"))).await.unwrap().job_id);
    }
    let mut most = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let jobs = h.batch.describe_jobs(&admin(), &ids).await.unwrap();
        let live = jobs.iter().filter(|j| j.status == "STARTING" || j.status == "RUNNING").count();
        most = most.max(live);
        assert!(live <= 2, "{live} jobs run at once");
        if jobs.iter().all(|j| j.status == "SUCCEEDED") {
            break;
        }
        let waiting: Vec<_> = jobs.iter().filter(|j| j.status == "RUNNABLE").filter_map(|j| j.status_reason.clone()).collect();
        for reason in waiting {
            assert!(reason.contains("capacity"), "{reason}");
        }
        assert!(Instant::now() < deadline, "jobs did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(most, 2, "two ran together");
}

#[tokio::test]
async fn a_job_over_its_memory_limit_is_oom_killed_and_says_so() {
    let h = harness(Backend::Postgres, 4).await;
    // 8 MiB of memory; the shell builds a string far larger than that.
    let mut d = shell_definition("hungry", "x=a; while true; do x=$x$x; done");
    d.container_properties.as_mut().unwrap().resource_requirements[1] = ResourceRequirement { kind: "MEMORY".into(), value: "8".into() };
    h.batch.register_job_definition(&admin(), d).await.unwrap();
    let job = h.batch.submit_job(&operator(), submit_to("hungry", "hungry")).await.unwrap();
    let done = finished(&h.batch, &job.job_id).await;
    assert_eq!(done.status, "FAILED");
    assert!(done.status_reason.as_deref().unwrap_or_default().starts_with("OutOfMemoryError"), "{:?}", done.status_reason);
    assert_eq!(done.container.exit_code, Some(137));
}

#[tokio::test]
async fn a_missing_image_fails_with_cannot_pull_container_error() {
    let h = harness(Backend::Sqlite, 4).await;
    let mut d = shell_definition("ghost", "true");
    d.container_properties.as_mut().unwrap().image = "batch-examples/does-not-exist:1".into();
    h.batch.register_job_definition(&admin(), d).await.unwrap();
    let job = h.batch.submit_job(&operator(), submit_to("ghost", "ghost")).await.unwrap();
    let done = finished(&h.batch, &job.job_id).await;
    assert_eq!(done.status, "FAILED");
    assert!(done.status_reason.as_deref().unwrap_or_default().starts_with("CannotPullContainerError"), "{:?}", done.status_reason);
}

/// Like `kill -9` of the server: scheduler A's runtime is dropped with its containers running;
/// scheduler B takes over once A's lease expires, re-adopts or finishes every attempt, and
/// removes the orphan container. Every job ends exactly once, with one attempt.
#[test]
fn after_a_crash_every_job_finishes_exactly_once_and_no_orphan_is_left() {
    use service::db::connect_and_migrate;
    let setup = tokio::runtime::Runtime::new().unwrap();
    let dir = service::testing::temp_dir();
    let url = setup.block_on(service::testing::fresh_database_url(Backend::Postgres, dir.path()));
    let connect =
        |url: String| async move { service::Batch::new(connect_and_migrate(&url).await.unwrap(), service::BatchConfig::default()) };

    let crashed = tokio::runtime::Runtime::new().unwrap();
    let ids: Vec<String> = crashed.block_on(async {
        let batch = connect(url.clone()).await;
        let test_batch = TestBatch::wrap(batch.clone());
        local_environment(&test_batch, "docker", 8).await;
        batch.create_job_queue(&admin(), queue("q", &["docker"])).await.unwrap();
        batch.register_job_definition(&admin(), shell_definition("short", "echo short; sleep 1; echo done")).await.unwrap();
        batch.register_job_definition(&admin(), shell_definition("long", "echo long; sleep 25; echo done")).await.unwrap();
        let mut ids = Vec::new();
        for (definition, name) in [("short", "s1"), ("short", "s2"), ("long", "l1"), ("long", "l2")] {
            ids.push(batch.submit_job(&operator(), submit_to(definition, name)).await.unwrap().job_id);
        }
        tokio::spawn(Scheduler::new(batch.clone(), "crashing-instance").run(std::future::pending()));
        for id in &ids {
            wait_for(&test_batch, id, |j| j.status == "RUNNING", 60).await;
        }
        // A container of this installation that no job owns: it must be removed.
        let installation = batch.installation_id().await.unwrap();
        let engine = DockerEngine::connect(None).await.unwrap();
        let orphan = engine
            .create_attempt(&service::docker_attempts::ContainerSpec {
                job_id: "no-such-job".into(),
                attempt: 1,
                instance: "crashing-instance".into(),
                installation,
                image: "batch-examples/busybox:latest".into(),
                command: vec!["sleep".into(), "600".into()],
                environment: vec![],
                milli_vcpus: 100,
                memory_mib: 16,
                ..Default::default()
            })
            .await
            .unwrap();
        engine.start(&orphan).await.unwrap();
        ids
    });
    crashed.shutdown_background();

    let restarted = tokio::runtime::Runtime::new().unwrap();
    restarted.block_on(async {
        // The short jobs exit while no scheduler runs; the long ones are still running.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let batch = connect(url.clone()).await;
        let test_batch = TestBatch::wrap(batch.clone());
        tokio::spawn(Scheduler::new(batch.clone(), "restarted-instance").run(std::future::pending()));
        for id in &ids {
            let done = wait_for(&test_batch, id, |j| j.status == "SUCCEEDED" || j.status == "FAILED", 90).await;
            assert_eq!(done.status, "SUCCEEDED", "{id}: {:?}", done.status_reason);
            assert_eq!(done.attempts.len(), 1, "one attempt only");
            let finals = done.status_history.iter().filter(|s| s.status == "SUCCEEDED").count();
            assert_eq!(finals, 1, "finished exactly once");
            let lines: Vec<String> = batch.job_log(&admin(), id, None, 0, 100).await.unwrap().into_iter().map(|l| l.line).collect();
            assert_eq!(lines.iter().filter(|l| *l == "done").count(), 1, "{id}: {lines:?}");
        }
        let installation = batch.installation_id().await.unwrap();
        let engine = DockerEngine::connect(None).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = engine.managed_containers(&installation).await.unwrap();
            if left.is_empty() {
                break;
            }
            assert!(Instant::now() < deadline, "containers left behind: {left:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
}

#[tokio::test]
async fn a_simulated_environment_runs_jobs_through_the_same_lifecycle_without_docker() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let mut simulated = crate::fixtures::environment("simulated", 1000);
        simulated.executor = Some(domain::compute_environment::ExecutorKind::Simulated);
        batch.create_compute_environment(&admin(), simulated).await.unwrap();
        batch.create_job_queue(&admin(), queue("q", &["simulated"])).await.unwrap();
        let mut d = shell_definition("sim", "ignored");
        d.container_properties.as_mut().unwrap().environment =
            vec![domain::container::KeyValuePair { name: "SIMULATED_DURATION_MS".into(), value: "20".into() }];
        batch.register_job_definition(&admin(), d).await.unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(Scheduler::new(batch.batch.clone(), "sim").run(async {
            let _ = stopped.await;
        }));

        let mut array = submit_to("sim", "many");
        array.array_properties = Some(ArrayProperties { size: 200 });
        let parent = batch.submit_job(&operator(), array).await.unwrap();
        let mut failing = submit_to("sim", "failing");
        failing.container_overrides = Some(domain::container::ContainerOverrides {
            environment: vec![domain::container::KeyValuePair { name: "SIMULATED_EXIT_CODE".into(), value: "7".into() }],
            ..Default::default()
        });
        failing.retry_strategy = Some(RetryStrategy { attempts: Some(2), evaluate_on_exit: vec![] });
        let failing = batch.submit_job(&operator(), failing).await.unwrap();

        let done = finished(&batch, &parent.job_id).await;
        assert_eq!(done.status, "SUCCEEDED", "{backend:?}");
        assert_eq!(done.array_properties.unwrap().status_summary.unwrap()["SUCCEEDED"], 200);
        let failed = finished(&batch, &failing.job_id).await;
        assert_eq!(failed.status, "FAILED");
        let codes: Vec<_> = failed.attempts.iter().map(|a| a.container.exit_code).collect();
        assert_eq!(codes, [Some(7), Some(7)], "retried once, then failed");
        // A simulated attempt is STARTING for no time, yet every state is in the history, in order.
        let states: Vec<_> = failed.status_history.iter().map(|s| s.status.as_str()).collect();
        let attempt = ["RUNNABLE", "STARTING", "RUNNING"];
        assert_eq!(states, [&["SUBMITTED"][..], &attempt, &attempt, &["FAILED"]].concat(), "{backend:?}");
        let child = finished(&batch, &format!("{}:7", parent.job_id)).await;
        let states: Vec<_> = child.status_history.iter().map(|s| s.status.as_str()).collect();
        assert_eq!(states, ["SUBMITTED", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"], "{backend:?}");
        assert!(child.started_at.is_some() && child.attempts[0].started_at.is_some(), "{backend:?}");
        // Children moved together share history rows (one per run of indexes and state), yet
        // every child's every state is counted.
        let changes = batch.state_changes_last_hour(&admin()).await.unwrap();
        let entered = |status: &str| -> i64 { changes.iter().filter(|c| c.status == status).map(|c| c.count).sum() };
        assert_eq!((entered("SUBMITTED"), entered("RUNNING"), entered("SUCCEEDED")), (202, 202, 201), "{backend:?}: {changes:?}");
        let rows = batch
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                batch.db().get_database_backend(),
                "SELECT count(*) AS n FROM job_status_history",
            ))
            .await
            .unwrap()
            .unwrap();
        let rows: i64 = rows.try_get("", "n").unwrap();
        assert!(rows < 200, "{backend:?}: {rows} history rows for 202 jobs and 1,000 child states");
        let _ = stop.send(());
    }
}

#[tokio::test]
async fn a_job_that_cannot_start_becomes_runnable_with_its_reason_in_one_pass() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let mut parked = crate::fixtures::environment("parked", 4);
        parked.executor = Some(domain::compute_environment::ExecutorKind::Simulated);
        parked.state = crate::fixtures::disabled();
        batch.create_compute_environment(&admin(), parked).await.unwrap();
        batch.create_job_queue(&admin(), queue("q", &["parked"])).await.unwrap();
        batch.register_job_definition(&admin(), shell_definition("sim", "ignored")).await.unwrap();
        let job = batch.submit_job(&operator(), submit_to("sim", "parked")).await.unwrap();

        Scheduler::new(batch.batch.clone(), "one-pass").run_once().await.unwrap();
        let waiting = batch.describe_jobs(&admin(), &[job.job_id]).await.unwrap().remove(0);
        let reason = "No ENABLED compute environment in job queue q";
        assert_eq!((waiting.status.as_str(), waiting.status_reason.as_deref()), ("RUNNABLE", Some(reason)), "{backend:?}");
        let entered = &waiting.status_history[1];
        assert_eq!((entered.status.as_str(), entered.reason.as_deref()), ("RUNNABLE", Some(reason)), "{backend:?}");
    }
}
