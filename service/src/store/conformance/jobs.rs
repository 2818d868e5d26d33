//! Jobs: submission, transitions and their history, the lease, counts.

use crate::store::entities::{job_status_history as history, jobs};
use crate::store::transition::{Transition, transition};
use crate::store::{changes, jobs as job_rows, lease};
use crate::testing::{admin, definition, environment, operator, queue};
use crate::{Batch, BatchConfig};
use domain::JobStatus::{self, *};
use domain::submit::{ArrayProperties, SubmitJob};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

on_both_stores!(
    an_array_is_written_with_its_children_and_one_history_run,
    a_transition_moves_only_what_is_in_its_from_states_and_records_runs_as_the_domain_does,
    cancel_never_fails_a_job_claimed_between_its_read_and_its_write,
    the_lease_has_one_holder_at_a_time,
    capped_counts_stop_above_the_cap,
    state_changes_count_every_child_of_a_run,
);

/// A queue on a parked (DISABLED) environment, so nothing here is ever scheduled, and a definition.
async fn catalog(db: &DatabaseConnection) -> Batch {
    let batch = Batch::new(db.clone(), BatchConfig::default());
    let mut parked = environment("parked", 4);
    parked.state = Some("DISABLED".into());
    batch.create_compute_environment(&admin(), parked).await.unwrap();
    batch.create_job_queue(&admin(), queue("q", &["parked"])).await.unwrap();
    batch.register_job_definition(&admin(), definition("d")).await.unwrap();
    batch
}

fn submit(name: &str, array_size: Option<i64>) -> SubmitJob {
    SubmitJob {
        job_name: name.into(),
        job_queue: "q".into(),
        job_definition: "d".into(),
        array_properties: array_size.map(|size| ArrayProperties { size }),
        ..Default::default()
    }
}

async fn status_of(db: &DatabaseConnection, id: &str) -> JobStatus {
    *job_rows::find(db, id).await.unwrap().unwrap().status
}

/// (first index, last index) of each history row of `parent`'s children entering `status`.
/// Sorted here: the stores order NULLs differently.
async fn runs(db: &DatabaseConnection, parent: &str, status: JobStatus) -> Vec<(Option<i32>, Option<i32>)> {
    let rows = history::Entity::find()
        .filter(history::Column::JobId.eq(parent))
        .filter(history::Column::Status.eq(status.as_str()))
        .all(db)
        .await
        .unwrap();
    let mut runs: Vec<_> = rows.into_iter().map(|h| (h.first_index, h.last_index)).collect();
    runs.sort();
    runs
}

async fn an_array_is_written_with_its_children_and_one_history_run(db: DatabaseConnection) {
    let batch = catalog(&db).await;
    let parent = batch.submit_job(&operator(), submit("array", Some(5))).await.unwrap().job_id;
    let children = jobs::Entity::find().filter(jobs::Column::ArrayParentId.eq(&parent)).all(&db).await.unwrap();
    let mut indexes: Vec<i32> = children.iter().map(|c| c.array_index.unwrap()).collect();
    indexes.sort();
    assert_eq!(indexes, [0, 1, 2, 3, 4]);
    assert!(children.iter().all(|c| c.id == format!("{parent}:{}", c.array_index.unwrap()) && c.status == Submitted));
    assert_eq!(runs(&db, &parent, Submitted).await, [(None, None), (Some(0), Some(4))], "the parent's own row and one run");
}

async fn a_transition_moves_only_what_is_in_its_from_states_and_records_runs_as_the_domain_does(db: DatabaseConnection) {
    let batch = catalog(&db).await;
    let parent = batch.submit_job(&operator(), submit("array", Some(6))).await.unwrap().job_id;
    let child = |i: i32| format!("{parent}:{i}");
    let first: Vec<String> = [0, 1, 2, 4].map(child).to_vec();
    let moved = transition(&db, &first, &Transition::new(&[Submitted], Pending, 10)).await.unwrap();
    assert_eq!(moved.len(), 4);
    let all: Vec<String> = (0..6).map(child).collect();
    let mut failed = transition(&db, &all, &Transition::new(&[Submitted], Failed, 20).reason(Some("why"))).await.unwrap();
    failed.sort();
    assert_eq!(failed, [child(3), child(5)], "only the jobs still SUBMITTED move");
    assert_eq!(runs(&db, &parent, Pending).await, [(Some(0), Some(2)), (Some(4), Some(4))]);
    assert_eq!(runs(&db, &parent, Failed).await, [(Some(3), Some(3)), (Some(5), Some(5))]);
    // The same runs as the domain's rule, whichever store wrote them.
    let keys: Vec<(String, i32)> = [0, 1, 2, 4].map(|i| (child(i), i)).to_vec();
    let expected = domain::history::subjects(keys.iter().map(|(id, i)| (id.as_str(), Some(parent.as_str()), Some(*i))));
    assert_eq!(expected.len(), 2);
    let stopped = job_rows::find(&db, &child(3)).await.unwrap().unwrap();
    assert_eq!((stopped.stopped_at, stopped.status_reason.as_deref()), (Some(20), Some("why")));
}

