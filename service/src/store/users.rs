//! Users: who may sign in, with which role.

use super::Dialect;
use super::entities::users;
use domain::access::Role;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

/// Whether any user exists (disabled ones included).
pub(crate) async fn any_exists(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(users::Entity::find().count(db).await? > 0)
}

/// Inserts the first administrator, only while no user exists: one statement that inserts
/// nothing when a user appeared meanwhile, so two racing set-ups cannot both succeed. Returns
/// whether the row was inserted.
pub(crate) async fn insert_first_admin_if_none(
    db: &impl ConnectionTrait,
    username: &str,
    password_hash: &str,
    now: i64,
) -> Result<bool, DbErr> {
    let sql = "INSERT INTO users (username, password_hash, role, disabled, created_at, updated_at) \
               SELECT $1, $2, 'admin', $3, $4, $4 WHERE NOT EXISTS (SELECT 1 FROM users)";
    let values = vec![username.into(), password_hash.into(), false.into(), now.into()];
    let inserted = db.execute_raw(Dialect::of(db).statement(sql, values)).await?.rows_affected();
    Ok(inserted == 1)
}

pub(crate) async fn insert(db: &impl ConnectionTrait, user: users::ActiveModel) -> Result<users::Model, DbErr> {
    user.insert(db).await
}

pub(crate) async fn update(db: &impl ConnectionTrait, user: users::ActiveModel) -> Result<users::Model, DbErr> {
    user.update(db).await
}

/// Every user, by username.
pub(crate) async fn list(db: &impl ConnectionTrait) -> Result<Vec<users::Model>, DbErr> {
    users::Entity::find().order_by_asc(users::Column::Username).all(db).await
}

pub(crate) async fn find_by_username(db: &impl ConnectionTrait, username: &str) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find().filter(users::Column::Username.eq(username)).one(db).await
}

pub(crate) async fn find_by_id(db: &impl ConnectionTrait, user_id: i32) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find_by_id(user_id).one(db).await
}

/// Admins who are not disabled: the users who can still manage users.
pub(crate) async fn count_active_admins(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    users::Entity::find().filter(users::Column::Role.eq(Role::Admin.as_str())).filter(users::Column::Disabled.eq(false)).count(db).await
}
