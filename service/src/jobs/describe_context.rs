//! What DescribeJobs reads for a set of jobs, in a fixed number of queries whatever their
//! number (issue 21: clients poll DescribeJobs): their queues, definitions, attempts, status
//! histories and the compute environments their attempts ran in. An array parent's children
//! are still counted by state with one query per parent in the request.

use super::described::MadeFrom;
use crate::batch::{Batch, from_json};
use crate::error::ServiceResult;
use crate::store::entities::{compute_environments as ce, job_attempts, job_definitions as jd, job_queues as jq, job_status_history, jobs};
use crate::store::jobs::{Environments, Revisions};
use crate::store::{attempts, catalog, jobs as job_rows};
use domain::aws_fields::AwsFields;
use domain::container::{ContainerProperties, Resources};
use domain::parameters::Parameters;
use std::collections::HashMap;

pub(super) struct DescribeContext {
    pub environments: HashMap<String, ce::Model>,
    /// The stamp of those environments (`jobs::described`).
    pub environments_seen: Environments,
    pub queues: HashMap<i32, jq::Model>,
    pub definitions: HashMap<i32, DescribedDefinition>,
    attempts: HashMap<String, Vec<job_attempts::Model>>,
    history: Vec<job_status_history::Model>,
}

/// What a job definition gives each of its jobs' details, worked out once per DescribeJobs (a
/// poll of 100 children of one array names one definition): its JSON columns parsed, its
/// resources read, its ARN.
pub(super) struct DescribedDefinition {
    pub row: jd::Model,
    pub arn: String,
    pub properties: ContainerProperties,
    pub parameters: Parameters,
    /// The resources its container asks for, or why they cannot be read.
    pub resources: Result<Resources, String>,
    /// `containerProperties` members kept as sent (all but those a detail shows on its own).
    pub container_members: AwsFields,
    /// The definition's members kept as sent that a job shows, less its consumable resources
    /// (shown from the job's own).
    pub members: AwsFields,
}

impl DescribedDefinition {
    fn of(batch: &Batch, row: jd::Model) -> ServiceResult<DescribedDefinition> {
        let properties: ContainerProperties = from_json("container_properties", &row.container_properties)?;
        Ok(DescribedDefinition {
            arn: batch.arn("job-definition", &format!("{}:{}", row.name, row.revision)),
            parameters: from_json("parameters", &row.parameters)?,
            resources: properties.validate("containerProperties").map_err(|e| e.to_string()),
            container_members: AwsFields::of(&properties, &["image", "command", "environment", "vcpus", "memory"]),
            members: AwsFields::from_json(&row.aws_fields).without("consumableResourceProperties"),
            properties,
            row,
        })
    }
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
        let environments: HashMap<String, ce::Model> =
            catalog::environments_by_id(db).await?.into_values().map(|e| (e.name.clone(), e)).collect();
        Ok(DescribeContext {
            environments_seen: Environments::of(environments.values()),
            environments,
            queues: catalog::queues_by_id(db).await?,
            definitions: catalog::definitions_by_id(db, definition_ids)
                .await?
                .into_iter()
                .map(|(id, row)| Ok((id, DescribedDefinition::of(batch, row)?)))
                .collect::<ServiceResult<_>>()?,
            attempts: by_job,
            history: job_rows::histories_of(db, &subjects).await?,
        })
    }

    /// What `job`'s detail is made of, as read for it.
    pub(super) fn made_from(&self, job: &jobs::Model) -> MadeFrom {
        let attempts = self.attempts.get(&job.id).map_or(&[][..], Vec::as_slice);
        let revisions = Revisions {
            jobs: 1,
            job_revisions: job.revision,
            attempts: attempts.len() as i64,
            attempt_revisions: attempts.iter().map(|a| a.revision).sum(),
        };
        MadeFrom { revisions, attempts: job.attempt_count, environments: self.environments_seen }
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
