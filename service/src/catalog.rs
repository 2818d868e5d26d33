//! What every signed SubmitJob reads — the access key's credentials, the queue and the job
//! definition — kept in memory for a moment: reading them from the store was three of its round
//! trips. A change made through this server (a revoked key, a disabled user, a new revision, a
//! disabled queue) forgets them at once (see `Batch::guarded`); a change made by another server
//! sharing the store is seen within `FRESH_FOR`, like the eventual consistency AWS documents for
//! IAM and its Batch control plane.

use crate::access::KeyCredentials;
use crate::batch::Batch;
use crate::error::{ServiceError, ServiceResult};
use crate::store::entities::{job_definitions as jd, job_queues as jq};
use domain::access::Action;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) const FRESH_FOR: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct Catalog {
    queues: Fresh<jq::Model>,
    definitions: Fresh<jd::Model>,
    /// Active keys only: an unknown or revoked key is read again every time.
    pub(crate) credentials: Fresh<KeyCredentials>,
    /// When this process last stamped each key's `last_used_at` (at most once a minute a key).
    pub(crate) keys_touched: Mutex<HashMap<String, i64>>,
    /// Sign-in attempts being verified (see `access::sign_in_gate`).
    pub(crate) sign_ins: crate::access::sign_in_gate::SignInGate,
}

impl Catalog {
    pub(crate) fn forget(&self) {
        self.queues.forget();
        self.definitions.forget();
        self.credentials.forget();
    }
}

/// Whether `action` may change a key, a user, a queue or a definition.
pub(crate) fn changes_catalog(action: Action) -> bool {
    use Action::*;
    matches!(
        action,
        CreateJobQueue
            | UpdateJobQueue
            | DeleteJobQueue
            | RegisterJobDefinition
            | DeregisterJobDefinition
            | ManageUsers
            | ManageOwnAccessKeys
    )
}

impl Batch {
    /// The queue a submission names (by name or ARN).
    pub(crate) async fn queue_for_submit(&self, reference: &str) -> ServiceResult<jq::Model> {
        let read = async { self.job_queue_by_name(reference).await.map(Some) };
        self.catalog.queues.get_or_read(reference, read).await?.ok_or_else(|| ServiceError::not_found("job queue", reference))
    }

    /// The ACTIVE definition a submission names (name, name:revision or ARN).
    pub(crate) async fn active_definition_for_submit(&self, reference: &str) -> ServiceResult<jd::Model> {
        let read = async { self.definition_for_submit(reference).await.map(Some) };
        self.catalog.definitions.get_or_read(reference, read).await?.ok_or_else(|| ServiceError::not_found("job definition", reference))
    }
}

/// Rows by the reference they were asked for, each good for `FRESH_FOR`.
pub(crate) struct Fresh<T> {
    state: Mutex<FreshState<T>>,
}

struct FreshState<T> {
    /// Bumped by `forget`: a row read before a change committed is not kept after it.
    generation: u64,
    rows: HashMap<String, (Instant, T)>,
}

impl<T> Default for Fresh<T> {
    fn default() -> Self {
        Fresh { state: Mutex::new(FreshState { generation: 0, rows: HashMap::new() }) }
    }
}

impl<T: Clone> Fresh<T> {
    fn get(&self, reference: &str) -> Option<T> {
        let state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.rows.get(reference).filter(|(read_at, _)| read_at.elapsed() < FRESH_FOR).map(|(_, row)| row.clone())
    }

    /// The row kept for `reference`, or what `read` finds (a row found is kept; nothing found
    /// is read again next time). `read` is only polled on a miss.
    pub(crate) async fn get_or_read<E>(&self, reference: &str, read: impl Future<Output = Result<Option<T>, E>>) -> Result<Option<T>, E> {
        if let Some(row) = self.get(reference) {
            return Ok(Some(row));
        }
        let generation = self.generation();
        let row = read.await?;
        if let Some(row) = &row {
            self.keep(generation, reference, row);
        }
        Ok(row)
    }

    fn generation(&self) -> u64 {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).generation
    }

    /// Keeps `row`, read when the generation was `read_in`, unless something changed since.
    fn keep(&self, read_in: u64, reference: &str, row: &T) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.generation == read_in {
            state.rows.insert(reference.to_string(), (Instant::now(), row.clone()));
        }
    }

    fn forget(&self) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.generation += 1;
        state.rows.clear();
    }
}
