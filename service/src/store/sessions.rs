//! Sessions, kept under the SHA-256 of their token (a leaked table holds no working session).

use super::entities::sessions;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

pub(crate) async fn insert(db: &impl ConnectionTrait, session: sessions::ActiveModel) -> Result<sessions::Model, DbErr> {
    session.insert(db).await
}

pub(crate) async fn find_by_token_hash(db: &impl ConnectionTrait, token_hash: &str) -> Result<Option<sessions::Model>, DbErr> {
    sessions::Entity::find_by_id(token_hash).one(db).await
}

/// Ends one session; returns how many rows went (0 when it had already ended).
pub(crate) async fn delete(db: &impl ConnectionTrait, token_hash: &str) -> Result<u64, DbErr> {
    Ok(sessions::Entity::delete_by_id(token_hash).exec(db).await?.rows_affected)
}

/// Ends every session of the user (password reset, disabled account).
pub(crate) async fn delete_for_user(db: &impl ConnectionTrait, user_id: i32) -> Result<(), DbErr> {
    sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(user_id)).exec(db).await?;
    Ok(())
}

/// Moves the session's `last_seen_at` to `now` (its idle expiry starts again).
pub(crate) async fn touch_last_seen(db: &impl ConnectionTrait, session: sessions::Model, now: i64) -> Result<(), DbErr> {
    let mut row: sessions::ActiveModel = session.into();
    row.last_seen_at = Set(now);
    row.update(db).await?;
    Ok(())
}
