//! Fair share over time, simulated (ARCHITECTURE.md §14): three shares with weights 1, 0.5 and
//! 0.25 submit 30,000 jobs in bursts at different times into one queue of 100 one-vCPU slots;
//! the planner (`plan`, the scheduler's own pure function) runs a pass every simulated second,
//! with each share's holding and recent use (`shareDecaySeconds` 600, recorded as the service
//! records it) in its snapshot. Prints, per five minutes, each share's part of the capacity
//! against its target among the shares that have jobs, and a summary of the per-minute error.
//!
//!   cargo bench -p domain --bench fair_share_sim
//!
//! Virtual time: the figures are the planner's decisions, not a run of containers or of the
//! service's store (the lifecycle bench measures those).

use domain::compute_environment::State;
use domain::scheduler::{EnvironmentSnapshot, FairShare, HostSnapshot, QueueSnapshot, RunnableJob, Snapshot, decayed, plan, recent_use};
use domain::scheduling_policy::{FairsharePolicy, ShareAttributes};
use std::collections::VecDeque;

const SLOTS: i64 = 100;
const WINDOW_SECONDS: i64 = 600;
/// (share, weight, burst start in seconds, jobs in the burst)
const BURSTS: [(&str, f64, i64, usize); 5] = [
    ("teama", 1.0, 0, 8_000),
    ("teamb", 0.5, 600, 6_000),
    ("teamc", 0.25, 1_200, 8_000),
    ("teama", 1.0, 2_400, 4_000),
    ("teamb", 0.5, 3_000, 4_000),
];
const SHARES: [(&str, f64); 3] = [("teama", 1.0), ("teamb", 0.5), ("teamc", 0.25)];

/// A small deterministic generator: job durations of 10-50 s.
struct Lcg(u64);

impl Lcg {
    fn duration(&mut self) -> i64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        10 + ((self.0 >> 33) % 41) as i64
    }
}

struct Share {
    name: &'static str,
    waiting: VecDeque<(u64, i64)>,
    /// (ends at second, duration) of each running job.
    running: Vec<(i64, i64)>,
    used: (f64, i64),
    busy_seconds_this_minute: f64,
    wanted_this_minute: bool,
}

fn main() {
    let policy = FairsharePolicy {
        share_decay_seconds: Some(WINDOW_SECONDS),
        compute_reservation: None,
        share_distribution: SHARES
            .iter()
            .map(|(s, w)| ShareAttributes { share_identifier: s.to_string(), weight_factor: Some(*w) })
            .collect(),
    };
    let mut shares: Vec<Share> = SHARES
        .iter()
        .map(|(name, _)| Share {
            name,
            waiting: VecDeque::new(),
            running: Vec::new(),
            used: (0.0, 0),
            busy_seconds_this_minute: 0.0,
            wanted_this_minute: false,
        })
        .collect();
    let mut random = Lcg(42);
    let mut next_id = 0u64;
    let total: usize = BURSTS.iter().map(|b| b.3).sum();
    let mut finished = 0usize;
    let mut minute_rows: Vec<(i64, Vec<(f64, bool)>)> = Vec::new();
    let mut plan_nanos: Vec<u128> = Vec::new();
    let mut second = 0i64;
    while finished < total {
        let now = second * 1000;
        for (share, _, at, jobs) in BURSTS {
            if at == second {
                let slot = shares.iter().position(|s| s.name == share).unwrap();
                for _ in 0..jobs {
                    next_id += 1;
                    shares[slot].waiting.push_back((next_id, random.duration()));
                }
            }
        }
        // Jobs that end now give their slot back and add their use, as the service records it.
        for share in &mut shares {
            let (value, at) = share.used;
            let mut added = 0.0;
            share.running.retain(|&(ends, duration)| {
                if ends > second {
                    return true;
                }
                finished += 1;
                added += 1000.0 * duration as f64 * 1000.0;
                false
            });
            if added > 0.0 {
                share.used = (decayed(value, now - at, WINDOW_SECONDS) + added, now);
            }
        }
        let holding: Vec<(String, i64)> = shares.iter().map(|s| (s.name.to_string(), 1000 * s.running.len() as i64)).collect();
        let recent = shares
            .iter()
            .map(|s| (s.name.to_string(), recent_use(decayed(s.used.0, now - s.used.1, WINDOW_SECONDS), WINDOW_SECONDS)))
            .collect();
        let in_use: i64 = shares.iter().map(|s| s.running.len() as i64).sum();
        // What a pass reads: per share, its oldest jobs (enough to fill the queue).
        let runnable: Vec<RunnableJob> = shares
            .iter()
            .flat_map(|s| {
                s.waiting.iter().take(SLOTS as usize).map(|(id, _)| RunnableJob {
                    id: format!("{}:{id}", s.name),
                    queue_id: 1,
                    milli_vcpus: 1000,
                    memory_mib: 16,
                    resources: vec![],
                    share: Some(s.name.to_string()),
                    priority: 0,
                    runnable_since: 0,
                    current_reason: None,
                })
            })
            .collect();
        let snapshot = Snapshot {
            queues: vec![QueueSnapshot {
                id: 1,
                name: "q".into(),
                state: State::Enabled,
                priority: 1,
                environments: vec![1],
                time_limits: vec![],
                fair_share: Some(FairShare { policy: policy.clone(), holding, recent }),
            }],
            environments: vec![EnvironmentSnapshot {
                id: 1,
                name: "ce".into(),
                state: State::Enabled,
                max_milli_vcpus: SLOTS * 1000,
                hosts: vec![HostSnapshot {
                    milli_vcpus: SLOTS * 1000,
                    memory_mib: 1 << 30,
                    used_milli_vcpus: in_use * 1000,
                    used_memory_mib: 0,
                }],
            }],
            runnable,
            ..Default::default()
        };
        let started = std::time::Instant::now();
        let placements = plan(&snapshot, now).placements;
        plan_nanos.push(started.elapsed().as_nanos());
        for placement in placements {
            let (name, _) = placement.job_id.split_once(':').unwrap();
            let share = shares.iter_mut().find(|s| s.name == name).unwrap();
            let (_, duration) = share.waiting.pop_front().unwrap();
            share.running.push((second + duration, duration));
        }
        for share in &mut shares {
            share.busy_seconds_this_minute += share.running.len() as f64;
            share.wanted_this_minute |= !share.waiting.is_empty();
        }
        second += 1;
        if second % 60 == 0 {
            minute_rows.push((
                second / 60,
                shares.iter().map(|s| (s.busy_seconds_this_minute / 60.0 / SLOTS as f64, s.wanted_this_minute)).collect(),
            ));
            for share in &mut shares {
                share.busy_seconds_this_minute = 0.0;
                share.wanted_this_minute = false;
            }
        }
    }
    report(&minute_rows, second, &mut plan_nanos);
}

