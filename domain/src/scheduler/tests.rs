use super::*;
use crate::compute_environment::State;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

fn host(vcpus: i64, memory: i64) -> HostSnapshot {
    HostSnapshot { milli_vcpus: vcpus * 1000, memory_mib: memory, used_milli_vcpus: 0, used_memory_mib: 0 }
}

fn environment(id: i32, max_vcpus: i64, hosts: Vec<HostSnapshot>) -> EnvironmentSnapshot {
    EnvironmentSnapshot { id, name: format!("ce{id}"), state: State::Enabled, max_milli_vcpus: max_vcpus * 1000, hosts }
}

fn queue(id: i32, priority: i64, environments: Vec<i32>) -> QueueSnapshot {
    QueueSnapshot { id, name: format!("q{id}"), state: State::Enabled, priority, environments, time_limits: vec![], fair_share: None }
}

fn job(id: &str, queue_id: i32, vcpus: i64, memory: i64) -> RunnableJob {
    RunnableJob {
        id: id.into(),
        queue_id,
        milli_vcpus: vcpus * 1000,
        memory_mib: memory,
        resources: vec![],
        share: None,
        priority: 0,
        runnable_since: 0,
        current_reason: None,
    }
}

fn waiting(id: &str, status: JobStatus, dependency_states: Vec<JobStatus>) -> WaitingJob {
    WaitingJob {
        id: id.into(),
        status,
        dependency_states,
        queue_id: 1,
        milli_vcpus: 1000,
        memory_mib: 64,
        resources: vec![],
        share: None,
        priority: 0,
    }
}

fn placed(plan: &Plan) -> Vec<&str> {
    plan.placements.iter().map(|p| p.job_id.as_str()).collect()
}

fn reason_of<'a>(plan: &'a Plan, id: &str) -> Option<&'a WaitReason> {
    plan.reasons.iter().find(|(job, _)| job == id).map(|(_, r)| r)
}

/// Environment 1 of the tests (`ce1`) with `used` of `max` vCPUs in use, as a full-capacity
/// reason names it.
fn full(used: i64, max: i64) -> Option<WaitReason> {
    let use_of_ce1 = EnvironmentUse { name: "ce1".into(), used_milli_vcpus: used * 1000, max_milli_vcpus: max * 1000 };
    Some(WaitReason::EnvironmentsFull { environments: vec![use_of_ce1] })
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
        ..Default::default()
    };
    let plan = plan(&snapshot, 0);
    assert_eq!(placed(&plan), ["old", "ready"], "capacity for two: the RUNNABLE job first, then the one ready now");
    assert_eq!(plan.ready_and_placed, ["ready"]);
    assert_eq!(plan.to_runnable, ["too-late"], "ready but no room: it becomes RUNNABLE and waits");
    assert_eq!(reason_of(&plan, "too-late"), full(2, 2).as_ref());
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
    assert_eq!(reason_of(&plan, "j2"), full(2, 2).as_ref());
    assert_eq!(reason_of(&plan, "j3"), Some(&WaitReason::BehindOthers { queue: "q1".into(), ahead: 1 }));
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
    assert_eq!(reason_of(&plan, "low"), full(1, 1).as_ref());
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
    assert_eq!(reason_of(&plan, "in-disabled-queue"), Some(&WaitReason::QueueDisabled { queue: "q1".into() }));
    assert_eq!(reason_of(&plan, "no-environment"), Some(&WaitReason::NoEnabledEnvironment { queue: "q2".into() }));
    let never_fits =
        |milli_vcpus, memory_mib| WaitReason::NeverFits { milli_vcpus, memory_mib, largest_milli_vcpus: 4000, largest_memory_mib: 4096 };
    assert_eq!(reason_of(&plan, "too-big"), Some(&never_fits(8000, 64)));
    assert_eq!(reason_of(&plan, "too-much-memory"), Some(&never_fits(1000, 9999)));
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
    assert_eq!(reason_of(&plan, "young"), Some(&WaitReason::NoEnabledEnvironment { queue: "q1".into() }));
}

