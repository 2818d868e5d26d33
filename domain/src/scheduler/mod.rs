//! Scheduling as a pure function: `plan(snapshot, now) -> Plan`.
//!
//! The shell loads a `Snapshot` (queues, environments, their hosts and what is in use, and the
//! jobs waiting to move), calls `plan`, and applies the result with compare-and-set writes.
//! Nothing here reads a clock or a database, so every decision is a table test away.

mod array;
mod backlog;
mod claim;
mod fair_share;
mod placement;
mod snapshot;
mod wait_reason;
mod window;

pub use array::array_outcome;
pub use backlog::{BlockedQueues, REREAD_AFTER_MS, RESTATE_AFTER_MS};
pub use claim::{ClaimPath, claim_path};
pub use fair_share::{FairShare, decayed, recent_use};
pub use placement::{Placement, Placing, place_runnable_jobs};
pub use snapshot::{EnvironmentSnapshot, HostSnapshot, QueueSnapshot, ResourceNeeds, ResourceSnapshot, RunnableJob, Snapshot, WaitingJob};
pub use wait_reason::{EnvironmentUse, NAMED_POSITIONS, WaitReason, top_reasons};
pub use window::{MIN_QUEUE_WINDOW, MIN_SHARE_WINDOW, PASS_LIMIT, queue_window};

use crate::JobStatus;
use std::collections::{HashMap, HashSet};

pub const DEPENDENT_JOB_FAILED: &str = "Dependent job failed";

/// What one scheduling pass decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// SUBMITTED jobs whose dependencies are not all done yet.
    pub to_pending: Vec<String>,
    /// SUBMITTED or PENDING jobs whose dependencies all SUCCEEDED, left RUNNABLE.
    pub to_runnable: Vec<String>,
    /// SUBMITTED or PENDING jobs whose dependencies all SUCCEEDED and that fit at once: they
    /// pass through RUNNABLE to start in one write (their placements are in `placements`).
    pub ready_and_placed: Vec<String>,
    /// Jobs to fail, with the reason (a failed dependency, or a queue's time limit).
    pub to_fail: Vec<(String, String)>,
    /// Jobs to start, and where: RUNNABLE ones, and those in `ready_and_placed`.
    pub placements: Vec<Placement>,
    /// RUNNABLE jobs left waiting whose reason changed.
    pub reasons: Vec<(String, WaitReason)>,
    /// Per queue served, how many of its jobs now wait for capacity (`BlockedQueues` keeps it
    /// for a queue it leaves unread).
    pub waiting_for_capacity: HashMap<i32, usize>,
}

/// The decision for one waiting job given the states of what it depends on.
pub fn dependency_outcome(dependency_states: &[JobStatus]) -> JobStatus {
    if dependency_states.contains(&JobStatus::Failed) {
        JobStatus::Failed
    } else if dependency_states.iter().all(|s| *s == JobStatus::Succeeded) {
        JobStatus::Runnable
    } else {
        JobStatus::Pending
    }
}

pub fn plan(snapshot: &Snapshot, now_ms: i64) -> Plan {
    let mut plan = Plan::default();
    let mut ready = Vec::new();
    for job in &snapshot.waiting {
        match (job.status, dependency_outcome(&job.dependency_states)) {
            (_, JobStatus::Failed) => plan.to_fail.push((job.id.clone(), DEPENDENT_JOB_FAILED.to_string())),
            (_, JobStatus::Runnable) => ready.push(RunnableJob {
                id: job.id.clone(),
                queue_id: job.queue_id,
                milli_vcpus: job.milli_vcpus,
                memory_mib: job.memory_mib,
                resources: job.resources.clone(),
                share: job.share.clone(),
                priority: job.priority,
                runnable_since: now_ms,
                current_reason: None,
            }),
            (JobStatus::Submitted, _) => plan.to_pending.push(job.id.clone()),
            _ => {}
        }
    }
    let (expired, mut runnable): (Vec<&RunnableJob>, Vec<&RunnableJob>) =
        snapshot.runnable.iter().partition(|job| time_limit_reason(snapshot, job, now_ms).is_some());
    for job in expired {
        let reason = time_limit_reason(snapshot, job, now_ms).unwrap_or_default();
        plan.to_fail.push((job.id.clone(), reason));
    }
    // Jobs that become RUNNABLE now queue behind those already RUNNABLE.
    runnable.extend(ready.iter());
    let Placing { placements, reasons, waiting_for_capacity } = place_runnable_jobs(snapshot, &runnable);
    let placed: HashSet<&str> = placements.iter().map(|p| p.job_id.as_str()).collect();
    for job in ready {
        if placed.contains(job.id.as_str()) {
            plan.ready_and_placed.push(job.id);
        } else {
            plan.to_runnable.push(job.id);
        }
    }
    plan.placements = placements;
    plan.reasons = reasons;
    plan.waiting_for_capacity = waiting_for_capacity;
    plan
}

/// The first `limit` RUNNABLE jobs of a queue in the order the next pass offers them room:
/// the plan's own order, less the jobs the plan fails for waiting too long.
pub fn front_of_queue(snapshot: &Snapshot, queue_id: i32, now_ms: i64, limit: usize) -> Vec<&RunnableJob> {
    let staying: Vec<&RunnableJob> = snapshot.runnable.iter().filter(|job| time_limit_reason(snapshot, job, now_ms).is_none()).collect();
    let (_, mut by_queue) = placement::dispatch_order(snapshot, &staying);
    let mut front = by_queue.remove(&queue_id).unwrap_or_default();
    front.truncate(limit);
    front
}

fn time_limit_reason(snapshot: &Snapshot, job: &RunnableJob, now_ms: i64) -> Option<String> {
    let queue = snapshot.queues.iter().find(|q| q.id == job.queue_id)?;
    let waited_ms = now_ms - job.runnable_since;
    queue.time_limits.iter().find(|(max_seconds, _)| waited_ms >= max_seconds * 1000).map(|(_, reason)| reason.clone())
}

#[cfg(test)]
mod tests;
