//! What retention reads and deletes. What is old, how much goes per run and in what order is
//! the retention module's (`crate::retention`); each function here is one statement.

use super::entities::{attempt_logs, audit_log, job_attempts, job_dependencies, job_queues, job_status_history, jobs, sessions};
use domain::JobStatus;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The id of every job queue.
pub(crate) async fn queue_ids(db: &impl ConnectionTrait) -> Result<Vec<i32>, DbErr> {
    job_queues::Entity::find().select_only().column(job_queues::Column::Id).into_tuple().all(db).await
}

/// Up to `limit` of the queue's jobs (not children) that finished (SUCCEEDED or FAILED) before
/// `cutoff`, oldest first. Found through the index ListJobs uses (queue, created time): a job
/// stops after it is created, so `created_at < cutoff` only narrows the scan.
pub(crate) async fn expired_jobs(db: &impl ConnectionTrait, queue: i32, cutoff: i64, limit: u64) -> Result<Vec<String>, DbErr> {
    jobs::Entity::find()
        .select_only()
        .column(jobs::Column::Id)
        .filter(jobs::Column::JobQueueId.eq(queue))
        .filter(jobs::Column::ArrayParentId.is_null())
        .filter(jobs::Column::CreatedAt.lt(cutoff))
        .filter(jobs::Column::Status.is_in([JobStatus::Succeeded.as_str(), JobStatus::Failed.as_str()]))
        .filter(jobs::Column::StoppedAt.lt(cutoff))
        .order_by_asc(jobs::Column::CreatedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// The ids of the array children of `parents`.
pub(crate) async fn children_of(db: &impl ConnectionTrait, parents: &[String]) -> Result<Vec<String>, DbErr> {
    jobs::Entity::find()
        .select_only()
        .column(jobs::Column::Id)
        .filter(jobs::Column::ArrayParentId.is_in(parents.iter().cloned()))
        .into_tuple()
        .all(db)
        .await
}

/// Deletes the output lines of the jobs' attempts, their nodes' (`<id>#<n>`) included.
pub(crate) async fn delete_attempt_logs(db: &impl ConnectionTrait, job_ids: &[String]) -> Result<(), DbErr> {
    let nodes = super::job_nodes::of_jobs(db, job_ids).await?;
    let node_ids = nodes.iter().map(|n| domain::multi_node::node_job_id(&n.job_id, n.node_index.into()));
    let ids: Vec<String> = job_ids.iter().cloned().chain(node_ids).collect();
    for chunk in ids.chunks(1000) {
        attempt_logs::Entity::delete_many().filter(attempt_logs::Column::JobId.is_in(chunk.iter().cloned())).exec(db).await?;
    }
    Ok(())
}

pub(crate) async fn delete_attempts(db: &impl ConnectionTrait, job_ids: &[String]) -> Result<(), DbErr> {
    super::job_nodes::delete_of(db, job_ids).await?;
    super::attempt_usage::delete_of(db, job_ids).await?;
    job_attempts::Entity::delete_many().filter(job_attempts::Column::JobId.is_in(job_ids.iter().cloned())).exec(db).await?;
    Ok(())
}

/// Deletes the dependency edges from the jobs, and to them (their dependents resolved when
/// they finished).
pub(crate) async fn delete_dependencies(db: &impl ConnectionTrait, job_ids: &[String]) -> Result<(), DbErr> {
    job_dependencies::Entity::delete_many()
        .filter(
            Condition::any()
                .add(job_dependencies::Column::JobId.is_in(job_ids.iter().cloned()))
                .add(job_dependencies::Column::DependsOnJobId.is_in(job_ids.iter().cloned())),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the status history kept under the jobs' ids (children's is kept under their
/// parent's).
pub(crate) async fn delete_history(db: &impl ConnectionTrait, job_ids: &[String]) -> Result<(), DbErr> {
    job_status_history::Entity::delete_many().filter(job_status_history::Column::JobId.is_in(job_ids.iter().cloned())).exec(db).await?;
    Ok(())
}

/// Deletes the job rows themselves (nothing may refer to them any more); returns how many went.
pub(crate) async fn delete_jobs(db: &impl ConnectionTrait, job_ids: &[String]) -> Result<u64, DbErr> {
    Ok(jobs::Entity::delete_many().filter(jobs::Column::Id.is_in(job_ids.iter().cloned())).exec(db).await?.rows_affected)
}

/// Deletes the sessions past their absolute expiry (`expires_at <= now_ms`) or idle since
/// `idle_since` or earlier; returns how many went.
pub(crate) async fn delete_expired_sessions(db: &impl ConnectionTrait, now_ms: i64, idle_since: i64) -> Result<u64, DbErr> {
    Ok(sessions::Entity::delete_many()
        .filter(Condition::any().add(sessions::Column::ExpiresAt.lte(now_ms)).add(sessions::Column::LastSeenAt.lte(idle_since)))
        .exec(db)
        .await?
        .rows_affected)
}

/// Deletes the audit records written before `cutoff`; returns how many went.
pub(crate) async fn delete_audit_before(db: &impl ConnectionTrait, cutoff: i64) -> Result<u64, DbErr> {
    Ok(audit_log::Entity::delete_many().filter(audit_log::Column::At.lt(cutoff)).exec(db).await?.rows_affected)
}