/// Any snapshot: 1-3 environments of 1-3 partly used hosts (some DISABLED), 1-3 queues over
/// them (some DISABLED), up to 40 RUNNABLE jobs and 20 waiting ones.
fn snapshots() -> impl Strategy<Value = Snapshot> {
    let hosts = (1..=8i64, 256..4352i64, 0..=50i64).prop_map(|(vcpus, memory, used_percent)| {
        let mut h = host(vcpus, memory);
        h.used_milli_vcpus = h.milli_vcpus * used_percent / 100;
        h
    });
    let environments = (prop::collection::vec(hosts, 1..=3), 1..=16i64, prop::bool::weighted(0.2));
    let queues = (0..5i64, prop::collection::vec(0..3usize, 1..=3), prop::bool::weighted(0.15));
    let runnable_jobs = (0..3usize, 1..=4i64, 16..2064i64);
    let dependency_states = prop_oneof![Just(vec![]), Just(vec![JobStatus::Succeeded]), Just(vec![JobStatus::Running])];
    let waiting_jobs = (0..3usize, dependency_states, any::<bool>(), 1..=4i64, 16..2064i64);
    (
        prop::collection::vec(environments, 1..=3),
        prop::collection::vec(queues, 1..=3),
        prop::collection::vec(runnable_jobs, 0..40),
        prop::collection::vec(waiting_jobs, 0..20),
    )
        .prop_map(|(environments, queues, runnable, waiting)| {
            let environments: Vec<EnvironmentSnapshot> = environments
                .into_iter()
                .zip(1..)
                .map(|((hosts, max_vcpus, disabled), id)| {
                    let mut e = environment(id, max_vcpus, hosts);
                    if disabled {
                        e.state = State::Disabled;
                    }
                    e
                })
                .collect();
            let queue_count = queues.len();
            let queues = queues
                .into_iter()
                .zip(1..)
                .map(|((priority, order, disabled), id)| {
                    let mut order: Vec<i32> = order.into_iter().map(|i| environments[i % environments.len()].id).collect();
                    order.dedup();
                    let mut q = queue(id, priority, order);
                    if disabled {
                        q.state = State::Disabled;
                    }
                    q
                })
                .collect();
            let queue_id = |i: usize| (i % queue_count) as i32 + 1;
            let runnable =
                runnable.into_iter().enumerate().map(|(n, (q, vcpus, memory))| job(&format!("j{n}"), queue_id(q), vcpus, memory)).collect();
            let waiting = waiting
                .into_iter()
                .enumerate()
                .map(|(n, (q, dependency_states, submitted, vcpus, memory))| WaitingJob {
                    id: format!("w{n}"),
                    status: if submitted { JobStatus::Submitted } else { JobStatus::Pending },
                    dependency_states,
                    queue_id: queue_id(q),
                    milli_vcpus: 1000 * vcpus,
                    memory_mib: memory,
                    resources: vec![],
                    share: None,
                    priority: 0,
                })
                .collect();
            Snapshot { queues, environments, runnable, waiting, ..Default::default() }
        })
}

/// What a pass that decided `plan` from `snapshot` leaves for the next: the jobs it placed
/// or failed gone, its placements holding their hosts, its reasons shown; `waiting` arriving.
fn after(snapshot: &Snapshot, plan: &Plan, waiting: Vec<WaitingJob>) -> Snapshot {
    let mut next = Snapshot { waiting, ..snapshot.clone() };
    for placement in &plan.placements {
        let (milli_vcpus, memory_mib) = asks(snapshot, &placement.job_id);
        let environment = next.environments.iter_mut().find(|e| e.id == placement.environment_id).unwrap();
        environment.hosts[placement.host_index].used_milli_vcpus += milli_vcpus;
        environment.hosts[placement.host_index].used_memory_mib += memory_mib;
    }
    let gone: HashSet<&str> =
        plan.placements.iter().map(|p| p.job_id.as_str()).chain(plan.to_fail.iter().map(|(id, _)| id.as_str())).collect();
    next.runnable.retain(|job| !gone.contains(job.id.as_str()));
    for job in &mut next.runnable {
        if let Some(reason) = reason_of(plan, &job.id) {
            job.current_reason = Some(reason.to_string());
        }
    }
    next
}

