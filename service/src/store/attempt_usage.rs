//! What attempts used (`domain::resource_use`): written while a container runs and at its end,
//! read by the job page and a definition's page.

use super::entities::{attempt_usage as au, jobs};
use crate::batch::from_json;
use domain::resource_use::AttemptUsage;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationDef, Set};

/// Writes (or replaces) an attempt's use.
pub(crate) async fn record(db: &impl ConnectionTrait, job_id: &str, usage: &AttemptUsage) -> Result<(), DbErr> {
    let samples = serde_json::to_string(&usage.samples).map_err(|e| DbErr::Custom(e.to_string()))?;
    let row = au::ActiveModel {
        job_id: Set(job_id.to_string()),
        attempt_number: Set(usage.attempt_number),
        peak_memory_bytes: Set(usage.peak_memory_bytes.map(|b| b as i64)),
        cpu_time_ms: Set(usage.cpu_time_ms.map(|ms| ms as i64)),
        samples: Set(samples),
    };
    let on_conflict = OnConflict::columns([au::Column::JobId, au::Column::AttemptNumber])
        .update_columns([au::Column::PeakMemoryBytes, au::Column::CpuTimeMs, au::Column::Samples])
        .to_owned();
    au::Entity::insert(row).on_conflict(on_conflict).exec_without_returning(db).await?;
    Ok(())
}

/// Each attempt's use of a job, by attempt number.
pub(crate) async fn of_job(db: &impl ConnectionTrait, job_id: &str) -> Result<Vec<AttemptUsage>, DbErr> {
    let rows = au::Entity::find().filter(au::Column::JobId.eq(job_id)).order_by_asc(au::Column::AttemptNumber).all(db).await?;
    rows.into_iter()
        .map(|row| {
            Ok(AttemptUsage {
                attempt_number: row.attempt_number,
                peak_memory_bytes: row.peak_memory_bytes.map(|b| b as u64),
                cpu_time_ms: row.cpu_time_ms.map(|ms| ms as u64),
                samples: from_json("samples", &row.samples)?,
            })
        })
        .collect()
}

/// Measured peaks of the newest attempts, at most `limit`, with the definition each job ran.
pub(crate) async fn recent_peaks(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<(i32, i64)>, DbErr> {
    let to_job: RelationDef = au::Entity::belongs_to(jobs::Entity).from(au::Column::JobId).to(jobs::Column::Id).into();
    au::Entity::find()
        .select_only()
        .column(jobs::Column::JobDefinitionId)
        .column(au::Column::PeakMemoryBytes)
        .join(JoinType::InnerJoin, to_job)
        .filter(au::Column::PeakMemoryBytes.is_not_null())
        .order_by_desc(jobs::Column::CreatedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Forgets the use of these jobs' attempts (retention).
pub(crate) async fn delete_of(db: &impl ConnectionTrait, job_ids: &[String]) -> Result<(), DbErr> {
    au::Entity::delete_many().filter(au::Column::JobId.is_in(job_ids.iter().cloned())).exec(db).await?;
    Ok(())
}
