use super::*;
use crate::compute_environment::State;

fn host(vcpus: i64, memory: i64) -> HostSnapshot {
    HostSnapshot { milli_vcpus: vcpus * 1000, memory_mib: memory, used_milli_vcpus: 0, used_memory_mib: 0 }
}

fn environment(id: i32, max_vcpus: i64, hosts: Vec<HostSnapshot>) -> EnvironmentSnapshot {
    EnvironmentSnapshot { id, name: format!("ce{id}"), state: State::Enabled, max_milli_vcpus: max_vcpus * 1000, hosts }
}

fn queue(id: i32, priority: i64, environments: Vec<i32>) -> QueueSnapshot {
    QueueSnapshot { id, name: format!("q{id}"), state: State::Enabled, priority, environments, time_limits: vec![] }
}

fn job(id: &str, queue_id: i32, vcpus: i64, memory: i64) -> RunnableJob {
    RunnableJob { id: id.into(), queue_id, milli_vcpus: vcpus * 1000, memory_mib: memory, runnable_since: 0, current_reason: None }
}

fn waiting(id: &str, status: JobStatus, dependency_states: Vec<JobStatus>) -> WaitingJob {
    WaitingJob { id: id.into(), status, dependency_states, queue_id: 1, milli_vcpus: 1000, memory_mib: 64 }
}

fn placed(plan: &Plan) -> Vec<&str> {
    plan.placements.iter().map(|p| p.job_id.as_str()).collect()
}

fn reason_of<'a>(plan: &'a Plan, id: &str) -> &'a str {
    plan.reasons.iter().find(|(job, _)| job == id).map(|(_, r)| r.as_str()).unwrap_or("")
}

#[test]
fn dependencies_decide_pending_runnable_or_failed() {
    use JobStatus::*;
    let table =
        [(vec![], Runnable), (vec![Succeeded, Succeeded], Runnable), (vec![Succeeded, Running], Pending), (vec![Runnable, Failed], Failed)];
    for (states, expected) in table {
        assert_eq!(dependency_outcome(&states), expected, "{states:?}");
    }
    let snapshot = Snapshot {
        waiting: vec![
            waiting("a", Submitted, vec![]),
            waiting("b", Submitted, vec![Running]),
            waiting("c", Pending, vec![Failed]),
            waiting("d", Pending, vec![Running]),
        ],
        ..Default::default()
    };
    let plan = plan(&snapshot, 0);
    assert_eq!(plan.to_runnable, ["a"]);
    assert_eq!(plan.to_pending, ["b"], "a PENDING job that stays PENDING is not rewritten");
    assert_eq!(plan.to_fail, [("c".to_string(), DEPENDENT_JOB_FAILED.to_string())]);
}

#[test]
fn a_job_whose_dependencies_are_met_starts_in_the_same_pass_behind_older_runnable_ones() {
    use JobStatus::*;
    let snapshot = Snapshot {
        queues: vec![queue(1, 1, vec![1])],
        environments: vec![environment(1, 2, vec![host(8, 8192)])],
        runnable: vec![job("old", 1, 1, 64)],
        waiting: vec![
            waiting("ready", Submitted, vec![Succeeded]),
            waiting("too-late", Pending, vec![]),
            waiting("blocked", Submitted, vec![Running]),
        ],
    };
    let plan = plan(&snapshot, 0);
    assert_eq!(placed(&plan), ["old", "ready"], "capacity for two: the RUNNABLE job first, then the one ready now");
    assert_eq!(plan.ready_and_placed, ["ready"]);
    assert_eq!(plan.to_runnable, ["too-late"], "ready but no room: it becomes RUNNABLE and waits");
    assert!(reason_of(&plan, "too-late").contains("ce1 (2 of 2 vCPU in use)"), "{}", reason_of(&plan, "too-late"));
    assert_eq!(plan.to_pending, ["blocked"]);
}

#[test]
fn capacity_is_never_exceeded_and_the_rest_wait_with_a_reason() {
    let snapshot = Snapshot {
        queues: vec![queue(1, 1, vec![1])],
        environments: vec![environment(1, 2, vec![host(8, 8192)])],
        runnable: (0..4).map(|i| job(&format!("j{i}"), 1, 1, 64)).collect(),
        ..Default::default()
    };
    let plan = plan(&snapshot, 0);
    assert_eq!(placed(&plan), ["j0", "j1"], "maxvCpus 2 holds two 1-vCPU jobs");
    assert!(reason_of(&plan, "j2").contains("ce1 (2 of 2 vCPU in use)"), "{}", reason_of(&plan, "j2"));
    assert_eq!(reason_of(&plan, "j3"), "Waiting behind 1 job(s) in queue q1 for capacity");
}