/// Target of each share among those that wanted capacity in the minute (inverse weights).
fn targets(wanted: &[bool]) -> Vec<f64> {
    let inverse: f64 = SHARES.iter().zip(wanted).filter(|(_, w)| **w).map(|((_, weight), _)| 1.0 / weight).sum();
    SHARES.iter().zip(wanted).map(|((_, weight), w)| if *w { 1.0 / weight / inverse } else { 0.0 }).collect()
}

fn report(rows: &[(i64, Vec<(f64, bool)>)], seconds: i64, plan_nanos: &mut [u128]) {
    println!(
        "{} jobs in bursts over {} simulated minutes, {SLOTS} one-vCPU slots, usage window {WINDOW_SECONDS} s",
        BURSTS.iter().map(|b| b.3).sum::<usize>(),
        seconds / 60
    );
    println!("minute | {}", SHARES.iter().map(|(s, w)| format!("{s} (w {w}) part / target")).collect::<Vec<_>>().join(" | "));
    for (minute, parts) in rows.iter().filter(|(m, _)| m % 5 == 0) {
        let wanted: Vec<bool> = parts.iter().map(|(_, w)| *w).collect();
        let cells: Vec<String> = parts
            .iter()
            .zip(targets(&wanted))
            .map(|((part, wanted), target)| {
                if *wanted { format!("{:5.1}% / {:5.1}%", part * 100.0, target * 100.0) } else { format!("{:5.1}% /  idle ", part * 100.0) }
            })
            .collect();
        println!("{minute:6} | {}", cells.join(" | "));
    }
    // The error in the minutes when at least two shares wanted capacity.
    let mut errors: Vec<f64> = Vec::new();
    for (_, parts) in rows {
        let wanted: Vec<bool> = parts.iter().map(|(_, w)| *w).collect();
        if wanted.iter().filter(|w| **w).count() < 2 {
            continue;
        }
        for ((part, wanted), target) in parts.iter().zip(targets(&wanted)) {
            if *wanted {
                errors.push((part - target).abs() * 100.0);
            }
        }
    }
    errors.sort_by(f64::total_cmp);
    let at = |q: f64| errors.get(((errors.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
    println!(
        "contended minutes: {} share-minutes; |part - target| median {:.1} points, p90 {:.1}, max {:.1} (the max is at the minutes a burst arrives or a share runs dry)",
        errors.len(),
        at(0.5),
        at(0.9),
        at(1.0)
    );
    plan_nanos.sort();
    let ms = |q: f64| plan_nanos[((plan_nanos.len() as f64 - 1.0) * q) as usize] as f64 / 1e6;
    println!("planner per pass: p50 {:.3} ms, p99 {:.3} ms over {} passes", ms(0.5), ms(0.99), plan_nanos.len());
}
