//! Placing RUNNABLE jobs on compute environments.
//!
//! Queues are served highest priority first; within a queue, oldest job first; a job tries the
//! queue's environments in order. A job is placed on the first host with room, never beyond the
//! environment's `maxvCpus` nor the host's vCPUs and memory. Every job left waiting gets the
//! reason, checked in this order: the queue is disabled; no environment is enabled; the job is
//! larger than any enabled environment could ever offer; a consumable resource it needs is short;
//! jobs ahead of it are waiting; the environments are full.

use super::fair_share::{self, FairShare};
use super::snapshot::{EnvironmentSnapshot, QueueSnapshot, RunnableJob, Snapshot};
use super::wait_reason::{EnvironmentUse, NAMED_POSITIONS, WaitReason};
use crate::compute_environment::State;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub job_id: String,
    pub environment_id: i32,
    pub host_index: usize,
}

/// What placing decided.
#[derive(Debug, Default)]
pub struct Placing {
    pub placements: Vec<Placement>,
    /// Each job left waiting whose reason is not the one it already shows.
    pub reasons: Vec<(String, WaitReason)>,
    /// Per queue, how many of its jobs wait for capacity (those a job arriving next is behind).
    pub waiting_for_capacity: HashMap<i32, usize>,
}

/// Places what fits of `runnable`; in a queue left unread, the jobs given queue behind the
/// `snapshot.unread` jobs that wait for capacity there.
pub fn place_runnable_jobs(snapshot: &Snapshot, runnable: &[&RunnableJob]) -> Placing {
    let mut environments: HashMap<i32, EnvironmentSnapshot> = snapshot.environments.iter().map(|e| (e.id, e.clone())).collect();
    let mut available: HashMap<&str, i64> = snapshot.resources.iter().map(|r| (r.name.as_str(), r.available)).collect();
    let (queues, mut by_queue) = dispatch_order(snapshot, runnable);
    let mut placements = Vec::new();
    let mut reasons = Vec::new();
    let mut waiting_for_capacity = HashMap::new();
    let mut note = |job: &RunnableJob, reason: WaitReason| {
        if job.current_reason.as_deref() != Some(reason.to_string().as_str()) {
            reasons.push((job.id.clone(), reason));
        }
    };

    for queue in queues {
        let Some(jobs) = by_queue.remove(&queue.id) else { continue };
        if queue.state == State::Disabled {
            for job in jobs {
                note(job, WaitReason::QueueDisabled { queue: queue.name.clone() });
            }
            continue;
        }
        let enabled: Vec<i32> =
            queue.environments.iter().copied().filter(|id| environments.get(id).is_some_and(|e| e.state == State::Enabled)).collect();
        if enabled.is_empty() {
            for job in jobs {
                note(job, WaitReason::NoEnabledEnvironment { queue: queue.name.clone() });
            }
            continue;
        }
        let mut shares = fair_share_state(queue, &jobs);
        let capacity: i64 = enabled.iter().filter_map(|id| environments.get(id)).map(|e| e.max_milli_vcpus).sum();
        let mut waiting_ahead = snapshot.unread.get(&queue.id).copied().unwrap_or(0);
        for job in jobs {
            if let Some(reason) = never_fits(job, &enabled, &environments) {
                note(job, reason);
                continue;
            }
            // A job short of a consumable resource waits for it without holding up the jobs
            // behind it, which may need none.
            if let Some(reason) = short_of(job, &available) {
                note(job, reason);
                continue;
            }
            if let Some(reason) = shares.as_ref().and_then(|s| s.held_back(job, capacity, || free_capacity(&enabled, &environments))) {
                note(job, reason);
                continue;
            }
            match place_one(job, &enabled, &mut environments) {
                Some(placement) => {
                    for (name, quantity) in &job.resources {
                        *available.entry(name.as_str()).or_insert(0) -= quantity;
                    }
                    if let Some(shares) = &mut shares {
                        shares.gave(job);
                    }
                    placements.push(placement)
                }
                None => {
                    let reason = match shares.as_ref().and_then(|s| s.over_target(job)) {
                        Some(reason) => reason,
                        None if waiting_ahead == 0 => capacity_reason(&enabled, &environments),
                        None => WaitReason::BehindOthers { queue: queue.name.clone(), ahead: waiting_ahead.min(NAMED_POSITIONS) },
                    };
                    note(job, reason);
                    waiting_ahead += 1;
                }
            }
        }
        waiting_for_capacity.insert(queue.id, waiting_ahead);
    }
    for job in by_queue.into_values().flatten() {
        note(job, WaitReason::QueueGone);
    }
    Placing { placements, reasons, waiting_for_capacity }
}

