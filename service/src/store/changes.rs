//! What the live pages watch: the newest history and output row ids (index lookups), and the
//! last hour of state changes.

use super::Dialect;
use super::entities::{attempt_logs, job_status_history as history, jobs};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

/// `MAX(id)` of the rows `query` selects: 0 when there are none. An index lookup.
async fn newest_id<E: EntityTrait>(db: &impl ConnectionTrait, query: sea_orm::Select<E>, id: impl ColumnTrait) -> Result<i64, DbErr> {
    let newest: Option<i64> = query.select_only().expr(Expr::from(Func::max(Expr::col(id)))).into_tuple().one(db).await?.flatten();
    Ok(newest.unwrap_or(0))
}

/// The newest status change of any job, or of one job: an array child's own and its array's
/// runs that cover it; an array job's own and all its children's (so its page moves while
/// they run).
pub(crate) async fn newest_status_change(db: &impl ConnectionTrait, job_id: Option<&str>) -> Result<i64, DbErr> {
    let mut statuses = history::Entity::find();
    if let Some(job_id) = job_id {
        let found: Option<(Option<String>, Option<i32>, Option<i32>)> = jobs::Entity::find_by_id(job_id)
            .select_only()
            .columns([jobs::Column::ArrayParentId, jobs::Column::ArrayIndex, jobs::Column::ArraySize])
            .into_tuple()
            .one(db)
            .await?;
        let (parent, index, size) = found.unwrap_or((None, None, None));
        let condition = match (parent.zip(index), size) {
            (Some((parent, index)), _) => super::history::history_of(job_id, Some((&parent, index))),
            (None, Some(_)) => super::history::history_of_array(job_id),
            (None, None) => super::history::history_of(job_id, None),
        };
        statuses = statuses.filter(condition);
    }
    newest_id(db, statuses, history::Column::Id).await
}

/// The newest status change of any of `ids` (an array's own and its children's runs): what a
/// job page's dependency graph watches. One index range per id; 0 for none.
pub(crate) async fn newest_status_change_of(db: &impl ConnectionTrait, ids: &[String]) -> Result<i64, DbErr> {
    if ids.is_empty() {
        // `IN ()` is not SQL on Postgres.
        return Ok(0);
    }
    newest_id(db, history::Entity::find().filter(history::Column::JobId.is_in(ids.iter().cloned())), history::Column::Id).await
}

/// The newest output line of any job, or of one job.
pub(crate) async fn newest_output_line(db: &impl ConnectionTrait, job_id: Option<&str>) -> Result<i64, DbErr> {
    let mut lines = attempt_logs::Entity::find();
    if let Some(job_id) = job_id {
        lines = lines.filter(attempt_logs::Column::JobId.eq(job_id));
    }
    newest_id(db, lines, attempt_logs::Column::Id).await
}

/// How many jobs entered each state per `bucket_ms` since `since` (a range of the history's
/// time index): (bucket start, status, count), a run of array children counting each child.
pub(crate) async fn state_changes_since(db: &impl ConnectionTrait, since: i64, bucket_ms: i64) -> Result<Vec<(i64, String, i64)>, DbErr> {
    let sql = format!(
        "SELECT (at / {bucket_ms}) * {bucket_ms} AS bucket, status, \
         sum(CASE WHEN first_index IS NULL THEN 1 ELSE last_index - first_index + 1 END) AS n FROM job_status_history \
         WHERE at >= $1 GROUP BY (at / {bucket_ms}) * {bucket_ms}, status"
    );
    let rows = db.query_all_raw(Dialect::of(db).statement(&sql, vec![since.into()])).await?;
    rows.into_iter().map(|row| Ok((row.try_get("", "bucket")?, row.try_get("", "status")?, row.try_get("", "n")?))).collect()
}
