//! Compute environments, which queues use them, and what their jobs hold.

use super::entities::{compute_environments as ce, job_queue_compute_environments as jqce, jobs};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

pub(crate) async fn find_by_name(db: &impl ConnectionTrait, name: &str) -> Result<Option<ce::Model>, DbErr> {
    ce::Entity::find().filter(ce::Column::Name.eq(name)).one(db).await
}

/// Every environment, in no particular order.
pub(crate) async fn all(db: &impl ConnectionTrait) -> Result<Vec<ce::Model>, DbErr> {
    ce::Entity::find().all(db).await
}

/// All environments, or those named, in name order.
pub(crate) async fn list(db: &impl ConnectionTrait, names: &[&str]) -> Result<Vec<ce::Model>, DbErr> {
    let mut query = ce::Entity::find().order_by_asc(ce::Column::Name);
    if !names.is_empty() {
        query = query.filter(ce::Column::Name.is_in(names.iter().copied()));
    }
    query.all(db).await
}

/// The environments a queue orders (in no particular order).
pub(crate) async fn of_queue(db: &impl ConnectionTrait, queue_id: i32) -> Result<Vec<ce::Model>, DbErr> {
    let ids: Vec<i32> = jqce::Entity::find()
        .filter(jqce::Column::JobQueueId.eq(queue_id))
        .all(db)
        .await?
        .iter()
        .map(|o| o.compute_environment_id)
        .collect();
    ce::Entity::find().filter(ce::Column::Id.is_in(ids)).all(db).await
}

/// How many job queues order the environment.
pub(crate) async fn count_queues_using(db: &impl ConnectionTrait, environment_id: i32) -> Result<u64, DbErr> {
    jqce::Entity::find().filter(jqce::Column::ComputeEnvironmentId.eq(environment_id)).count(db).await
}

pub(crate) async fn insert(db: &impl ConnectionTrait, environment: ce::ActiveModel) -> Result<ce::Model, DbErr> {
    environment.insert(db).await
}

pub(crate) async fn update(db: &impl ConnectionTrait, environment: ce::ActiveModel) -> Result<ce::Model, DbErr> {
    environment.update(db).await
}

/// Deletes the environment (no queue may order it any more).
pub(crate) async fn delete(db: &impl ConnectionTrait, environment_id: i32) -> Result<(), DbErr> {
    ce::Entity::delete_by_id(environment_id).exec(db).await?;
    Ok(())
}

/// What the jobs in some statuses hold on one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Held {
    pub environment_id: Option<i32>,
    pub milli_vcpus: Option<i64>,
    pub memory_mib: Option<i64>,
    pub jobs: i64,
}

/// Sums of vCPUs and memory, and the count, of the placed jobs in `statuses`, per environment.
pub(crate) async fn held_per_environment(db: &impl ConnectionTrait, statuses: &[&str]) -> Result<Vec<Held>, DbErr> {
    let rows: Vec<(Option<i32>, Option<i64>, Option<i64>, i64)> = jobs::Entity::find()
        .select_only()
        .column(jobs::Column::ComputeEnvironmentId)
        .expr(Expr::from(Func::sum(Expr::col(jobs::Column::MilliVcpus))))
        .expr(Expr::from(Func::sum(Expr::col(jobs::Column::MemoryMib))))
        .expr(Expr::from(Func::count(Expr::col(jobs::Column::Id))))
        .filter(jobs::Column::Status.is_in(statuses.iter().copied()))
        .filter(jobs::Column::ComputeEnvironmentId.is_not_null())
        .group_by(jobs::Column::ComputeEnvironmentId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(environment_id, milli_vcpus, memory_mib, jobs)| Held { environment_id, milli_vcpus, memory_mib, jobs })
        .collect())
}
