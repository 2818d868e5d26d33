//! The leader's periodic work besides scheduling passes, each on its own interval: reconciling
//! with the engines (`recovery`) and forgetting what retention allows (`crate::retention`).
//! It runs on the scheduler's own task, between passes, so it never races a claim.

use super::Scheduler;
use super::recovery::RECONCILE_EVERY;
use crate::batch::now_ms;
use std::time::Instant;

/// When each periodic task last ran.
pub(super) struct Maintenance {
    reconciled_at: Instant,
    pruned_at: Option<Instant>,
}

impl Maintenance {
    /// Just after taking the lead, which reconciles.
    pub(super) fn after_take_over() -> Self {
        Maintenance { reconciled_at: Instant::now(), pruned_at: None }
    }
}

impl Scheduler {
    /// Runs whichever periodic task is due. Failures are logged and retried at the next
    /// interval; they never stop scheduling.
    /// Retention's first run comes at once after taking the lead, then every `Retention::every`.
    pub(super) async fn maintain(&self, due: &mut Maintenance) {
        if due.reconciled_at.elapsed() >= RECONCILE_EVERY {
            if let Err(error) = self.reconcile().await {
                tracing::warn!(?error, "reconciling with the engines failed; retrying at the next interval");
            }
            due.reconciled_at = Instant::now();
        }
        if due.pruned_at.is_none_or(|at| at.elapsed() >= self.batch().config.retention.every) {
            match self.batch().prune_expired(now_ms()).await {
                Ok(pruned) if pruned != Default::default() => tracing::info!(?pruned, "retention removed expired records"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "retention failed; retrying at the next interval"),
            }
            due.pruned_at = Some(Instant::now());
        }
    }
}
