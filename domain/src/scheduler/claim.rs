//! The claim: which states a placed job moves through when the scheduler takes it.

use crate::JobStatus;

/// The compare-and-set a claim writes: jobs in one of `from` move through `via` to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimPath {
    pub from: &'static [JobStatus],
    pub via: &'static [JobStatus],
    pub to: JobStatus,
}

/// `became_ready_now`: the job was SUBMITTED or PENDING at the start of this pass and passes
/// through RUNNABLE in the same write. `starts_at_once`: a simulated attempt has no container to
/// create, so it is STARTING for no time and goes straight on to RUNNING (both states stay in
/// the history).
pub fn claim_path(became_ready_now: bool, starts_at_once: bool) -> ClaimPath {
    use JobStatus::*;
    match (became_ready_now, starts_at_once) {
        (false, false) => ClaimPath { from: &[Runnable], via: &[], to: Starting },
        (false, true) => ClaimPath { from: &[Runnable], via: &[Starting], to: Running },
        (true, false) => ClaimPath { from: &[Submitted, Pending], via: &[Runnable], to: Starting },
        (true, true) => ClaimPath { from: &[Submitted, Pending], via: &[Runnable, Starting], to: Running },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use JobStatus::*;

    #[test]
    fn the_claim_matrix() {
        let table = [
            ((false, false), (&[Runnable][..], &[][..], Starting)),
            ((false, true), (&[Runnable][..], &[Starting][..], Running)),
            ((true, false), (&[Submitted, Pending][..], &[Runnable][..], Starting)),
            ((true, true), (&[Submitted, Pending][..], &[Runnable, Starting][..], Running)),
        ];
        for ((ready, at_once), (from, via, to)) in table {
            let path = claim_path(ready, at_once);
            assert_eq!((path.from, path.via, path.to), (from, via, to), "ready now {ready}, at once {at_once}");
            for start in path.from {
                assert!(start.can_move_through(path.via, path.to), "{start} through {via:?} to {to} is a lifecycle move");
            }
        }
    }
}
