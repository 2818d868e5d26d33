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
use crate::store::retention as store;
use sea_orm::DbErr;

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
        let queues = store::queue_ids(self.reader()).await?;
        for queue in queues {
            for _ in 0..BATCHES_PER_RUN {
                let expired = self.expired_jobs(queue, now_ms - retention.jobs_ms).await?;
                pruned.jobs += self.delete_jobs(&expired).await?;
                if (expired.len() as u64) < BATCH {
                    break;
                }
            }
        }
        pruned.sessions = store::delete_expired_sessions(self.db(), now_ms, now_ms - SESSION_IDLE_MS).await?;
        pruned.audit_records = store::delete_audit_before(self.db(), now_ms - retention.audit_ms).await?;
        Ok(pruned)
    }

    /// Up to `BATCH` of the queue's jobs (not children) that finished before `cutoff`.
    async fn expired_jobs(&self, queue: i32, cutoff: i64) -> Result<Vec<String>, DbErr> {
        store::expired_jobs(self.reader(), queue, cutoff, BATCH).await
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
            everything.extend(store::children_of(self.reader(), chunk).await?);
        }
        for chunk in everything.chunks(IN_CHUNK) {
            store::delete_attempt_logs(db, chunk).await?;
            store::delete_attempts(db, chunk).await?;
            // Edges from it, and to it (its dependents resolved when it finished).
            store::delete_dependencies(db, chunk).await?;
            // Children's history is kept under their parent's id.
            store::delete_history(db, chunk).await?;
        }
        let mut deleted = 0;
        // Children before their parents.
        everything.reverse();
        for chunk in everything.chunks(IN_CHUNK) {
            deleted += store::delete_jobs(db, chunk).await?;
        }
        Ok(deleted)
    }
}
