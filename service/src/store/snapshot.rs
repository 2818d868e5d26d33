//! Loading the scheduler's snapshot: a handful of set-based queries, no per-job round trips.

use super::entities::{
    compute_environments as ce, job_dependencies as deps, job_queue_compute_environments as jqce, job_queues as jq, jobs,
    scheduling_policies as sp,
};
use super::jobs::runs_as_container;
use crate::batch::from_json;
use domain::JobStatus;
use domain::compute_environment::DockerHost;
use domain::job_queue::JobStateTimeLimitAction;
use domain::scheduler::{
    EnvironmentSnapshot, FairShare, HostSnapshot, MIN_SHARE_WINDOW, PASS_LIMIT, QueueSnapshot, ResourceNeeds, ResourceSnapshot,
    RunnableJob, Snapshot, WaitingJob, decayed, queue_window, recent_use,
};
use domain::scheduling_policy::FairsharePolicy;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

const IN_CHUNK: usize = 1000;

/// Everything a pass decides from but the RUNNABLE jobs (`runnable_jobs`), which a pass
/// may not need to read for every queue (see `BlockedQueues`).
pub(crate) async fn load_snapshot_but_runnable(db: &impl ConnectionTrait) -> Result<Snapshot, DbErr> {
    Ok(Snapshot {
        queues: queue_snapshots(db).await?,
        environments: environment_snapshots(db).await?,
        waiting: waiting_jobs(db).await?,
        runnable: Vec::new(),
        unread: Default::default(),
        resources: super::consumable_resources::availability(db)
            .await?
            .into_iter()
            .map(|(r, _, available)| ResourceSnapshot { name: r.name, available })
            .collect(),
    })
}

/// A job's consumable resource needs as stored (`[]` for nearly every job: no parse).
fn needs_of(stored: &str) -> Result<ResourceNeeds, DbErr> {
    if stored == "[]" { Ok(Vec::new()) } else { from_json("consumable_resources", stored) }
}

async fn queue_snapshots(db: &impl ConnectionTrait) -> Result<Vec<QueueSnapshot>, DbErr> {
    let mut order: HashMap<i32, Vec<(i32, i32)>> = HashMap::new();
    for row in jqce::Entity::find().all(db).await? {
        order.entry(row.job_queue_id).or_default().push((row.position, row.compute_environment_id));
    }
    let rows = jq::Entity::find().all(db).await?;
    let mut fair_shares = fair_shares(db, &rows).await?;
    let mut queues = Vec::new();
    for queue in rows {
        let mut environments = order.remove(&queue.id).unwrap_or_default();
        environments.sort();
        let actions: Vec<JobStateTimeLimitAction> = from_json("job_state_time_limit_actions", &queue.job_state_time_limit_actions)?;
        queues.push(QueueSnapshot {
            id: queue.id,
            state: *queue.state,
            priority: queue.priority.into(),
            environments: environments.into_iter().map(|(_, id)| id).collect(),
            time_limits: actions.into_iter().map(|a| (a.max_time_seconds, a.reason)).collect(),
            fair_share: fair_shares.remove(&queue.id),
            name: queue.name,
        });
    }
    Ok(queues)
}

