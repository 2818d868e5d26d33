//! Fair-share ordering of a queue that follows a scheduling policy (ARCHITECTURE.md §14).
//!
//! Room goes, one job at a time, to the share whose holding, weighed by its `weightFactor`,
//! is least: the vCPUs its jobs hold now, plus what this pass has already given it, plus half
//! the job it would start, at most its own part of the queue (so no share is favoured by
//! rounding to whole jobs, and none whose part is under half a job is shut out). So under
//! contention a share's holding tends to be inversely proportional to its weight (0.125 gets
//! eight times what 1.0 gets), a share that holds nothing goes first, and within a share jobs
//! go by `schedulingPriority` (higher first), then oldest first. What a share holds counts with
//! what it used recently (`shareDecaySeconds`), so a team that used much a minute ago yields to
//! one that did not. `computeReservation` holds back
//! `(computeReservation/100)^activeShares` of the queue's vCPUs for shares that hold none.

use super::snapshot::RunnableJob;
use crate::scheduling_policy::FairsharePolicy;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, VecDeque};

/// A fair-share queue's policy and what each share's jobs hold now, as a pass sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct FairShare {
    pub policy: FairsharePolicy,
    /// (share identifier, milli-vCPUs its STARTING and RUNNING jobs in this queue hold).
    pub holding: Vec<(String, i64)>,
    /// (share identifier, milli-vCPUs its finished jobs used on average over the policy's
    /// `shareDecaySeconds`, decayed to now: `recent_use`).
    pub recent: Vec<(String, f64)>,
}

/// A share's used vCPU-milliseconds (milli-vCPUs × ms), `elapsed_ms` after it was `value`:
/// it fades by e over each `window_seconds`, so use an hour ago weighs less than use now.
pub fn decayed(value: f64, elapsed_ms: i64, window_seconds: i64) -> f64 {
    value * (-(elapsed_ms.max(0) as f64) / (window_seconds.max(1) as f64 * 1000.0)).exp()
}

/// What a share's decayed use (milli-vCPU·ms) amounts to as milli-vCPUs held through the
/// window: the unit of `holding`, so the two add up.
pub fn recent_use(decayed_vcpu_ms: f64, window_seconds: i64) -> f64 {
    decayed_vcpu_ms / (window_seconds.max(1) as f64 * 1000.0)
}

impl FairShare {
    pub fn holding_of(&self, share: &str) -> i64 {
        self.holding.iter().find(|(s, _)| s == share).map_or(0, |(_, held)| *held)
    }

    /// What a share counts as using: what it holds now plus its recent use.
    fn usage_of(&self, share: &str) -> f64 {
        self.holding_of(share) as f64 + self.recent.iter().find(|(s, _)| s == share).map_or(0.0, |(_, used)| *used)
    }

    /// Shares that hold capacity now.
    pub fn active_shares(&self) -> usize {
        self.holding.iter().filter(|(_, held)| *held > 0).count()
    }

    /// Milli-vCPUs of `capacity` held back for shares that hold none, with `active` shares
    /// holding some.
    pub fn reserved(&self, capacity: i64, active: usize) -> i64 {
        let percent = self.policy.compute_reservation.unwrap_or(0);
        if percent <= 0 || active == 0 {
            return 0;
        }
        (capacity as f64 * (percent as f64 / 100.0).powi(active as i32)).floor() as i64
    }
}

/// A share's turn: weighed holding (least first), then its next job's place in the input.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Turn {
    weighed: f64,
    first_seen: usize,
    share: usize,
}

impl Eq for Turn {}

impl Ord for Turn {
    fn cmp(&self, other: &Self) -> Ordering {
        self.weighed.total_cmp(&other.weighed).then(self.first_seen.cmp(&other.first_seen)).then(self.share.cmp(&other.share))
    }
}