async fn cancel_never_fails_a_job_claimed_between_its_read_and_its_write(db: DatabaseConnection) {
    let batch = catalog(&db).await;
    let id = batch.submit_job(&operator(), submit("lone", None)).await.unwrap().job_id;
    let not_started = [Submitted, Pending, Runnable];
    // Cancel reads the ids it may fail ...
    let ids = job_rows::family_in(&db, &id, &not_started).await.unwrap();
    assert_eq!(ids, std::slice::from_ref(&id));
    // ... the scheduler claims the job meanwhile ...
    transition(&db, &ids, &Transition::new(&[Submitted], Starting, 30).via(&[Runnable])).await.unwrap();
    // ... and cancel's write finds nothing to move: no FAILED status, no FAILED history row.
    let moved = transition(&db, &ids, &Transition::new(&not_started, Failed, 40).reason(Some("cancelled"))).await.unwrap();
    assert!(moved.is_empty());
    assert_eq!(status_of(&db, &id).await, Starting);
    let entered: Vec<String> = job_rows::histories_of(&db, &[(id.as_str(), None)]).await.unwrap().into_iter().map(|h| h.status).collect();
    assert_eq!(entered, ["SUBMITTED", "RUNNABLE", "STARTING"]);
}

async fn the_lease_has_one_holder_at_a_time(db: DatabaseConnection) {
    assert!(lease::hold(&db, "a").await.unwrap(), "a free lease is taken");
    assert!(!lease::hold(&db, "b").await.unwrap(), "a held lease is not");
    assert!(lease::hold(&db, "a").await.unwrap(), "the holder renews it");
    lease::release(&db, "b").await.unwrap();
    assert!(!lease::hold(&db, "b").await.unwrap(), "only the holder releases it");
    lease::release(&db, "a").await.unwrap();
    assert!(lease::hold(&db, "b").await.unwrap(), "a released lease is taken at once");
}

async fn capped_counts_stop_above_the_cap(db: DatabaseConnection) {
    let batch = catalog(&db).await;
    for i in 0..5 {
        batch.submit_job(&operator(), submit(&format!("j{i}"), None)).await.unwrap();
    }
    let parent = batch.submit_job(&operator(), submit("array", Some(3))).await.unwrap().job_id;
    let queue = batch.describe_job_queues(&admin(), &["q".into()]).await.unwrap();
    assert_eq!(queue.len(), 1);
    let queue_id = crate::store::job_queues::find_by_name(&db, "q").await.unwrap().unwrap().id;
    assert_eq!(job_rows::capped_count(&db, queue_id, Submitted, 100).await.unwrap(), 8, "5 jobs and 3 children; not the parent");
    assert_eq!(job_rows::capped_count(&db, queue_id, Submitted, 2).await.unwrap(), 3, "at most cap + 1");
    assert_eq!(job_rows::capped_count(&db, queue_id, Runnable, 100).await.unwrap(), 0);
    assert!(job_rows::find(&db, &parent).await.unwrap().is_some());
}

async fn state_changes_count_every_child_of_a_run(db: DatabaseConnection) {
    let batch = catalog(&db).await;
    batch.submit_job(&operator(), submit("array", Some(4))).await.unwrap();
    batch.submit_job(&operator(), submit("lone", None)).await.unwrap();
    let changes = changes::state_changes_since(&db, 0, 60_000).await.unwrap();
    let submitted: i64 = changes.iter().filter(|(_, status, _)| status == "SUBMITTED").map(|(_, _, n)| n).sum();
    assert_eq!(submitted, 6, "the array job, its 4 children and the lone job");
    assert!(changes::newest_status_change(&db, None).await.unwrap() > 0);
}
