//! DescribeJobs polled: details kept from one poll to the next (`jobs::described`) must be what
//! a fresh read shows after every kind of write a job's detail is made of, on both stores.

use crate::fixtures::{TestBatch, batch_on, definition, environment, queue, submission};
use domain::JobStatus;
use domain::compute_environment::ExecutorKind;
use domain::container::KeyValuePair;
use domain::submit::{ArrayProperties, JobDependency, SubmitJob};
use service::scheduler::Scheduler;
use service::testing::{BACKENDS, admin, operator, polls_answered_from_memory};
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
