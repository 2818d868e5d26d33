//! The audit log: who did what, when, and how it ended.

use super::entities::audit_log;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Writes audit records in one statement (the group commit's flush).
pub(crate) async fn insert_many(db: &impl ConnectionTrait, records: Vec<audit_log::ActiveModel>) -> Result<(), DbErr> {
    audit_log::Entity::insert_many(records).exec_without_returning(db).await.map(drop)
}

/// The newest records first, at most `limit`, only those with an id below `before` when given
/// (paging).
pub(crate) async fn page(db: &impl ConnectionTrait, before: Option<i64>, limit: u64) -> Result<Vec<audit_log::Model>, DbErr> {
    let mut query = audit_log::Entity::find().order_by_desc(audit_log::Column::Id).limit(limit);
    if let Some(before) = before {
        query = query.filter(audit_log::Column::Id.lt(before));
    }
    query.all(db).await
}

/// When `action` failed against `target` after `after` (exclusive), newest first: what the
/// per-account sign-in throttle counts.
pub(crate) async fn failure_times_by_target(db: &impl ConnectionTrait, action: &str, target: &str, after: i64) -> Result<Vec<i64>, DbErr> {
    failure_times(db, action, audit_log::Column::Target, target, after).await
}

/// When `action` failed from `client` after `after` (exclusive), newest first: what the
/// per-client sign-in throttle counts.
pub(crate) async fn failure_times_by_client(db: &impl ConnectionTrait, action: &str, client: &str, after: i64) -> Result<Vec<i64>, DbErr> {
    failure_times(db, action, audit_log::Column::Client, client, after).await
}

async fn failure_times(
    db: &impl ConnectionTrait,
    action: &str,
    column: audit_log::Column,
    value: &str,
    after: i64,
) -> Result<Vec<i64>, DbErr> {
    audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::At)
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::Outcome.eq("failed"))
        .filter(audit_log::Column::At.gt(after))
        .filter(column.eq(value))
        .order_by_desc(audit_log::Column::At)
        .into_tuple::<i64>()
        .all(db)
        .await
}