/// The fair-share queues' policies and what each share's jobs hold now, by queue id (two
/// queries, and none when no queue follows a policy).
async fn fair_shares(db: &impl ConnectionTrait, queues: &[jq::Model]) -> Result<HashMap<i32, FairShare>, DbErr> {
    let fair: Vec<(i32, i32)> = queues.iter().filter_map(|q| q.scheduling_policy_id.map(|policy| (q.id, policy))).collect();
    if fair.is_empty() {
        return Ok(HashMap::new());
    }
    let policies: HashMap<i32, FairsharePolicy> = sp::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| Ok((p.id, from_json::<Option<FairsharePolicy>>("fairshare_policy", &p.fairshare_policy)?.unwrap_or_default())))
        .collect::<Result<_, DbErr>>()?;
    let holding: Vec<(i32, Option<String>, Option<i64>)> = jobs::Entity::find()
        .select_only()
        .column(jobs::Column::JobQueueId)
        .column(jobs::Column::ShareIdentifier)
        .column_as(Expr::from(Func::sum(Expr::col(jobs::Column::MilliVcpus))), "vcpus")
        .filter(jobs::Column::JobQueueId.is_in(fair.iter().map(|(queue, _)| *queue)))
        .filter(jobs::Column::Status.is_in([JobStatus::Starting.as_str(), JobStatus::Running.as_str()]))
        .filter(runs_as_container())
        .group_by(jobs::Column::JobQueueId)
        .group_by(jobs::Column::ShareIdentifier)
        .into_tuple()
        .all(db)
        .await?;
    let queue_ids: Vec<i32> = fair.iter().map(|(queue, _)| *queue).collect();
    let used = super::share_usage::of_queues(db, &queue_ids).await?;
    let now = crate::batch::now_ms();
    Ok(fair
        .into_iter()
        .map(|(queue, policy)| {
            let policy = policies.get(&policy).cloned().unwrap_or_default();
            let window = policy.decay_seconds();
            let holding = holding
                .iter()
                .filter(|(q, _, _)| *q == queue)
                .map(|(_, share, held)| (share.clone().unwrap_or_default(), held.unwrap_or(0)))
                .collect();
            let recent = used
                .iter()
                .filter(|row| row.job_queue_id == queue)
                .map(|row| (row.share_identifier.clone(), recent_use(decayed(row.vcpu_ms, now - row.updated_at, window), window)))
                .collect();
            (queue, FairShare { policy, holding, recent })
        })
        .collect())
}

async fn environment_snapshots(db: &impl ConnectionTrait) -> Result<Vec<EnvironmentSnapshot>, DbErr> {
    let usage: Vec<(Option<i32>, Option<i32>, Option<i64>, Option<i64>)> = jobs::Entity::find()
        .select_only()
        .column(jobs::Column::ComputeEnvironmentId)
        .column(jobs::Column::HostIndex)
        .column_as(Expr::from(Func::sum(Expr::col(jobs::Column::MilliVcpus))), "vcpus")
        .column_as(Expr::from(Func::sum(Expr::col(jobs::Column::MemoryMib))), "memory")
        .filter(jobs::Column::Status.is_in([JobStatus::Starting.as_str(), JobStatus::Running.as_str()]))
        .group_by(jobs::Column::ComputeEnvironmentId)
        .group_by(jobs::Column::HostIndex)
        .into_tuple()
        .all(db)
        .await?;
    let mut environments = Vec::new();
    for environment in ce::Entity::find().all(db).await? {
        let hosts: Vec<DockerHost> = from_json("hosts", &environment.hosts)?;
        let hosts = hosts
            .iter()
            .enumerate()
            .map(|(index, host)| {
                let used = usage
                    .iter()
                    .find(|(env, h, _, _)| *env == Some(environment.id) && *h == Some(index as i32))
                    .map(|(_, _, v, m)| (v.unwrap_or(0), m.unwrap_or(0)))
                    .unwrap_or((0, 0));
                HostSnapshot {
                    milli_vcpus: host.vcpus * 1000,
                    memory_mib: host.memory_mib,
                    used_milli_vcpus: used.0,
                    used_memory_mib: used.1,
                }
            })
            .collect();
        environments.push(EnvironmentSnapshot {
            id: environment.id,
            state: *environment.state,
            max_milli_vcpus: i64::from(environment.max_vcpus) * 1000,
            hosts,
            name: environment.name,
        });
    }
    Ok(environments)
}

