//! One scheduler at a time: a lease row that the leader renews on every pass and that another
//! replica may take once it has expired. It works the same on Postgres and SQLite.

use crate::batch::Batch;
use crate::store::scheduler_lease as lease;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

const LEASE_MS: i64 = 10_000;

impl Batch {
    /// Takes or renews the lease; true while this instance holds it.
    pub async fn hold_lease(&self, instance: &str, now: i64) -> Result<bool, sea_orm::DbErr> {
        let renewed = lease::Entity::update_many()
            .col_expr(lease::Column::Holder, Expr::value(instance))
            .col_expr(lease::Column::ExpiresAt, Expr::value(now + LEASE_MS))
            .filter(lease::Column::Id.eq(1))
            .filter(Condition::any().add(lease::Column::Holder.eq(instance)).add(lease::Column::ExpiresAt.lt(now)))
            .exec(self.db())
            .await?;
        if renewed.rows_affected == 1 {
            return Ok(true);
        }
        let row = lease::ActiveModel { id: Set(1), holder: Set(instance.to_string()), expires_at: Set(now + LEASE_MS) };
        let inserted = lease::Entity::insert(row)
            .on_conflict(OnConflict::column(lease::Column::Id).do_nothing().to_owned())
            .exec_without_returning(self.db())
            .await?;
        Ok(inserted == 1)
    }

    /// Lets another replica lead at once (clean shutdown).
    pub async fn release_lease(&self, instance: &str) {
        let _ =
            lease::Entity::delete_many().filter(lease::Column::Id.eq(1)).filter(lease::Column::Holder.eq(instance)).exec(self.db()).await;
    }
}

impl Batch {
    /// The id of this installation (its store), made on first use.
    pub async fn installation_id(&self) -> Result<String, sea_orm::DbErr> {
        use crate::store::installation;
        if let Some(row) = installation::Entity::find().one(self.db()).await? {
            return Ok(row.id);
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        installation::Entity::insert(installation::ActiveModel { id: Set(id) })
            .on_conflict(OnConflict::column(installation::Column::Id).do_nothing().to_owned())
            .exec_without_returning(self.db())
            .await?;
        Ok(installation::Entity::find().one(self.db()).await?.map(|row| row.id).unwrap_or_default())
    }
}
