//! One scheduler at a time: a lease row that the leader renews every `RENEW_EVERY` and that
//! another replica may take once it has expired. Expiry is judged by the store's clock, never a
//! replica's, so skewed clocks cannot make two leaders. A replica keeps its instance id across
//! restarts (it lives in its data directory), so a restarted leader takes its lease back at once
//! instead of waiting for it to expire; a survivor takes a dead leader's within `LEASE_MS` plus
//! one renewal interval.

use super::Dialect;
use super::entities::scheduler_lease as lease;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::time::Duration;

/// How long a lease lasts without renewal.
pub const LEASE_MS: i64 = 4_000;
/// How often the holder renews, and how often the others try to take it.
pub const RENEW_EVERY: Duration = Duration::from_millis(1_000);

/// Takes or renews the lease; true while this instance holds it.
pub(crate) async fn hold(db: &impl ConnectionTrait, instance: &str) -> Result<bool, DbErr> {
    let dialect = Dialect::of(db);
    let renewed = lease::Entity::update_many()
        .col_expr(lease::Column::Holder, Expr::value(instance))
        .col_expr(lease::Column::ExpiresAt, store_now_ms(dialect).add(LEASE_MS))
        .filter(lease::Column::Id.eq(1))
        .filter(Condition::any().add(lease::Column::Holder.eq(instance)).add(Expr::col(lease::Column::ExpiresAt).lt(store_now_ms(dialect))))
        .exec(db)
        .await?;
    if renewed.rows_affected == 1 {
        return Ok(true);
    }
    let insert = Query::insert()
        .into_table(lease::Entity)
        .columns([lease::Column::Id, lease::Column::Holder, lease::Column::ExpiresAt])
        .values_panic([Expr::value(1), Expr::value(instance), store_now_ms(dialect).add(LEASE_MS)])
        .on_conflict(OnConflict::column(lease::Column::Id).do_nothing().to_owned())
        .to_owned();
    let inserted = db.execute_raw(db.get_database_backend().build(&insert)).await?;
    Ok(inserted.rows_affected() == 1)
}

/// Lets another replica lead at once (clean shutdown).
pub(crate) async fn release(db: &impl ConnectionTrait, instance: &str) -> Result<(), DbErr> {
    lease::Entity::delete_many().filter(lease::Column::Id.eq(1)).filter(lease::Column::Holder.eq(instance)).exec(db).await?;
    Ok(())
}

/// The store's clock in epoch milliseconds, as an SQL expression.
fn store_now_ms(dialect: Dialect) -> SimpleExpr {
    match dialect {
        Dialect::Postgres => Expr::cust("(extract(epoch from clock_timestamp()) * 1000)::bigint"),
        Dialect::Sqlite => Expr::cust("CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"),
    }
}
