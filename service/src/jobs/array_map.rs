//! An array job's children as the console's heat map draws them: index, state, exit code.
//! The map is read again each time the array's counts move, up to twice a second per viewer;
//! paging ListJobs for it made a full summary (ARN, definition, attempt) of every child.

use crate::batch::{Batch, name_from_arn};
use crate::error::ServiceResult;
use crate::store::array_children;
use domain::JobStatus;
use domain::access::{Action, Caller};

/// The most children a map shows (an array's largest size).
pub const MAP_CHILDREN: u64 = 10_000;

/// One child on the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildState {
    pub index: i64,
    pub status: JobStatus,
    /// Its current attempt's, once it has one that ended.
    pub exit_code: Option<i64>,
}

impl Batch {
    /// The children of `parent` (an id or ARN) by index, the first `MAP_CHILDREN`.
    pub async fn array_map(&self, caller: &Caller, parent: &str) -> ServiceResult<Vec<ChildState>> {
        self.guarded(caller, Action::Read, "", async move {
            let rows = array_children::states(self.reader(), name_from_arn(parent), MAP_CHILDREN).await?;
            Ok(rows
                .into_iter()
                .map(|(index, status, exit_code)| ChildState { index: index.into(), status, exit_code: exit_code.map(Into::into) })
                .collect())
        })
        .await
    }
}
