//! What a job's attempts used (`domain::resource_use`), for the job page.

use crate::batch::{Batch, name_from_arn};
use crate::error::ServiceResult;
use crate::store::attempt_usage;
use domain::access::{Action, Caller};
use domain::resource_use::AttemptUsage;

impl Batch {
    /// Each measured attempt's peak memory, CPU time and readings, by attempt number.
    pub async fn attempt_usage(&self, caller: &Caller, job_id: &str) -> ServiceResult<Vec<AttemptUsage>> {
        self.guarded(caller, Action::Read, "", async move { Ok(attempt_usage::of_job(self.reader(), name_from_arn(job_id)).await?) }).await
    }
}
