//! Fair-share scheduling policies, and which queues follow each.

use super::entities::{job_queues as jq, scheduling_policies as sp};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

pub(crate) async fn find_by_name(db: &impl ConnectionTrait, name: &str) -> Result<Option<sp::Model>, DbErr> {
    sp::Entity::find().filter(sp::Column::Name.eq(name)).one(db).await
}

pub(crate) async fn find_by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<sp::Model>, DbErr> {
    sp::Entity::find_by_id(id).one(db).await
}

/// The policies named, by name.
pub(crate) async fn named(db: &impl ConnectionTrait, names: &[&str]) -> Result<Vec<sp::Model>, DbErr> {
    sp::Entity::find().filter(sp::Column::Name.is_in(names.iter().copied())).order_by_asc(sp::Column::Name).all(db).await
}

/// Up to `limit` policies after the name `after`, by name.
pub(crate) async fn page(db: &impl ConnectionTrait, after: Option<&str>, limit: u64) -> Result<Vec<sp::Model>, DbErr> {
    let mut query = sp::Entity::find().order_by_asc(sp::Column::Name).limit(limit);
    if let Some(after) = after {
        query = query.filter(sp::Column::Name.gt(after));
    }
    query.all(db).await
}

pub(crate) async fn insert(db: &impl ConnectionTrait, policy: sp::ActiveModel) -> Result<sp::Model, DbErr> {
    policy.insert(db).await
}

pub(crate) async fn update(db: &impl ConnectionTrait, policy: sp::ActiveModel) -> Result<sp::Model, DbErr> {
    policy.update(db).await
}

pub(crate) async fn delete(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    sp::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// How many job queues follow the policy.
pub(crate) async fn queues_following(db: &impl ConnectionTrait, id: i32) -> Result<u64, DbErr> {
    jq::Entity::find().filter(jq::Column::SchedulingPolicyId.eq(id)).count(db).await
}
