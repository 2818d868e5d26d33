//! DescribeJobs and ListJobs polled: details and pages kept from one poll to the next
//! (`jobs::described`, `jobs::listed`) must be what a fresh read shows after every kind of write
//! they are made of, on both stores.

use crate::fixtures::{TestBatch, batch_on, definition, environment, queue, submission};
use domain::JobStatus;
use domain::compute_environment::ExecutorKind;
use domain::container::KeyValuePair;
use domain::submit::{ArrayProperties, JobDependency, SubmitJob};
use domain::views::{JobSummary, Page};
use service::jobs::{ChildState, ListJobs};
use service::scheduler::Scheduler;
use service::testing::{BACKENDS, admin, listings_answered_from_memory, operator, polls_answered_from_memory};
use service::{Batch, BatchConfig};
use std::time::{Duration, Instant};

/// A definition whose simulated attempts last `duration_ms`.
async fn simulated_definition(batch: &Batch, name: &str, duration_ms: u64) {
    let mut d = definition(name);
    d.container_properties.as_mut().unwrap().environment =
        vec![KeyValuePair { name: "SIMULATED_DURATION_MS".into(), value: duration_ms.to_string() }];
    batch.register_job_definition(&admin(), d).await.unwrap();
}

fn submit(definition: &str, name: &str) -> SubmitJob {
    SubmitJob { job_definition: definition.into(), ..submission(name) }
}

/// Polls `ids` on `batch` (answered from memory when nothing changed) and reads them again on a
/// second server with nothing kept: the two must be equal.
async fn as_fresh(batch: &TestBatch, ids: &[String], step: &str) {
    let polled = batch.describe_jobs(&admin(), ids).await.unwrap();
    let fresh = Batch::new(batch.db().clone(), BatchConfig::default()).describe_jobs(&admin(), ids).await.unwrap();
    assert_eq!(polled, fresh, "{step}");
}

#[tokio::test]
async fn a_poll_answered_from_memory_shows_what_a_fresh_read_shows_after_every_kind_of_write() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        // Room for three one-vCPU jobs: the fourth waits with a reason.
        let mut simulated = environment("sim", 3);
        simulated.executor = Some(ExecutorKind::Simulated);
        batch.create_compute_environment(&admin(), simulated).await.unwrap();
        batch.create_job_queue(&admin(), queue("q", &["sim"])).await.unwrap();
        let mut fast = environment("fast", 4);
        fast.executor = Some(ExecutorKind::Simulated);
        batch.create_compute_environment(&admin(), fast).await.unwrap();
        batch.create_job_queue(&admin(), queue("fast", &["fast"])).await.unwrap();
        simulated_definition(&batch, "long", 600_000).await;
        simulated_definition(&batch, "quick", 0).await;

        let first = batch.submit_job(&operator(), submit("long", "first")).await.unwrap().job_id;
        let mut after = submit("long", "after");
        after.depends_on = vec![JobDependency { job_id: Some(first.clone()), kind: None }];
        let after = batch.submit_job(&operator(), after).await.unwrap().job_id;
        let mut array = submit("long", "array");
        array.array_properties = Some(ArrayProperties { size: 3 });
        let array = batch.submit_job(&operator(), array).await.unwrap().job_id;
        let mut ids = vec![first.clone(), after.clone(), array.clone()];
        ids.extend((0..3).map(|i| format!("{array}:{i}")));

        assert!(batch.describe_jobs(&admin(), &[]).await.unwrap().is_empty(), "{backend:?}: no ids, no jobs");
        as_fresh(&batch, &ids, "submitted").await;
        let answered = polls_answered_from_memory(&batch);
        as_fresh(&batch, &ids, "nothing changed").await;
        assert_eq!(polls_answered_from_memory(&batch), answered + 1, "{backend:?}: an unchanged poll is answered from memory");

        let arn = batch.describe_jobs(&admin(), std::slice::from_ref(&first)).await.unwrap().remove(0).job_arn;
        batch.tag_resource(&admin(), &arn, [("team".to_string(), "red".to_string())].into()).await.unwrap();
        as_fresh(&batch, &ids, "tagged").await;

        // Claims (attempts opened, started at once), a waiting reason, the array's counts.
        let scheduler = Scheduler::new(batch.batch.clone(), "polled");
        scheduler.run_once().await.unwrap();
        scheduler.run_once().await.unwrap();
        as_fresh(&batch, &ids, "three running, one waiting").await;
        let states: Vec<JobStatus> = batch.describe_jobs(&admin(), &ids).await.unwrap().into_iter().map(|d| d.status).collect();
        assert_eq!(states.iter().filter(|s| **s == JobStatus::Running).count(), 3, "{backend:?}: {states:?}");

        batch.terminate_job(&admin(), &first, "stop it").await.unwrap();
        as_fresh(&batch, &ids, "termination asked").await;
        batch.cancel_job(&admin(), &after, "not needed").await.unwrap();
        as_fresh(&batch, &ids, "cancelled").await;
        scheduler.run_once().await.unwrap();
        as_fresh(&batch, &ids, "a pass after the cancel").await;

        // An attempt that ends: polled on the batch that keeps details until it shows the end.
        let quick = SubmitJob { job_queue: "fast".into(), ..submit("quick", "quick") };
        let quick = batch.submit_job(&operator(), quick).await.unwrap().job_id;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let seen = batch.describe_jobs(&admin(), std::slice::from_ref(&quick)).await.unwrap().remove(0);
            if seen.status == JobStatus::Succeeded {
                assert_eq!(seen.attempts.len(), 1, "{backend:?}");
                assert_eq!(seen.attempts[0].container.exit_code, Some(0), "{backend:?}");
                break;
            }
            assert!(Instant::now() < deadline, "{backend:?}: the poll never showed the end: {seen:?}");
            scheduler.run_once().await.unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ids.push(quick);
        as_fresh(&batch, &ids, "an attempt ended").await;
        as_fresh(&batch, &ids, "again, from memory").await;
        assert!(polls_answered_from_memory(&batch) > answered + 1, "{backend:?}");
    }
}

