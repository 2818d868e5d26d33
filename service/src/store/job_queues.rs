//! Job queues and the compute environments each one orders.

use super::entities::{compute_environments as ce, job_queue_compute_environments as jqce, job_queues as jq};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

pub(crate) async fn find_by_name(db: &impl ConnectionTrait, name: &str) -> Result<Option<jq::Model>, DbErr> {
    jq::Entity::find().filter(jq::Column::Name.eq(name)).one(db).await
}

/// All queues, or those named; highest priority first, then by name.
pub(crate) async fn list(db: &impl ConnectionTrait, names: &[&str]) -> Result<Vec<jq::Model>, DbErr> {
    let mut query = jq::Entity::find().order_by_desc(jq::Column::Priority).order_by_asc(jq::Column::Name);
    if !names.is_empty() {
        query = query.filter(jq::Column::Name.is_in(names.iter().copied()));
    }
    query.all(db).await
}

pub(crate) async fn insert(db: &impl ConnectionTrait, queue: jq::ActiveModel) -> Result<jq::Model, DbErr> {
    queue.insert(db).await
}

pub(crate) async fn update(db: &impl ConnectionTrait, queue: jq::ActiveModel) -> Result<jq::Model, DbErr> {
    queue.update(db).await
}

/// Deletes the queue and its environment order (its jobs must be gone already).
pub(crate) async fn delete(db: &impl ConnectionTrait, queue_id: i32) -> Result<(), DbErr> {
    jqce::Entity::delete_many().filter(jqce::Column::JobQueueId.eq(queue_id)).exec(db).await?;
    jq::Entity::delete_by_id(queue_id).exec(db).await?;
    Ok(())
}

/// Replaces the queue's environment order with `environment_ids`, first to last.
pub(crate) async fn set_environment_order(db: &impl ConnectionTrait, queue_id: i32, environment_ids: &[i32]) -> Result<(), DbErr> {
    jqce::Entity::delete_many().filter(jqce::Column::JobQueueId.eq(queue_id)).exec(db).await?;
    let rows = environment_ids.iter().enumerate().map(|(position, id)| jqce::ActiveModel {
        job_queue_id: sea_orm::Set(queue_id),
        position: sea_orm::Set(position as i32),
        compute_environment_id: sea_orm::Set(*id),
    });
    jqce::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

/// The queue's environments in order: (position, environment name).
pub(crate) async fn environment_order(db: &impl ConnectionTrait, queue_id: i32) -> Result<Vec<(i32, String)>, DbErr> {
    let order = jqce::Entity::find().filter(jqce::Column::JobQueueId.eq(queue_id)).order_by_asc(jqce::Column::Position).all(db).await?;
    let ids: Vec<i32> = order.iter().map(|o| o.compute_environment_id).collect();
    let names: std::collections::HashMap<i32, String> =
        ce::Entity::find().filter(ce::Column::Id.is_in(ids)).all(db).await?.into_iter().map(|e| (e.id, e.name)).collect();
    Ok(order.iter().map(|o| (o.position, names.get(&o.compute_environment_id).cloned().unwrap_or_default())).collect())
}
