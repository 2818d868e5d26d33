//! Recording how attempts ended and moving their jobs on, in batches: one statement per group
//! of alike endings, so a thousand finished attempts cost a handful of round trips.

use super::attempt::AttemptEnd;
use super::follow::Backoff;
use super::release_placement;
use super::transition::{Transition, by_reason, transition};
use crate::batch::{Batch, from_json, now_ms};
use crate::error::ServiceResult;
use crate::store::entities::{job_attempts, jobs};
use domain::JobStatus;
use domain::retry::{AttemptOutcome, EvaluateOnExit, RetryStrategy, next_status};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};

const IN_CHUNK: usize = 1000;

impl Batch {
    /// Records how attempt `attempt` of `job_id` ended and moves the job on (see
    /// `domain::retry::next_status`).
    pub(crate) async fn finish_attempt(&self, job_id: &str, attempt: i32, end: &AttemptEnd) -> ServiceResult<()> {
        self.finish_attempts(&[(job_id.to_string(), attempt, end.clone())]).await
    }

    /// `finish_attempt`, tried again with backoff until the store takes it: an attempt's end is
    /// never dropped because the store hiccuped (its container is removed only after this).
    pub(crate) async fn finish_attempt_until_stored(&self, job_id: &str, attempt: i32, end: &AttemptEnd) {
        let mut backoff = Backoff::new();
        while let Err(error) = self.finish_attempt(job_id, attempt, end).await {
            tracing::warn!(%job_id, attempt, %error, "could not store the end of an attempt yet; retrying");
            backoff.pause().await;
        }
    }

    pub(crate) async fn finish_attempts(&self, ends: &[(String, i32, AttemptEnd)]) -> ServiceResult<()> {
        let now = now_ms();
        let mut alike: HashMap<(i32, &AttemptEnd), Vec<String>> = HashMap::new();
        for (job_id, attempt, end) in ends {
            alike.entry((*attempt, end)).or_default().push(job_id.clone());
        }
        for ((attempt, end), ids) in &alike {
            for chunk in ids.chunks(IN_CHUNK) {
                job_attempts::Entity::update_many()
                    .col_expr(job_attempts::Column::StoppedAt, Expr::value(now))
                    .col_expr(job_attempts::Column::ExitCode, Expr::value(end.exit_code.map(|c| c as i32)))
                    .col_expr(job_attempts::Column::Reason, Expr::value(end.reason.clone()))
                    .col_expr(job_attempts::Column::StatusReason, Expr::value(end.status_reason.clone()))
                    .filter(job_attempts::Column::JobId.is_in(chunk.iter().cloned()))
                    .filter(job_attempts::Column::AttemptNumber.eq(*attempt))
                    // The first end recorded stands (recovery may learn an end twice).
                    .filter(job_attempts::Column::StoppedAt.is_null())
                    .exec(self.db())
                    .await?;
            }
        }

        let succeeded = self.succeed_clean_exits(ends, now).await?;
        let ends: Vec<&(String, i32, AttemptEnd)> = ends.iter().filter(|(id, _, _)| !succeeded.contains(id)).collect();

        // Only what deciding the next state needs: (retry attempts, rules, terminate reason).
        let mut rows: HashMap<String, (i32, String, Option<String>)> = HashMap::new();
        let ids: Vec<&String> = ends.iter().map(|(id, _, _)| id).collect();
        for chunk in ids.chunks(IN_CHUNK) {
            let found: Vec<(String, i32, String, Option<String>)> = jobs::Entity::find()
                .select_only()
                .columns([jobs::Column::Id, jobs::Column::RetryAttempts, jobs::Column::EvaluateOnExit, jobs::Column::TerminateReason])
                .filter(jobs::Column::Id.is_in(chunk.iter().map(|id| id.to_string())))
                .into_tuple()
                .all(self.reader())
                .await?;
            rows.extend(found.into_iter().map(|(id, attempts, rules, terminate)| (id, (attempts, rules, terminate))));
        }
        let mut moves: HashMap<(JobStatus, String, i32), Vec<String>> = HashMap::new();
        for (job_id, attempt, end) in ends {
            let Some((retry_attempts, rules, terminate_reason)) = rows.get(job_id) else { continue };
            let rules: Vec<EvaluateOnExit> = from_json("evaluate_on_exit", rules)?;
            let strategy = RetryStrategy { attempts: Some((*retry_attempts).into()), evaluate_on_exit: rules };
            let outcome = AttemptOutcome { exit: end.exit(), timed_out: end.timed_out, terminate_reason: terminate_reason.as_deref() };
            let (to, reason) = next_status(&strategy, (*attempt).into(), &outcome);
            tracing::debug!(%job_id, attempt, status = %to, %reason, "attempt ended");
            moves.entry((to, reason, *attempt)).or_default().push(job_id.clone());
        }
        for ((to, reason, attempt), ids) in moves {
            let t = Transition {
                from: &[JobStatus::Starting, JobStatus::Running],
                via: &[],
                to,
                reason: Some(&reason),
                now,
                also: release_placement(),
                only_if: Some(of_attempt(attempt)),
            };
            transition(self.db(), &ids, &t).await?;
        }
        Ok(())
    }

    /// Clean exits succeed unless their job was asked to terminate meanwhile: a compare-and-set
    /// with that condition moves them without reading their rows. Returns the ids it moved; the
    /// rest, and any the condition held back, are decided from their rows.
    async fn succeed_clean_exits(&self, ends: &[(String, i32, AttemptEnd)], now: i64) -> ServiceResult<HashSet<String>> {
        let mut succeeded = HashSet::new();
        let clean =
            ends.iter().filter(|(_, _, end)| end.exit().is_clean()).map(|(id, attempt, end)| (id, (end.status_reason.as_str(), *attempt)));
        for ((reason, attempt), ids) in by_reason(clean) {
            let t = Transition {
                from: &[JobStatus::Starting, JobStatus::Running],
                via: &[],
                to: JobStatus::Succeeded,
                reason: Some(reason),
                now,
                also: release_placement(),
                only_if: Some(Expr::col(jobs::Column::TerminateReason).is_null().and(of_attempt(attempt))),
            };
            succeeded.extend(transition(self.db(), &ids, &t).await?);
        }
        Ok(succeeded)
    }
}

/// Only the attempt that ended moves its job: a late or repeated end of attempt N never moves
/// the job on once attempt N+1 has been claimed.
fn of_attempt(attempt: i32) -> sea_orm::sea_query::SimpleExpr {
    Expr::col(jobs::Column::AttemptCount).eq(attempt)
}
