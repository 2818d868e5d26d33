//! Compute environments, job definitions, tags and retention.

use super::{insert_environment, insert_queue};
use crate::store::entities::{attempt_logs, job_attempts, job_definitions as jd, job_dependencies, job_status_history, jobs};
use crate::store::{compute_environments, job_definitions, retention, tags};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set, TransactionTrait};

on_both_stores!(
    tags_are_read_and_set_on_each_kind_of_row,
    the_latest_active_revision_skips_inactive_ones,
    retention_finds_and_deletes_exactly_the_expired_job,
    held_resources_are_summed_per_environment,
    share_usage_adds_finished_jobs_and_decays,
    a_queue_page_reads_runs_in_the_window_and_waiting_jobs_per_share,
);

async fn insert_definition(db: &DatabaseConnection, name: &str, revision: i32, status: &str) -> jd::Model {
    let status = domain::job_definition::DefinitionStatus::parse(status).expect("ACTIVE or INACTIVE");
    let definition = jd::ActiveModel {
        name: Set(name.into()),
        revision: Set(revision),
        status: Set(status.into()),
        kind: Set("container".into()),
        container_properties: Set("{}".into()),
        parameters: Set("{}".into()),
        retry_strategy: Set(None),
        timeout_seconds: Set(None),
        scheduling_priority: Set(None),
        tags: Set("{}".into()),
        created_at: Set(0),
        ..Default::default()
    };
    job_definitions::insert(db, definition).await.unwrap()
}

/// A job row: finished (`stopped_at` given) as SUCCEEDED, else RUNNING.
struct NewJob<'a> {
    id: &'a str,
    queue: i32,
    definition: i32,
    created_at: i64,
    stopped_at: Option<i64>,
    parent: Option<&'a str>,
    environment: Option<i32>,
    milli_vcpus: i32,
    memory_mib: i32,
}

async fn insert_job(db: &DatabaseConnection, new: NewJob<'_>) {
    let job = jobs::ActiveModel {
        id: Set(new.id.into()),
        name: Set(new.id.into()),
        job_queue_id: Set(new.queue),
        job_definition_id: Set(new.definition),
        status: Set(if new.stopped_at.is_some() { domain::JobStatus::Succeeded } else { domain::JobStatus::Running }.into()),
        status_reason: Set(None),
        created_at: Set(new.created_at),
        status_changed_at: Set(new.stopped_at.unwrap_or(new.created_at)),
        started_at: Set(Some(new.created_at)),
        stopped_at: Set(new.stopped_at),
        array_parent_id: Set(new.parent.map(Into::into)),
        array_index: Set(new.parent.map(|_| 0)),
        array_size: Set(None),
        parameters: Set("{}".into()),
        container_overrides: Set("{}".into()),
        retry_attempts: Set(1),
        evaluate_on_exit: Set("[]".into()),
        timeout_seconds: Set(None),
        depends_on: Set("[]".into()),
        tags: Set("{}".into()),
        share_identifier: Set(None),
        scheduling_priority: Set(None),
        submitted_by: Set("test".into()),
        attempt_count: Set(1),
        terminate_reason: Set(None),
        milli_vcpus: Set(new.milli_vcpus),
        memory_mib: Set(new.memory_mib),
        compute_environment_id: Set(new.environment),
        host_index: Set(None),
        aws_fields: Set("{}".into()),
        consumable_resources: Set("[]".into()),
        revision: Set(0),
    };
    job.insert(db).await.unwrap();
}

