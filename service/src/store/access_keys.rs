//! Access keys for the AWS-compatible API; the secret is stored sealed with the server key.

use super::entities::stored::Stored;
use super::entities::{access_keys, users};
use domain::access::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// A key with what a signature check needs to know of its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyWithOwner {
    pub(crate) secret_encrypted: String,
    pub(crate) last_used_at: Option<i64>,
    pub(crate) revoked_at: Option<i64>,
    pub(crate) user_id: i32,
    pub(crate) username: String,
    pub(crate) role: Role,
    pub(crate) disabled: bool,
}

pub(crate) async fn insert(db: &impl ConnectionTrait, key: access_keys::ActiveModel) -> Result<access_keys::Model, DbErr> {
    key.insert(db).await
}

/// The user's keys that are not revoked.
pub(crate) async fn count_active_for_user(db: &impl ConnectionTrait, user_id: i32) -> Result<u64, DbErr> {
    access_keys::Entity::find()
        .filter(access_keys::Column::UserId.eq(user_id))
        .filter(access_keys::Column::RevokedAt.is_null())
        .count(db)
        .await
}

/// The user's keys, newest first, revoked ones included.
pub(crate) async fn list_for_user(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<access_keys::Model>, DbErr> {
    access_keys::Entity::find().filter(access_keys::Column::UserId.eq(user_id)).order_by_desc(access_keys::Column::CreatedAt).all(db).await
}

pub(crate) async fn find(db: &impl ConnectionTrait, access_key_id: &str) -> Result<Option<access_keys::Model>, DbErr> {
    access_keys::Entity::find_by_id(access_key_id).one(db).await
}

/// Marks the key revoked at `now`.
pub(crate) async fn revoke(db: &impl ConnectionTrait, key: access_keys::Model, now: i64) -> Result<(), DbErr> {
    let mut row: access_keys::ActiveModel = key.into();
    row.revoked_at = Set(Some(now));
    row.update(db).await?;
    Ok(())
}

/// Stamps the key's last use.
pub(crate) async fn touch_last_used(db: &impl ConnectionTrait, access_key_id: &str, now: i64) -> Result<(), DbErr> {
    access_keys::Entity::update_many()
        .col_expr(access_keys::Column::LastUsedAt, Expr::value(now))
        .filter(access_keys::Column::AccessKeyId.eq(access_key_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The key and its owner in one query: every signed request starts here.
pub(crate) async fn find_with_owner(db: &impl ConnectionTrait, access_key_id: &str) -> Result<Option<KeyWithOwner>, DbErr> {
    let owner = access_keys::Entity::belongs_to(users::Entity).from(access_keys::Column::UserId).to(users::Column::Id).into();
    let row: Option<(String, Option<i64>, Option<i64>, i32, String, Stored<Role>, bool)> = access_keys::Entity::find_by_id(access_key_id)
        .select_only()
        .columns([access_keys::Column::SecretEncrypted, access_keys::Column::LastUsedAt, access_keys::Column::RevokedAt])
        .column_as(users::Column::Id, "owner_id")
        .column(users::Column::Username)
        .column(users::Column::Role)
        .column(users::Column::Disabled)
        .join(JoinType::InnerJoin, owner)
        .into_tuple()
        .one(db)
        .await?;
    Ok(row.map(|(secret_encrypted, last_used_at, revoked_at, user_id, username, role, disabled)| KeyWithOwner {
        secret_encrypted,
        last_used_at,
        revoked_at,
        user_id,
        username,
        role: *role,
        disabled,
    }))
}