/// What a placed job asks for, whether it was RUNNABLE or became so in this pass.
fn asks(snapshot: &Snapshot, id: &str) -> (i64, i64) {
    let runnable = snapshot.runnable.iter().find(|j| j.id == id).map(|j| (j.milli_vcpus, j.memory_mib));
    runnable.or_else(|| snapshot.waiting.iter().find(|j| j.id == id).map(|j| (j.milli_vcpus, j.memory_mib))).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn property_a_ready_job_is_either_placed_at_once_or_left_runnable(snapshot in snapshots()) {
        let plan = plan(&snapshot, 0);
        for job in snapshot.waiting.iter().filter(|j| dependency_outcome(&j.dependency_states) == JobStatus::Runnable) {
            let placed_now = plan.ready_and_placed.contains(&job.id);
            assert!(placed_now ^ plan.to_runnable.contains(&job.id), "{}", job.id);
            assert_eq!(placed_now, plan.placements.iter().any(|p| p.job_id == job.id), "{}", job.id);
        }
    }

    #[test]
    fn property_no_host_or_environment_is_ever_over_committed(snapshot in snapshots()) {
        let plan = plan(&snapshot, 0);
        let mut environments = snapshot.environments.clone();
        for placement in &plan.placements {
            let (milli_vcpus, memory_mib) = asks(&snapshot, &placement.job_id);
            let environment = environments.iter_mut().find(|e| e.id == placement.environment_id).unwrap();
            assert_eq!(environment.state, State::Enabled, "placed in a DISABLED environment");
            let host = &mut environment.hosts[placement.host_index];
            host.used_milli_vcpus += milli_vcpus;
            host.used_memory_mib += memory_mib;
            assert!(
                host.used_milli_vcpus <= host.milli_vcpus && host.used_memory_mib <= host.memory_mib,
                "host over-committed"
            );
        }
        for (before, after) in snapshot.environments.iter().zip(&environments) {
            let added = after.used_milli_vcpus() - before.used_milli_vcpus();
            assert!(added == 0 || after.used_milli_vcpus() <= after.max_milli_vcpus, "maxvCpus exceeded");
        }
    }

    /// A pass that leaves the queues `BlockedQueues` allows unread places the same jobs, makes
    /// the same jobs RUNNABLE, and gives every job it reads or makes RUNNABLE the same reason,
    /// as one that reads all. The first pass decides from the snapshot without its waiting
    /// jobs; the second, from what that pass left, with the waiting jobs arriving.
    #[test]
    fn property_leaving_blocked_queues_unread_changes_no_decision(snapshot in snapshots()) {
        let first = Snapshot { waiting: vec![], ..snapshot.clone() };
        let first_plan = plan(&first, 0);
        let mut blocked = BlockedQueues::default();
        blocked.after_pass(&first, &first_plan, 0);
        let second = after(&first, &first_plan, snapshot.waiting.clone());
        let read_all = plan(&second, 1);
        let unread = blocked.unread(&second, 1);
        let partial = Snapshot {
            runnable: second.runnable.iter().filter(|j| !unread.contains_key(&j.queue_id)).cloned().collect(),
            unread,
            ..second.clone()
        };
        let skipping = plan(&partial, 1);
        assert_eq!(&skipping.placements, &read_all.placements);
        assert_eq!(&skipping.to_runnable, &read_all.to_runnable);
        assert_eq!(&skipping.ready_and_placed, &read_all.ready_and_placed);
        let decided = |id: &String| partial.runnable.iter().any(|j| &j.id == id) || partial.waiting.iter().any(|j| &j.id == id);
        let read_reasons: Vec<_> = read_all.reasons.iter().filter(|(id, _)| decided(id)).collect();
        assert_eq!(skipping.reasons.iter().filter(|(id, _)| decided(id)).collect::<Vec<_>>(), read_reasons);
        // And what it keeps for the next pass is what a full read would have counted.
        let mut kept = blocked.clone();
        kept.after_pass(&partial, &skipping, 1);
        for (queue, waiting) in kept.unread(&Snapshot { waiting: vec![], ..second.clone() }, 2) {
            prop_assert_eq!(Some(&waiting), read_all.waiting_for_capacity.get(&queue).or(Some(&0)), "queue {}", queue);
        }
    }

    #[test]
    fn property_every_runnable_job_is_placed_or_has_a_reason(snapshot in snapshots()) {
        let plan = plan(&snapshot, 0);
        for job in &snapshot.runnable {
            let is_placed = plan.placements.iter().any(|p| p.job_id == job.id);
            let has_reason = plan.reasons.iter().any(|(id, r)| id == &job.id && !r.to_string().is_empty());
            assert!(is_placed ^ has_reason, "{} placed={is_placed} reason={has_reason}", job.id);
        }
    }

    /// One shared environment: whenever a higher-priority job waits for capacity, no job of a
    /// lower-priority queue that fits the same host was placed instead.
    #[test]
    fn property_a_lower_priority_queue_never_takes_capacity_a_higher_one_could_use(mut snapshot in snapshots()) {
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
                assert!(priority_of(&p.job_id) >= waiting, "a lower-priority job ran while a higher one waited");
            }
        }
    }
}

