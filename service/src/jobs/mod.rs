//! Use cases of jobs: submit, describe, list, cancel, terminate.

mod array_children;
mod changes;
mod control;
mod query;
mod submit;

pub use changes::{BUCKET_MS, ChangeCursor, StateChanges};
pub use query::{ListJobs, LogLine, NameFilter, token_after};
pub use submit::SubmittedJob;
pub(crate) use submit::write_submitted;

use crate::store::{job_status_history as history, jobs};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

/// Rows per multi-row INSERT: under SQLite's 32,766 bound parameters at ~26 columns a row.
pub(crate) const INSERT_CHUNK: usize = 1000;

pub(crate) async fn count_jobs_in_queue(db: &impl ConnectionTrait, queue_id: i32) -> Result<u64, sea_orm::DbErr> {
    jobs::Entity::find().filter(jobs::Column::JobQueueId.eq(queue_id)).count(db).await
}

pub(crate) fn history_row(job_id: &str, status: &str, reason: Option<&str>, at: i64) -> history::ActiveModel {
    history::ActiveModel {
        job_id: Set(job_id.to_string()),
        status: Set(status.to_string()),
        reason: Set(reason.map(String::from)),
        at: Set(at),
        ..Default::default()
    }
}

/// Inserts many rows in statements of `INSERT_CHUNK` rows.
pub(crate) async fn insert_chunked<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), sea_orm::DbErr>
where
    A: sea_orm::ActiveModelTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(INSERT_CHUNK).collect();
        A::Entity::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}

/// The jobs `job_id` waits on, in the order they were recorded.
pub async fn dependencies_of(db: &impl ConnectionTrait, job_id: &str) -> Result<Vec<String>, sea_orm::DbErr> {
    use crate::store::job_dependencies as deps;
    use sea_orm::QuerySelect;
    let mut rows: Vec<(String, Option<String>)> = deps::Entity::find()
        .select_only()
        .column(deps::Column::DependsOnJobId)
        .column(deps::Column::Kind)
        .filter(deps::Column::JobId.eq(job_id))
        .into_tuple()
        .all(db)
        .await?;
    // N_TO_N before SEQUENTIAL before whole-job dependencies, for a stable order.
    rows.sort_by_key(|(_, kind)| match kind.as_deref() {
        Some("N_TO_N") => 0,
        Some("SEQUENTIAL") => 1,
        _ => 2,
    });
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}