#[test]
fn a_host_is_never_over_committed_on_memory() {
    let snapshot = Snapshot {
        queues: vec![queue(1, 1, vec![1])],
        environments: vec![environment(1, 16, vec![host(16, 1000), host(16, 1000)])],
        runnable: vec![job("a", 1, 1, 600), job("b", 1, 1, 600), job("c", 1, 1, 600)],
        ..Default::default()
    };
    let plan = plan(&snapshot, 0);
    let hosts: Vec<usize> = plan.placements.iter().map(|p| p.host_index).collect();
    assert_eq!(hosts, [0, 1], "the second job goes to the second host; the third fits nowhere now");
}

#[test]
fn the_higher_priority_queue_is_served_first() {
    let snapshot = Snapshot {
        queues: vec![queue(1, 1, vec![1]), queue(2, 10, vec![1])],
        environments: vec![environment(1, 1, vec![host(4, 4096)])],
        runnable: vec![job("low", 1, 1, 64), job("high", 2, 1, 64)],
        ..Default::default()
    };
    let plan = plan(&snapshot, 0);
    assert_eq!(placed(&plan), ["high"]);
    assert!(reason_of(&plan, "low").contains("Waiting for capacity"));
}

#[test]
fn environments_are_tried_in_the_queue_order() {
    let snapshot = Snapshot {
        queues: vec![queue(1, 1, vec![2, 1])],
        environments: vec![environment(1, 4, vec![host(4, 4096)]), environment(2, 1, vec![host(4, 4096)])],
        runnable: vec![job("a", 1, 1, 64), job("b", 1, 1, 64)],
        ..Default::default()
    };
    let plan = plan(&snapshot, 0);
    let environments: Vec<i32> = plan.placements.iter().map(|p| p.environment_id).collect();
    assert_eq!(environments, [2, 1]);
}

#[test]
fn every_kind_of_unplaceable_job_says_why() {
    let mut disabled_queue = queue(1, 1, vec![1]);
    disabled_queue.state = State::Disabled;
    let mut disabled_environment = environment(2, 4, vec![host(4, 4096)]);
    disabled_environment.state = State::Disabled;
    let snapshot = Snapshot {
        queues: vec![disabled_queue, queue(2, 1, vec![2]), queue(3, 1, vec![3])],
        environments: vec![environment(1, 4, vec![host(4, 4096)]), disabled_environment, environment(3, 4, vec![host(4, 4096)])],
        runnable: vec![
            job("in-disabled-queue", 1, 1, 64),
            job("no-environment", 2, 1, 64),
            job("too-big", 3, 8, 64),
            job("too-much-memory", 3, 1, 9999),
        ],
        ..Default::default()
    };
    let plan = plan(&snapshot, 0);
    assert!(plan.placements.is_empty());
    assert_eq!(reason_of(&plan, "in-disabled-queue"), "Job queue q1 is DISABLED");
    assert_eq!(reason_of(&plan, "no-environment"), "No ENABLED compute environment in job queue q2");
    assert!(reason_of(&plan, "too-big").starts_with("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - needs 8 vCPU"));
    assert!(reason_of(&plan, "too-much-memory").contains("9999 MiB"));
}

#[test]
fn an_unchanged_reason_is_not_rewritten() {
    let mut waiting = job("a", 1, 1, 64);
    waiting.current_reason = Some("Job queue q1 is DISABLED".into());
    let mut q = queue(1, 1, vec![]);
    q.state = State::Disabled;
    let snapshot = Snapshot { queues: vec![q], runnable: vec![waiting], ..Default::default() };
    assert!(plan(&snapshot, 0).reasons.is_empty());
}