/// A snapshot as a pass sees it before its RUNNABLE read, with the jobs it read in `runnable`.
fn full_environment(id: i32) -> EnvironmentSnapshot {
    let mut full = environment(id, 2, vec![host(2, 1024)]);
    full.hosts[0].used_milli_vcpus = 2000;
    full
}

/// The queues a pass may leave unread, without their counts.
fn unread_ids(blocked: &BlockedQueues, snapshot: &Snapshot, now_ms: i64) -> Vec<i32> {
    let mut ids: Vec<i32> = blocked.unread(snapshot, now_ms).into_keys().collect();
    ids.sort();
    ids
}

/// `snapshot` as the next pass sees it before its RUNNABLE read, leaving `blocked`'s queues unread.
fn skipping(blocked: &BlockedQueues, snapshot: &Snapshot, now_ms: i64) -> Snapshot {
    let unread = blocked.unread(snapshot, now_ms);
    Snapshot {
        runnable: snapshot.runnable.iter().filter(|j| !unread.contains_key(&j.queue_id)).cloned().collect(),
        unread,
        ..snapshot.clone()
    }
}

#[test]
fn a_queue_nothing_could_start_from_is_left_unread_until_its_queue_environments_or_resources_change() {
    // Queue 1 feeds a full environment, queue 2 one with room.
    let snapshot = Snapshot {
        queues: vec![queue(1, 1, vec![1]), queue(2, 1, vec![2])],
        environments: vec![full_environment(1), environment(2, 2, vec![host(2, 1024)])],
        runnable: vec![job("waits", 1, 1, 64), job("runs", 2, 1, 64)],
        ..Default::default()
    };
    let read = plan(&snapshot, 0);
    assert_eq!(placed(&read), ["runs"]);
    let mut blocked = BlockedQueues::default();
    blocked.after_pass(&snapshot, &read, 10_000);
    // The next pass: queue 2's environment now holds "runs"; queue 1's is as it was.
    let mut next = Snapshot { runnable: vec![], ..snapshot.clone() };
    next.environments[1].hosts[0].used_milli_vcpus = 1000;
    assert_eq!(blocked.unread(&next, 10_500), HashMap::from([(1, 1)]), "only the blocked queue, with its one job waiting for capacity");
    assert!(blocked.unread(&next, 10_000 + RESTATE_AFTER_MS).is_empty(), "read again at least every RESTATE_AFTER_MS");

    let mut freed = next.clone();
    freed.environments[0].hosts[0].used_milli_vcpus = 1000;
    assert!(blocked.unread(&freed, 10_500).is_empty(), "capacity freed: read again");
    let mut disabled = next.clone();
    disabled.queues[0].state = State::Disabled;
    assert!(blocked.unread(&disabled, 10_500).is_empty(), "the queue changed: read again");
    let mut resources = next.clone();
    resources.resources = vec![ResourceSnapshot { name: "licence".into(), available: 1 }];
    assert!(blocked.unread(&resources, 10_500).is_empty(), "consumable resources changed: read again");

    // Skipped, it stays blocked while nothing changes; a queue with time limits is re-read
    // after REREAD_AFTER_MS, since they are checked on the jobs read.
    let skipped = skipping(&blocked, &next, 10_500);
    blocked.after_pass(&skipped, &plan(&skipped, 10_500), 10_500);
    assert_eq!(blocked.unread(&next, 11_000), HashMap::from([(1, 1)]));
    // While no job changes state, reads made since are as good as new.
    let mut renewed = blocked.clone();
    renewed.renew(10_000, 10_000 + RESTATE_AFTER_MS);
    assert_eq!(unread_ids(&renewed, &next, 10_000 + RESTATE_AFTER_MS), [1]);
    let mut too_old = blocked.clone();
    too_old.renew(10_001, 10_000 + RESTATE_AFTER_MS);
    assert!(too_old.unread(&next, 10_000 + RESTATE_AFTER_MS).is_empty(), "a read before the quiet began is not renewed");
    let mut limited = snapshot.clone();
    limited.queues[0].time_limits = vec![(600, "waited too long".into())];
    let mut blocked = BlockedQueues::default();
    blocked.after_pass(&limited, &plan(&limited, 0), 10_000);
    assert_eq!(unread_ids(&blocked, &Snapshot { runnable: vec![], ..limited.clone() }, 10_500), [1]);
    assert!(blocked.unread(&Snapshot { runnable: vec![], ..limited }, 10_000 + REREAD_AFTER_MS).is_empty());
}

