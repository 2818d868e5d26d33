//! A queue's console page (ARCHITECTURE.md §14): its shares against their targets, their use
//! over the decay window, and its front, all from the snapshot a scheduler pass reads and the
//! plan's own dispatch order (`domain::scheduler::front_of_queue`), as GetJobQueueSnapshot.

use crate::batch::{Batch, now_ms};
use crate::error::ServiceResult;
use crate::queue_snapshot::FRONT_OF_QUEUE;
use crate::store::{queue_shares, scheduling_policies, snapshot};
use domain::access::{Action, Caller};
use domain::scheduler::{Snapshot, front_of_queue};
use domain::share_report::{FrontJob, QueueSharesView, share_lines, targets, usage_series};

/// How many points the use-over-the-window chart has.
const SERIES_BUCKETS: usize = 30;

impl Batch {
    pub async fn queue_shares(&self, caller: &Caller, queue: &str) -> ServiceResult<QueueSharesView> {
        self.guarded(caller, Action::Read, "", async move {
            let queue = self.job_queue_by_name(queue).await?;
            let now = now_ms();
            let snapshot = self.full_snapshot().await?;
            let front = front_of_queue(&snapshot, queue.id, now, FRONT_OF_QUEUE);
            let ids: Vec<String> = front.iter().map(|job| job.id.clone()).collect();
            let mut names = queue_shares::job_names(self.reader(), &ids).await?;
            let front = front
                .into_iter()
                .map(|job| FrontJob {
                    name: names.remove(&job.id).unwrap_or_default(),
                    job_id: job.id.clone(),
                    share: job.share.clone(),
                    priority: job.priority,
                    runnable_since: job.runnable_since,
                })
                .collect();
            let seen = snapshot.queues.iter().find(|q| q.id == queue.id);
            let capacity: i64 = seen
                .map(|q| snapshot.environments.iter().filter(|e| q.environments.contains(&e.id)).map(|e| e.max_milli_vcpus).sum())
                .unwrap_or(0);
            let used: i64 = snapshot::queue_usage(self.reader(), queue.id).await?.iter().map(|(_, used)| used.unwrap_or(0)).sum();
            let mut view = QueueSharesView {
                queue: queue.name.clone(),
                policy_name: None,
                window_seconds: 0,
                capacity_vcpus: capacity as f64 / 1000.0,
                used_vcpus: used as f64 / 1000.0,
                shares: Vec::new(),
                series: None,
                window_targets: Vec::new(),
                front,
                front_limit: FRONT_OF_QUEUE,
                at: now,
            };
            if let (Some(fair), Some(policy_id)) = (seen.and_then(|q| q.fair_share.as_ref()), queue.scheduling_policy_id) {
                let window = fair.policy.decay_seconds();
                let runnable = queue_shares::runnable_by_share(self.reader(), queue.id).await?;
                let runs = queue_shares::runs_since(self.reader(), queue.id, now - window * 1000).await?;
                view.policy_name = scheduling_policies::find_by_id(self.reader(), policy_id).await?.map(|p| p.name);
                view.window_seconds = window;
                view.shares = share_lines(&fair.policy, &fair.holding, &fair.recent, &runnable);
                let series = usage_series(&runs, now, window * 1000, SERIES_BUCKETS);
                let ran: Vec<String> = series.shares.iter().map(|(share, _)| share.clone()).collect();
                view.window_targets = targets(&fair.policy, &ran);
                view.series = Some(series);
            }
            Ok(view)
        })
        .await
    }

    /// A RUNNABLE job's place (1 = next) in its queue's dispatch order, among the jobs a pass
    /// reads (`None`: not RUNNABLE, or behind all of those).
    pub async fn queue_position(&self, caller: &Caller, queue: &str, job_id: &str) -> ServiceResult<Option<usize>> {
        self.guarded(caller, Action::Read, "", async move {
            let queue = self.job_queue_by_name(queue).await?;
            let snapshot = self.full_snapshot().await?;
            let order = front_of_queue(&snapshot, queue.id, now_ms(), usize::MAX);
            Ok(order.iter().position(|job| job.id == job_id).map(|index| index + 1))
        })
        .await
    }

    /// What a scheduler pass reads, RUNNABLE jobs included.
    pub(crate) async fn full_snapshot(&self) -> ServiceResult<Snapshot> {
        let mut snapshot = snapshot::load_snapshot_but_runnable(self.reader()).await?;
        snapshot.runnable = snapshot::runnable_jobs(self.reader(), &snapshot.queues, &Default::default()).await?;
        Ok(snapshot)
    }
}
