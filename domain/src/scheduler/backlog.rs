//! Which queues' RUNNABLE jobs a pass may leave unread.
//!
//! A pass reads each queue's oldest RUNNABLE jobs (up to `queue_window`) to place them. With a
//! large backlog behind a full or disabled environment, re-reading it every pass costs more
//! than everything else the pass does (100 queues of 1,000 jobs: ~0.5 s a pass), and cannot
//! place any of it. So a queue is left unread while its last read:
//! - had jobs and placed none of them, and none failed by a time limit;
//! - saw no placement in any of the queue's environments (so "nothing fits" did not depend on
//!   what another queue took in the same pass);
//!
//! and neither the queue (state, priority, environments, time limits, fair-share holdings),
//! nor its environments (state, capacity, capacity in use), nor the consumable resources have
//! changed since. Then reading again would place none of them and write no new reason.
//!
//! Jobs becoming RUNNABLE in such a queue do not need its backlog read: the jobs before them
//! cannot start and take nothing, so an arriving job fits exactly where it would have, and its
//! reason needs only how many of them wait for capacity ("behind N others"), which is kept and
//! handed to the plan (`Snapshot::unread`). While jobs keep arriving behind a backlog that
//! cannot move, passes read the arrivals alone, not the backlog again (up to `queue_window`
//! rows a pass: SubmitJob's throughput fell by a third while they did). Not so in a fair-share
//! queue, which orders arrivals among the waiting jobs by share: it is read whenever one of its
//! jobs becomes RUNNABLE, and not left unread after a pass that made one RUNNABLE.
//!
//! No queue is left unread after a pass that placed a job needing a consumable resource (what
//! one queue's claim took, or failed to take, decides another's). A queue is re-read after
//! `REREAD_AFTER_MS` when it has time limits (checked on the jobs read), and after
//! `RESTATE_AFTER_MS` otherwise: a RUNNABLE job cancelled meanwhile moves the position
//! ("behind N others") of those after it, and can bring into the read window a job that fits
//! where those before it did not; both wait at most that long.
//! A new leader starts with no queue blocked.

use super::snapshot::{EnvironmentSnapshot, QueueSnapshot, ResourceSnapshot};
use super::{Plan, Snapshot, dependency_outcome};
use crate::JobStatus;
use std::collections::{HashMap, HashSet};

pub const REREAD_AFTER_MS: i64 = 1_000;
pub const RESTATE_AFTER_MS: i64 = 60_000;

/// The queues whose last read could start none of their jobs, with what decided that.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockedQueues {
    resources: Vec<ResourceSnapshot>,
    queues: HashMap<i32, BlockedQueue>,
}

#[derive(Debug, Clone, PartialEq)]
struct BlockedQueue {
    queue: QueueSnapshot,
    environments: Vec<EnvironmentSnapshot>,
    read_at_ms: i64,
    /// Its jobs that wait for capacity, counted by the read and the arrivals since.
    waiting_for_capacity: usize,
}

impl BlockedQueues {
    /// The queues a pass about to decide from `snapshot` (its RUNNABLE jobs not read yet) may
    /// leave unread, each with how many of its jobs wait for capacity (for `Snapshot::unread`).
    pub fn unread(&self, snapshot: &Snapshot, now_ms: i64) -> HashMap<i32, usize> {
        if snapshot.resources != self.resources {
            return HashMap::new();
        }
        let queues: HashMap<i32, &QueueSnapshot> = snapshot.queues.iter().map(|q| (q.id, q)).collect();
        let arriving = queues_with_arrivals(snapshot);
        self.queues
            .iter()
            .filter(|(id, blocked)| blocked.queue.fair_share.is_none() || !arriving.contains(id))
            .filter(|(id, blocked)| {
                let stale_after = if blocked.queue.time_limits.is_empty() { RESTATE_AFTER_MS } else { REREAD_AFTER_MS };
                now_ms - blocked.read_at_ms < stale_after
                    && queues.get(id).is_some_and(|q| **q == blocked.queue)
                    && environments_of(snapshot, &blocked.queue) == blocked.environments
            })
            .map(|(id, blocked)| (*id, blocked.waiting_for_capacity))
            .collect()
    }

