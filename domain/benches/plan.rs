//! The planner's time per pass, first in first out against fair share (ARCHITECTURE.md §14).
//!
//!   cargo bench -p domain --bench plan           # BENCH_RUNNABLE=100000 BENCH_SHARES=100
//!
//! One queue whose environment is full but for 100 vCPUs, so the plan orders every RUNNABLE
//! job, places 100 and gives the rest a reason: the most work a pass does. Prints the median
//! of 15 plans for each kind of queue.

use domain::compute_environment::State;
use domain::scheduler::{EnvironmentSnapshot, FairShare, HostSnapshot, QueueSnapshot, RunnableJob, Snapshot, plan};
use domain::scheduling_policy::{FairsharePolicy, ShareAttributes};
use std::time::{Duration, Instant};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn snapshot(runnable: usize, shares: usize, fair: bool) -> Snapshot {
    let policy = FairsharePolicy {
        share_distribution: (0..shares / 2)
            .map(|s| ShareAttributes { share_identifier: format!("share{s}"), weight_factor: Some(0.5 + s as f64 / 10.0) })
            .collect(),
        ..Default::default()
    };
    let holding = (0..shares).map(|s| (format!("share{s}"), 1000 * (s as i64 % 7))).collect();
    let queue = QueueSnapshot {
        id: 1,
        name: "q".into(),
        state: State::Enabled,
        priority: 1,
        environments: vec![1],
        time_limits: vec![],
        fair_share: fair.then_some(FairShare { policy, holding, recent: vec![] }),
    };
    let host = HostSnapshot { milli_vcpus: 10_000_000, memory_mib: 1 << 40, used_milli_vcpus: 9_900_000, used_memory_mib: 0 };
    let environment =
        EnvironmentSnapshot { id: 1, name: "ce".into(), state: State::Enabled, max_milli_vcpus: 10_000_000, hosts: vec![host] };
    let jobs = (0..runnable)
        .map(|n| RunnableJob {
            id: format!("job-{n:08}"),
            queue_id: 1,
            milli_vcpus: 1000,
            memory_mib: 64,
            resources: vec![],
            share: Some(format!("share{}", n % shares)),
            priority: (n % 3) as i64,
            runnable_since: n as i64,
            current_reason: None,
        })
        .collect();
    Snapshot { queues: vec![queue], environments: vec![environment], runnable: jobs, ..Default::default() }
}

fn median_plan(snapshot: &Snapshot) -> Duration {
    let mut times: Vec<Duration> = (0..15)
        .map(|_| {
            let started = Instant::now();
            let plan = plan(snapshot, 0);
            assert_eq!(plan.placements.len(), 100);
            started.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let shares = setting("BENCH_SHARES", 100);
    for runnable in [10_000, setting("BENCH_RUNNABLE", 100_000)] {
        let fifo = median_plan(&snapshot(runnable, shares, false));
        let fair = median_plan(&snapshot(runnable, shares, true));
        println!(
            "{runnable} RUNNABLE jobs, {shares} shares: first in first out {:.1} ms, fair share {:.1} ms ({:+.0}%)",
            fifo.as_secs_f64() * 1000.0,
            fair.as_secs_f64() * 1000.0,
            (fair.as_secs_f64() / fifo.as_secs_f64() - 1.0) * 100.0
        );
    }
}