/// The order jobs are offered room in: queues by priority (then name), and each queue's jobs
/// in the order given (oldest first, as the store reads them), or by share in a fair-share
/// queue (`fair_share::order`). GetJobQueueSnapshot shows the
/// same order (`front_of_queue`), so what it says runs next is what the scheduler tries next.
pub fn dispatch_order<'a>(
    snapshot: &'a Snapshot,
    runnable: &[&'a RunnableJob],
) -> (Vec<&'a QueueSnapshot>, HashMap<i32, Vec<&'a RunnableJob>>) {
    let mut queues: Vec<&QueueSnapshot> = snapshot.queues.iter().collect();
    queues.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.name.cmp(&b.name)));
    let mut by_queue: HashMap<i32, Vec<&RunnableJob>> = HashMap::new();
    for job in runnable {
        by_queue.entry(job.queue_id).or_default().push(job);
    }
    for queue in &queues {
        let Some(fair) = &queue.fair_share else { continue };
        if let Some(jobs) = by_queue.remove(&queue.id) {
            let capacity = snapshot.environments.iter().filter(|e| queue.environments.contains(&e.id)).map(|e| e.max_milli_vcpus).sum();
            by_queue.insert(queue.id, fair_share::order(fair, capacity, jobs));
        }
    }
    (queues, by_queue)
}

/// The first consumable resource the job needs more of than is available (a resource that no
/// longer exists has none).
fn short_of(job: &RunnableJob, available: &HashMap<&str, i64>) -> Option<WaitReason> {
    job.resources.iter().find_map(|(name, needed)| {
        let available = available.get(name.as_str()).copied().unwrap_or(0);
        (available < *needed).then(|| WaitReason::ResourceShort { resource: name.clone(), needed: *needed, available: available.max(0) })
    })
}

/// The job is bigger than any enabled environment's limit or largest host.
fn never_fits(job: &RunnableJob, enabled: &[i32], environments: &HashMap<i32, EnvironmentSnapshot>) -> Option<WaitReason> {
    let fits_somewhere = enabled.iter().filter_map(|id| environments.get(id)).any(|e| {
        job.milli_vcpus <= e.max_milli_vcpus && e.hosts.iter().any(|h| job.milli_vcpus <= h.milli_vcpus && job.memory_mib <= h.memory_mib)
    });
    if fits_somewhere {
        return None;
    }
    let largest = enabled
        .iter()
        .filter_map(|id| environments.get(id))
        .flat_map(|e| e.hosts.iter().map(move |h| (h.milli_vcpus.min(e.max_milli_vcpus), h.memory_mib)))
        .max()
        .unwrap_or((0, 0));
    Some(WaitReason::NeverFits {
        milli_vcpus: job.milli_vcpus,
        memory_mib: job.memory_mib,
        largest_milli_vcpus: largest.0,
        largest_memory_mib: largest.1,
    })
}

fn place_one(job: &RunnableJob, enabled: &[i32], environments: &mut HashMap<i32, EnvironmentSnapshot>) -> Option<Placement> {
    for id in enabled {
        let environment = environments.get_mut(id)?;
        if environment.used_milli_vcpus() + job.milli_vcpus > environment.max_milli_vcpus {
            continue;
        }
        let free_host = environment
            .hosts
            .iter()
            .position(|h| h.used_milli_vcpus + job.milli_vcpus <= h.milli_vcpus && h.used_memory_mib + job.memory_mib <= h.memory_mib);
        if let Some(index) = free_host {
            let host = &mut environment.hosts[index];
            host.used_milli_vcpus += job.milli_vcpus;
            host.used_memory_mib += job.memory_mib;
            return Some(Placement { job_id: job.id.clone(), environment_id: *id, host_index: index });
        }
    }
    None
}

