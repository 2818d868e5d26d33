//! GetJobQueueSnapshot: the first RUNNABLE jobs of a queue in the order the scheduler offers
//! them room, computed by the scheduler's own plan functions over the same snapshot a pass
//! reads (`domain::scheduler::front_of_queue`), and what the queue's started jobs hold.

use crate::batch::{Batch, now_ms};
use crate::error::ServiceResult;
use crate::store::snapshot;
use domain::access::{Action, Caller};
use domain::scheduler::front_of_queue;

/// How many jobs the front of a queue lists, and how many shares its utilization names (AWS's).
pub const FRONT_OF_QUEUE: usize = 100;
pub const TOP_SHARES: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSnapshotReport {
    /// Job ARNs in dispatch order, each with when it became RUNNABLE.
    pub front: Vec<(String, i64)>,
    /// vCPUs (milli) the queue's STARTING and RUNNING jobs hold.
    pub used_milli_vcpus: i64,
    /// For a fair-share queue: how many shares hold capacity, and the top ones by use.
    pub shares: Option<ShareUse>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareUse {
    pub active: usize,
    pub top: Vec<(String, i64)>,
}

impl Batch {
    pub async fn job_queue_snapshot(&self, caller: &Caller, queue: &str) -> ServiceResult<QueueSnapshotReport> {
        self.guarded(caller, Action::Read, "", async move {
            let queue = self.job_queue_by_name(queue).await?;
            let now = now_ms();
            let snapshot = self.full_snapshot().await?;
            let front = front_of_queue(&snapshot, queue.id, now, FRONT_OF_QUEUE)
                .into_iter()
                .map(|job| (self.arn("job", &job.id), job.runnable_since))
                .collect();
            let usage = snapshot::queue_usage(self.reader(), queue.id).await?;
            let used_milli_vcpus = usage.iter().map(|(_, used)| used.unwrap_or(0)).sum();
            let shares = queue.scheduling_policy_id.map(|_| {
                let mut by_share: Vec<(String, i64)> =
                    usage.into_iter().filter_map(|(share, used)| Some((share?, used.unwrap_or(0)))).filter(|(_, used)| *used > 0).collect();
                by_share.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let active = by_share.len();
                by_share.truncate(TOP_SHARES);
                ShareUse { active, top: by_share }
            });
            Ok(QueueSnapshotReport { front, used_milli_vcpus, shares, at: now })
        })
        .await
    }
}
