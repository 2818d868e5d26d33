//! Fair share in the planner: convergence to the weights, newcomers, the reservation, reasons,
//! no starvation while capacity turns over, and policy changes obeyed from the next pass.

use super::*;
use crate::scheduler::{decayed, recent_use};
use crate::scheduling_policy::{FairsharePolicy, ShareAttributes};

fn fair_queue(weights: &[(&str, f64)], reservation: Option<i64>, holding: Vec<(String, i64)>) -> QueueSnapshot {
    let policy = FairsharePolicy {
        compute_reservation: reservation,
        share_distribution: weights
            .iter()
            .map(|(share, weight)| ShareAttributes { share_identifier: share.to_string(), weight_factor: Some(*weight) })
            .collect(),
        ..Default::default()
    };
    QueueSnapshot { fair_share: Some(FairShare { policy, holding, recent: vec![] }), ..queue(1, 1, vec![1]) }
}

fn shared(id: String, share: &str) -> RunnableJob {
    RunnableJob { share: Some(share.into()), ..job(&id, 1, 1, 1) }
}

/// A simulated queue with room for `slots` one-vCPU jobs, each share always having RUNNABLE
/// jobs; a job of share i runs `durations[i]` ticks of one second. With `window` (seconds),
/// finished jobs count as recent use as the service records it (`decayed`, `recent_use`).
struct Simulation<'a> {
    weights: &'a [(&'a str, f64)],
    durations: &'a [u32],
    slots: i64,
    window: Option<i64>,
}

/// What a run gave each share: vCPU-ticks after the first tenth of the run (`received`), and
/// the ticks at which its jobs started.
struct Outcome {
    received: Vec<f64>,
    starts: Vec<Vec<u32>>,
}

impl Simulation<'_> {
    fn run(&self, ticks: u32) -> Outcome {
        let shares = self.weights.len();
        let mut running: Vec<(usize, u32)> = Vec::new();
        let mut received = vec![0.0; shares];
        let mut starts = vec![Vec::new(); shares];
        // Each share's decayed use (milli-vCPU·ms) and when it was last updated (ms).
        let mut used = vec![(0.0, 0i64); shares];
        let mut next_id = 0u64;
        for tick in 0..ticks {
            let now = i64::from(tick) * 1000;
            running.retain_mut(|(share, left)| {
                *left -= 1;
                if let (0, Some(window)) = (*left, self.window) {
                    let (value, at) = used[*share];
                    let run_ms = i64::from(self.durations[*share]) * 1000;
                    used[*share] = (decayed(value, now - at, window) + 1000.0 * run_ms as f64, now);
                }
                *left > 0
            });
            let holding = self
                .weights
                .iter()
                .enumerate()
                .map(|(i, (share, _))| (share.to_string(), 1000 * running.iter().filter(|(s, _)| *s == i).count() as i64))
                .collect();
            let recent = match self.window {
                Some(window) => self
                    .weights
                    .iter()
                    .zip(&used)
                    .map(|((share, _), (value, at))| (share.to_string(), recent_use(decayed(*value, now - at, window), window)))
                    .collect(),
                None => vec![],
            };
            let mut host = host(self.slots, 1 << 20);
            host.used_milli_vcpus = 1000 * running.len() as i64;
            let mut runnable = Vec::new();
            // As many as could start in a tick: every share always contends for all the room.
            for (i, (share, _)) in self.weights.iter().enumerate() {
                for _ in 0..self.slots {
                    next_id += 1;
                    runnable.push(shared(format!("{i}-{next_id}"), share));
                }
            }
            let mut queue = fair_queue(self.weights, None, holding);
            if let Some(fair) = queue.fair_share.as_mut() {
                fair.recent = recent;
            }
            let snapshot = Snapshot {
                queues: vec![queue],
                environments: vec![environment(1, self.slots, vec![host])],
                runnable,
                ..Default::default()
            };
            for placement in plan(&snapshot, now).placements {
                let share: usize = placement.job_id.split('-').next().unwrap().parse().unwrap();
                running.push((share, self.durations[share]));
                starts[share].push(tick);
            }
            // Converging, not the start: the first passes fill an empty queue with whatever is
            // RUNNABLE, before there is contention to share.
            if tick >= ticks / 10 {
                for (share, _) in &running {
                    received[*share] += 1.0;
                }
            }
        }
        Outcome { received, starts }
    }
}