/// Milli-vCPUs the environments could still give.
fn free_capacity(enabled: &[i32], environments: &HashMap<i32, EnvironmentSnapshot>) -> i64 {
    enabled.iter().filter_map(|id| environments.get(id)).map(|e| (e.max_milli_vcpus - e.used_milli_vcpus()).max(0)).sum()
}

/// A fair-share queue's shares during a pass: what each holds (now, plus what the pass gave),
/// kept with the totals the reasons need so each job costs a few lookups, not a walk of the
/// shares.
struct Shares<'a> {
    fair: &'a FairShare,
    holding: HashMap<String, i64>,
    total_held: i64,
    active: usize,
    /// 1 / weightFactor of each share that holds capacity or has RUNNABLE jobs, and their sum:
    /// a share's target part is its own over the sum.
    inverse_weights: HashMap<String, f64>,
    inverse_total: f64,
}

fn fair_share_state<'a>(queue: &'a QueueSnapshot, jobs: &[&RunnableJob]) -> Option<Shares<'a>> {
    let fair = queue.fair_share.as_ref()?;
    let holding: HashMap<String, i64> = fair.holding.iter().cloned().collect();
    let mut inverse_weights: HashMap<String, f64> = HashMap::new();
    let busy = holding.iter().filter(|(_, held)| **held > 0).map(|(share, _)| share.as_str()).chain(jobs.iter().map(|job| share_of(job)));
    for share in busy {
        if !inverse_weights.contains_key(share) {
            inverse_weights.insert(share.to_string(), 1.0 / fair.policy.weight_of(share));
        }
    }
    Some(Shares {
        fair,
        total_held: holding.values().sum(),
        active: holding.values().filter(|held| **held > 0).count(),
        inverse_total: inverse_weights.values().sum(),
        inverse_weights,
        holding,
    })
}

fn share_of(job: &RunnableJob) -> &str {
    job.share.as_deref().unwrap_or("")
}

impl Shares<'_> {
    fn held(&self, share: &str) -> i64 {
        self.holding.get(share).copied().unwrap_or(0)
    }

    fn gave(&mut self, job: &RunnableJob) {
        let held = self.holding.entry(share_of(job).to_string()).or_insert(0);
        if *held == 0 {
            self.active += 1;
        }
        *held += job.milli_vcpus;
        self.total_held += job.milli_vcpus;
    }

    /// A job of a share that already holds capacity may not take what the policy's
    /// reservation keeps for shares that hold none.
    fn held_back(&self, job: &RunnableJob, capacity: i64, free: impl FnOnce() -> i64) -> Option<WaitReason> {
        if self.held(share_of(job)) == 0 {
            return None;
        }
        let reserved = self.fair.reserved(capacity, self.active);
        (reserved > 0 && free() - job.milli_vcpus < reserved).then_some(WaitReason::HeldForNewShares { reserved_milli_vcpus: reserved })
    }

    /// The share-terms reason of a job left without room, when its share holds more than its
    /// target part of what the queue holds.
    fn over_target(&self, job: &RunnableJob) -> Option<WaitReason> {
        let share = share_of(job);
        if self.total_held == 0 || self.inverse_total <= 0.0 {
            return None;
        }
        let holding = self.held(share) as f64 / self.total_held as f64;
        let target = self.inverse_weights.get(share).copied().unwrap_or(1.0) / self.inverse_total;
        (holding > target).then(|| WaitReason::ShareOverTarget {
            share: share.to_string(),
            holding_percent: (holding * 100.0).round() as u32,
            target_percent: (target * 100.0).round() as u32,
        })
    }
}

fn capacity_reason(enabled: &[i32], environments: &HashMap<i32, EnvironmentSnapshot>) -> WaitReason {
    let environments = enabled
        .iter()
        .filter_map(|id| environments.get(id))
        .map(|e| EnvironmentUse { name: e.name.clone(), used_milli_vcpus: e.used_milli_vcpus(), max_milli_vcpus: e.max_milli_vcpus })
        .collect();
    WaitReason::EnvironmentsFull { environments }
}