/// SUBMITTED and PENDING jobs that run, with the states of their own dependencies and of
/// their array parent's.
async fn waiting_jobs(db: &impl ConnectionTrait) -> Result<Vec<WaitingJob>, DbErr> {
    // One index range per state, each read in created order: an IN over both states would
    // make the store sort the whole backlog (100,000 rows) to return its oldest 10,000.
    type Row = (String, String, Option<String>, i32, i32, i32, i64, String, Option<String>, Option<i32>);
    let mut rows: Vec<Row> = Vec::new();
    for status in [JobStatus::Submitted, JobStatus::Pending] {
        let oldest: Vec<Row> = jobs::Entity::find()
            .select_only()
            .columns([
                jobs::Column::Id,
                jobs::Column::Status,
                jobs::Column::ArrayParentId,
                jobs::Column::JobQueueId,
                jobs::Column::MilliVcpus,
                jobs::Column::MemoryMib,
                jobs::Column::CreatedAt,
                jobs::Column::ConsumableResources,
                jobs::Column::ShareIdentifier,
                jobs::Column::SchedulingPriority,
            ])
            .filter(jobs::Column::Status.eq(status.as_str()))
            .filter(runs_as_container())
            .order_by_asc(jobs::Column::CreatedAt)
            .limit(PASS_LIMIT)
            .into_tuple()
            .all(db)
            .await?;
        rows.extend(oldest);
    }
    rows.sort_by_key(|row| row.6);
    rows.truncate(PASS_LIMIT as usize);
    let mut asking: Vec<String> = rows.iter().map(|row| row.0.clone()).collect();
    asking.extend(rows.iter().filter_map(|row| row.2.clone()));
    asking.sort();
    asking.dedup();
    let edges = dependency_edges(db, &asking).await?;
    let mut targets: Vec<String> = edges.values().flatten().cloned().collect();
    targets.sort();
    targets.dedup();
    let states = statuses_of(db, &targets).await?;
    let states_of =
        |id: &str| -> Vec<JobStatus> { edges.get(id).into_iter().flatten().filter_map(|target| states.get(target).copied()).collect() };
    rows.into_iter()
        .map(|(id, status, parent, queue_id, vcpus, memory, _, needs, share, priority)| {
            let mut dependency_states = states_of(&id);
            if let Some(parent) = &parent {
                dependency_states.extend(states_of(parent));
            }
            Ok(WaitingJob {
                status: status.parse().unwrap_or(JobStatus::Submitted),
                dependency_states,
                id,
                queue_id,
                milli_vcpus: at_least_one(vcpus),
                memory_mib: at_least_one(memory),
                resources: needs_of(&needs)?,
                share,
                priority: priority.map_or(0, i64::from),
            })
        })
        .collect()
}

async fn dependency_edges(db: &impl ConnectionTrait, ids: &[String]) -> Result<HashMap<String, Vec<String>>, DbErr> {
    let mut edges: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<(String, String)> = deps::Entity::find()
            .select_only()
            .columns([deps::Column::JobId, deps::Column::DependsOnJobId])
            .filter(deps::Column::JobId.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        for (job, target) in rows {
            edges.entry(job).or_default().push(target);
        }
    }
    Ok(edges)
}

pub(crate) async fn statuses_of(db: &impl ConnectionTrait, ids: &[String]) -> Result<HashMap<String, JobStatus>, DbErr> {
    let mut states = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<(String, String)> = jobs::Entity::find()
            .select_only()
            .columns([jobs::Column::Id, jobs::Column::Status])
            .filter(jobs::Column::Id.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        states.extend(rows.into_iter().filter_map(|(id, s)| s.parse().ok().map(|s| (id, s))));
    }
    Ok(states)
}