#[test]
fn a_queue_is_read_again_after_a_pass_that_placed_a_job_in_its_environments() {
    // Queue 1 and queue 2 (higher priority) share environment 1 with one vCPU free: queue 2
    // takes it, so queue 1's "nothing fits" depended on another queue's placement.
    let mut shared = environment(1, 2, vec![host(2, 1024)]);
    shared.hosts[0].used_milli_vcpus = 1000;
    let snapshot = Snapshot {
        queues: vec![queue(1, 1, vec![1]), queue(2, 9, vec![1])],
        environments: vec![shared],
        runnable: vec![job("low", 1, 1, 64), job("high", 2, 1, 64)],
        ..Default::default()
    };
    let read = plan(&snapshot, 0);
    assert_eq!(placed(&read), ["high"]);
    let mut blocked = BlockedQueues::default();
    blocked.after_pass(&snapshot, &read, 0);
    assert!(blocked.unread(&snapshot, 1).is_empty());
}

#[test]
fn jobs_arriving_behind_a_blocked_backlog_are_decided_without_reading_it() {
    // Queue 1's two jobs wait on a full environment. Jobs becoming RUNNABLE there queue
    // behind them: the pass reads the arrivals alone and still says how many are ahead.
    let full = Snapshot {
        queues: vec![queue(1, 1, vec![1])],
        environments: vec![full_environment(1)],
        runnable: vec![job("waits", 1, 1, 64), job("waits too", 1, 1, 64)],
        ..Default::default()
    };
    let mut blocked = BlockedQueues::default();
    blocked.after_pass(&full, &plan(&full, 0), 0);
    let arriving = Snapshot { waiting: vec![waiting("new", JobStatus::Pending, vec![])], ..full.clone() };
    let pass = skipping(&blocked, &arriving, 1);
    assert!(pass.runnable.is_empty(), "the backlog is not read");
    let decided = plan(&pass, 1);
    assert_eq!(decided.to_runnable, ["new"]);
    assert_eq!(reason_of(&decided, "new"), Some(&WaitReason::BehindOthers { queue: "q1".into(), ahead: 2 }));
    let read_all = plan(&arriving, 1);
    assert_eq!(reason_of(&read_all, "new"), reason_of(&decided, "new"), "as a pass that read the backlog says");
    assert_eq!(read_all.waiting_for_capacity, decided.waiting_for_capacity);
    // The arrival counts for the next one.
    blocked.after_pass(&pass, &decided, 1);
    assert_eq!(blocked.unread(&full, 2), HashMap::from([(1, 3)]));

    // An arrival small enough for what is left starts at once; the queue is then read again.
    let mut room = full.clone();
    room.environments[0].hosts[0].used_milli_vcpus = 1500;
    room.environments[0].max_milli_vcpus = 2000;
    let mut blocked = BlockedQueues::default();
    blocked.after_pass(&room, &plan(&room, 0), 0);
    let mut small = waiting("small", JobStatus::Pending, vec![]);
    small.milli_vcpus = 500;
    let pass = skipping(&blocked, &Snapshot { waiting: vec![small], ..room.clone() }, 1);
    assert!(pass.runnable.is_empty());
    let decided = plan(&pass, 1);
    assert_eq!(decided.ready_and_placed, ["small"]);
    blocked.after_pass(&pass, &decided, 1);
    assert!(blocked.unread(&room, 2).is_empty(), "its environment took a job: read again");
}