    /// When no job has changed state since `since_ms` (a quiet scheduler knows it), a queue
    /// read since then needs no re-read for stale positions: its read counts as made now.
    /// Queues with time limits are left as they are.
    pub fn renew(&mut self, since_ms: i64, now_ms: i64) {
        for blocked in self.queues.values_mut() {
            if blocked.read_at_ms >= since_ms && blocked.queue.time_limits.is_empty() {
                blocked.read_at_ms = now_ms;
            }
        }
    }

    /// After a pass decided `plan` from `snapshot`, whose RUNNABLE jobs it read for every
    /// queue but those in `snapshot.unread`: records each queue the read blocked, forgets the rest.
    pub fn after_pass(&mut self, snapshot: &Snapshot, plan: &Plan, now_ms: i64) {
        if snapshot.resources != self.resources {
            self.queues.clear();
            self.resources = snapshot.resources.clone();
        }
        let placed: HashSet<&str> = plan.placements.iter().map(|p| p.job_id.as_str()).collect();
        // A set, not a search per placed job: a pass places thousands of a 10,000-job window.
        let runnable_needing = snapshot.runnable.iter().filter(|j| !j.resources.is_empty()).map(|j| j.id.as_str());
        let needing_resources: HashSet<&str> =
            runnable_needing.chain(snapshot.waiting.iter().filter(|j| !j.resources.is_empty()).map(|j| j.id.as_str())).collect();
        if placed.iter().any(|id| needing_resources.contains(id)) {
            self.queues.clear();
            return;
        }
        let failed: HashSet<&str> = plan.to_fail.iter().map(|(id, _)| id.as_str()).collect();
        let used_environments: HashSet<i32> = plan.placements.iter().map(|p| p.environment_id).collect();
        let arriving = queues_with_arrivals(snapshot);
        let mut read_jobs: HashMap<i32, bool> = HashMap::new(); // queue → whether any read job moved
        for job in &snapshot.runnable {
            let moved = placed.contains(job.id.as_str()) || failed.contains(job.id.as_str());
            *read_jobs.entry(job.queue_id).or_default() |= moved;
        }
        let mut blocked = HashMap::new();
        for queue in &snapshot.queues {
            let untouched = (queue.fair_share.is_none() || !arriving.contains(&queue.id))
                && !queue.environments.iter().any(|e| used_environments.contains(e));
            // A queue none of whose jobs the plan served keeps the count it had.
            let counted = plan.waiting_for_capacity.get(&queue.id).copied();
            let still_blocked = if let Some(waited) = snapshot.unread.get(&queue.id) {
                self.queues
                    .remove(&queue.id)
                    .filter(|_| untouched)
                    .map(|record| BlockedQueue { waiting_for_capacity: counted.unwrap_or(*waited), ..record })
            } else if untouched && read_jobs.get(&queue.id) == Some(&false) {
                Some(BlockedQueue {
                    queue: queue.clone(),
                    environments: environments_of(snapshot, queue),
                    read_at_ms: now_ms,
                    waiting_for_capacity: counted.unwrap_or(0),
                })
            } else {
                None
            };
            if let Some(record) = still_blocked {
                blocked.insert(queue.id, record);
            }
        }
        self.queues = blocked;
    }
}

/// The queues one of whose waiting jobs becomes RUNNABLE in the pass.
fn queues_with_arrivals(snapshot: &Snapshot) -> HashSet<i32> {
    let ready = snapshot.waiting.iter().filter(|job| dependency_outcome(&job.dependency_states) == JobStatus::Runnable);
    ready.map(|job| job.queue_id).collect()
}

/// The snapshots of `queue`'s environments, in its order.
fn environments_of(snapshot: &Snapshot, queue: &QueueSnapshot) -> Vec<EnvironmentSnapshot> {
    queue.environments.iter().filter_map(|id| snapshot.environments.iter().find(|e| e.id == *id).cloned()).collect()
}
