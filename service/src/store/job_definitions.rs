//! Job definitions: one row per revision of a name.

use super::entities::job_definitions as jd;
use domain::job_definition::DefinitionStatus;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The highest revision registered under `name`, whatever its status; `None` for a new name.
pub(crate) async fn latest_revision_number(db: &impl ConnectionTrait, name: &str) -> Result<Option<i32>, DbErr> {
    Ok(jd::Entity::find()
        .select_only()
        .column_as(jd::Column::Revision.max(), "max")
        .filter(jd::Column::Name.eq(name))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten())
}

pub(crate) async fn find_revision(db: &impl ConnectionTrait, name: &str, revision: i32) -> Result<Option<jd::Model>, DbErr> {
    jd::Entity::find().filter(jd::Column::Name.eq(name)).filter(jd::Column::Revision.eq(revision)).one(db).await
}

/// The highest revision of `name`, among those with `status` when one is given.
pub(crate) async fn latest_revision(
    db: &impl ConnectionTrait,
    name: &str,
    status: Option<DefinitionStatus>,
) -> Result<Option<jd::Model>, DbErr> {
    let mut query = jd::Entity::find().filter(jd::Column::Name.eq(name)).order_by_desc(jd::Column::Revision);
    if let Some(status) = status {
        query = query.filter(jd::Column::Status.eq(status.as_str()));
    }
    query.one(db).await
}

/// Every revision, or every revision of `name`; by name, newest revision first.
pub(crate) async fn list(db: &impl ConnectionTrait, name: Option<&str>) -> Result<Vec<jd::Model>, DbErr> {
    let mut query = jd::Entity::find().order_by_asc(jd::Column::Name).order_by_desc(jd::Column::Revision);
    if let Some(name) = name {
        query = query.filter(jd::Column::Name.eq(name));
    }
    query.all(db).await
}

/// Inserts a revision; (name, revision) is unique, so a concurrent registration of the same
/// revision fails here.
pub(crate) async fn insert(db: &impl ConnectionTrait, definition: jd::ActiveModel) -> Result<jd::Model, DbErr> {
    definition.insert(db).await
}

pub(crate) async fn update(db: &impl ConnectionTrait, definition: jd::ActiveModel) -> Result<jd::Model, DbErr> {
    definition.update(db).await
}
