//! The job lifecycle as one closed enum (see ARCHITECTURE.md §2).

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Where a job is in its life. Each variant says who moves a job in and out of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    /// Accepted by SubmitJob. The scheduler moves it to PENDING or RUNNABLE.
    Submitted,
    /// Waiting on `dependsOn`. The scheduler moves it to RUNNABLE when every dependency
    /// SUCCEEDED, or to FAILED when one FAILED.
    Pending,
    /// Ready and waiting for capacity. The scheduler places it (STARTING); cancel, terminate
    /// or a queue's time-limit action fails it.
    Runnable,
    /// Placed; the executor is creating and starting its container.
    Starting,
    /// The container runs. The executor records the exit: SUCCEEDED, FAILED, or RUNNABLE again
    /// for a retry.
    Running,
    /// Terminal: the last attempt exited 0.
    Succeeded,
    /// Terminal: no attempts left, an EXIT rule matched, timeout, cancel or terminate.
    Failed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 7] = [
        JobStatus::Submitted,
        JobStatus::Pending,
        JobStatus::Runnable,
        JobStatus::Starting,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Submitted => "SUBMITTED",
            JobStatus::Pending => "PENDING",
            JobStatus::Runnable => "RUNNABLE",
            JobStatus::Starting => "STARTING",
            JobStatus::Running => "RUNNING",
            JobStatus::Succeeded => "SUCCEEDED",
            JobStatus::Failed => "FAILED",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed)
    }

    /// Whether the lifecycle allows moving from `self` to `next`.
    pub fn can_move_to(self, next: JobStatus) -> bool {
        use JobStatus::*;
        match (self, next) {
            (Submitted, Pending | Runnable | Failed) => true,
            // An array job waits PENDING while its children run, and ends with them.
            (Pending, Runnable | Succeeded | Failed) => true,
            (Runnable, Starting | Failed) => true,
            // A failed create/start goes back to RUNNABLE when a retry remains, and so does a
            // claim released by recovery. An attempt whose RUNNING the store did not take still
            // ends with what its container did.
            (Starting, Running | Runnable | Succeeded | Failed) => true,
            (Running, Succeeded | Failed | Runnable) => true,
            _ => false,
        }
    }

    /// Whether a job may go from `self` through each of `via` (recorded at the same instant) to
    /// `to`, every step allowed by `can_move_to`.
    pub fn can_move_through(self, via: &[JobStatus], to: JobStatus) -> bool {
        let mut at = self;
        for next in via.iter().copied().chain(std::iter::once(to)) {
            if !at.can_move_to(next) {
                return false;
            }
            at = next;
        }
        true
    }

    /// Cancel fails jobs that have not been placed yet; running ones need terminate.
    pub fn is_cancellable(self) -> bool {
        matches!(self, JobStatus::Submitted | JobStatus::Pending | JobStatus::Runnable)
    }
}

text_enum!(JobStatus);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job status {0:?}: expected one of SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED")]
pub struct UnknownJobStatus(pub String);

impl FromStr for JobStatus {
    type Err = UnknownJobStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobStatus::ALL.into_iter().find(|status| status.as_str() == s).ok_or_else(|| UnknownJobStatus(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::JobStatus::{self, *};

    #[test]
    fn every_status_round_trips_through_its_name() {
        for status in JobStatus::ALL {
            assert_eq!(status.as_str().parse::<JobStatus>(), Ok(status));
        }
        assert!("running".parse::<JobStatus>().is_err());
    }

    #[test]
    fn terminal_states_never_move() {
        for from in [Succeeded, Failed] {
            for to in JobStatus::ALL {
                assert!(!from.can_move_to(to), "{from} -> {to} must be refused");
            }
        }
    }

    #[test]
    fn the_lifecycle_table_allows_exactly_the_documented_moves() {
        let allowed = [
            (Submitted, Pending),
            (Submitted, Runnable),
            (Submitted, Failed),
            (Pending, Runnable),
            (Pending, Succeeded),
            (Pending, Failed),
            (Runnable, Starting),
            (Runnable, Failed),
            (Starting, Running),
            (Starting, Runnable),
            (Starting, Succeeded),
            (Starting, Failed),
            (Running, Succeeded),
            (Running, Failed),
            (Running, Runnable),
        ];
        for from in JobStatus::ALL {
            for to in JobStatus::ALL {
                assert_eq!(from.can_move_to(to), allowed.contains(&(from, to)), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn a_move_through_several_states_needs_every_step_allowed() {
        assert!(Submitted.can_move_through(&[Runnable, Starting], Running));
        assert!(Runnable.can_move_through(&[], Starting));
        assert!(!Submitted.can_move_through(&[Starting], Running), "SUBMITTED never skips RUNNABLE");
        assert!(!Succeeded.can_move_through(&[], Runnable));
        assert!(!Runnable.can_move_through(&[Starting, Running], Pending));
    }

    #[test]
    fn only_unplaced_jobs_are_cancellable() {
        let cancellable: Vec<_> = JobStatus::ALL.into_iter().filter(|s| s.is_cancellable()).collect();
        assert_eq!(cancellable, vec![Submitted, Pending, Runnable]);
    }
}
