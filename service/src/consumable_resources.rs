//! Use cases of consumable resources: create, update, delete, describe, list, the jobs that
//! need one; and what a submission needs of them (its override, else its definition's).

use crate::batch::{Batch, from_json, now_ms, to_json};
use crate::error::{ServiceError, ServiceResult, conflict_on_unique};
use crate::store::consumable_resources as resources;
use crate::store::entities::{consumable_resources as cr, job_definitions as jd};
use domain::FieldError;
use domain::access::{Action, Caller};
use domain::aws_fields::AwsFields;
use domain::consumable_resource::{CreateConsumableResource, UpdateConsumableResource, needs_in, resource_name};
use domain::submit::SubmitJob;
use domain::tags::Tags;
use domain::views::Page;
use sea_orm::Set;

/// Most items a list page holds (AWS's limit).
pub const MAX_LIST: u64 = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumableResourceView {
    pub name: String,
    pub arn: String,
    pub total_quantity: i64,
    pub in_use_quantity: i64,
    pub available_quantity: i64,
    pub resource_type: String,
    pub created_at: i64,
    pub tags: Tags,
}

/// A job that needs a resource, as ListJobsByConsumableResource shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobNeedingResource {
    pub job: crate::store::entities::jobs::Model,
    pub quantity: i64,
    pub needs: Vec<(String, i64)>,
}

fn page_size(max_results: Option<u64>) -> ServiceResult<u64> {
    match max_results {
        None => Ok(MAX_LIST),
        Some(n) if (1..=MAX_LIST).contains(&n) => Ok(n),
        Some(n) => Err(FieldError::new("maxResults", format!("must be between 1 and {MAX_LIST} (got {n})")).into()),
    }
}