#[test]
fn a_fair_share_queue_is_read_whenever_one_of_its_jobs_becomes_runnable() {
    // Arrivals are ordered among the waiting jobs by share, so the backlog is needed.
    let policy = crate::scheduling_policy::FairsharePolicy::default();
    let fair = QueueSnapshot { fair_share: Some(FairShare { policy, holding: vec![], recent: vec![] }), ..queue(1, 1, vec![1]) };
    let full = Snapshot {
        queues: vec![fair],
        environments: vec![full_environment(1)],
        runnable: vec![job("waits", 1, 1, 64)],
        ..Default::default()
    };
    let mut blocked = BlockedQueues::default();
    blocked.after_pass(&full, &plan(&full, 0), 0);
    assert_eq!(unread_ids(&blocked, &full, 1), [1]);
    let arriving = Snapshot { waiting: vec![waiting("new", JobStatus::Pending, vec![])], ..full.clone() };
    assert!(blocked.unread(&arriving, 1).is_empty());
    let pass = plan(&arriving, 1);
    assert_eq!(pass.to_runnable, ["new"]);
    blocked.after_pass(&arriving, &pass, 1);
    assert!(blocked.unread(&full, 2).is_empty(), "not blocked after a pass that made one of its jobs RUNNABLE");
}

#[test]
fn no_queue_is_left_unread_after_a_pass_that_placed_a_job_needing_a_consumable_resource() {
    // Had the licensed job's claim failed, the licence would be free again with the resources
    // looking as they did: queue 1 could not tell.
    let mut licensed = job("licensed", 2, 1, 64);
    licensed.resources = vec![("licence".into(), 1)];
    let mut waits = job("waits", 1, 1, 64);
    waits.resources = vec![("licence".into(), 1)];
    let snapshot = Snapshot {
        queues: vec![queue(1, 1, vec![1]), queue(2, 9, vec![2])],
        environments: vec![environment(1, 2, vec![host(2, 1024)]), environment(2, 2, vec![host(2, 1024)])],
        runnable: vec![waits, licensed],
        resources: vec![ResourceSnapshot { name: "licence".into(), available: 1 }],
        ..Default::default()
    };
    let pass = plan(&snapshot, 0);
    assert_eq!(placed(&pass), ["licensed"]);
    let mut blocked = BlockedQueues::default();
    blocked.after_pass(&snapshot, &pass, 0);
    assert!(blocked.unread(&Snapshot { runnable: vec![], ..snapshot }, 1).is_empty());
}

