//! When a pass may skip re-reading the RUNNABLE backlog.
//!
//! A pass reads up to 10,000 RUNNABLE jobs to place them. When that read placed none of them,
//! and neither the queues nor the environments (state, order, capacity in use) nor the
//! consumable resources have changed
//! since, reading them again would place none either — yet under a stream of submissions to a
//! full or disabled queue, passes run back to back and each re-read the whole backlog. So the
//! read is skipped while that holds, for at most `REREAD_AFTER_MS`: the waiting reasons of jobs
//! that became RUNNABLE meanwhile, queue time limits, and jobs beyond the read limit are
//! considered at most that late.

use super::snapshot::{EnvironmentSnapshot, QueueSnapshot, ResourceSnapshot};
use super::{Plan, Snapshot};

pub const REREAD_AFTER_MS: i64 = 1000;

/// What decided, at the last read, that no RUNNABLE job could start.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockedBacklog {
    queues: Vec<QueueSnapshot>,
    environments: Vec<EnvironmentSnapshot>,
    resources: Vec<ResourceSnapshot>,
    read_at_ms: i64,
}

impl BlockedBacklog {
    /// After a pass that read the RUNNABLE jobs: `Some` when there were some and none of them
    /// was placed (jobs placed straight from SUBMITTED or PENDING do not count).
    pub fn after_read(snapshot: &Snapshot, plan: &Plan, now_ms: i64) -> Option<Self> {
        let placed_runnable = plan.placements.len() > plan.ready_and_placed.len();
        (!snapshot.runnable.is_empty() && !placed_runnable).then(|| BlockedBacklog {
            queues: snapshot.queues.clone(),
            environments: snapshot.environments.clone(),
            resources: snapshot.resources.clone(),
            read_at_ms: now_ms,
        })
    }

    /// Whether a pass about to decide from `snapshot` may leave the RUNNABLE jobs unread.
    pub fn still_holds(&self, snapshot: &Snapshot, now_ms: i64) -> bool {
        now_ms - self.read_at_ms < REREAD_AFTER_MS
            && snapshot.queues == self.queues
            && snapshot.environments == self.environments
            && snapshot.resources == self.resources
    }
}