/// The RUNNABLE jobs a pass considers: each queue's oldest, read per queue, so a backlog in
/// one queue (parked behind a full or disabled environment) never hides another's jobs. The
/// queues in `unread` are not read (nothing of theirs could start; see `BlockedQueues`).
pub(crate) async fn runnable_jobs(
    db: &impl ConnectionTrait,
    queues: &[QueueSnapshot],
    unread: &std::collections::HashMap<i32, usize>,
) -> Result<Vec<RunnableJob>, DbErr> {
    let window = queue_window(queues.len() - unread.len());
    type Row = (String, i32, i32, i32, i64, Option<String>, String, Option<String>, Option<i32>);
    let mut rows: Vec<Row> = Vec::new();
    for queue in queues.iter().filter(|q| !unread.contains_key(&q.id)) {
        // A fair-share queue is read per share, each share's highest priority then oldest
        // first, so one share's backlog never hides another's jobs from the plan.
        let shares: Vec<Option<Option<String>>> = match queue.fair_share {
            None => vec![None],
            Some(_) => runnable_shares(db, queue.id).await?.into_iter().map(Some).collect(),
        };
        let share_window = (window / shares.len().max(1) as u64).max(MIN_SHARE_WINDOW);
        for share in shares {
            let mut query = jobs::Entity::find()
                .select_only()
                .columns([
                    jobs::Column::Id,
                    jobs::Column::JobQueueId,
                    jobs::Column::MilliVcpus,
                    jobs::Column::MemoryMib,
                    jobs::Column::StatusChangedAt,
                    jobs::Column::StatusReason,
                    jobs::Column::ConsumableResources,
                    jobs::Column::ShareIdentifier,
                    jobs::Column::SchedulingPriority,
                ])
                .filter(jobs::Column::JobQueueId.eq(queue.id))
                .filter(jobs::Column::Status.eq(JobStatus::Runnable.as_str()))
                .filter(runs_as_container());
            query = match share {
                None => query.limit(window),
                Some(share) => {
                    let query = match share {
                        Some(share) => query.filter(jobs::Column::ShareIdentifier.eq(share)),
                        None => query.filter(jobs::Column::ShareIdentifier.is_null()),
                    };
                    query.order_by_desc(jobs::Column::SchedulingPriority).limit(share_window)
                }
            };
            let front: Vec<Row> = query
                .order_by_asc(jobs::Column::CreatedAt)
                .order_by_asc(jobs::Column::ArrayIndex)
                .order_by_asc(jobs::Column::Id)
                .into_tuple()
                .all(db)
                .await?;
            rows.extend(front);
        }
    }
    rows.into_iter()
        .map(|(id, queue_id, vcpus, memory, since, reason, needs, share, priority)| {
            Ok(RunnableJob {
                id,
                queue_id,
                milli_vcpus: at_least_one(vcpus),
                memory_mib: at_least_one(memory),
                resources: needs_of(&needs)?,
                share,
                priority: priority.map_or(0, i64::from),
                runnable_since: since,
                current_reason: reason,
            })
        })
        .collect()
}

/// The share identifiers of a queue's RUNNABLE jobs.
async fn runnable_shares(db: &impl ConnectionTrait, queue_id: i32) -> Result<Vec<Option<String>>, DbErr> {
    jobs::Entity::find()
        .select_only()
        .column(jobs::Column::ShareIdentifier)
        .distinct()
        .filter(jobs::Column::JobQueueId.eq(queue_id))
        .filter(jobs::Column::Status.eq(JobStatus::Runnable.as_str()))
        .into_tuple()
        .all(db)
        .await
}

/// Validation never lets a job ask for nothing, but a row that does (bulk-loaded, or from an
/// older schema's default of 0) must still take room on a host, or placement would start every
/// such job at once.
fn at_least_one(amount: i32) -> i64 {
    i64::from(amount).max(1)
}

/// The vCPUs (milli) a queue's started jobs hold, by share identifier (none outside fair
/// share): what GetJobQueueSnapshot reports as the queue's utilization.
pub(crate) async fn queue_usage(db: &impl ConnectionTrait, queue_id: i32) -> Result<Vec<(Option<String>, Option<i64>)>, DbErr> {
    let started = [JobStatus::Starting.as_str(), JobStatus::Running.as_str()];
    jobs::Entity::find()
        .select_only()
        .column(jobs::Column::ShareIdentifier)
        .column_as(Expr::from(Func::sum(Expr::col(jobs::Column::MilliVcpus))), "milli_vcpus")
        .filter(jobs::Column::JobQueueId.eq(queue_id))
        .filter(jobs::Column::Status.is_in(started))
        .filter(runs_as_container())
        .group_by(jobs::Column::ShareIdentifier)
        .into_tuple()
        .all(db)
        .await
}