/// What the store's read returns from a backlog in created order: each queue's oldest
/// `queue_window` jobs (the shell's query, one per queue, `ORDER BY created_at LIMIT window`).
fn read_per_queue(backlog: &[RunnableJob], queues: &[QueueSnapshot]) -> Vec<RunnableJob> {
    let window = queue_window(queues.len()) as usize;
    let mut read = Vec::new();
    for q in queues {
        read.extend(backlog.iter().filter(|j| j.queue_id == q.id).take(window).cloned());
    }
    read
}

/// A backlog of `parked` jobs per parked queue (queues 1..=n, on environment 1, DISABLED or
/// full) created before one small job in each of `others` queues (on environment 2, with room
/// for all of them), at the given priorities.
fn parked_backlog(parked: &[usize], others: &[i64], parked_environment_disabled: bool) -> (Vec<QueueSnapshot>, Snapshot) {
    let mut parked_environment = environment(1, 4, vec![host(4, 4096)]);
    if parked_environment_disabled {
        parked_environment.state = State::Disabled;
    } else {
        parked_environment.hosts[0].used_milli_vcpus = 4000;
    }
    let room = environment(2, 64, vec![host(64, 65536)]);
    let mut queues = Vec::new();
    let mut backlog = Vec::new();
    for (i, size) in parked.iter().enumerate() {
        let id = i as i32 + 1;
        queues.push(queue(id, 10, vec![1]));
        backlog.extend((0..*size).map(|n| job(&format!("parked-{id}-{n}"), id, 1, 64)));
    }
    for (i, priority) in others.iter().enumerate() {
        let id = (parked.len() + i) as i32 + 1;
        queues.push(queue(id, *priority, vec![2]));
        backlog.push(job(&format!("behind-{id}"), id, 1, 64));
    }
    let snapshot =
        Snapshot { queues: queues.clone(), environments: vec![parked_environment, room], runnable: backlog, ..Default::default() };
    (queues, snapshot)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Starvation (issue 15): however large the parked backlogs in front of them (here up to 10×
    /// the whole pass limit each) and whatever the priorities, every other queue's placeable job
    /// is read and placed in the first pass.
    #[test]
    fn property_no_backlog_hides_another_queues_placeable_job(
        parked in prop::collection::vec(PASS_LIMIT as usize..=10 * PASS_LIMIT as usize, 1..=3),
        others in prop::collection::vec(0..20i64, 1..=5),
        disabled in any::<bool>(),
    ) {
        let (queues, mut snapshot) = parked_backlog(&parked, &others, disabled);
        snapshot.runnable = read_per_queue(&snapshot.runnable, &queues);
        let plan = plan(&snapshot, 0);
        let placed = placed(&plan);
        for q in queues.iter().skip(parked.len()) {
            prop_assert!(placed.contains(&format!("behind-{}", q.id).as_str()), "queue {} starved", q.id);
        }
    }
}

#[test]
fn one_window_over_all_queues_would_starve_them() {
    // The read the per-queue window replaced: the oldest PASS_LIMIT jobs of every queue together.
    let (_, mut snapshot) = parked_backlog(&[10 * PASS_LIMIT as usize], &[1], true);
    snapshot.runnable.truncate(PASS_LIMIT as usize);
    assert!(plan(&snapshot, 0).placements.is_empty(), "the test's backlog is adversarial");
}

#[test]
fn the_window_shares_the_pass_limit_but_never_falls_below_the_minimum() {
    assert_eq!(queue_window(0), PASS_LIMIT);
    assert_eq!(queue_window(1), PASS_LIMIT);
    assert_eq!(queue_window(4), PASS_LIMIT / 4);
    assert_eq!(queue_window(1000), MIN_QUEUE_WINDOW);
}

#[test]
fn the_front_of_a_queue_is_the_order_the_plan_offers_room_in() {
    let mut expiring = queue(1, 1, vec![1]);
    expiring.time_limits = vec![(600, "waited too long".into())];
    let mut stale = job("stale", 1, 1, 64);
    stale.runnable_since = -700_000;
    let snapshot = Snapshot {
        queues: vec![expiring, queue(2, 9, vec![1])],
        environments: vec![environment(1, 2, vec![host(8, 8192)])],
        runnable: vec![job("a1", 1, 1, 64), stale, job("b1", 2, 1, 64), job("a2", 1, 1, 64), job("a3", 1, 1, 64)],
        ..Default::default()
    };
    let ids = |front: Vec<&RunnableJob>| front.into_iter().map(|j| j.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(front_of_queue(&snapshot, 1, 0, 100)), ["a1", "a2", "a3"], "the job the plan fails for its wait is not in front");
    assert_eq!(ids(front_of_queue(&snapshot, 1, 0, 2)), ["a1", "a2"]);
    assert_eq!(ids(front_of_queue(&snapshot, 3, 0, 100)), Vec::<String>::new());
    // The plan gives room in that order: the higher-priority queue first, then queue 1's front.
    assert_eq!(placed(&plan(&snapshot, 0)), ["b1", "a1"]);
}

fn needing(mut job: RunnableJob, resource: &str, quantity: i64) -> RunnableJob {
    job.resources.push((resource.into(), quantity));
    job
}

#[test]
fn consumable_resources_limit_what_starts_and_the_rest_wait_naming_the_resource() {
    let snapshot = Snapshot {
        queues: vec![queue(1, 1, vec![1])],
        environments: vec![environment(1, 64, vec![host(64, 65536)])],
        runnable: vec![
            needing(job("a", 1, 1, 64), "licences", 2),
            needing(job("b", 1, 1, 64), "licences", 2),
            job("free", 1, 1, 64),
            needing(job("c", 1, 1, 64), "licences", 1),
            needing(job("gone", 1, 1, 64), "deleted", 1),
        ],
        resources: vec![ResourceSnapshot { name: "licences".into(), available: 3 }],
        ..Default::default()
    };
    let plan = plan(&snapshot, 0);
    assert_eq!(placed(&plan), ["a", "free", "c"], "2 + 1 of 3 licences; the job needing none is not held up");
    assert_eq!(reason_of(&plan, "b"), Some(&WaitReason::ResourceShort { resource: "licences".into(), needed: 2, available: 1 }));
    assert_eq!(
        reason_of(&plan, "gone").map(ToString::to_string).as_deref(),
        Some("Waiting for consumable resource deleted: needs 1, 0 available")
    );
}

proptest! {
    /// However jobs ask, what the plan starts never holds more of a resource than is available.
    #[test]
    fn placements_never_exceed_a_resource(available in 0..10i64, asks in proptest::collection::vec(0..4i64, 0..30)) {
        let runnable: Vec<RunnableJob> = asks
            .iter()
            .enumerate()
            .map(|(n, ask)| if *ask == 0 { job(&format!("j{n}"), 1, 1, 1) } else { needing(job(&format!("j{n}"), 1, 1, 1), "r", *ask) })
            .collect();
        let snapshot = Snapshot {
            queues: vec![queue(1, 1, vec![1])],
            environments: vec![environment(1, 1000, vec![host(1000, 1 << 20)])],
            runnable: runnable.clone(),
            resources: vec![ResourceSnapshot { name: "r".into(), available }],
            ..Default::default()
        };
        let plan = plan(&snapshot, 0);
        let held: i64 = plan.placements.iter().filter_map(|p| runnable.iter().find(|j| j.id == p.job_id)).flat_map(|j| j.resources.iter().map(|(_, q)| *q)).sum();
        prop_assert!(held <= available, "{held} of {available}");
        let free = asks.iter().filter(|a| **a == 0).count();
        prop_assert!(plan.placements.len() >= free, "every job needing nothing starts");
    }
}

mod fair_share;
