//! What a fair-share queue's console page reads (ARCHITECTURE.md §14): the runs of its jobs
//! over the decay window, how many jobs each share has waiting, and the names of the jobs at
//! the front of the queue.

use super::entities::jobs;
use super::jobs::runs_as_container;
use domain::JobStatus;
use domain::share_report::ShareRun;
use sea_orm::sea_query::{Condition, Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// The runs of the queue's jobs that held vCPUs at some time since `since`: those running now
/// and those that stopped after it.
pub(crate) async fn runs_since(db: &impl ConnectionTrait, queue_id: i32, since: i64) -> Result<Vec<ShareRun>, DbErr> {
    let started = [JobStatus::Starting.as_str(), JobStatus::Running.as_str()];
    let rows: Vec<(Option<String>, i32, Option<i64>, Option<i64>, String)> = jobs::Entity::find()
        .select_only()
        .columns([
            jobs::Column::ShareIdentifier,
            jobs::Column::MilliVcpus,
            jobs::Column::StartedAt,
            jobs::Column::StoppedAt,
            jobs::Column::Status,
        ])
        .filter(jobs::Column::JobQueueId.eq(queue_id))
        .filter(jobs::Column::ShareIdentifier.is_not_null())
        .filter(jobs::Column::StartedAt.is_not_null())
        .filter(Condition::any().add(jobs::Column::Status.is_in(started)).add(jobs::Column::StoppedAt.gte(since)))
        .filter(runs_as_container())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(share, milli_vcpus, started_at, stopped_at, status)| {
            let running = started.contains(&status.as_str());
            Some(ShareRun {
                share: share?,
                milli_vcpus: milli_vcpus.into(),
                started_at: started_at?,
                stopped_at: if running { None } else { stopped_at },
            })
        })
        .collect())
}

/// RUNNABLE jobs per share of the queue.
pub(crate) async fn runnable_by_share(db: &impl ConnectionTrait, queue_id: i32) -> Result<Vec<(String, i64)>, DbErr> {
    let rows: Vec<(Option<String>, i64)> = jobs::Entity::find()
        .select_only()
        .column(jobs::Column::ShareIdentifier)
        .column_as(Expr::from(Func::count(Expr::col(jobs::Column::Id))), "waiting")
        .filter(jobs::Column::JobQueueId.eq(queue_id))
        .filter(jobs::Column::Status.eq(JobStatus::Runnable.as_str()))
        .filter(runs_as_container())
        .group_by(jobs::Column::ShareIdentifier)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(share, waiting)| Some((share?, waiting))).collect())
}

/// Job names by id.
pub(crate) async fn job_names(db: &impl ConnectionTrait, ids: &[String]) -> Result<HashMap<String, String>, DbErr> {
    let rows: Vec<(String, String)> = jobs::Entity::find()
        .select_only()
        .columns([jobs::Column::Id, jobs::Column::Name])
        .filter(jobs::Column::Id.is_in(ids.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