/// Every page of `status` in queue `q`, two jobs a page, as polled on `batch` (answered from
/// memory when nothing changed) and as read on a second server with nothing kept: they must be
/// equal. Returns the polled pages.
async fn list_as_fresh(batch: &TestBatch, status: JobStatus, step: &str) -> Vec<Page<JobSummary>> {
    let fresh_batch = Batch::new(batch.db().clone(), BatchConfig::default());
    let mut request = ListJobs { job_queue: Some("q".into()), status: Some(status), max_results: Some(2), ..Default::default() };
    let mut pages = Vec::new();
    loop {
        let polled = batch.list_jobs(&admin(), &request).await.unwrap();
        let fresh = fresh_batch.list_jobs(&admin(), &request).await.unwrap();
        assert_eq!(polled, fresh, "{step}: {status:?} after {:?}", request.next_token);
        request.next_token = polled.next_token.clone();
        pages.push(polled);
        if request.next_token.is_none() {
            return pages;
        }
    }
}

async fn every_listing_as_fresh(batch: &TestBatch, step: &str) {
    for status in JobStatus::ALL {
        list_as_fresh(batch, status, step).await;
    }
}

#[tokio::test]
async fn a_listing_answered_from_memory_shows_what_a_fresh_read_shows_as_jobs_come_move_and_end() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        // Room for three one-vCPU jobs: the rest wait.
        let mut simulated = environment("sim", 3);
        simulated.executor = Some(ExecutorKind::Simulated);
        batch.create_compute_environment(&admin(), simulated).await.unwrap();
        batch.create_job_queue(&admin(), queue("q", &["sim"])).await.unwrap();
        // Two seconds: running through the steps below, then ending while the quick one waits.
        simulated_definition(&batch, "medium", 2_000).await;
        simulated_definition(&batch, "quick", 0).await;
        let mut ids = Vec::new();
        for n in 0..4 {
            ids.push(batch.submit_job(&operator(), submit("medium", &format!("long-{n}"))).await.unwrap().job_id);
        }
        let mut array = submit("medium", "array");
        array.array_properties = Some(ArrayProperties { size: 2 });
        ids.push(batch.submit_job(&operator(), array).await.unwrap().job_id);

        every_listing_as_fresh(&batch, "submitted").await;
        let answered = listings_answered_from_memory(&batch);
        let pages = list_as_fresh(&batch, JobStatus::Submitted, "nothing changed").await;
        assert_eq!(pages.len(), 3, "{backend:?}: five jobs, two a page");
        assert_eq!(listings_answered_from_memory(&batch), answered + 3, "{backend:?}: unchanged pages are answered from memory");

        let scheduler = Scheduler::new(batch.batch.clone(), "listed");
        scheduler.run_once().await.unwrap();
        every_listing_as_fresh(&batch, "a pass: runnable").await;
        scheduler.run_once().await.unwrap();
        every_listing_as_fresh(&batch, "three running, the rest waiting").await;
        // A job submitted now is the newest: the top of the first page.
        let newest = batch.submit_job(&operator(), submit("medium", "newest")).await.unwrap().job_id;
        every_listing_as_fresh(&batch, "one more submitted").await;
        batch.terminate_job(&admin(), &ids[0], "stop it").await.unwrap();
        batch.cancel_job(&admin(), &newest, "not needed").await.unwrap();
        every_listing_as_fresh(&batch, "terminate asked, one cancelled").await;
        scheduler.run_once().await.unwrap();
        every_listing_as_fresh(&batch, "a pass after them").await;

        // Attempts that end: polled on the batch that keeps pages until the listing shows the
        // quick one's (it waits for room, then runs).
        let quick = batch.submit_job(&operator(), submit("quick", "quick")).await.unwrap().job_id;
        let deadline = Instant::now() + Duration::from_secs(60);
        let succeeded = ListJobs { job_queue: Some("q".into()), status: Some(JobStatus::Succeeded), ..Default::default() };
        loop {
            let page = batch.list_jobs(&admin(), &succeeded).await.unwrap();
            if let Some(seen) = page.items.iter().find(|job| job.job_id == quick) {
                assert_eq!(seen.container.as_ref().and_then(|c| c.exit_code), Some(0), "{backend:?}");
                break;
            }
            assert!(Instant::now() < deadline, "{backend:?}: the listing never showed the end: {page:?}");
            scheduler.run_once().await.unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        every_listing_as_fresh(&batch, "an attempt ended").await;
        every_listing_as_fresh(&batch, "again, from memory").await;
        assert!(listings_answered_from_memory(&batch) > answered + 3 + JobStatus::ALL.len() as u64, "{backend:?}");
    }
}

