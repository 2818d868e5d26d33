//! Use cases of job queues: create, update, delete, describe. A queue's scheduling policy
//! follows AWS's rules (`crate::scheduling_policies`).

use crate::batch::{Batch, from_json, name_from_arn, now_ms, to_json};
use crate::error::{ServiceError, ServiceResult, conflict_on_unique};
use crate::store::entities::job_queues as jq;
use crate::store::job_queues as queues;
use domain::FieldError;
use domain::access::{Action, Caller};
use domain::aws_fields::AwsFields;
use domain::compute_environment::State;
use domain::job_queue::{self, ComputeEnvironmentOrder, CreateJobQueue, UpdateJobQueue};
use domain::views::JobQueueDetail;
use sea_orm::{Set, TransactionTrait};

impl Batch {
    #[tracing::instrument(skip_all, fields(name = %input.job_queue_name))]
    pub async fn create_job_queue(&self, caller: &Caller, input: CreateJobQueue) -> ServiceResult<JobQueueDetail> {
        let target = input.job_queue_name.clone();
        self.guarded(caller, Action::CreateJobQueue, &target, async move {
            let valid = input.validate()?;
            let environment_ids = self.resolve_environments(&valid.compute_environments).await?;
            let policy_id = match &input.scheduling_policy_arn {
                Some(arn) => Some(self.scheduling_policy_for("schedulingPolicyArn", arn).await?.id),
                None => None,
            };
            let name = valid.name.to_string();
            let taken = || format!("jobQueueName: a job queue named {name} already exists");
            if queues::find_by_name(&self.db, &name).await?.is_some() {
                return Err(ServiceError::Conflict(taken()));
            }
            let now = now_ms();
            let txn = self.db.begin().await?;
            let queue = jq::ActiveModel {
                name: Set(name.clone()),
                state: Set(valid.state.into()),
                status: Set("VALID".into()),
                priority: Set(valid.priority as i32),
                job_state_time_limit_actions: Set(to_json(&valid.time_limit_actions)),
                tags: Set(to_json(&valid.tags)),
                aws_fields: Set(AwsFields::of(&input, job_queue::OWNED_ON_CREATE).to_json()),
                scheduling_policy_id: Set(policy_id),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            let queue = queues::insert(&txn, queue).await.map_err(|e| conflict_on_unique(e, taken))?;
            queues::set_environment_order(&txn, queue.id, &environment_ids).await?;
            txn.commit().await?;
            self.job_queue_detail(queue).await
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(name = %input.job_queue))]
    pub async fn update_job_queue(&self, caller: &Caller, input: UpdateJobQueue) -> ServiceResult<JobQueueDetail> {
        let target = input.job_queue.clone();
        self.guarded(caller, Action::UpdateJobQueue, &target, async move {
            let valid = input.validate()?;
            let existing = self.job_queue_by_name(&input.job_queue).await?;
            let environment_ids = match &valid.compute_environments {
                Some(names) => Some(self.resolve_environments(names).await?),
                None => None,
            };
            let policy_id = match (&input.scheduling_policy_arn, existing.scheduling_policy_id) {
                (None, _) => None,
                (Some(_), None) => {
                    return Err(FieldError::new(
                        "schedulingPolicyArn",
                        format!(
                            "{} runs jobs first in, first out; a fair-share policy can only be given to a queue when it is created",
                            existing.name
                        ),
                    )
                    .into());
                }
                (Some(arn), Some(_)) => Some(self.scheduling_policy_for("schedulingPolicyArn", arn).await?.id),
            };
            let txn = self.db.begin().await?;
            let mut model: jq::ActiveModel = existing.clone().into();
            if let Some(priority) = valid.priority {
                model.priority = Set(priority as i32);
            }
            if let Some(state) = valid.state {
                model.state = Set(state.into());
            }
            if let Some(actions) = &valid.time_limit_actions {
                model.job_state_time_limit_actions = Set(to_json(actions));
            }
            if let Some(policy_id) = policy_id {
                model.scheduling_policy_id = Set(Some(policy_id));
            }
            let changed = AwsFields::of(&input, job_queue::OWNED_ON_UPDATE);
            model.aws_fields = Set(AwsFields::from_json(&existing.aws_fields).updated_with(&changed).to_json());
            model.updated_at = Set(now_ms());
            let updated = queues::update(&txn, model).await?;
            if let Some(ids) = environment_ids {
                queues::set_environment_order(&txn, existing.id, &ids).await?;
            }
            txn.commit().await?;
            self.job_queue_detail(updated).await
        })
        .await
    }

    /// AWS rule: only a DISABLED queue can be deleted. Its finished jobs go with it; a queue
    /// that still holds unfinished jobs is refused, so no job is lost silently.
    #[tracing::instrument(skip(self))]
    pub async fn delete_job_queue(&self, caller: &Caller, name_or_arn: &str) -> ServiceResult<()> {
        self.guarded(caller, Action::DeleteJobQueue, name_or_arn, async move {
            let existing = self.job_queue_by_name(name_or_arn).await?;
            if existing.state != State::Disabled {
                return Err(ServiceError::Conflict(format!("jobQueue: {} is ENABLED; disable it before deleting it", existing.name)));
            }
            let txn = self.db.begin().await?;
            let jobs = crate::store::jobs::count_in_queue(&txn, existing.id).await?;
            if jobs > 0 {
                return Err(ServiceError::Conflict(format!(
                    "jobQueue: {} still holds {jobs} job(s); deleting queues with job history is not supported yet",
                    existing.name
                )));
            }
            queues::delete(&txn, existing.id).await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    /// All queues, or those named (names or ARNs), highest priority first.
    pub async fn describe_job_queues(&self, caller: &Caller, names: &[String]) -> ServiceResult<Vec<JobQueueDetail>> {
        self.guarded(caller, Action::Read, "", async move {
            let names: Vec<&str> = names.iter().map(|n| name_from_arn(n)).collect();
            let mut details = Vec::new();
            for queue in queues::list(&self.db, &names).await? {
                details.push(self.job_queue_detail(queue).await?);
            }
            Ok(details)
        })
        .await
    }

    pub(crate) async fn job_queue_by_name(&self, name_or_arn: &str) -> ServiceResult<jq::Model> {
        queues::find_by_name(&self.db, name_from_arn(name_or_arn)).await?.ok_or_else(|| ServiceError::not_found("job queue", name_or_arn))
    }

    async fn resolve_environments(&self, names: &[String]) -> ServiceResult<Vec<i32>> {
        let mut ids = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let environment = self.compute_environment_by_name(name).await.map_err(|e| match e {
                ServiceError::NotFound { .. } => ServiceError::Invalid(domain::FieldError::new(
                    format!("computeEnvironmentOrder[{i}].computeEnvironment"),
                    format!("no compute environment named {name}"),
                )),
                other => other,
            })?;
            ids.push(environment.id);
        }
        Ok(ids)
    }

    async fn job_queue_detail(&self, queue: jq::Model) -> ServiceResult<JobQueueDetail> {
        let compute_environment_order = queues::environment_order(&self.db, queue.id)
            .await?
            .into_iter()
            .map(|(position, name)| ComputeEnvironmentOrder {
                order: position.into(),
                compute_environment: self.arn("compute-environment", &name),
            })
            .collect();
        Ok(JobQueueDetail {
            job_queue_arn: self.arn("job-queue", &queue.name),
            job_queue_name: queue.name,
            state: *queue.state,
            status: queue.status,
            status_reason: "JobQueue Healthy".into(),
            priority: queue.priority.into(),
            compute_environment_order,
            job_state_time_limit_actions: from_json("job_state_time_limit_actions", &queue.job_state_time_limit_actions)?,
            tags: from_json("tags", &queue.tags)?,
            scheduling_policy_arn: self.scheduling_policy_arn(queue.scheduling_policy_id).await?,
            aws_fields: AwsFields::from_json(&queue.aws_fields),
        })
    }
}
