//! The read-only state a scheduling pass decides from.

use crate::JobStatus;
use crate::compute_environment::State;
use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub queues: Vec<QueueSnapshot>,
    pub environments: Vec<EnvironmentSnapshot>,
    /// SUBMITTED and PENDING jobs with the states of everything they wait on.
    pub waiting: Vec<WaitingJob>,
    /// RUNNABLE jobs, oldest first within each queue, of every queue but those in `unread`.
    pub runnable: Vec<RunnableJob>,
    /// Queues whose RUNNABLE jobs the pass left unread (`BlockedQueues::unread`), each with
    /// how many of those jobs wait for capacity: a job becoming RUNNABLE there queues behind them.
    pub unread: HashMap<i32, usize>,
    /// Consumable resources and how much of each is available now.
    pub resources: Vec<ResourceSnapshot>,
}

/// A consumable resource: its total less what started jobs hold (REPLENISHABLE) or have used
/// up (NON_REPLENISHABLE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSnapshot {
    pub name: String,
    pub available: i64,
}

/// What a job needs of consumable resources: (resource name, quantity).
pub type ResourceNeeds = Vec<(String, i64)>;

#[derive(Debug, Clone, PartialEq)]
pub struct QueueSnapshot {
    pub id: i32,
    pub name: String,
    pub state: State,
    pub priority: i64,
    /// Compute environment ids in the queue's order.
    pub environments: Vec<i32>,
    /// (maxTimeSeconds, reason) of RUNNABLE time-limit actions.
    pub time_limits: Vec<(i64, String)>,
    /// The fair-share policy it follows and what its shares hold; none: first in, first out.
    pub fair_share: Option<super::fair_share::FairShare>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentSnapshot {
    pub id: i32,
    pub name: String,
    pub state: State,
    pub max_milli_vcpus: i64,
    pub hosts: Vec<HostSnapshot>,
}

/// One Docker engine: what it offers and what placed jobs use of it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostSnapshot {
    pub milli_vcpus: i64,
    pub memory_mib: i64,
    pub used_milli_vcpus: i64,
    pub used_memory_mib: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingJob {
    pub id: String,
    pub status: JobStatus,
    pub dependency_states: Vec<JobStatus>,
    /// Where it would run and what it asks for: a job whose dependencies are met can be
    /// placed in the same pass that makes it RUNNABLE.
    pub queue_id: i32,
    pub milli_vcpus: i64,
    pub memory_mib: i64,
    pub resources: ResourceNeeds,
    pub share: Option<String>,
    pub priority: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnableJob {
    pub id: String,
    pub queue_id: i32,
    pub milli_vcpus: i64,
    pub memory_mib: i64,
    pub resources: ResourceNeeds,
    /// Its `shareIdentifier` and `schedulingPriority` (0 when none), for fair-share queues.
    pub share: Option<String>,
    pub priority: i64,
    /// When the job became RUNNABLE (time limits count from here).
    pub runnable_since: i64,
    pub current_reason: Option<String>,
}

impl EnvironmentSnapshot {
    pub fn used_milli_vcpus(&self) -> i64 {
        self.hosts.iter().map(|h| h.used_milli_vcpus).sum()
    }
}
