//! SubmitJob: one job, or an array parent with every child, written in one transaction.

use crate::batch::{Batch, from_json, now_ms, to_json};
use crate::error::{ServiceError, ServiceResult};
use crate::store::entities::{job_definitions as jd, job_dependencies as deps, jobs};
use crate::store::{array_children, jobs as job_rows};
use domain::access::{Action, Caller};
use domain::aws_fields::AwsFields;
use domain::container::{ContainerOverrides, ContainerProperties, Resources};
use domain::job_definition::node_properties_in;
use domain::limits::MAX_SUBMIT_PAYLOAD_BYTES;
use domain::multi_node::{Gang, node_overrides_in};
use domain::retry::RetryStrategy;
use domain::submit::{DependencyKind, SubmitJob, ValidDependency};
use domain::{FieldError, JobStatus};
use sea_orm::{Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmittedJob {
    pub job_arn: String,
    pub job_name: String,
    pub job_id: String,
}

impl Batch {
    #[tracing::instrument(skip_all, fields(name = %input.job_name, queue = %input.job_queue))]
    pub async fn submit_job(&self, caller: &Caller, input: SubmitJob) -> ServiceResult<SubmittedJob> {
        let target = format!("{} on {}", input.job_name, input.job_queue);
        let record = Batch::success_record(caller, Action::SubmitJob, &target);
        self.guarded(caller, Action::SubmitJob, &target, async move {
            let payload = serde_json::to_vec(&input).map(|bytes| bytes.len()).unwrap_or(usize::MAX);
            if payload > MAX_SUBMIT_PAYLOAD_BYTES {
                return Err(FieldError::new(
                    "SubmitJob",
                    format!("the request is {payload} bytes; at most {MAX_SUBMIT_PAYLOAD_BYTES} (30 KiB) are accepted"),
                )
                .into());
            }
            let valid = input.validate()?;
            let queue = self.queue_for_submit(&input.job_queue).await.map_err(|e| field_for_missing(e, "jobQueue"))?;
            if queue.state != domain::compute_environment::State::Enabled {
                // AWS rule: a DISABLED queue keeps running what it has but takes no new jobs.
                return Err(
                    FieldError::new("jobQueue", format!("job queue {} is {} and cannot accept new jobs", queue.name, queue.state)).into()
                );
            }
            domain::scheduling_policy::check_share_identifier(queue.scheduling_policy_id.is_some(), input.share_identifier.as_deref())?;
            let definition =
                self.active_definition_for_submit(&input.job_definition).await.map_err(|e| field_for_missing(e, "jobDefinition"))?;
            let targets = self.check_dependencies(&valid.dependencies, valid.array_size).await?;

            // A submission's retry strategy and timeout replace the definition's.
            let definition_retry: Option<RetryStrategy> =
                definition.retry_strategy.as_deref().map(|text| crate::batch::from_json("retry_strategy", text)).transpose()?;
            let retry = input.retry_strategy.clone().or(definition_retry).unwrap_or_default();
            let timeout_seconds = valid.timeout_seconds.or(definition.timeout_seconds.map(i64::from));
            let overrides = input.container_overrides.clone().unwrap_or_default();
            let (resources, containers) = job_shape(&input, &definition, &overrides, valid.array_size)?;
            for (field, properties) in &containers {
                self.check_host_access_on_queue(field, properties, queue.id).await?;
                // A secret deleted since registration is named now, not when the job starts.
                self.check_secrets_exist(field, &properties.secrets).await?;
            }
            let resource_needs = self.resource_needs_of(&input, &definition).await?;

            let job_id = uuid::Uuid::new_v4().to_string();
            let now = now_ms();
            let row = |id: String, depends_on: &str| jobs::ActiveModel {
                id: Set(id),
                name: Set(valid.name.to_string()),
                job_queue_id: Set(queue.id),
                job_definition_id: Set(definition.id),
                status: Set(JobStatus::Submitted.into()),
                status_reason: Set(None),
                created_at: Set(now),
                status_changed_at: Set(now),
                started_at: Set(None),
                stopped_at: Set(None),
                array_parent_id: Set(None),
                array_index: Set(None),
                array_size: Set(valid.array_size.map(|s| s as i32)),
                parameters: Set(to_json(&input.parameters)),
                container_overrides: Set(to_json::<ContainerOverrides>(&overrides)),
                retry_attempts: Set(retry.max_attempts() as i32),
                evaluate_on_exit: Set(to_json(&retry.evaluate_on_exit)),
                timeout_seconds: Set(timeout_seconds.map(|s| s as i32)),
                depends_on: Set(depends_on.to_string()),
                tags: Set(to_json(&input.tags)),
                share_identifier: Set(input.share_identifier.clone()),
                scheduling_priority: Set(input
                    .scheduling_priority_override
                    .or(definition.scheduling_priority.map(i64::from))
                    .map(|p| p as i32)),
                submitted_by: Set(caller.name().to_string()),
                attempt_count: Set(0),
                terminate_reason: Set(None),
                milli_vcpus: Set(resources.milli_vcpus.min(i32::MAX as i64) as i32),
                memory_mib: Set(resources.memory_mib.min(i32::MAX as i64) as i32),
                compute_environment_id: Set(None),
                host_index: Set(None),
                aws_fields: Set(AwsFields::of(&input, domain::submit::OWNED).to_json()),
                consumable_resources: Set(to_json(&resource_needs)),
                revision: Set(0),
            };

            let job_row = row(job_id.clone(), &to_json(&input.depends_on));
            let mut dependency_rows: Vec<deps::ActiveModel> = Vec::new();
            for (dependency, target) in valid.dependencies.iter().zip(&targets) {
                if dependency.kind == DependencyKind::Whole {
                    dependency_rows.push(dependency_row(&job_id, target.as_deref().unwrap_or_default(), None));
                }
            }

            let alone = dependency_rows.is_empty() && valid.array_size.is_none();
            if alone {
                // Written together with the lone jobs other requests submit meanwhile, and with
                // the audit record of its submission.
                self.submissions.write((job_row, record)).await?;
                crate::access::audit::recorded_with_change();
            } else {
                // One transaction: a failure leaves no parent, child or dependency behind.
                let txn = self.db.begin().await?;
                job_rows::insert_submitted(&txn, vec![job_row]).await?;
                job_rows::insert_dependencies(&txn, dependency_rows).await?;
                if let Some(size) = valid.array_size {
                    let sequential = valid.dependencies.iter().any(|d| d.kind == DependencyKind::Sequential);
                    let n_to_n: Vec<String> = valid
                        .dependencies
                        .iter()
                        .zip(&targets)
                        .filter(|(d, _)| d.kind == DependencyKind::NToN)
                        .filter_map(|(_, target)| target.clone())
                        .collect();
                    array_children::insert_children(&txn, &job_id, size, sequential, &n_to_n).await?;
                }
                txn.commit().await?;
            }
            tracing::info!(%job_id, array_size = ?valid.array_size, "job submitted");
            self.notify_work();
            Ok(SubmittedJob { job_arn: self.arn("job", &job_id), job_name: valid.name.to_string(), job_id })
        })
        .await
    }

    /// Every named dependency must exist; N_TO_N needs an array job of the same size.
    async fn check_dependencies(&self, dependencies: &[ValidDependency], array_size: Option<i64>) -> ServiceResult<Vec<Option<String>>> {
        let ids: Vec<&str> = dependencies.iter().filter_map(|d| d.job_id.as_deref()).collect();
        let found: HashMap<String, jobs::Model> = if ids.is_empty() {
            HashMap::new()
        } else {
            job_rows::find_many(&self.db, &ids).await?.into_iter().map(|j| (j.id.clone(), j)).collect()
        };
        let mut targets = Vec::with_capacity(dependencies.len());
        for (i, dependency) in dependencies.iter().enumerate() {
            let Some(id) = &dependency.job_id else {
                targets.push(None);
                continue;
            };
            let target = found.get(id).ok_or_else(|| FieldError::new(format!("dependsOn[{i}].jobId"), format!("no job with id {id}")))?;
            if dependency.kind == DependencyKind::NToN {
                let same_size = target.array_parent_id.is_none() && target.array_size.map(i64::from) == array_size;
                if !same_size {
                    return Err(FieldError::new(
                        format!("dependsOn[{i}].jobId"),
                        format!("an N_TO_N dependency needs an array job of the same size ({id} is not one)"),
                    )
                    .into());
                }
            }
            targets.push(Some(id.clone()));
        }
        Ok(targets)
    }
}

fn dependency_row(job_id: &str, depends_on: &str, kind: Option<&str>) -> deps::ActiveModel {
    deps::ActiveModel { job_id: Set(job_id.to_string()), depends_on_job_id: Set(depends_on.to_string()), kind: Set(kind.map(String::from)) }
}

/// What a job reserves and the containers it runs (with their field paths): its definition's
/// container with the overrides, or, for a multi-node definition, every node's (placed as one
/// unit: all nodes start at once or none does).
fn job_shape(
    input: &SubmitJob,
    definition: &jd::Model,
    overrides: &ContainerOverrides,
    array_size: Option<i64>,
) -> ServiceResult<(Resources, Vec<(String, ContainerProperties)>)> {
    let stored = |e: FieldError| ServiceError::from(sea_orm::DbErr::Custom(e.to_string()));
    if definition.kind != "multinode" {
        if input.aws_fields.get("nodeOverrides").is_some() {
            return Err(FieldError::new("nodeOverrides", "applies to multinode job definitions only").into());
        }
        let properties: ContainerProperties = from_json("container_properties", &definition.container_properties)?;
        let resources = overrides.apply_resources(properties.validate("containerProperties").map_err(stored)?);
        return Ok((resources, vec![("containerProperties".into(), properties)]));
    }
    if array_size.is_some() {
        return Err(FieldError::new("arrayProperties", "a multi-node parallel job cannot be an array job").into());
    }
    if input.container_overrides.is_some() {
        return Err(FieldError::new(
            "containerOverrides",
            "a multi-node parallel job takes its overrides per node range in nodeOverrides.nodePropertyOverrides",
        )
        .into());
    }
    let nodes = node_properties_in(&AwsFields::from_json(&definition.aws_fields)).map_err(stored)?.unwrap_or_default();
    let gang = Gang::new(nodes, node_overrides_in(&input.aws_fields)?)?;
    let resources = gang.nodes.total_resources(&gang.overrides)?;
    let containers = gang
        .nodes
        .node_range_properties
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((format!("nodeProperties.nodeRangeProperties[{i}].container"), r.container.clone()?)))
        .collect();
    Ok((resources, containers))
}

/// A queue or definition that does not exist is a bad field of the submission.
fn field_for_missing(error: ServiceError, field: &str) -> ServiceError {
    match error {
        ServiceError::NotFound { what, name } => FieldError::new(field, format!("{what} {name} does not exist")).into(),
        other => other,
    }
}
