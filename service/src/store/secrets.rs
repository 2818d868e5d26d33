//! Named secrets, stored sealed with the server key.

use super::entities::secrets;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

pub(crate) async fn insert(db: &impl ConnectionTrait, secret: secrets::ActiveModel) -> Result<secrets::Model, DbErr> {
    secret.insert(db).await
}

/// Deletes the secret named `name`; returns how many rows went (0 when there was none).
pub(crate) async fn delete_by_name(db: &impl ConnectionTrait, name: &str) -> Result<u64, DbErr> {
    Ok(secrets::Entity::delete_many().filter(secrets::Column::Name.eq(name)).exec(db).await?.rows_affected)
}

/// Every secret, by name.
pub(crate) async fn list(db: &impl ConnectionTrait) -> Result<Vec<secrets::Model>, DbErr> {
    secrets::Entity::find().order_by_asc(secrets::Column::Name).all(db).await
}

/// Which of `names` exist (names only: the values stay where they are).
pub(crate) async fn existing_names(db: &impl ConnectionTrait, names: Vec<String>) -> Result<Vec<String>, DbErr> {
    secrets::Entity::find()
        .select_only()
        .column(secrets::Column::Name)
        .filter(secrets::Column::Name.is_in(names))
        .into_tuple()
        .all(db)
        .await
}

/// The rows of the secrets named `names` (those that exist).
pub(crate) async fn find_named(db: &impl ConnectionTrait, names: Vec<String>) -> Result<Vec<secrets::Model>, DbErr> {
    secrets::Entity::find().filter(secrets::Column::Name.is_in(names)).all(db).await
}