impl Batch {
    #[tracing::instrument(skip_all, fields(name = %input.consumable_resource_name))]
    pub async fn create_consumable_resource(
        &self,
        caller: &Caller,
        input: CreateConsumableResource,
    ) -> ServiceResult<ConsumableResourceView> {
        let target = input.consumable_resource_name.clone();
        self.guarded(caller, Action::CreateConsumableResource, &target, async move {
            let valid = input.validate()?;
            let name = valid.name.to_string();
            let taken = || format!("consumableResourceName: a consumable resource named {name} already exists");
            if resources::find_by_name(&self.db, &name).await?.is_some() {
                return Err(ServiceError::Conflict(taken()));
            }
            let row = cr::ActiveModel {
                name: Set(name.clone()),
                total_quantity: Set(valid.total_quantity),
                resource_type: Set(valid.resource_type.as_str().into()),
                tags: Set(to_json(&input.tags)),
                created_at: Set(now_ms()),
                ..Default::default()
            };
            resources::insert(&self.db, row).await.map_err(|e| conflict_on_unique(e, taken))?;
            self.describe_consumable_resource(caller, &name).await
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(name = %input.consumable_resource))]
    pub async fn update_consumable_resource(
        &self,
        caller: &Caller,
        input: UpdateConsumableResource,
    ) -> ServiceResult<ConsumableResourceView> {
        let target = input.consumable_resource.clone();
        self.guarded(caller, Action::UpdateConsumableResource, &target, async move {
            let existing = self.consumable_resource_by_name(&input.consumable_resource).await?;
            let total = input.new_total(existing.total_quantity)?;
            resources::set_total(&self.db, existing.id, total).await?;
            self.describe_consumable_resource(caller, &existing.name).await
        })
        .await
    }

    /// Deletes the resource; jobs that still need it wait, naming it, until it exists again.
    #[tracing::instrument(skip(self))]
    pub async fn delete_consumable_resource(&self, caller: &Caller, name_or_arn: &str) -> ServiceResult<()> {
        self.guarded(caller, Action::DeleteConsumableResource, name_or_arn, async move {
            let existing = self.consumable_resource_by_name(name_or_arn).await?;
            Ok(resources::delete(&self.db, existing.id).await?)
        })
        .await
    }

    pub async fn describe_consumable_resource(&self, caller: &Caller, name_or_arn: &str) -> ServiceResult<ConsumableResourceView> {
        self.guarded(caller, Action::Read, "", async move {
            let name = resource_name(name_or_arn);
            let found = resources::availability(&self.db).await?.into_iter().find(|(resource, _, _)| resource.name == name);
            let (resource, in_use, available) = found.ok_or_else(|| ServiceError::not_found("consumable resource", name_or_arn))?;
            self.consumable_resource_view(resource, in_use, available)
        })
        .await
    }

    /// A page of resources by name, optionally those whose names start with a prefix.
    pub async fn list_consumable_resources(
        &self,
        caller: &Caller,
        name_prefix: Option<&str>,
        max_results: Option<u64>,
        token: Option<String>,
    ) -> ServiceResult<Page<ConsumableResourceView>> {
        self.guarded(caller, Action::Read, "", async move {
            let limit = page_size(max_results)?;
            let rows = resources::page(&self.db, name_prefix, token.as_deref(), limit).await?;
            let next_token = (rows.len() as u64 == limit).then(|| rows.last().map(|r| r.name.clone())).flatten();
            let mut usage = resources::availability(&self.db).await?;
            let mut items = Vec::with_capacity(rows.len());
            for row in rows {
                let (in_use, available) = usage
                    .iter_mut()
                    .find(|(r, _, _)| r.id == row.id)
                    .map(|(_, in_use, available)| (*in_use, *available))
                    .unwrap_or_default();
                items.push(self.consumable_resource_view(row, in_use, available)?);
            }
            Ok(Page { items, next_token })
        })
        .await
    }

    /// The jobs that need a resource, by job id, a page at a time.
    pub async fn jobs_needing_resource(
        &self,
        caller: &Caller,
        name_or_arn: &str,
        filters: &domain::consumable_resource::JobFilters,
        max_results: Option<u64>,
        token: Option<String>,
    ) -> ServiceResult<Page<JobNeedingResource>> {
        self.guarded(caller, Action::Read, "", async move {
            let resource = self.consumable_resource_by_name(name_or_arn).await?;
            let limit = page_size(max_results)?;
            // Read in pages of jobs that need any resource, keeping those that need this one.
            let (mut items, mut after) = (Vec::new(), token);
            loop {
                let rows = resources::jobs_needing(self.reader(), after.as_deref(), limit).await?;
                let exhausted = (rows.len() as u64) < limit;
                for job in rows {
                    after = Some(job.id.clone());
                    let needs: Vec<(String, i64)> = from_json("consumable_resources", &job.consumable_resources)?;
                    let quantity = needs.iter().find(|(name, _)| *name == resource.name).map(|(_, q)| *q);
                    if let Some(quantity) = quantity.filter(|_| filters.matches(*job.status, &job.name)) {
                        items.push(JobNeedingResource { job, quantity, needs });
                        if items.len() as u64 == limit {
                            return Ok(Page { items, next_token: after });
                        }
                    }
                }
                if exhausted {
                    return Ok(Page { items, next_token: None });
                }
            }
        })
        .await
    }

    async fn consumable_resource_by_name(&self, name_or_arn: &str) -> ServiceResult<cr::Model> {
        resources::find_by_name(&self.db, resource_name(name_or_arn))
            .await?
            .ok_or_else(|| ServiceError::not_found("consumable resource", name_or_arn))
    }

    fn consumable_resource_view(&self, resource: cr::Model, in_use: i64, available: i64) -> ServiceResult<ConsumableResourceView> {
        Ok(ConsumableResourceView {
            arn: self.arn("consumable-resource", &resource.name),
            tags: from_json("tags", &resource.tags)?,
            name: resource.name,
            total_quantity: resource.total_quantity,
            in_use_quantity: in_use,
            available_quantity: available,
            resource_type: resource.resource_type,
            created_at: resource.created_at,
        })
    }

    /// Every resource `needs` names exists, or a field error naming the first that does not.
    pub(crate) async fn check_resources_exist(&self, member: &str, needs: &[(String, i64)]) -> ServiceResult<()> {
        for (i, (name, _)) in needs.iter().enumerate() {
            if resources::find_by_name(&self.db, name).await?.is_none() {
                let field = format!("{member}.consumableResourceList[{i}].consumableResource");
                return Err(FieldError::new(field, format!("no consumable resource named {name}")).into());
            }
        }
        Ok(())
    }

    /// What a submission needs of consumable resources: its override, else its definition's;
    /// each named resource must exist now.
    pub(crate) async fn resource_needs_of(&self, input: &SubmitJob, definition: &jd::Model) -> ServiceResult<Vec<(String, i64)>> {
        let (member, needs) = match needs_in(&input.aws_fields, "consumableResourcePropertiesOverride")? {
            Some(needs) => ("consumableResourcePropertiesOverride", needs),
            None => (
                "consumableResourceProperties",
                needs_in(&AwsFields::from_json(&definition.aws_fields), "consumableResourceProperties")?.unwrap_or_default(),
            ),
        };
        self.check_resources_exist(member, &needs).await?;
        Ok(needs)
    }
}
