//! Fair-share queues' recent use per share (ARCHITECTURE.md §14): added to as jobs finish,
//! decayed as it is read and written.

use super::entities::{job_queues as jq, jobs, scheduling_policies as sp, share_usage as su};
use crate::batch::from_json;
use domain::scheduler::decayed;
use domain::scheduling_policy::FairsharePolicy;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};
use std::collections::HashMap;

/// Adds what the finished jobs `ids` used (milli-vCPUs × run time) to their shares' recent use,
/// each share's use decayed over its queue's policy window. Without fair-share queues this is
/// one read of the (small) queue table; jobs without a share add nothing.
pub(crate) async fn add_finished(db: &impl ConnectionTrait, ids: &[String], now: i64) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let windows = policy_windows(db).await?;
    if windows.is_empty() {
        return Ok(());
    }
    let mut used: HashMap<(i32, String), f64> = HashMap::new();
    for chunk in ids.chunks(1000) {
        let rows: Vec<(i32, Option<String>, i32, Option<i64>)> = jobs::Entity::find()
            .select_only()
            .columns([jobs::Column::JobQueueId, jobs::Column::ShareIdentifier, jobs::Column::MilliVcpus, jobs::Column::StartedAt])
            .filter(jobs::Column::Id.is_in(chunk.iter().cloned()))
            .filter(jobs::Column::ShareIdentifier.is_not_null())
            .into_tuple()
            .all(db)
            .await?;
        for (queue, share, vcpus, started) in rows {
            let (Some(share), Some(started)) = (share, started) else { continue };
            *used.entry((queue, share)).or_default() += f64::from(vcpus) * (now - started).max(0) as f64;
        }
    }
    for ((queue, share), added) in used {
        let Some(window) = windows.get(&queue).copied() else { continue };
        let previous = su::Entity::find_by_id((queue, share.clone())).one(db).await?;
        let kept = previous.map_or(0.0, |row| decayed(row.vcpu_ms, now - row.updated_at, window));
        let row =
            su::ActiveModel { job_queue_id: Set(queue), share_identifier: Set(share), vcpu_ms: Set(kept + added), updated_at: Set(now) };
        su::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([su::Column::JobQueueId, su::Column::ShareIdentifier])
                    .update_columns([su::Column::VcpuMs, su::Column::UpdatedAt])
                    .to_owned(),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Each fair-share queue's `shareDecaySeconds` (600 when the policy leaves it 0 or unset).
pub(crate) async fn policy_windows(db: &impl ConnectionTrait) -> Result<HashMap<i32, i64>, DbErr> {
    let queues: Vec<(i32, Option<i32>)> = jq::Entity::find()
        .select_only()
        .columns([jq::Column::Id, jq::Column::SchedulingPolicyId])
        .filter(jq::Column::SchedulingPolicyId.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    if queues.is_empty() {
        return Ok(HashMap::new());
    }
    let mut windows_of_policies = HashMap::new();
    for policy in sp::Entity::find().all(db).await? {
        let fairshare: Option<FairsharePolicy> = from_json("fairshare_policy", &policy.fairshare_policy)?;
        windows_of_policies.insert(policy.id, fairshare.unwrap_or_default().decay_seconds());
    }
    Ok(queues.into_iter().filter_map(|(queue, policy)| Some((queue, *windows_of_policies.get(&policy?)?))).collect())
}

/// The recent use of every share of the given queues: (queue, share, vCPU-ms, as of).
pub(crate) async fn of_queues(db: &impl ConnectionTrait, queues: &[i32]) -> Result<Vec<su::Model>, DbErr> {
    su::Entity::find().filter(su::Column::JobQueueId.is_in(queues.iter().copied())).all(db).await
}
