//! Attempts: opened by the claim, given their container and output, ended by `finish`.

use super::entities::{attempt_logs, job_attempts, jobs};
use super::insert_chunked;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};
use std::collections::HashMap;

const IN_CHUNK: usize = 1000;

/// The attempt rows of a claim, written together.
pub(crate) async fn open(db: &impl ConnectionTrait, attempts: Vec<job_attempts::ActiveModel>) -> Result<(), DbErr> {
    insert_chunked(db, attempts).await
}

/// The container made for `attempt` of `job_id`, recorded before it is started: recovery finds
/// a created container by it.
pub(crate) async fn record_container(db: &impl ConnectionTrait, job_id: &str, attempt: i32, container: &str, at: i64) -> Result<(), DbErr> {
    job_attempts::Entity::update_many()
        .col_expr(job_attempts::Column::ContainerId, Expr::value(container))
        .col_expr(job_attempts::Column::StartedAt, Expr::value(at))
        .col_expr(job_attempts::Column::Revision, super::next_revision())
        .filter(job_attempts::Column::JobId.eq(job_id))
        .filter(job_attempts::Column::AttemptNumber.eq(attempt))
        .exec(db)
        .await?;
    Ok(())
}

/// Records how attempt `attempt` of each of `job_ids` ended. The first end recorded stands
/// (recovery may learn an end twice).
pub(crate) async fn record_end(
    db: &impl ConnectionTrait,
    job_ids: &[String],
    attempt: i32,
    exit_code: Option<i32>,
    reason: Option<&str>,
    status_reason: &str,
    at: i64,
) -> Result<(), DbErr> {
    for chunk in job_ids.chunks(IN_CHUNK) {
        job_attempts::Entity::update_many()
            .col_expr(job_attempts::Column::StoppedAt, Expr::value(at))
            .col_expr(job_attempts::Column::ExitCode, Expr::value(exit_code))
            .col_expr(job_attempts::Column::Reason, Expr::value(reason.map(String::from)))
            .col_expr(job_attempts::Column::StatusReason, Expr::value(status_reason))
            .col_expr(job_attempts::Column::Revision, super::next_revision())
            .filter(job_attempts::Column::JobId.is_in(chunk.iter().cloned()))
            .filter(job_attempts::Column::AttemptNumber.eq(attempt))
            .filter(job_attempts::Column::StoppedAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// What deciding a job's next state after an attempt needs from its row.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub(crate) struct RetryRules {
    pub id: String,
    pub retry_attempts: i32,
    /// `evaluateOnExit` as stored (JSON).
    pub evaluate_on_exit: String,
    pub terminate_reason: Option<String>,
}

pub(crate) async fn retry_rules_of(db: &impl ConnectionTrait, job_ids: &[String]) -> Result<HashMap<String, RetryRules>, DbErr> {
    let mut rules = HashMap::new();
    for chunk in job_ids.chunks(IN_CHUNK) {
        let found = jobs::Entity::find()
            .select_only()
            .columns([jobs::Column::Id, jobs::Column::RetryAttempts, jobs::Column::EvaluateOnExit, jobs::Column::TerminateReason])
            .filter(jobs::Column::Id.is_in(chunk.iter().cloned()))
            .into_model::<RetryRules>()
            .all(db)
            .await?;
        rules.extend(found.into_iter().map(|row| (row.id.clone(), row)));
    }
    Ok(rules)
}

/// The current attempt's row of each job (its host and container, if recorded).
pub(crate) async fn current_of(db: &impl ConnectionTrait, jobs: &[jobs::Model]) -> Result<HashMap<String, job_attempts::Model>, DbErr> {
    let mut found = HashMap::new();
    for chunk in jobs.chunks(IN_CHUNK) {
        let rows =
            job_attempts::Entity::find().filter(job_attempts::Column::JobId.is_in(chunk.iter().map(|job| job.id.clone()))).all(db).await?;
        let current: HashMap<&str, i32> = chunk.iter().map(|job| (job.id.as_str(), job.attempt_count)).collect();
        found.extend(
            rows.into_iter()
                .filter(|row| current.get(row.job_id.as_str()) == Some(&row.attempt_number))
                .map(|row| (row.job_id.clone(), row)),
        );
    }
    Ok(found)
}

/// Deletes the row of an attempt whose claim is released (it never began).
pub(crate) async fn withdraw(db: &impl ConnectionTrait, job_id: &str, attempt: i32) -> Result<(), DbErr> {
    job_attempts::Entity::delete_many()
        .filter(job_attempts::Column::JobId.eq(job_id))
        .filter(job_attempts::Column::AttemptNumber.eq(attempt))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the output stored for an attempt, which is about to be read again from its start.
pub(crate) async fn forget_output(db: &impl ConnectionTrait, job_id: &str, attempt: i32) -> Result<(), DbErr> {
    attempt_logs::Entity::delete_many()
        .filter(attempt_logs::Column::JobId.eq(job_id))
        .filter(attempt_logs::Column::AttemptNumber.eq(attempt))
        .exec(db)
        .await?;
    Ok(())
}

/// Stores output lines (one statement; the caller sizes it).
pub(crate) async fn append_output(db: &impl ConnectionTrait, lines: Vec<attempt_logs::ActiveModel>) -> Result<(), DbErr> {
    insert_chunked(db, lines).await
}

/// Every attempt of the given jobs, in no particular order.
pub(crate) async fn of_jobs(db: &impl ConnectionTrait, job_ids: &[String]) -> Result<Vec<job_attempts::Model>, DbErr> {
    let mut attempts = Vec::new();
    for chunk in job_ids.chunks(IN_CHUNK) {
        attempts.extend(job_attempts::Entity::find().filter(job_attempts::Column::JobId.is_in(chunk.iter().cloned())).all(db).await?);
    }
    Ok(attempts)
}

/// The attempts of jobs named with how many attempts each has had (`jobs.attempt_count`), by
/// their full key (job id and number): a job never started costs nothing, and the lookup is
/// the unique index's even before the store has statistics on the table (a fresh store's
/// planner guesses that `job_id IN (100 ids)` matches half of it and reads it whole).
pub(crate) async fn of_jobs_counted(db: &impl ConnectionTrait, jobs: &[(&str, i32)]) -> Result<Vec<job_attempts::Model>, DbErr> {
    let keys: Vec<(&str, i32)> = jobs.iter().flat_map(|(job_id, count)| (1..=*count).map(move |number| (*job_id, number))).collect();
    let mut attempts = Vec::new();
    for chunk in keys.chunks(IN_CHUNK / 4) {
        let any = chunk.iter().fold(Condition::any(), |any, (job_id, number)| {
            any.add(Condition::all().add(job_attempts::Column::JobId.eq(*job_id)).add(job_attempts::Column::AttemptNumber.eq(*number)))
        });
        attempts.extend(job_attempts::Entity::find().filter(any).all(db).await?);
    }
    Ok(attempts)
}

/// Output lines of `job_id` (one attempt, or all) after line `after_id`, oldest first.
pub(crate) async fn output_of(
    db: &impl ConnectionTrait,
    job_id: &str,
    attempt: Option<i32>,
    after_id: i64,
    limit: u64,
) -> Result<Vec<attempt_logs::Model>, DbErr> {
    use sea_orm::QueryOrder;
    let mut query = attempt_logs::Entity::find()
        .filter(attempt_logs::Column::JobId.eq(job_id))
        .filter(attempt_logs::Column::Id.gt(after_id))
        .order_by_asc(attempt_logs::Column::Id)
        .limit(limit);
    if let Some(attempt) = attempt {
        query = query.filter(attempt_logs::Column::AttemptNumber.eq(attempt));
    }
    query.all(db).await
}