/// The heat map's read of an array's children (`array_map`, one statement) says what paging
/// ListJobs of the children says: each child's index, state and exit code, before and after
/// they run.
#[tokio::test]
async fn the_array_map_shows_what_listing_the_children_shows() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let mut simulated = environment("sim", 2);
        simulated.executor = Some(ExecutorKind::Simulated);
        batch.create_compute_environment(&admin(), simulated).await.unwrap();
        batch.create_job_queue(&admin(), queue("q", &["sim"])).await.unwrap();
        let mut failing = definition("fails");
        failing.container_properties.as_mut().unwrap().environment =
            vec![KeyValuePair { name: "SIMULATED_EXIT_CODE".into(), value: "3".into() }];
        batch.register_job_definition(&admin(), failing).await.unwrap();
        let mut array = submit("fails", "array");
        array.array_properties = Some(ArrayProperties { size: 5 });
        let parent = batch.submit_job(&operator(), array).await.unwrap().job_id;

        let as_listed = |batch: &Batch| {
            let (batch, parent) = (batch.clone(), parent.clone());
            async move {
                let request = ListJobs { array_job_id: Some(parent), ..Default::default() };
                let listed = batch.list_jobs(&admin(), &request).await.unwrap().items;
                let mut children: Vec<ChildState> = listed
                    .into_iter()
                    .map(|child| ChildState {
                        index: child.array_properties.and_then(|a| a.index).unwrap(),
                        status: child.status,
                        exit_code: child.container.and_then(|c| c.exit_code),
                    })
                    .collect();
                children.sort_by_key(|child| child.index);
                children
            }
        };
        let submitted = batch.array_map(&admin(), &parent).await.unwrap();
        assert_eq!(submitted, as_listed(&batch).await, "{backend:?}");
        assert_eq!(submitted.len(), 5, "{backend:?}");
        assert!(submitted.iter().all(|child| child.status == JobStatus::Submitted && child.exit_code.is_none()), "{backend:?}");

        let scheduler = Scheduler::new(batch.batch.clone(), "map");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let map = batch.array_map(&admin(), &parent).await.unwrap();
            assert_eq!(map, as_listed(&batch).await, "{backend:?}");
            if map.iter().all(|child| child.status == JobStatus::Failed) {
                assert!(map.iter().all(|child| child.exit_code == Some(3)), "{backend:?}: {map:?}");
                break;
            }
            assert!(Instant::now() < deadline, "{backend:?}: the children never failed: {map:?}");
            scheduler.run_once().await.unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // By ARN as well as by id; a job that is not an array has no children to show.
        let arn = batch.describe_jobs(&admin(), std::slice::from_ref(&parent)).await.unwrap().remove(0).job_arn;
        assert_eq!(batch.array_map(&admin(), &arn).await.unwrap().len(), 5, "{backend:?}");
        assert!(batch.array_map(&admin(), "no-such-job").await.unwrap().is_empty(), "{backend:?}");
    }
}
