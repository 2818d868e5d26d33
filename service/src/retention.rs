//! Retention: what the store forgets, so its size stays flat under steady traffic. The leader's
//! maintenance runs it every `Retention::every` (a minute), in small batches off the hot path:
//! - finished jobs (SUCCEEDED or FAILED) that stopped longer ago than `Retention::jobs_ms`
//!   (default 30 days; AWS keeps jobs at least 7), with their array children, attempts, output,
//!   status history and dependency edges;
//! - sessions past their absolute or idle expiry;
//! - audit records older than `Retention::audit_ms` (default one year).
//!
//! Old jobs are found per queue through the index ListJobs uses (queue, created time; array
//! children are not in it), so finding them costs no index of its own on the lifecycle's write
//! path. A job is deleted last, after everything that refers to it: a crash part-way leaves it
//! to be found and finished by the next run.

use crate::access::sessions::SESSION_IDLE_MS;
use crate::batch::Batch;
use crate::store::entities::{attempt_logs, audit_log, job_attempts, job_dependencies, job_queues, job_status_history, jobs, sessions};
use domain::JobStatus;
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// How long the store keeps what it may forget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub jobs_ms: i64,
    pub audit_ms: i64,
    /// How often the leader runs it.
    pub every: std::time::Duration,
}

const DAY_MS: i64 = 24 * 3_600_000;

impl Default for Retention {
    fn default() -> Self {
        Retention { jobs_ms: 30 * DAY_MS, audit_ms: 365 * DAY_MS, every: std::time::Duration::from_secs(60) }
    }
}

/// Jobs (with their children) deleted per statement group.
const BATCH: u64 = 500;
/// Batches per queue per run: the rest waits for the next run.
const BATCHES_PER_RUN: usize = 20;
const IN_CHUNK: usize = 1000;

/// What one run removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub jobs: u64,
    pub sessions: u64,
    pub audit_records: u64,
}

impl Batch {
    /// Deletes what retention allows as of `now_ms`.
    pub(crate) async fn prune_expired(&self, now_ms: i64) -> Result<Pruned, DbErr> {
        let retention = self.config.retention;
        let mut pruned = Pruned::default();
        let queues: Vec<i32> =
            job_queues::Entity::find().select_only().column(job_queues::Column::Id).into_tuple().all(self.reader()).await?;
        for queue in queues {
            for _ in 0..BATCHES_PER_RUN {
                let expired = self.expired_jobs(queue, now_ms - retention.jobs_ms).await?;
                pruned.jobs += self.delete_jobs(&expired).await?;
                if (expired.len() as u64) < BATCH {
                    break;
                }
            }
        }
        pruned.sessions = sessions::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(sessions::Column::ExpiresAt.lte(now_ms))
                    .add(sessions::Column::LastSeenAt.lte(now_ms - SESSION_IDLE_MS)),
            )
            .exec(self.db())
            .await?
            .rows_affected;
        pruned.audit_records = audit_log::Entity::delete_many()
            .filter(audit_log::Column::At.lt(now_ms - retention.audit_ms))
            .exec(self.db())
            .await?
            .rows_affected;
        Ok(pruned)
    }

    /// Up to `BATCH` of the queue's jobs (not children) that finished before `cutoff`.
    async fn expired_jobs(&self, queue: i32, cutoff: i64) -> Result<Vec<String>, DbErr> {
        jobs::Entity::find()
            .select_only()
            .column(jobs::Column::Id)
            .filter(jobs::Column::JobQueueId.eq(queue))
            .filter(jobs::Column::ArrayParentId.is_null())
            .filter(jobs::Column::CreatedAt.lt(cutoff))
            .filter(jobs::Column::Status.is_in([JobStatus::Succeeded.as_str(), JobStatus::Failed.as_str()]))
            .filter(jobs::Column::StoppedAt.lt(cutoff))
            .order_by_asc(jobs::Column::CreatedAt)
            .limit(BATCH)
            .into_tuple()
            .all(self.reader())
            .await
    }

    /// Deletes `ids` (jobs, not children) with their children and everything that refers to
    /// them, referrers first. Returns how many jobs and children went.
    async fn delete_jobs(&self, ids: &[String]) -> Result<u64, DbErr> {
        if ids.is_empty() {
            return Ok(0);
        }
        let db = self.db();
        let mut everything: Vec<String> = ids.to_vec();
        for chunk in ids.chunks(IN_CHUNK) {
            let children: Vec<String> = jobs::Entity::find()
                .select_only()
                .column(jobs::Column::Id)
                .filter(jobs::Column::ArrayParentId.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(self.reader())
                .await?;
            everything.extend(children);
        }
        for chunk in everything.chunks(IN_CHUNK) {
            let chunk = || chunk.iter().cloned();
            attempt_logs::Entity::delete_many().filter(attempt_logs::Column::JobId.is_in(chunk())).exec(db).await?;
            job_attempts::Entity::delete_many().filter(job_attempts::Column::JobId.is_in(chunk())).exec(db).await?;
            // Edges from it, and to it (its dependents resolved when it finished).
            job_dependencies::Entity::delete_many()
                .filter(
                    Condition::any()
                        .add(job_dependencies::Column::JobId.is_in(chunk()))
                        .add(job_dependencies::Column::DependsOnJobId.is_in(chunk())),
                )
                .exec(db)
                .await?;
            // Children's history is kept under their parent's id.
            job_status_history::Entity::delete_many().filter(job_status_history::Column::JobId.is_in(chunk())).exec(db).await?;
        }
        let mut deleted = 0;
        // Children before their parents.
        for chunk in everything.iter().rev().collect::<Vec<_>>().chunks(IN_CHUNK) {
            deleted += jobs::Entity::delete_many()
                .filter(jobs::Column::Id.is_in(chunk.iter().map(|id| id.to_string())))
                .exec(db)
                .await?
                .rows_affected;
        }
        Ok(deleted)
    }
}