#[test]
fn a_queue_time_limit_cancels_jobs_runnable_too_long() {
    let mut q = queue(1, 1, vec![]);
    q.time_limits = vec![(600, "stuck too long".into())];
    let mut old = job("old", 1, 1, 64);
    old.runnable_since = 0;
    let mut young = job("young", 1, 1, 64);
    young.runnable_since = 100_000;
    let snapshot = Snapshot { queues: vec![q], runnable: vec![old, young], ..Default::default() };
    let plan = plan(&snapshot, 600_000);
    assert_eq!(plan.to_fail, [("old".to_string(), "stuck too long".to_string())]);
    assert!(reason_of(&plan, "young").contains("No ENABLED"));
}

/// A small deterministic generator, so the property tests need no extra crate and every
/// failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
}

fn random_snapshot(seed: u64) -> Snapshot {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let environments: Vec<EnvironmentSnapshot> = (1..=1 + rng.next(3) as i32)
        .map(|id| {
            let hosts = (0..1 + rng.next(3))
                .map(|_| {
                    let mut h = host(1 + rng.next(8) as i64, 256 + rng.next(4096) as i64);
                    h.used_milli_vcpus = rng.next(h.milli_vcpus as u64 / 2) as i64;
                    h
                })
                .collect();
            let mut e = environment(id, 1 + rng.next(16) as i64, hosts);
            if rng.next(5) == 0 {
                e.state = State::Disabled;
            }
            e
        })
        .collect();
    let queues: Vec<QueueSnapshot> = (1..=1 + rng.next(3) as i32)
        .map(|id| {
            let order = (0..1 + rng.next(3)).map(|_| 1 + rng.next(environments.len() as u64) as i32).collect();
            let mut q = queue(id, rng.next(5) as i64, order);
            q.environments.dedup();
            if rng.next(6) == 0 {
                q.state = State::Disabled;
            }
            q
        })
        .collect();
    let runnable = (0..rng.next(40))
        .map(|i| job(&format!("j{i}"), 1 + rng.next(queues.len() as u64) as i32, 1 + rng.next(4) as i64, 16 + rng.next(2048) as i64))
        .collect();
    let waiting = (0..rng.next(20))
        .map(|i| {
            let dependency_states = match rng.next(3) {
                0 => vec![],
                1 => vec![JobStatus::Succeeded],
                _ => vec![JobStatus::Running],
            };
            let queue_id = 1 + rng.next(queues.len() as u64) as i32;
            let status = if rng.next(2) == 0 { JobStatus::Submitted } else { JobStatus::Pending };
            WaitingJob {
                id: format!("w{i}"),
                status,
                dependency_states,
                queue_id,
                milli_vcpus: 1000 * (1 + rng.next(4) as i64),
                memory_mib: 16 + rng.next(2048) as i64,
            }
        })
        .collect();
    Snapshot { queues, environments, runnable, waiting }
}

/// What a placed job asks for, whether it was RUNNABLE or became so in this pass.
fn asks(snapshot: &Snapshot, id: &str) -> (i64, i64) {
    let runnable = snapshot.runnable.iter().find(|j| j.id == id).map(|j| (j.milli_vcpus, j.memory_mib));
    runnable.or_else(|| snapshot.waiting.iter().find(|j| j.id == id).map(|j| (j.milli_vcpus, j.memory_mib))).unwrap()
}

#[test]
fn property_a_ready_job_is_either_placed_at_once_or_left_runnable() {
    for seed in 0..2000 {
        let snapshot = random_snapshot(seed);
        let plan = plan(&snapshot, 0);
        for job in snapshot.waiting.iter().filter(|j| dependency_outcome(&j.dependency_states) == JobStatus::Runnable) {
            let placed_now = plan.ready_and_placed.contains(&job.id);
            assert!(placed_now ^ plan.to_runnable.contains(&job.id), "seed {seed}: {}", job.id);
            assert_eq!(placed_now, plan.placements.iter().any(|p| p.job_id == job.id), "seed {seed}: {}", job.id);
        }
    }
}