/// An attempt, one output line and one history entry for the job.
async fn referrers(db: &DatabaseConnection, job_id: &str) {
    job_attempts::ActiveModel {
        job_id: Set(job_id.into()),
        attempt_number: Set(1),
        compute_environment: Set(None),
        host: Set(None),
        container_id: Set(None),
        log_stream_name: Set(None),
        started_at: Set(None),
        stopped_at: Set(None),
        exit_code: Set(Some(0)),
        reason: Set(None),
        status_reason: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    attempt_logs::ActiveModel {
        job_id: Set(job_id.into()),
        attempt_number: Set(1),
        stream: Set("stdout".into()),
        at: Set(0),
        line: Set(format!("{job_id} says hello")),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    job_status_history::ActiveModel {
        job_id: Set(job_id.into()),
        first_index: Set(None),
        last_index: Set(None),
        status: Set("SUCCEEDED".into()),
        reason: Set(None),
        at: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

async fn tags_are_read_and_set_on_each_kind_of_row(db: DatabaseConnection) {
    use tags::Tagged;
    insert_environment(&db, "env").await;
    let queue = insert_queue(&db, "q").await;
    let first = insert_definition(&db, "def", 1, "ACTIVE").await;
    insert_definition(&db, "def", 2, "ACTIVE").await;
    let plain = NewJob {
        id: "job-1",
        queue: queue.id,
        definition: first.id,
        created_at: 0,
        stopped_at: None,
        parent: None,
        environment: None,
        milli_vcpus: 0,
        memory_mib: 0,
    };
    insert_job(&db, plain).await;
    let resources = [
        Tagged::ComputeEnvironment("env".into()),
        Tagged::JobQueue("q".into()),
        Tagged::JobDefinition { name: "def".into(), revision: 2 },
        Tagged::Job("job-1".into()),
    ];
    for (i, resource) in resources.iter().enumerate() {
        assert_eq!(tags::tags(&db, resource).await.unwrap().as_deref(), Some("{}"), "{resource:?}");
        // The read-modify-write path: the row held until the transaction ends.
        let txn = db.begin().await.unwrap();
        assert_eq!(tags::tags_for_update(&txn, resource).await.unwrap().as_deref(), Some("{}"), "{resource:?}");
        tags::set_tags(&txn, resource, format!(r#"{{"n":"{i}"}}"#)).await.unwrap();
        txn.commit().await.unwrap();
        assert_eq!(tags::tags(&db, resource).await.unwrap(), Some(format!(r#"{{"n":"{i}"}}"#)), "{resource:?}");
    }
    // Only the revision named: the other revision of the same name keeps its tags.
    let revision_one = Tagged::JobDefinition { name: "def".into(), revision: 1 };
    assert_eq!(tags::tags(&db, &revision_one).await.unwrap().as_deref(), Some("{}"));
    for missing in [Tagged::JobQueue("nope".into()), Tagged::JobDefinition { name: "def".into(), revision: 3 }, Tagged::Job("nope".into())]
    {
        assert_eq!(tags::tags(&db, &missing).await.unwrap(), None, "{missing:?}");
        let txn = db.begin().await.unwrap();
        assert_eq!(tags::tags_for_update(&txn, &missing).await.unwrap(), None, "{missing:?}");
        txn.rollback().await.unwrap();
    }
}

async fn the_latest_active_revision_skips_inactive_ones(db: DatabaseConnection) {
    assert_eq!(job_definitions::latest_revision_number(&db, "def").await.unwrap(), None);
    insert_definition(&db, "def", 1, "ACTIVE").await;
    insert_definition(&db, "def", 2, "ACTIVE").await;
    let third = insert_definition(&db, "def", 3, "ACTIVE").await;
    insert_definition(&db, "other", 7, "ACTIVE").await;
    // Deregistering the newest revision leaves the one before it to run.
    let mut inactive: jd::ActiveModel = third.into();
    inactive.status = Set(domain::job_definition::DefinitionStatus::Inactive.into());
    job_definitions::update(&db, inactive).await.unwrap();
    assert_eq!(job_definitions::latest_revision_number(&db, "def").await.unwrap(), Some(3));
    let active =
        job_definitions::latest_revision(&db, "def", Some(domain::job_definition::DefinitionStatus::Active)).await.unwrap().unwrap();
    assert_eq!((active.revision, active.status.as_str()), (2, "ACTIVE"));
    let newest = job_definitions::latest_revision(&db, "def", None).await.unwrap().unwrap();
    assert_eq!((newest.revision, newest.status.as_str()), (3, "INACTIVE"));
    assert!(
        job_definitions::latest_revision(&db, "other", Some(domain::job_definition::DefinitionStatus::Inactive)).await.unwrap().is_none()
    );
    assert_eq!(job_definitions::find_revision(&db, "def", 1).await.unwrap().unwrap().revision, 1);
    assert!(job_definitions::find_revision(&db, "def", 4).await.unwrap().is_none());
    let all: Vec<(String, i32)> = job_definitions::list(&db, None).await.unwrap().into_iter().map(|d| (d.name, d.revision)).collect();
    assert_eq!(all, [("def".into(), 3), ("def".into(), 2), ("def".into(), 1), ("other".into(), 7)]);
    assert_eq!(job_definitions::list(&db, Some("other")).await.unwrap().len(), 1);
}

async fn retention_finds_and_deletes_exactly_the_expired_job(db: DatabaseConnection) {
    let queue = insert_queue(&db, "q").await;
    let other_queue = insert_queue(&db, "other").await;
    let definition = insert_definition(&db, "def", 1, "ACTIVE").await;
    let new = |id, queue, created_at, stopped_at, parent| NewJob {
        id,
        queue,
        definition: definition.id,
        created_at,
        stopped_at,
        parent,
        environment: None,
        milli_vcpus: 0,
        memory_mib: 0,
    };
    let cutoff = 1_000;
    // Old and finished, with an array child: expired.
    insert_job(&db, new("old", queue.id, 10, Some(20), None)).await;
    insert_job(&db, new("old-child", queue.id, 10, Some(20), Some("old"))).await;
    // Old but still running; finished after the cutoff; recent; on another queue: all kept.
    insert_job(&db, new("running", queue.id, 10, None, None)).await;
    insert_job(&db, new("late", queue.id, 10, Some(2_000), None)).await;
    insert_job(&db, new("recent", queue.id, 1_500, Some(1_600), None)).await;
    insert_job(&db, new("elsewhere", other_queue.id, 10, Some(20), None)).await;
    for id in ["old", "old-child", "recent"] {
        referrers(&db, id).await;
    }
    for (from, to) in [("recent", "old"), ("old", "running"), ("late", "running")] {
        job_dependencies::ActiveModel { job_id: Set(from.into()), depends_on_job_id: Set(to.into()), kind: Set(None) }
            .insert(&db)
            .await
            .unwrap();
    }

    let mut queues = retention::queue_ids(&db).await.unwrap();
    queues.sort();
    assert_eq!(queues, [queue.id, other_queue.id]);
    let expired = retention::expired_jobs(&db, queue.id, cutoff, 500).await.unwrap();
    assert_eq!(expired, ["old"]);
    assert_eq!(retention::expired_jobs(&db, queue.id, cutoff, 0).await.unwrap(), Vec::<String>::new());
    let children = retention::children_of(&db, &expired).await.unwrap();
    assert_eq!(children, ["old-child"]);

    // As retention does: everything that refers to the jobs first, then children, then jobs.
    let everything = [expired.clone(), children].concat();
    retention::delete_attempt_logs(&db, &everything).await.unwrap();
    retention::delete_attempts(&db, &everything).await.unwrap();
    retention::delete_dependencies(&db, &everything).await.unwrap();
    retention::delete_history(&db, &everything).await.unwrap();
    let reversed: Vec<String> = everything.iter().rev().cloned().collect();
    assert_eq!(retention::delete_jobs(&db, &reversed).await.unwrap(), 2);

    let mut left: Vec<String> = jobs::Entity::find().all(&db).await.unwrap().into_iter().map(|j| j.id).collect();
    left.sort();
    assert_eq!(left, ["elsewhere", "late", "recent", "running"]);
    let job_ids = |rows: Vec<String>| {
        let mut rows = rows;
        rows.sort();
        rows
    };
    let attempts = job_attempts::Entity::find().all(&db).await.unwrap().into_iter().map(|a| a.job_id).collect();
    assert_eq!(job_ids(attempts), ["recent"]);
    let logs = attempt_logs::Entity::find().all(&db).await.unwrap().into_iter().map(|l| l.job_id).collect();
    assert_eq!(job_ids(logs), ["recent"]);
    let history = job_status_history::Entity::find().all(&db).await.unwrap().into_iter().map(|h| h.job_id).collect();
    assert_eq!(job_ids(history), ["recent"]);
    let edges: Vec<(String, String)> =
        job_dependencies::Entity::find().all(&db).await.unwrap().into_iter().map(|d| (d.job_id, d.depends_on_job_id)).collect();
    assert_eq!(edges, [("late".to_string(), "running".to_string())]);
    assert_eq!(retention::expired_jobs(&db, queue.id, cutoff, 500).await.unwrap(), Vec::<String>::new());
}

async fn held_resources_are_summed_per_environment(db: DatabaseConnection) {
    let busy = insert_environment(&db, "busy").await;
    let idle = insert_environment(&db, "idle").await;
    let queue = insert_queue(&db, "q").await;
    let definition = insert_definition(&db, "def", 1, "ACTIVE").await;
    let placed = |id, environment, stopped_at, milli_vcpus, memory_mib| NewJob {
        id,
        queue: queue.id,
        definition: definition.id,
        created_at: 0,
        stopped_at,
        parent: None,
        environment,
        milli_vcpus,
        memory_mib,
    };
    insert_job(&db, placed("a", Some(busy.id), None, 1_000, 512)).await;
    insert_job(&db, placed("b", Some(busy.id), None, 500, 256)).await;
    insert_job(&db, placed("done", Some(idle.id), Some(1), 2_000, 1_024)).await;
    insert_job(&db, placed("unplaced", None, None, 4_000, 4_096)).await;
    let held = compute_environments::held_per_environment(&db, &["STARTING", "RUNNING"]).await.unwrap();
    assert_eq!(
        held,
        [compute_environments::Held { environment_id: Some(busy.id), milli_vcpus: Some(1_500), memory_mib: Some(768), jobs: 2 }]
    );
    assert_eq!(compute_environments::count_queues_using(&db, busy.id).await.unwrap(), 0);
    crate::store::job_queues::set_environment_order(&db, queue.id, &[idle.id, busy.id]).await.unwrap();
    assert_eq!(compute_environments::count_queues_using(&db, busy.id).await.unwrap(), 1);
    let mut of_queue: Vec<String> = compute_environments::of_queue(&db, queue.id).await.unwrap().into_iter().map(|e| e.name).collect();
    of_queue.sort();
    assert_eq!(of_queue, ["busy", "idle"]);
    assert_eq!(jobs::Entity::find().count(&db).await.unwrap(), 4);
}

/// Fair share's recent use: finished jobs of a share add milli-vCPUs × run time, and what was
/// there decays by e over the policy's window; a job without a share adds nothing.
async fn share_usage_adds_finished_jobs_and_decays(db: DatabaseConnection) {
    use crate::store::entities::{job_queues as jq, scheduling_policies as sp};
    use crate::store::share_usage;
    let policy = sp::ActiveModel {
        name: Set("fair".into()),
        fairshare_policy: Set(r#"{"shareDecaySeconds":600}"#.into()),
        tags: Set("{}".into()),
        created_at: Set(0),
        updated_at: Set(0),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    let queue = insert_queue(&db, "q").await;
    jq::ActiveModel { id: Set(queue.id), scheduling_policy_id: Set(Some(policy.id)), ..Default::default() }.update(&db).await.unwrap();
    let definition = insert_definition(&db, "d", 1, "ACTIVE").await;
    for (id, started, share) in [("first", 0, Some("teama")), ("second", 600_000, Some("teama")), ("fifo", 0, None)] {
        let new = NewJob {
            id,
            queue: queue.id,
            definition: definition.id,
            created_at: started,
            stopped_at: None,
            parent: None,
            environment: None,
            milli_vcpus: 1000,
            memory_mib: 64,
        };
        insert_job(&db, new).await;
        jobs::ActiveModel { id: Set(id.into()), share_identifier: Set(share.map(Into::into)), ..Default::default() }
            .update(&db)
            .await
            .unwrap();
    }
    share_usage::add_finished(&db, &["first".into(), "fifo".into()], 10_000).await.unwrap();
    let rows = share_usage::of_queues(&db, &[queue.id]).await.unwrap();
    assert_eq!(rows.iter().map(|r| (r.share_identifier.as_str(), r.vcpu_ms, r.updated_at)).collect::<Vec<_>>(), [("teama", 1e7, 10_000)]);
    // A window later (600 s after the first record) the first use counts 1/e, plus the new.
    share_usage::add_finished(&db, &["second".into()], 610_000).await.unwrap();
    let row = share_usage::of_queues(&db, &[queue.id]).await.unwrap().remove(0);
    assert!((row.vcpu_ms - 1e7 * (1.0 + 1.0 / std::f64::consts::E)).abs() < 1.0, "{}", row.vcpu_ms);
}

/// The fair-share queue page: runs that held vCPUs in the window (running ones open-ended),
/// RUNNABLE jobs counted per share, names of the front's jobs.
async fn a_queue_page_reads_runs_in_the_window_and_waiting_jobs_per_share(db: DatabaseConnection) {
    use crate::store::queue_shares;
    use domain::share_report::ShareRun;
    let queue = insert_queue(&db, "q").await;
    let definition = insert_definition(&db, "d", 1, "ACTIVE").await;
    // (id, share, started, stopped): stopped before the window, in it, still running, no share.
    let rows = [
        ("old", Some("teama"), 0, Some(5_000)),
        ("recent", Some("teama"), 8_000, Some(12_000)),
        ("running", Some("teamb"), 11_000, None),
        ("fifo", None, 9_000, Some(12_000)),
    ];
    for (id, share, started, stopped_at) in rows {
        let new = NewJob {
            id,
            queue: queue.id,
            definition: definition.id,
            created_at: started,
            stopped_at,
            parent: None,
            environment: None,
            milli_vcpus: 2000,
            memory_mib: 64,
        };
        insert_job(&db, new).await;
        jobs::ActiveModel { id: Set(id.into()), share_identifier: Set(share.map(Into::into)), ..Default::default() }
            .update(&db)
            .await
            .unwrap();
    }
    for (id, share) in [("wait-a", "teama"), ("wait-b1", "teamb"), ("wait-b2", "teamb")] {
        let new = NewJob {
            id,
            queue: queue.id,
            definition: definition.id,
            created_at: 0,
            stopped_at: None,
            parent: None,
            environment: None,
            milli_vcpus: 1000,
            memory_mib: 64,
        };
        insert_job(&db, new).await;
        let runnable = jobs::ActiveModel {
            id: Set(id.into()),
            share_identifier: Set(Some(share.into())),
            status: Set(domain::JobStatus::Runnable.into()),
            started_at: Set(None),
            ..Default::default()
        };
        runnable.update(&db).await.unwrap();
    }
    let mut runs = queue_shares::runs_since(&db, queue.id, 10_000).await.unwrap();
    runs.sort_by_key(|run| run.started_at);
    let recent = ShareRun { share: "teama".into(), milli_vcpus: 2000, started_at: 8_000, stopped_at: Some(12_000) };
    let running = ShareRun { share: "teamb".into(), milli_vcpus: 2000, started_at: 11_000, stopped_at: None };
    assert_eq!(runs, [recent, running]);
    let mut waiting = queue_shares::runnable_by_share(&db, queue.id).await.unwrap();
    waiting.sort();
    assert_eq!(waiting, [("teama".to_string(), 1), ("teamb".to_string(), 2)]);
    let names = queue_shares::job_names(&db, &["wait-a".into(), "nope".into()]).await.unwrap();
    assert_eq!(names.into_iter().collect::<Vec<_>>(), [("wait-a".to_string(), "wait-a".to_string())]);
}