impl PartialOrd for Turn {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The queue's RUNNABLE jobs (given oldest first) in the order fair share offers them room.
pub fn order<'a>(fair: &FairShare, capacity: i64, jobs: Vec<&'a RunnableJob>) -> Vec<&'a RunnableJob> {
    let mut shares: Vec<(&str, VecDeque<(usize, &'a RunnableJob)>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (position, job) in jobs.into_iter().enumerate() {
        let share = job.share.as_deref().unwrap_or("");
        let slot = *index.entry(share).or_insert_with(|| {
            shares.push((share, VecDeque::new()));
            shares.len() - 1
        });
        shares[slot].1.push_back((position, job));
    }
    for (_, queue) in &mut shares {
        // Stable: equal priorities keep their age order.
        queue.make_contiguous().sort_by_key(|(_, job)| Reverse(job.priority));
    }
    let weights: Vec<f64> = shares.iter().map(|(share, _)| fair.policy.weight_of(share)).collect();
    let mut used: Vec<f64> = shares.iter().map(|(share, _)| fair.usage_of(share)).collect();
    // Each share's part of the queue's capacity while all of these contend.
    let inverse_total: f64 = weights.iter().map(|w| 1.0 / w).sum();
    let parts: Vec<f64> = weights.iter().map(|w| capacity as f64 * (1.0 / w) / inverse_total).collect();
    // A share's turn is weighed by its use plus half its next job (Sainte-Laguë's divisor):
    // weighing its use before the job favours small shares by up to a job, weighing what it
    // would use after disfavours them by as much. The half job is at most the share's own
    // part of the queue: in a queue too small for a share's part to make half a job (weight 1
    // beside 0.125 in 2 vCPUs: 0.22 vCPU) the half job would outweigh all the others' use and
    // the share would never start one; capped, its recent use decides, and it gets its part
    // over time.
    let weighed = |used: f64, part: f64, next: &RunnableJob, weight: f64| (used + (next.milli_vcpus as f64 / 2.0).min(part)) * weight;
    let mut turns: BinaryHeap<Reverse<Turn>> = shares
        .iter()
        .enumerate()
        .map(|(slot, (_, queue))| {
            let (first_seen, next) = queue[0];
            Reverse(Turn { weighed: weighed(used[slot], parts[slot], next, weights[slot]), first_seen, share: slot })
        })
        .collect();
    let mut ordered = Vec::with_capacity(index.len());
    while let Some(Reverse(turn)) = turns.pop() {
        let queue = &mut shares[turn.share].1;
        let Some((_, job)) = queue.pop_front() else { continue };
        ordered.push(job);
        used[turn.share] += job.milli_vcpus as f64;
        if let Some(&(first_seen, next)) = queue.front() {
            let weighed = weighed(used[turn.share], parts[turn.share], next, weights[turn.share]);
            turns.push(Reverse(Turn { weighed, first_seen, share: turn.share }));
        }
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduling_policy::ShareAttributes;

    fn job(id: &str, share: &str, priority: i64) -> RunnableJob {
        RunnableJob {
            id: id.into(),
            queue_id: 1,
            milli_vcpus: 1000,
            memory_mib: 64,
            resources: vec![],
            share: Some(share.into()),
            priority,
            runnable_since: 0,
            current_reason: None,
        }
    }

    fn policy(weights: &[(&str, f64)]) -> FairsharePolicy {
        FairsharePolicy {
            share_distribution: weights
                .iter()
                .map(|(share, weight)| ShareAttributes { share_identifier: share.to_string(), weight_factor: Some(*weight) })
                .collect(),
            ..Default::default()
        }
    }

    /// A queue large enough that every share's part is many jobs.
    const BIG: i64 = 1_000_000;

    fn ids(jobs: Vec<&RunnableJob>) -> Vec<&str> {
        jobs.into_iter().map(|j| j.id.as_str()).collect()
    }

    #[test]
    fn shares_take_turns_by_weight_not_by_age() {
        // Team a submitted first and much more; b and c still get their turns at once.
        let jobs: Vec<RunnableJob> =
            (0..6).map(|n| job(&format!("a{n}"), "a", 0)).chain([job("b0", "b", 0), job("b1", "b", 0), job("c0", "c", 0)]).collect();
        let fair = FairShare { policy: policy(&[("b", 0.5)]), holding: vec![], recent: vec![] };
        // b weighs half, so it goes first and its second job comes before a's second.
        assert_eq!(ids(order(&fair, BIG, jobs.iter().collect())), ["b0", "a0", "c0", "b1", "a1", "a2", "a3", "a4", "a5"]);
    }

    #[test]
    fn what_a_share_holds_now_counts_and_priority_orders_within_a_share() {
        let jobs = [job("a-low", "a", 1), job("a-high", "a", 9), job("b0", "b", 0)];
        let fair = FairShare { policy: policy(&[]), holding: vec![("b".into(), 3000)], recent: vec![] };
        assert_eq!(ids(order(&fair, BIG, jobs.iter().collect())), ["a-high", "a-low", "b0"]);
    }

    #[test]
    fn a_share_that_used_much_recently_yields_to_one_that_did_not() {
        // a submitted first but used 2.5 vCPUs on average over the window; b used nothing.
        let jobs = [job("a0", "a", 0), job("a1", "a", 0), job("b0", "b", 0), job("b1", "b", 0)];
        let fresh = FairShare { policy: policy(&[]), holding: vec![], recent: vec![] };
        assert_eq!(ids(order(&fresh, BIG, jobs.iter().collect())), ["a0", "b0", "a1", "b1"]);
        let fair = FairShare { recent: vec![("a".into(), 2500.0)], ..fresh };
        assert_eq!(ids(order(&fair, BIG, jobs.iter().collect())), ["b0", "b1", "a0", "a1"]);
    }

    #[test]
    fn use_fades_by_e_over_each_window() {
        assert_eq!(decayed(1000.0, 0, 600), 1000.0);
        assert!((decayed(1000.0, 600_000, 600) - 1000.0 / std::f64::consts::E).abs() < 1e-9);
        assert!(decayed(1000.0, 6_000_000, 600) < 0.05);
        // One vCPU (1000 milli) used through a whole 600 s window is one vCPU held.
        assert_eq!(recent_use(1000.0 * 600_000.0, 600), 1000.0);
    }

    #[test]
    fn the_reservation_shrinks_with_each_active_share() {
        let fair =
            FairShare { policy: FairsharePolicy { compute_reservation: Some(50), ..Default::default() }, holding: vec![], recent: vec![] };
        assert_eq!(fair.reserved(8000, 0), 0, "nothing to hold back while no share is active");
        assert_eq!(fair.reserved(8000, 1), 4000);
        assert_eq!(fair.reserved(8000, 2), 2000);
        assert_eq!(fair.reserved(8000, 3), 1000);
    }
}
