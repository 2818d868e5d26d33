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

/// The reasons of many waiting jobs (their `statusReason`, `None` before the scheduler read
/// them) grouped as a person reads them: a job's place in line ("behind 7 job(s)") is dropped,
/// so a queue's jobs behind others count as one reason. Most jobs first; ties by text.
pub fn top_reasons(reasons: impl IntoIterator<Item = (Option<String>, i64)>) -> Vec<(String, i64)> {
    let mut grouped: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (reason, count) in reasons {
        *grouped.entry(reason_group(reason.as_deref())).or_default() += count;
    }
    let mut top: Vec<(String, i64)> = grouped.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top
}

fn reason_group(reason: Option<&str>) -> String {
    let Some(reason) = reason.filter(|r| !r.is_empty()) else { return "Not yet placed by the scheduler".into() };
    match reason.strip_prefix("Waiting behind ").and_then(|rest| rest.split_once(" in queue ")) {
        Some((_, queue)) => format!("Waiting behind other jobs in queue {queue}"),
        None => reason.to_string(),
    }
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
    fn waiting_jobs_group_by_reason_without_their_place_in_line() {
        let behind = |ahead| Some(WaitReason::BehindOthers { queue: "q".into(), ahead }.to_string());
        let full = WaitReason::EnvironmentsFull {
            environments: vec![EnvironmentUse { name: "ce".into(), used_milli_vcpus: 2000, max_milli_vcpus: 2000 }],
        }
        .to_string();
        let top = top_reasons([(behind(1), 1), (behind(2), 1), (behind(150), 40), (Some(full.clone()), 1), (None, 3)]);
        assert_eq!(
            top,
            [
                ("Waiting behind other jobs in queue q for capacity".to_string(), 42),
                ("Not yet placed by the scheduler".to_string(), 3),
                (full, 1),
            ]
        );
        assert_eq!(top_reasons([]), []);
    }

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
