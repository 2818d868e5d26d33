//! CancelJob and TerminateJob.
//!
//! Both move jobs through the one transition function (`store::transition`): a job moves to
//! FAILED only if it is still in a state cancel may fail, in the same compare-and-set that
//! writes its history, so a job the scheduler claimed in the meantime is never overwritten and
//! never gets a FAILED history row it did not enter.

use crate::batch::{Batch, name_from_arn, now_ms};
use crate::error::{ServiceError, ServiceResult};
use crate::store::entities::jobs;
use crate::store::jobs as job_rows;
use crate::store::transition::{Transition, transition};
use domain::access::{Action, Caller};
use domain::{FieldError, JobStatus};
use sea_orm::{ConnectionTrait, TransactionTrait};

/// The AWS limit on a cancel or terminate reason.
const MAX_REASON_CHARS: usize = 1024;

const NOT_STARTED: [JobStatus; 3] = [JobStatus::Submitted, JobStatus::Pending, JobStatus::Runnable];

impl Batch {
    /// Fails the job (and an array job's children) while it has not started. A job already
    /// STARTING or RUNNING is left alone, as in AWS: terminate stops those.
    #[tracing::instrument(skip(self))]
    pub async fn cancel_job(&self, caller: &Caller, job_id: &str, reason: &str) -> ServiceResult<()> {
        self.guarded(caller, Action::CancelJob, job_id, async move {
            let job = self.job_for_control(job_id, reason).await?;
            let txn = self.db.begin().await?;
            fail_not_started(&txn, &job.id, reason).await?;
            txn.commit().await?;
            self.notify_work();
            Ok(())
        })
        .await
    }

    /// Fails the job at once if it has not started; a STARTING or RUNNING job is marked for the
    /// scheduler, which stops its container and records the reason.
    #[tracing::instrument(skip(self))]
    pub async fn terminate_job(&self, caller: &Caller, job_id: &str, reason: &str) -> ServiceResult<()> {
        self.guarded(caller, Action::TerminateJob, job_id, async move {
            let job = self.job_for_control(job_id, reason).await?;
            let txn = self.db.begin().await?;
            fail_not_started(&txn, &job.id, reason).await?;
            job_rows::ask_to_terminate(&txn, &job.id, reason).await?;
            txn.commit().await?;
            self.notify_work();
            Ok(())
        })
        .await
    }

    async fn job_for_control(&self, job_id: &str, reason: &str) -> ServiceResult<jobs::Model> {
        check_stop_reason(reason)?;
        job_rows::find(&self.db, name_from_arn(job_id))
            .await?
            .ok_or_else(|| ServiceError::Invalid(FieldError::new("jobId", format!("no job with id {job_id}"))))
    }
}

/// A cancel or terminate reason as AWS takes it: given, and at most 1,024 characters.
pub fn check_stop_reason(reason: &str) -> ServiceResult<()> {
    if reason.trim().is_empty() {
        return Err(FieldError::new("reason", "is required").into());
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(FieldError::new("reason", format!("must be at most {MAX_REASON_CHARS} characters")).into());
    }
    Ok(())
}

/// Fails the job and, for an array job, its children, those still SUBMITTED, PENDING or
/// RUNNABLE when the write lands.
async fn fail_not_started(db: &(impl ConnectionTrait + TransactionTrait), job_id: &str, reason: &str) -> Result<(), sea_orm::DbErr> {
    let ids = job_rows::family_in(db, job_id, &NOT_STARTED).await?;
    transition(db, &ids, &Transition::new(&NOT_STARTED, JobStatus::Failed, now_ms()).reason(Some(reason))).await?;
    Ok(())
}
