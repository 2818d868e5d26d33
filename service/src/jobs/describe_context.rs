//! What DescribeJobs reads for a set of jobs, in a fixed number of queries whatever their
//! number (issue 21: clients poll DescribeJobs): their queues, definitions, attempts, status
//! histories and the compute environments their attempts ran in. An array parent's children
//! are still counted by state with one query per parent in the request.

use crate::batch::Batch;
use crate::error::ServiceResult;
use crate::store::entities::{compute_environments as ce, job_attempts, job_definitions as jd, job_queues as jq, job_status_history, jobs};
use crate::store::{attempts, catalog, jobs as job_rows};
use std::collections::HashMap;

pub(super) struct DescribeContext {
    pub environments: HashMap<String, ce::Model>,
    pub queues: HashMap<i32, jq::Model>,
    pub definitions: HashMap<i32, jd::Model>,
    attempts: HashMap<String, Vec<job_attempts::Model>>,
    history: Vec<job_status_history::Model>,
}

impl DescribeContext {
    pub(super) async fn load(batch: &Batch, jobs: &[&jobs::Model]) -> ServiceResult<DescribeContext> {
        let db = batch.reader();
        let mut definition_ids: Vec<i32> = jobs.iter().map(|j| j.job_definition_id).collect();
        definition_ids.sort_unstable();
        definition_ids.dedup();
        let counted: Vec<(&str, i32)> = jobs.iter().map(|j| (j.id.as_str(), j.attempt_count)).collect();
        let mut by_job: HashMap<String, Vec<job_attempts::Model>> = HashMap::new();
        for attempt in attempts::of_jobs_counted(db, &counted).await? {
            by_job.entry(attempt.job_id.clone()).or_default().push(attempt);
        }
        for list in by_job.values_mut() {
            list.sort_by_key(|a| a.attempt_number);
        }
        let subjects: Vec<(&str, Option<(&str, i32)>)> =
            jobs.iter().map(|j| (j.id.as_str(), j.array_parent_id.as_deref().zip(j.array_index))).collect();
        Ok(DescribeContext {
            environments: catalog::environments_by_id(db).await?.into_values().map(|e| (e.name.clone(), e)).collect(),
            queues: catalog::queues_by_id(db).await?,
            definitions: catalog::definitions_by_id(db, definition_ids).await?,
            attempts: by_job,
            history: job_rows::histories_of(db, &subjects).await?,
        })
    }

    /// The job's attempts, oldest first.
    pub(super) fn attempts_of(&self, job_id: &str) -> Vec<job_attempts::Model> {
        self.attempts.get(job_id).cloned().unwrap_or_default()
    }

    /// The job's status changes in order: its own rows, and, for an array child, the rows of
    /// its parent's runs of children that cover its index.
    pub(super) fn history_of(&self, job: &jobs::Model) -> impl Iterator<Item = &job_status_history::Model> {
        let child = job.array_parent_id.as_deref().zip(job.array_index);
        self.history.iter().filter(move |h| match (h.first_index, h.last_index) {
            (None, _) => h.job_id == job.id,
            (Some(first), Some(last)) => child.is_some_and(|(parent, index)| h.job_id == parent && first <= index && index <= last),
            (Some(_), None) => false,
        })
    }
}
