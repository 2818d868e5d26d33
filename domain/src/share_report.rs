//! What a fair-share queue's page shows (ARCHITECTURE.md §14): each share's target part of the
//! queue's capacity while the shares contend, and its use over the decay window as a series,
//! from the runs of its jobs. Pure: the shell loads the runs, this turns them into figures.

use crate::scheduling_policy::FairsharePolicy;
use serde::{Deserialize, Serialize};

/// A queue's page: its shares against their targets, their use over the window, and the jobs
/// the next pass offers room first. A first-in-first-out queue has no policy and no shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSharesView {
    pub queue: String,
    pub policy_name: Option<String>,
    pub window_seconds: i64,
    /// The queue's environments' maximum vCPUs together, and what its jobs hold now.
    pub capacity_vcpus: f64,
    pub used_vcpus: f64,
    pub shares: Vec<ShareLine>,
    pub series: Option<UsageSeries>,
    /// The targets of the shares that ran in the window, among themselves: the chart's lines,
    /// which stay after the queue drains.
    pub window_targets: Vec<(String, f64)>,
    /// Up to `front_limit` RUNNABLE jobs in dispatch order.
    pub front: Vec<FrontJob>,
    pub front_limit: usize,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareLine {
    pub share: String,
    pub weight_factor: f64,
    /// Its due part of capacity (0-1) among the shares that hold or want capacity now; none
    /// when it does neither.
    pub target: Option<f64>,
    pub holding_vcpus: f64,
    /// What it used over the window (vCPUs held on average, decayed), as the scheduler counts.
    pub recent_vcpus: f64,
    pub runnable: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontJob {
    pub job_id: String,
    pub name: String,
    pub share: Option<String>,
    pub priority: i64,
    pub runnable_since: i64,
}

/// One line per share that holds capacity, used some recently, or has jobs waiting, by name.
/// `holding` and `recent` are milli-vCPUs, as the scheduler's snapshot has them.
pub fn share_lines(
    policy: &FairsharePolicy,
    holding: &[(String, i64)],
    recent: &[(String, f64)],
    runnable: &[(String, i64)],
) -> Vec<ShareLine> {
    let mut names: Vec<&String> =
        holding.iter().map(|(s, _)| s).chain(recent.iter().map(|(s, _)| s)).chain(runnable.iter().map(|(s, _)| s)).collect();
    names.sort();
    names.dedup();
    let held = |share: &str| holding.iter().find(|(s, _)| s == share).map_or(0, |(_, h)| *h);
    let waiting = |share: &str| runnable.iter().find(|(s, _)| s == share).map_or(0, |(_, n)| *n);
    let contending: Vec<String> = names.iter().filter(|s| held(s) > 0 || waiting(s) > 0).map(|s| s.to_string()).collect();
    let targets = targets(policy, &contending);
    names
        .into_iter()
        .map(|share| ShareLine {
            share: share.clone(),
            weight_factor: policy.weight_of(share),
            target: targets.iter().find(|(s, _)| s == share).map(|(_, t)| *t),
            holding_vcpus: held(share) as f64 / 1000.0,
            recent_vcpus: recent.iter().find(|(s, _)| s == share).map_or(0.0, |(_, r)| *r) / 1000.0,
            runnable: waiting(share),
        })
        .collect()
}

/// One job's run in a fair-share queue: who ran it, how many vCPUs it held, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareRun {
    pub share: String,
    pub milli_vcpus: i64,
    pub started_at: i64,
    /// None while it runs.
    pub stopped_at: Option<i64>,
}

/// The part of the queue's capacity (0-1) each of `shares` is due while all of them contend:
/// inversely proportional to its weight factor, as the scheduler orders them.
pub fn targets(policy: &FairsharePolicy, shares: &[String]) -> Vec<(String, f64)> {
    let inverse: Vec<f64> = shares.iter().map(|share| 1.0 / policy.weight_of(share)).collect();
    let total: f64 = inverse.iter().sum();
    shares.iter().zip(inverse).map(|(share, inverse)| (share.clone(), if total > 0.0 { inverse / total } else { 0.0 })).collect()
}

/// vCPUs each share held on average in each of `buckets` equal slices of the `window_ms`
/// before `now`, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageSeries {
    pub start_ms: i64,
    pub bucket_ms: i64,
    /// Shares in name order, each with one figure per bucket.
    pub shares: Vec<(String, Vec<f64>)>,
}

impl UsageSeries {
    /// Each share's part (0-1) of what all shares held in each bucket; none where nothing ran
    /// (a gap in the chart, not a fall to zero).
    pub fn parts(&self) -> Vec<(String, Vec<Option<f64>>)> {
        let buckets = self.shares.first().map_or(0, |(_, values)| values.len());
        let totals: Vec<f64> = (0..buckets).map(|b| self.shares.iter().map(|(_, values)| values[b]).sum()).collect();
        self.shares
            .iter()
            .map(|(share, values)| {
                let parts = values.iter().zip(&totals).map(|(value, total)| (*total > 0.0).then(|| value / total)).collect();
                (share.clone(), parts)
            })
            .collect()
    }
}

