//! Why a RUNNABLE job is not placed, as data. The planner decides the reason; its text (AWS's
//! `statusReason`, shown by the API and the console) is rendered by one function, `Display`.

use std::fmt;

/// Jobs with more waiting ahead of them share one reason, so a long queue costs few writes.
pub const NAMED_POSITIONS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitReason {
    QueueDisabled {
        queue: String,
    },
    NoEnabledEnvironment {
        queue: String,
    },
    /// Larger than any ENABLED environment of its queue could ever offer.
    NeverFits {
        milli_vcpus: i64,
        memory_mib: i64,
        largest_milli_vcpus: i64,
        largest_memory_mib: i64,
    },
    /// First in line: every environment of the queue is full.
    EnvironmentsFull {
        environments: Vec<EnvironmentUse>,
    },
    /// Behind `ahead` other jobs of its queue that are waiting for capacity (capped at
    /// `NAMED_POSITIONS`).
    BehindOthers {
        queue: String,
        ahead: usize,
    },
    /// Needs more of a consumable resource than is available now.
    ResourceShort {
        resource: String,
        needed: i64,
        available: i64,
    },
    /// A fair-share queue's job whose share holds more than its part of what is in use.
    ShareOverTarget {
        share: String,
        holding_percent: u32,
        target_percent: u32,
    },
    /// A fair-share queue holds this much back for shares that have no running job.
    HeldForNewShares {
        reserved_milli_vcpus: i64,
    },
    QueueGone,
}

/// What an environment has in use, as a full-environment reason names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentUse {
    pub name: String,
    pub used_milli_vcpus: i64,
    pub max_milli_vcpus: i64,
}

fn vcpus(milli: i64) -> f64 {
    milli as f64 / 1000.0
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitReason::QueueDisabled { queue } => write!(f, "Job queue {queue} is DISABLED"),
            WaitReason::NoEnabledEnvironment { queue } => write!(f, "No ENABLED compute environment in job queue {queue}"),
            WaitReason::NeverFits { milli_vcpus, memory_mib, largest_milli_vcpus, largest_memory_mib } => write!(
                f,
                "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - needs {} vCPU and {memory_mib} MiB; the largest host of an ENABLED compute environment offers {} vCPU and {largest_memory_mib} MiB",
                vcpus(*milli_vcpus),
                vcpus(*largest_milli_vcpus),
            ),
            WaitReason::EnvironmentsFull { environments } => {
                let described: Vec<String> = environments
                    .iter()
                    .map(|e| format!("{} ({} of {} vCPU in use)", e.name, vcpus(e.used_milli_vcpus), vcpus(e.max_milli_vcpus)))
                    .collect();
                write!(f, "Waiting for capacity: compute environment {} full", described.join(", "))
            }
            WaitReason::BehindOthers { queue, ahead } if *ahead < NAMED_POSITIONS => {
                write!(f, "Waiting behind {ahead} job(s) in queue {queue} for capacity")
            }
            WaitReason::BehindOthers { queue, .. } => {
                write!(f, "Waiting behind {NAMED_POSITIONS} or more jobs in queue {queue} for capacity")
            }
            WaitReason::ResourceShort { resource, needed, available } => {
                write!(f, "Waiting for consumable resource {resource}: needs {needed}, {available} available")
            }
            WaitReason::ShareOverTarget { share, holding_percent, target_percent } => write!(
                f,
                "Share {share} is over its fair share ({holding_percent}% of the queue's capacity in use, target {target_percent}%)"
            ),
            WaitReason::HeldForNewShares { reserved_milli_vcpus } => write!(
                f,
                "Waiting: {} vCPU are held back for shares with no running job (computeReservation)",
                vcpus(*reserved_milli_vcpus)
            ),
            WaitReason::QueueGone => write!(f, "Its job queue no longer exists"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_reads_as_aws_and_the_console_show_it() {
        let q = || "q".to_string();
        let table = [
            (WaitReason::QueueDisabled { queue: q() }, "Job queue q is DISABLED"),
            (WaitReason::NoEnabledEnvironment { queue: q() }, "No ENABLED compute environment in job queue q"),
            (
                WaitReason::NeverFits { milli_vcpus: 8000, memory_mib: 64, largest_milli_vcpus: 2000, largest_memory_mib: 4096 },
                "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - needs 8 vCPU and 64 MiB; the largest host of an ENABLED compute environment offers 2 vCPU and 4096 MiB",
            ),
            (
                WaitReason::EnvironmentsFull {
                    environments: vec![EnvironmentUse { name: "ce".into(), used_milli_vcpus: 1500, max_milli_vcpus: 2000 }],
                },
                "Waiting for capacity: compute environment ce (1.5 of 2 vCPU in use) full",
            ),
            (WaitReason::BehindOthers { queue: q(), ahead: 3 }, "Waiting behind 3 job(s) in queue q for capacity"),
            (WaitReason::BehindOthers { queue: q(), ahead: NAMED_POSITIONS }, "Waiting behind 100 or more jobs in queue q for capacity"),
            (WaitReason::QueueGone, "Its job queue no longer exists"),
        ];
        for (reason, text) in table {
            assert_eq!(reason.to_string(), text);
        }
    }
}
