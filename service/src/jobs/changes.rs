//! Change cursors for live pages: cheap numbers that move whenever what a page shows may have
//! changed, so a page re-reads only then. Every status change writes a history row and every
//! output line a log row, both with increasing ids.

use crate::batch::Batch;
use crate::error::ServiceResult;
use crate::store::entities::{attempt_logs, job_status_history as history, jobs};
use domain::access::{Action, Caller};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

/// Where a page is: compare two cursors to know whether to re-read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChangeCursor {
    pub last_status_change: i64,
    pub last_log_line: i64,
}

/// `MAX(id)` of the rows `query` selects: 0 when there are none. An index lookup.
async fn newest_id<E: EntityTrait>(
    db: &impl sea_orm::ConnectionTrait,
    query: sea_orm::Select<E>,
    id: impl sea_orm::ColumnTrait,
) -> ServiceResult<i64> {
    let newest: Option<i64> = query.select_only().expr(Expr::from(Func::max(Expr::col(id)))).into_tuple().one(db).await?.flatten();
    Ok(newest.unwrap_or(0))
}

impl Batch {
    /// The newest status change and output line of any job: what one poller per process
    /// watches to wake the live pages (it reveals two numbers, so it needs no caller).
    pub async fn activity_cursor(&self) -> ServiceResult<ChangeCursor> {
        Ok(ChangeCursor {
            last_status_change: newest_id(self.reader(), history::Entity::find(), history::Column::Id).await?,
            last_log_line: newest_id(self.reader(), attempt_logs::Entity::find(), attempt_logs::Column::Id).await?,
        })
    }

    /// For one job (its status changes and output), or for all jobs (status changes only:
    /// the dashboard and jobs list). Both are index lookups, whatever the number of jobs.
    pub async fn change_cursor(&self, caller: &Caller, job_id: Option<&str>) -> ServiceResult<ChangeCursor> {
        self.guarded(caller, Action::Read, "", async move {
            let mut statuses = history::Entity::find();
            if let Some(job_id) = job_id {
                let child: Option<(Option<String>, Option<i32>)> = jobs::Entity::find_by_id(job_id)
                    .select_only()
                    .columns([jobs::Column::ArrayParentId, jobs::Column::ArrayIndex])
                    .into_tuple()
                    .one(self.reader())
                    .await?;
                let child = child.and_then(|(parent, index)| parent.zip(index));
                statuses = statuses.filter(crate::jobs::history_of(job_id, child.as_ref().map(|(p, i)| (p.as_str(), *i))));
            }
            let last_log_line = match job_id {
                Some(job_id) => {
                    let lines = attempt_logs::Entity::find().filter(attempt_logs::Column::JobId.eq(job_id));
                    newest_id(self.reader(), lines, attempt_logs::Column::Id).await?
                }
                None => 0,
            };
            Ok(ChangeCursor { last_status_change: newest_id(self.reader(), statuses, history::Column::Id).await?, last_log_line })
        })
        .await
    }
}

/// State changes in one five-minute bucket of the last hour.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StateChanges {
    /// Start of the bucket, epoch ms.
    pub at: i64,
    pub status: String,
    pub count: i64,
}

pub const BUCKET_MS: i64 = 5 * 60_000;

impl Batch {
    /// How many jobs entered each state, per five minutes, over the last hour (a range of the
    /// history's time index).
    pub async fn state_changes_last_hour(&self, caller: &Caller) -> ServiceResult<Vec<StateChanges>> {
        use sea_orm::ConnectionTrait;
        self.guarded(caller, Action::Read, "", async move {
            let now = crate::batch::now_ms();
            let since = (now / BUCKET_MS - 11) * BUCKET_MS;
            let sql = format!(
                "SELECT (at / {BUCKET_MS}) * {BUCKET_MS} AS bucket, status, \
                 sum(CASE WHEN first_index IS NULL THEN 1 ELSE last_index - first_index + 1 END) AS n FROM job_status_history \
                 WHERE at >= $1 GROUP BY (at / {BUCKET_MS}) * {BUCKET_MS}, status"
            );
            let backend = self.reader().get_database_backend();
            let rows = self.reader().query_all_raw(crate::db::statement(backend, &sql, vec![since.into()])).await?;
            rows.into_iter()
                .map(|row| {
                    Ok(StateChanges { at: row.try_get("", "bucket")?, status: row.try_get("", "status")?, count: row.try_get("", "n")? })
                })
                .collect()
        })
        .await
    }
}
