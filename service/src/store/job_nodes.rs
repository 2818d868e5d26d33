//! The nodes of multi-node parallel jobs (ARCHITECTURE.md §16): written as each node's
//! container starts and ends, read by DescribeJobs and ListJobs for node jobs (`<id>#<n>`).

use super::entities::job_nodes;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

/// Node `index` of `attempt` runs in `container` at `address` since `at` (written again by a
/// repeated start, which keeps the first start time).
pub(crate) async fn started(
    db: &impl ConnectionTrait,
    job_id: &str,
    attempt: i32,
    index: i32,
    container: &str,
    address: Option<&str>,
    at: i64,
) -> Result<(), DbErr> {
    let row = job_nodes::ActiveModel {
        job_id: Set(job_id.to_string()),
        attempt_number: Set(attempt),
        node_index: Set(index),
        container_id: Set(Some(container.to_string())),
        address: Set(address.map(String::from)),
        started_at: Set(Some(at)),
        stopped_at: Set(None),
        exit_code: Set(None),
        reason: Set(None),
    };
    job_nodes::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([job_nodes::Column::JobId, job_nodes::Column::AttemptNumber, job_nodes::Column::NodeIndex])
                .update_columns([job_nodes::Column::ContainerId, job_nodes::Column::Address])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// How node `index` of `attempt` ended; the first end recorded stands.
pub(crate) async fn ended(
    db: &impl ConnectionTrait,
    job_id: &str,
    attempt: i32,
    index: i32,
    exit_code: Option<i32>,
    reason: Option<&str>,
    at: i64,
) -> Result<(), DbErr> {
    job_nodes::Entity::update_many()
        .col_expr(job_nodes::Column::StoppedAt, Expr::value(at))
        .col_expr(job_nodes::Column::ExitCode, Expr::value(exit_code))
        .col_expr(job_nodes::Column::Reason, Expr::value(reason.map(String::from)))
        .filter(job_nodes::Column::JobId.eq(job_id))
        .filter(job_nodes::Column::AttemptNumber.eq(attempt))
        .filter(job_nodes::Column::NodeIndex.eq(index))
        .filter(job_nodes::Column::StoppedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The nodes of one attempt of a job, by index.
pub(crate) async fn of_attempt(db: &impl ConnectionTrait, job_id: &str, attempt: i32) -> Result<Vec<job_nodes::Model>, DbErr> {
    job_nodes::Entity::find()
        .filter(job_nodes::Column::JobId.eq(job_id))
        .filter(job_nodes::Column::AttemptNumber.eq(attempt))
        .order_by_asc(job_nodes::Column::NodeIndex)
        .all(db)
        .await
}

/// Every node row of the jobs (retention).
pub(crate) async fn of_jobs(db: &impl ConnectionTrait, job_ids: &[String]) -> Result<Vec<job_nodes::Model>, DbErr> {
    job_nodes::Entity::find().filter(job_nodes::Column::JobId.is_in(job_ids.iter().cloned())).all(db).await
}

pub(crate) async fn delete_of(db: &impl ConnectionTrait, job_ids: &[String]) -> Result<(), DbErr> {
    job_nodes::Entity::delete_many().filter(job_nodes::Column::JobId.is_in(job_ids.iter().cloned())).exec(db).await?;
    Ok(())
}