fn simulate(weights: &[(&str, f64)], durations: &[u32], slots: i64, ticks: u32) -> Vec<f64> {
    Simulation { weights, durations, slots, window: None }.run(ticks).received
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Under sustained contention each share's vCPU-time converges to its inverse-weight
    /// part, whatever its jobs' durations.
    #[test]
    fn shares_receive_capacity_inversely_to_their_weights(
        weights in proptest::sample::subsequence(vec![1.0, 0.5, 0.25, 2.0, 0.125], 2..=3),
        durations in proptest::collection::vec(4u32..12, 3),
    ) {
        let named: Vec<(String, f64)> = weights.iter().enumerate().map(|(i, w)| (format!("s{i}"), *w)).collect();
        let shares: Vec<(&str, f64)> = named.iter().map(|(s, w)| (s.as_str(), *w)).collect();
        // 400 slots: one job more or less is well under 5% of the smallest share's part.
        let received = simulate(&shares, &durations, 400, 600);
        let total: f64 = received.iter().sum();
        let inverse: f64 = weights.iter().map(|w| 1.0 / w).sum();
        for (i, weight) in weights.iter().enumerate() {
            let target = (1.0 / weight) / inverse;
            let got = received[i] / total;
            prop_assert!((got - target).abs() <= 0.05 * target, "share {i} (weight {weight}): {got:.4} of capacity, target {target:.4}");
        }
    }

    /// No share starves while it has RUNNABLE jobs and capacity turns over, even in a queue too
    /// small for its part to round to a whole job (4 slots, weights 1 and 0.125: 0.44 of a
    /// slot): its own recent use fades until it weighs less than the others', and its turn
    /// comes. The longest wait between two of a share's starts stays within two usage windows
    /// plus the longest job (what a share's use takes to fade below the others').
    #[test]
    fn no_share_starves_while_capacity_turns_over(
        weights in proptest::collection::vec(proptest::sample::select(vec![1.0, 0.5, 0.25, 0.125]), 2..=3),
        durations in proptest::collection::vec(2u32..10, 3),
        slots in 2i64..6,
        window in proptest::sample::select(vec![30i64, 60, 120]),
    ) {
        let named: Vec<(String, f64)> = weights.iter().enumerate().map(|(i, w)| (format!("s{i}"), *w)).collect();
        let shares: Vec<(&str, f64)> = named.iter().map(|(s, w)| (s.as_str(), *w)).collect();
        let ticks = 10 * window as u32;
        let outcome = Simulation { weights: &shares, durations: &durations, slots, window: Some(window) }.run(ticks);
        let longest_job = *durations.iter().max().unwrap();
        let bound = 2 * window as u32 + longest_job;
        for (share, starts) in outcome.starts.iter().enumerate() {
            let gaps = starts.windows(2).map(|w| w[1] - w[0]).chain([starts.first().copied().unwrap_or(ticks)]);
            let longest = gaps.chain([ticks - starts.last().copied().unwrap_or(0)]).max().unwrap();
            prop_assert!(longest <= bound, "share {share} (weight {}) waited {longest} ticks for a start (bound {bound})", weights[share]);
        }
    }

    /// In queues of a few slots, where a share's part is a fraction of a job, each share's
    /// vCPU-time over a long run (recent use recorded) is within half a job's part of its
    /// target: the whole-job rounding is evened out over time, not fixed in one share's favour.
    #[test]
    fn small_queues_give_each_share_its_part_over_time(
        weights in proptest::collection::vec(proptest::sample::select(vec![1.0, 0.5, 0.25]), 2..=3),
        durations in proptest::collection::vec(2u32..8, 3),
        slots in 2i64..5,
    ) {
        let named: Vec<(String, f64)> = weights.iter().enumerate().map(|(i, w)| (format!("s{i}"), *w)).collect();
        let shares: Vec<(&str, f64)> = named.iter().map(|(s, w)| (s.as_str(), *w)).collect();
        let window = 60;
        let received = Simulation { weights: &shares, durations: &durations, slots, window: Some(window) }.run(40 * window as u32).received;
        let total: f64 = received.iter().sum();
        let inverse: f64 = weights.iter().map(|w| 1.0 / w).sum();
        let tolerance = 0.5 / slots as f64;
        for (i, weight) in weights.iter().enumerate() {
            let (got, target) = (received[i] / total, (1.0 / weight) / inverse);
            prop_assert!((got - target).abs() <= tolerance, "share {i} (weight {weight}) of {slots} slots: {got:.3}, target {target:.3}");
        }
    }

    /// A share that becomes active starts a job in the first pass after it does, however the
    /// weights fall, when the reservation holds room for it.
    #[test]
    fn a_new_share_starts_at_once_when_the_reservation_holds_room(
        slots in 4i64..32,
        reservation in 25i64..90,
        weight_a in proptest::sample::select(vec![0.125, 1.0, 8.0]),
        weight_b in proptest::sample::select(vec![0.125, 1.0, 8.0, 999.0]),
    ) {
        let weights = [("a", weight_a), ("b", weight_b)];
        // a has filled what the reservation lets one active share take.
        let kept = fair_queue(&[], Some(reservation), vec![]).fair_share.unwrap().reserved(slots * 1000, 1);
        prop_assume!(kept >= 1000);
        let a_holds = slots * 1000 - kept;
        let runnable: Vec<RunnableJob> =
            (0..slots).map(|n| shared(format!("a{n}"), "a")).chain([shared("b0".into(), "b")]).collect();
        let mut host = host(slots, 1 << 20);
        host.used_milli_vcpus = a_holds;
        let snapshot = Snapshot {
            queues: vec![fair_queue(&weights, Some(reservation), vec![("a".into(), a_holds)])],
            environments: vec![environment(1, slots, vec![host])],
            runnable,
            ..Default::default()
        };
        let plan = plan(&snapshot, 0);
        prop_assert!(placed(&plan).contains(&"b0"), "b waited: {:?}", placed(&plan));
    }
}

