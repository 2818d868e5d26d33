//! Change cursors for live pages: cheap numbers that move whenever what a page shows may have
//! changed, so a page re-reads only then. Every status change writes a history row and every
//! output line a log row, both with increasing ids.

use crate::batch::Batch;
use crate::error::ServiceResult;
use crate::store::changes;
use domain::access::{Action, Caller};

/// Where a page is: compare two cursors to know whether to re-read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChangeCursor {
    pub last_status_change: i64,
    pub last_log_line: i64,
}

impl Batch {
    /// The newest status change and output line of any job: what one poller per process
    /// watches to wake the live pages (it reveals two numbers, so it needs no caller).
    pub async fn activity_cursor(&self) -> ServiceResult<ChangeCursor> {
        Ok(ChangeCursor {
            last_status_change: changes::newest_status_change(self.reader(), None).await?,
            last_log_line: changes::newest_output_line(self.reader(), None).await?,
        })
    }

    /// For one job (its status changes and output), or for all jobs (status changes only:
    /// the dashboard and jobs list). Both are index lookups, whatever the number of jobs.
    pub async fn change_cursor(&self, caller: &Caller, job_id: Option<&str>) -> ServiceResult<ChangeCursor> {
        self.guarded(caller, Action::Read, "", async move {
            let last_status_change = changes::newest_status_change(self.reader(), job_id).await?;
            // The dashboard and jobs list follow status changes only.
            let last_log_line = match job_id {
                Some(_) => changes::newest_output_line(self.reader(), job_id).await?,
                None => 0,
            };
            Ok(ChangeCursor { last_status_change, last_log_line })
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
        self.guarded(caller, Action::Read, "", async move {
            let now = crate::batch::now_ms();
            let since = (now / BUCKET_MS - 11) * BUCKET_MS;
            let rows = changes::state_changes_since(self.reader(), since, BUCKET_MS).await?;
            Ok(rows.into_iter().map(|(at, status, count)| StateChanges { at, status, count }).collect())
        })
        .await
    }
}
