//! Use cases of job definitions: register (a new revision), deregister, describe.

use crate::batch::{Batch, from_json, now_ms, to_json};
use crate::error::{ServiceError, ServiceResult, conflict_on_unique};
use crate::store::entities::job_definitions as jd;
use crate::store::job_definitions as definitions;
use domain::FieldError;
use domain::access::{Action, Caller};
use domain::aws_fields::AwsFields;
use domain::job_definition::{DefinitionRef, DefinitionStatus, JobTimeout, RegisterJobDefinition};
use domain::retry::RetryStrategy;
use domain::views::JobDefinitionDetail;
use sea_orm::{Set, TransactionTrait};

/// DescribeJobDefinitions filters.
#[derive(Debug, Clone, Default)]
pub struct DefinitionFilter {
    /// `name` (its latest revision), `name:revision`, or ARNs of either.
    pub job_definitions: Vec<String>,
    /// Every revision of this name.
    pub job_definition_name: Option<String>,
    /// ACTIVE or INACTIVE.
    pub status: Option<String>,
}

impl Batch {
    /// Registers the next revision of `jobDefinitionName` (1 for a new name).
    #[tracing::instrument(skip_all, fields(name = %input.job_definition_name))]
    pub async fn register_job_definition(&self, caller: &Caller, input: RegisterJobDefinition) -> ServiceResult<JobDefinitionDetail> {
        let target = input.job_definition_name.clone();
        self.guarded(caller, Action::RegisterJobDefinition, &target, async move {
            let valid = input.validate()?;
            if let Some(needs) = domain::consumable_resource::needs_in(&input.aws_fields, "consumableResourceProperties")? {
                self.check_resources_exist("consumableResourceProperties", &needs).await?;
            }
            for (field, container) in &valid.containers {
                self.check_never_allowed(field, container)?;
            }
            let name = valid.name.to_string();
            let txn = self.db.begin().await?;
            let latest = definitions::latest_revision_number(&txn, &name).await?;
            let model = jd::ActiveModel {
                name: Set(name.clone()),
                revision: Set(latest.unwrap_or(0) + 1),
                status: Set(DefinitionStatus::Active.into()),
                kind: Set(valid.kind.clone()),
                container_properties: Set(to_json(&valid.container)),
                parameters: Set(to_json(&valid.parameters)),
                retry_strategy: Set(valid.retry_strategy.as_ref().map(to_json)),
                timeout_seconds: Set(valid.timeout_seconds.map(|s| s as i32)),
                scheduling_priority: Set(valid.scheduling_priority.map(|p| p as i32)),
                tags: Set(to_json(&valid.tags)),
                aws_fields: Set(AwsFields::of(&input, domain::job_definition::OWNED).to_json()),
                created_at: Set(now_ms()),
                ..Default::default()
            };
            let model = definitions::insert(&txn, model)
                .await
                .map_err(|e| conflict_on_unique(e, || format!("jobDefinitionName: {name} was registered concurrently; try again")))?;
            txn.commit().await?;
            self.job_definition_detail(model)
        })
        .await
    }

    /// Marks one revision INACTIVE: it can no longer be submitted, and stays describable.
    #[tracing::instrument(skip(self))]
    pub async fn deregister_job_definition(&self, caller: &Caller, reference: &str) -> ServiceResult<()> {
        self.guarded(caller, Action::DeregisterJobDefinition, reference, async move {
            let parsed = DefinitionRef::parse("jobDefinition", reference)?;
            let Some(revision) = parsed.revision else {
                return Err(FieldError::new("jobDefinition", "name the revision to deregister (name:revision or its ARN)").into());
            };
            let model = self.definition_revision(&parsed.name, revision).await?;
            let mut active: jd::ActiveModel = model.into();
            active.status = Set(DefinitionStatus::Inactive.into());
            definitions::update(&self.db, active).await?;
            Ok(())
        })
        .await
    }

    pub async fn describe_job_definitions(&self, caller: &Caller, filter: &DefinitionFilter) -> ServiceResult<Vec<JobDefinitionDetail>> {
        self.guarded(caller, Action::Read, "", async move {
            let status = match &filter.status {
                Some(text) => Some(
                    DefinitionStatus::parse(text)
                        .ok_or_else(|| FieldError::new("status", format!("must be ACTIVE or INACTIVE (got {text:?})")))?,
                ),
                None => None,
            };
            let mut models = Vec::new();
            for reference in &filter.job_definitions {
                let parsed = DefinitionRef::parse("jobDefinitions", reference)?;
                let found = match parsed.revision {
                    Some(revision) => self.definition_revision(&parsed.name, revision).await.ok(),
                    None => self.latest_definition(&parsed.name, status).await?,
                };
                models.extend(found);
            }
            if filter.job_definitions.is_empty() {
                models = definitions::list(&self.db, filter.job_definition_name.as_deref()).await?;
            }
            if let Some(status) = status {
                models.retain(|m| m.status == status);
            }
            models.into_iter().map(|m| self.job_definition_detail(m)).collect()
        })
        .await
    }

    /// The revision a submission runs: `name:revision` as given, or the latest ACTIVE one.
    pub(crate) async fn definition_for_submit(&self, reference: &str) -> ServiceResult<jd::Model> {
        let parsed = DefinitionRef::parse("jobDefinition", reference)?;
        let model = match parsed.revision {
            Some(revision) => self.definition_revision(&parsed.name, revision).await?,
            None => self
                .latest_definition(&parsed.name, Some(DefinitionStatus::Active))
                .await?
                .ok_or_else(|| ServiceError::not_found("job definition", reference))?,
        };
        if model.status != DefinitionStatus::Active {
            return Err(ServiceError::Conflict(format!(
                "jobDefinition: {}:{} is INACTIVE and cannot run new jobs",
                model.name, model.revision
            )));
        }
        Ok(model)
    }

    async fn definition_revision(&self, name: &str, revision: i64) -> ServiceResult<jd::Model> {
        definitions::find_revision(&self.db, name, revision as i32)
            .await?
            .ok_or_else(|| ServiceError::not_found("job definition", format!("{name}:{revision}")))
    }

    async fn latest_definition(&self, name: &str, status: Option<DefinitionStatus>) -> ServiceResult<Option<jd::Model>> {
        Ok(definitions::latest_revision(&self.db, name, status).await?)
    }

    pub(crate) fn job_definition_detail(&self, model: jd::Model) -> ServiceResult<JobDefinitionDetail> {
        let retry_strategy: Option<RetryStrategy> =
            model.retry_strategy.as_deref().map(|text| from_json("retry_strategy", text)).transpose()?;
        Ok(JobDefinitionDetail {
            job_definition_arn: self.arn("job-definition", &format!("{}:{}", model.name, model.revision)),
            job_definition_name: model.name,
            revision: model.revision.into(),
            status: *model.status,
            kind: model.kind,
            parameters: from_json("parameters", &model.parameters)?,
            container_properties: from_json("container_properties", &model.container_properties)?,
            retry_strategy,
            timeout: model.timeout_seconds.map(|s| JobTimeout { attempt_duration_seconds: Some(s.into()) }),
            scheduling_priority: model.scheduling_priority.map(Into::into),
            tags: from_json("tags", &model.tags)?,
            created_at: model.created_at,
            container_orchestration_type: "ECS".into(),
            aws_fields: AwsFields::from_json(&model.aws_fields),
        })
    }
}
