//! The installation's id: one row, made by whichever process needs it first.

use super::entities::installation;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

/// The id of this installation (its store), made on first use; two processes making it at once
/// agree on the one that landed.
pub(crate) async fn id_made_on_first_use(db: &impl ConnectionTrait) -> Result<String, DbErr> {
    if let Some(row) = installation::Entity::find().one(db).await? {
        return Ok(row.id);
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    installation::Entity::insert(installation::ActiveModel { id: Set(id) })
        .on_conflict(OnConflict::column(installation::Column::Id).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(installation::Entity::find().one(db).await?.map(|row| row.id).unwrap_or_default())
}
