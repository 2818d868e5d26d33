//! Recording how attempts ended and moving their jobs on, in batches: one statement per group
//! of alike endings, so a thousand finished attempts cost a handful of round trips.

use super::attempt::AttemptEnd;
use super::by_reason;
use super::follow::Backoff;
use crate::batch::{Batch, from_json, now_ms};
use crate::error::ServiceResult;
use crate::store::transition::{Also, Guard, Transition, transition};
use crate::store::{attempts, share_usage};
use domain::JobStatus;
use domain::retry::{AttemptOutcome, EvaluateOnExit, RetryStrategy, next_status, succeeds_unless_terminated};
use std::collections::{HashMap, HashSet};

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
            let exit_code = end.exit_code.map(|c| c as i32);
            attempts::record_end(self.db(), ids, *attempt, exit_code, end.reason.as_deref(), &end.status_reason, now).await?;
        }

        let succeeded = self.succeed_clean_exits(ends, now).await?;
        let mut finished: Vec<String> = succeeded.iter().cloned().collect();
        let ends: Vec<&(String, i32, AttemptEnd)> = ends.iter().filter(|(id, _, _)| !succeeded.contains(id)).collect();

        let ids: Vec<String> = ends.iter().map(|(id, _, _)| id.clone()).collect();
        let rows = attempts::retry_rules_of(self.reader(), &ids).await?;
        let mut moves: HashMap<(JobStatus, String, i32), Vec<String>> = HashMap::new();
        for (job_id, attempt, end) in ends {
            let Some(job) = rows.get(job_id) else { continue };
            let rules: Vec<EvaluateOnExit> = from_json("evaluate_on_exit", &job.evaluate_on_exit)?;
            let strategy = RetryStrategy { attempts: Some(job.retry_attempts.into()), evaluate_on_exit: rules };
            let outcome = AttemptOutcome { exit: end.exit(), timed_out: end.timed_out, terminate_reason: job.terminate_reason.as_deref() };
            let (to, reason) = next_status(&strategy, (*attempt).into(), &outcome);
            tracing::debug!(%job_id, attempt, status = %to, %reason, "attempt ended");
            moves.entry((to, reason, *attempt)).or_default().push(job_id.clone());
        }
        for ((to, reason, attempt), ids) in moves {
            let t = Transition::new(&[JobStatus::Starting, JobStatus::Running], to, now)
                .reason(Some(&reason))
                .also(vec![Also::PlacementReleased])
                .only_if(Guard::OnAttempt(attempt));
            let moved = transition(self.db(), &ids, &t).await?;
            if to.is_terminal() {
                finished.extend(moved);
            }
        }
        // Fair share counts what finished jobs used. Recorded after the moves: a crash in
        // between forgets some use (it only nudges the order), never a job's outcome.
        share_usage::add_finished(self.db(), &finished, now).await?;
        Ok(())
    }

    /// Clean exits succeed unless their job was asked to terminate meanwhile: a compare-and-set
    /// with that condition moves them without reading their rows. Returns the ids it moved; the
    /// rest, and any the condition held back, are decided from their rows.
    async fn succeed_clean_exits(&self, ends: &[(String, i32, AttemptEnd)], now: i64) -> ServiceResult<HashSet<String>> {
        let mut succeeded = HashSet::new();
        let clean = ends
            .iter()
            .filter(|(_, _, end)| succeeds_unless_terminated(&end.exit()))
            .map(|(id, attempt, end)| (id, (end.status_reason.as_str(), *attempt)));
        for ((reason, attempt), ids) in by_reason(clean) {
            let t = Transition::new(&[JobStatus::Starting, JobStatus::Running], JobStatus::Succeeded, now)
                .reason(Some(reason))
                .also(vec![Also::PlacementReleased])
                .only_if(Guard::OnAttemptNotTerminating(attempt));
            succeeded.extend(transition(self.db(), &ids, &t).await?);
        }
        Ok(succeeded)
    }
}
