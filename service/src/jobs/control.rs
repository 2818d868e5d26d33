//! CancelJob and TerminateJob.
//!
//! Both are compare-and-set writes: a job moves to FAILED only from the statuses named in the
//! `WHERE`, so a job the scheduler moved on in the meantime is never overwritten.

use super::{history_row, history_subjects, insert_chunked};
use crate::batch::{Batch, name_from_arn, now_ms};
use crate::error::{ServiceError, ServiceResult};
use crate::store::entities::jobs;
use domain::access::{Action, Caller};
use domain::{FieldError, JobStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, TransactionTrait};

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
            jobs::Entity::update_many()
                .col_expr(jobs::Column::TerminateReason, Expr::value(reason))
                .filter(family(&job.id))
                .filter(jobs::Column::Status.is_in([JobStatus::Starting.as_str(), JobStatus::Running.as_str()]))
                .exec(&txn)
                .await?;
            txn.commit().await?;
            self.notify_work();
            Ok(())
        })
        .await
    }

    async fn job_for_control(&self, job_id: &str, reason: &str) -> ServiceResult<jobs::Model> {
        if reason.trim().is_empty() {
            return Err(FieldError::new("reason", "is required").into());
        }
        jobs::Entity::find_by_id(name_from_arn(job_id))
            .one(&self.db)
            .await?
            .ok_or_else(|| ServiceError::Invalid(FieldError::new("jobId", format!("no job with id {job_id}"))))
    }
}

/// The job and, for an array parent, its children.
fn family(job_id: &str) -> Condition {
    Condition::any().add(jobs::Column::Id.eq(job_id)).add(jobs::Column::ArrayParentId.eq(job_id))
}

async fn fail_not_started(db: &impl ConnectionTrait, job_id: &str, reason: &str) -> Result<(), sea_orm::DbErr> {
    let now = now_ms();
    let not_started: Vec<&str> = NOT_STARTED.iter().map(|s| s.as_str()).collect();
    let ids: Vec<(String, Option<String>, Option<i32>)> = jobs::Entity::find()
        .select_only()
        .columns([jobs::Column::Id, jobs::Column::ArrayParentId, jobs::Column::ArrayIndex])
        .filter(family(job_id))
        .filter(jobs::Column::Status.is_in(not_started.clone()))
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(());
    }
    jobs::Entity::update_many()
        .col_expr(jobs::Column::Status, Expr::value(JobStatus::Failed.as_str()))
        .col_expr(jobs::Column::StatusReason, Expr::value(reason))
        .col_expr(jobs::Column::StoppedAt, Expr::value(now))
        .col_expr(jobs::Column::StatusChangedAt, Expr::value(now))
        .filter(family(job_id))
        .filter(jobs::Column::Status.is_in(not_started))
        .exec(db)
        .await?;
    let subjects = history_subjects(ids.iter().map(|(id, parent, index)| (id.as_str(), parent.as_deref(), *index)));
    let history = subjects.iter().map(|subject| history_row(subject, JobStatus::Failed.as_str(), Some(reason), now)).collect();
    insert_chunked(db, history).await
}