#[test]
fn property_no_host_or_environment_is_ever_over_committed() {
    for seed in 0..2000 {
        let snapshot = random_snapshot(seed);
        let plan = plan(&snapshot, 0);
        let mut environments = snapshot.environments.clone();
        for placement in &plan.placements {
            let (milli_vcpus, memory_mib) = asks(&snapshot, &placement.job_id);
            let environment = environments.iter_mut().find(|e| e.id == placement.environment_id).unwrap();
            assert_eq!(environment.state, State::Enabled, "seed {seed}");
            let host = &mut environment.hosts[placement.host_index];
            host.used_milli_vcpus += milli_vcpus;
            host.used_memory_mib += memory_mib;
            assert!(
                host.used_milli_vcpus <= host.milli_vcpus && host.used_memory_mib <= host.memory_mib,
                "seed {seed}: host over-committed"
            );
        }
        for (before, after) in snapshot.environments.iter().zip(&environments) {
            let added = after.used_milli_vcpus() - before.used_milli_vcpus();
            assert!(added == 0 || after.used_milli_vcpus() <= after.max_milli_vcpus, "seed {seed}: maxvCpus exceeded");
        }
    }
}

#[test]
fn property_every_runnable_job_is_placed_or_has_a_reason() {
    for seed in 0..2000 {
        let snapshot = random_snapshot(seed);
        let plan = plan(&snapshot, 0);
        for job in &snapshot.runnable {
            let is_placed = plan.placements.iter().any(|p| p.job_id == job.id);
            let has_reason = plan.reasons.iter().any(|(id, r)| id == &job.id && !r.is_empty());
            assert!(is_placed ^ has_reason, "seed {seed}: {} placed={is_placed} reason={has_reason}", job.id);
        }
    }
}

#[test]
fn property_a_lower_priority_queue_never_takes_capacity_a_higher_one_could_use() {
    // One shared environment: whenever a higher-priority job waits for capacity, no job of a
    // lower-priority queue that fits the same host was placed instead.
    for seed in 0..2000 {
        let mut snapshot = random_snapshot(seed);
        snapshot.waiting.clear();
        snapshot.environments.truncate(1);
        snapshot.environments[0].state = State::Enabled;
        let id = snapshot.environments[0].id;
        for q in &mut snapshot.queues {
            q.environments = vec![id];
            q.state = State::Enabled;
        }
        for j in &mut snapshot.runnable {
            j.milli_vcpus = 1000;
            j.memory_mib = 16;
        }
        let plan = plan(&snapshot, 0);
        let priority_of = |job_id: &str| {
            let job = snapshot.runnable.iter().find(|j| j.id == job_id).unwrap();
            snapshot.queues.iter().find(|q| q.id == job.queue_id).unwrap().priority
        };
        let highest_waiting =
            snapshot.runnable.iter().filter(|j| !plan.placements.iter().any(|p| p.job_id == j.id)).map(|j| priority_of(&j.id)).max();
        if let Some(waiting) = highest_waiting {
            for p in &plan.placements {
                assert!(priority_of(&p.job_id) >= waiting, "seed {seed}: a lower-priority job ran while a higher one waited");
            }
        }
    }
}

#[test]
fn a_backlog_nothing_could_start_from_is_reread_only_when_capacity_or_settings_change_or_a_second_passed() {
    let mut full = environment(1, 2, vec![host(2, 1024)]);
    full.hosts[0].used_milli_vcpus = 2000;
    let snapshot = Snapshot {
        queues: vec![queue(1, 1, vec![1])],
        environments: vec![full],
        runnable: vec![job("waits", 1, 1, 64)],
        ..Default::default()
    };
    let read = plan(&snapshot, 0);
    assert!(read.placements.is_empty());
    let blocked = BlockedBacklog::after_read(&snapshot, &read, 10_000).expect("nothing could start");
    let next = Snapshot { runnable: vec![], ..snapshot.clone() };
    assert!(blocked.still_holds(&next, 10_500));
    assert!(!blocked.still_holds(&next, 10_000 + REREAD_AFTER_MS), "re-read at least every REREAD_AFTER_MS");

    let mut freed = next.clone();
    freed.environments[0].hosts[0].used_milli_vcpus = 1000;
    assert!(!blocked.still_holds(&freed, 10_500), "capacity freed: read again");
    let mut disabled = next.clone();
    disabled.queues[0].state = State::Disabled;
    assert!(!blocked.still_holds(&disabled, 10_500), "a queue changed: read again");

    // A read that placed a RUNNABLE job, or had none to place, blocks nothing.
    let room = Snapshot { environments: vec![environment(1, 2, vec![host(2, 1024)])], ..snapshot.clone() };
    assert_eq!(BlockedBacklog::after_read(&room, &plan(&room, 0), 0), None);
    assert_eq!(BlockedBacklog::after_read(&next, &plan(&next, 0), 0), None);
}
