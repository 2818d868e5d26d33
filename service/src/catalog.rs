//! The queue and job-definition rows SubmitJob reads, kept in memory for a moment. Every
//! submission names a queue and a definition; reading both from the store was two of its round
//! trips. A change made through this server forgets them at once (see `Batch::guarded`); a
//! change made by another server sharing the store is seen within `FRESH_FOR`, like the
//! eventual consistency AWS Batch itself documents for its control plane.

use crate::batch::Batch;
use crate::error::ServiceResult;
use crate::store::{job_definitions as jd, job_queues as jq};
use domain::access::Action;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) const FRESH_FOR: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct Catalog {
    queues: Fresh<jq::Model>,
    definitions: Fresh<jd::Model>,
}

impl Catalog {
    pub(crate) fn forget(&self) {
        self.queues.forget();
        self.definitions.forget();
    }
}

/// Whether a successful `action` may change what a submission reads about its queue or
/// definition.
pub(crate) fn changes_catalog(action: Action) -> bool {
    matches!(
        action,
        Action::CreateJobQueue | Action::UpdateJobQueue | Action::DeleteJobQueue | Action::RegisterJobDefinition | Action::DeregisterJobDefinition
    )
}

impl Batch {
    /// The queue a submission names (by name or ARN).
    pub(crate) async fn queue_for_submit(&self, reference: &str) -> ServiceResult<jq::Model> {
        let fresh = &self.catalog.queues;
        if let Some(queue) = fresh.get(reference) {
            return Ok(queue);
        }
        let generation = fresh.generation();
        let queue = self.job_queue_by_name(reference).await?;
        fresh.keep(generation, reference, &queue);
        Ok(queue)
    }

    /// The ACTIVE definition a submission names (name, name:revision or ARN).
    pub(crate) async fn active_definition_for_submit(&self, reference: &str) -> ServiceResult<jd::Model> {
        let fresh = &self.catalog.definitions;
        if let Some(definition) = fresh.get(reference) {
            return Ok(definition);
        }
        let generation = fresh.generation();
        let definition = self.definition_for_submit(reference).await?;
        fresh.keep(generation, reference, &definition);
        Ok(definition)
    }
}

/// Rows by the reference they were asked for, each good for `FRESH_FOR`.
struct Fresh<T> {
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
