//! Compare-and-set status changes: `UPDATE jobs SET status = to ... WHERE id IN (...) AND
//! status IN (from) RETURNING id`. Only the rows that really moved get a history entry, so a
//! job that cancel or another writer moved first is never overwritten or double-counted.

use crate::jobs::{history_row, insert_chunked};
use crate::store::jobs;
use domain::JobStatus;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryTrait};

const IN_CHUNK: usize = 1000;

/// A change of status and the columns that go with it.
pub(crate) struct Transition<'a> {
    pub from: &'a [JobStatus],
    pub to: JobStatus,
    pub reason: Option<&'a str>,
    pub now: i64,
    /// Further `column = value` assignments (stopped_at, placement, ...).
    pub also: Vec<(jobs::Column, SimpleExpr)>,
}

/// Applies `transition` to `ids`; returns the ids that moved.
pub(crate) async fn transition(db: &impl ConnectionTrait, ids: &[String], t: &Transition<'_>) -> Result<Vec<String>, DbErr> {
    let mut moved = Vec::new();
    let from: Vec<&str> = t.from.iter().map(|s| s.as_str()).collect();
    for chunk in ids.chunks(IN_CHUNK) {
        let mut update = jobs::Entity::update_many()
            .col_expr(jobs::Column::Status, Expr::value(t.to.as_str()))
            .col_expr(jobs::Column::StatusReason, Expr::value(t.reason.map(String::from)))
            .col_expr(jobs::Column::StatusChangedAt, Expr::value(t.now));
        if t.to.is_terminal() {
            update = update.col_expr(jobs::Column::StoppedAt, Expr::value(t.now));
        }
        for (column, value) in &t.also {
            update = update.col_expr(*column, value.clone());
        }
        let mut statement = update
            .filter(jobs::Column::Id.is_in(chunk.iter().cloned()))
            .filter(jobs::Column::Status.is_in(from.clone()))
            .into_query();
        statement.returning_col(jobs::Column::Id);
        for row in db.query_all(&statement).await? {
            moved.push(row.try_get::<String>("", "id")?);
        }
    }
    let history = moved.iter().map(|id| history_row(id, t.to.as_str(), t.reason, t.now)).collect();
    insert_chunked(db, history).await?;
    Ok(moved)
}

/// Sets the reason of RUNNABLE jobs still waiting (one statement per distinct reason).
pub(crate) async fn set_waiting_reasons(db: &impl ConnectionTrait, reasons: &[(String, String)]) -> Result<(), DbErr> {
    let mut by_reason: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    for (id, reason) in reasons {
        by_reason.entry(reason.as_str()).or_default().push(id.clone());
    }
    for (reason, ids) in by_reason {
        for chunk in ids.chunks(IN_CHUNK) {
            jobs::Entity::update_many()
                .col_expr(jobs::Column::StatusReason, Expr::value(reason))
                .filter(jobs::Column::Id.is_in(chunk.iter().cloned()))
                .filter(jobs::Column::Status.eq(JobStatus::Runnable.as_str()))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}