pub fn usage_series(runs: &[ShareRun], now: i64, window_ms: i64, buckets: usize) -> UsageSeries {
    let buckets = buckets.max(1);
    let bucket_ms = (window_ms / buckets as i64).max(1);
    let start_ms = now - bucket_ms * buckets as i64;
    let mut shares: Vec<(String, Vec<f64>)> = Vec::new();
    for run in runs {
        let from = run.started_at.max(start_ms);
        let to = run.stopped_at.unwrap_or(now).min(now);
        if to <= from {
            continue;
        }
        let slot = match shares.binary_search_by(|(share, _)| share.as_str().cmp(&run.share)) {
            Ok(slot) => slot,
            Err(slot) => {
                shares.insert(slot, (run.share.clone(), vec![0.0; buckets]));
                slot
            }
        };
        let first = ((from - start_ms) / bucket_ms) as usize;
        let last = (((to - start_ms - 1) / bucket_ms) as usize).min(buckets - 1);
        for bucket in first..=last {
            let bucket_start = start_ms + bucket as i64 * bucket_ms;
            let overlap = to.min(bucket_start + bucket_ms) - from.max(bucket_start);
            shares[slot].1[bucket] += overlap.max(0) as f64 * run.milli_vcpus as f64 / 1000.0 / bucket_ms as f64;
        }
    }
    UsageSeries { start_ms, bucket_ms, shares }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduling_policy::ShareAttributes;

    fn run(share: &str, vcpus: i64, started_at: i64, stopped_at: Option<i64>) -> ShareRun {
        ShareRun { share: share.into(), milli_vcpus: vcpus * 1000, started_at, stopped_at }
    }

    #[test]
    fn targets_are_inverse_to_the_weights() {
        let policy = FairsharePolicy {
            share_distribution: vec![
                ShareAttributes { share_identifier: "b".into(), weight_factor: Some(0.5) },
                ShareAttributes { share_identifier: "c".into(), weight_factor: Some(0.25) },
            ],
            ..Default::default()
        };
        let got = targets(&policy, &["a".into(), "b".into(), "c".into()]);
        let parts: Vec<f64> = got.iter().map(|(_, part)| *part).collect();
        for (got, want) in parts.iter().zip([1.0 / 7.0, 2.0 / 7.0, 4.0 / 7.0]) {
            assert!((got - want).abs() < 1e-12, "{parts:?}");
        }
        assert_eq!(targets(&policy, &[]), vec![]);
    }

    #[test]
    fn a_run_adds_to_the_buckets_it_overlaps_by_the_time_it_held() {
        // Window of 10 s in 10 buckets ending at 10 s; a 2-vCPU job from 2.5 s to 4 s, a
        // 1-vCPU job still running since 8 s, and one that ended before the window.
        let runs = [run("a", 2, 2_500, Some(4_000)), run("b", 1, 8_000, None), run("a", 4, -5_000, Some(-1_000))];
        let series = usage_series(&runs, 10_000, 10_000, 10);
        assert_eq!((series.start_ms, series.bucket_ms), (0, 1_000));
        assert_eq!(series.shares[0], ("a".into(), vec![0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]));
        assert_eq!(series.shares[1], ("b".into(), vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0]));
        let parts = series.parts();
        assert_eq!(parts[0].1[3], Some(1.0));
        assert_eq!(parts[0].1[9], Some(0.0), "b ran, a did not");
        assert_eq!(parts[1].1[9], Some(1.0));
        assert_eq!(parts[1].1[0], None, "nothing ran: no part");
    }

    #[test]
    fn only_shares_that_hold_or_wait_have_a_target() {
        let policy = FairsharePolicy {
            share_distribution: vec![ShareAttributes { share_identifier: "b".into(), weight_factor: Some(0.5) }],
            ..Default::default()
        };
        let lines = share_lines(&policy, &[("a".into(), 2000)], &[("a".into(), 1500.0), ("old".into(), 300.0)], &[("b".into(), 7)]);
        let summary: Vec<(&str, Option<f64>, f64, f64, i64)> =
            lines.iter().map(|l| (l.share.as_str(), l.target, l.holding_vcpus, l.recent_vcpus, l.runnable)).collect();
        let third = 1.0 / 3.0;
        assert_eq!(summary, [("a", Some(third), 2.0, 1.5, 0), ("b", Some(2.0 * third), 0.0, 0.0, 7), ("old", None, 0.0, 0.3, 0)]);
    }
}