#[test]
fn a_share_that_holds_nothing_starts_first_even_behind_a_backlog() {
    let runnable: Vec<RunnableJob> = (0..50).map(|n| shared(format!("a{n}"), "a")).chain([shared("b0".into(), "b")]).collect();
    let snapshot = Snapshot {
        queues: vec![fair_queue(&[], None, vec![("a".into(), 4000)])],
        environments: vec![environment(1, 5, vec![HostSnapshot { used_milli_vcpus: 4000, ..host(8, 8192) }])],
        runnable,
        ..Default::default()
    };
    assert_eq!(placed(&plan(&snapshot, 0)), ["b0"], "one slot left: the newcomer gets it");
}

#[test]
fn the_reservation_keeps_room_for_new_shares_and_says_so() {
    // 8 vCPU, 50% reserved with one active share: a may grow to 4, not beyond.
    let runnable: Vec<RunnableJob> = (0..8).map(|n| shared(format!("a{n}"), "a")).collect();
    let snapshot = Snapshot {
        queues: vec![fair_queue(&[], Some(50), vec![("a".into(), 1000)])],
        environments: vec![environment(1, 8, vec![HostSnapshot { used_milli_vcpus: 1000, ..host(8, 8192) }])],
        runnable,
        ..Default::default()
    };
    let plan = plan(&snapshot, 0);
    assert_eq!(placed(&plan), ["a0", "a1", "a2"], "1 held + 3 = 4 vCPU, 4 kept for newcomers");
    assert_eq!(
        reason_of(&plan, "a3").map(ToString::to_string).as_deref(),
        Some("Waiting: 4 vCPU are held back for shares with no running job (computeReservation)")
    );
}

#[test]
fn a_share_over_its_target_is_told_so_in_share_terms() {
    let runnable = vec![shared("a9".into(), "a"), shared("b9".into(), "b")];
    let snapshot = Snapshot {
        queues: vec![fair_queue(&[("b", 0.25)], None, vec![("a".into(), 3000), ("b".into(), 1000)])],
        environments: vec![environment(1, 4, vec![HostSnapshot { used_milli_vcpus: 4000, ..host(8, 8192) }])],
        runnable,
        ..Default::default()
    };
    let plan = plan(&snapshot, 0);
    assert_eq!(
        reason_of(&plan, "a9").map(ToString::to_string).as_deref(),
        Some("Share a is over its fair share (75% of the queue's capacity in use, target 20%)")
    );
    assert!(matches!(reason_of(&plan, "b9"), Some(WaitReason::EnvironmentsFull { .. })), "b is under its target: the capacity reason");
}

/// The policy is part of the snapshot a pass reads, so a change is obeyed from the next pass:
/// the same jobs, weights swapped, start the other way round.
#[test]
fn a_policy_change_is_obeyed_from_the_next_pass() {
    let runnable: Vec<RunnableJob> = (0..4).flat_map(|n| [shared(format!("a{n}"), "a"), shared(format!("b{n}"), "b")]).collect();
    let pass = |weights: &[(&str, f64)]| {
        let snapshot = Snapshot {
            queues: vec![fair_queue(weights, None, vec![])],
            environments: vec![environment(1, 4, vec![host(4, 8192)])],
            runnable: runnable.clone(),
            ..Default::default()
        };
        let plan = plan(&snapshot, 0);
        let of_a = placed(&plan).iter().filter(|id| id.starts_with('a')).count();
        (of_a, placed(&plan).len() - of_a)
    };
    assert_eq!(pass(&[("a", 1.0), ("b", 0.25)]), (1, 3), "b weighs a quarter: 3 of 4 slots");
    assert_eq!(pass(&[("a", 0.25), ("b", 1.0)]), (3, 1), "after the update: a gets them");
}
