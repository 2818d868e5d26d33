//! ListTagsForResource, TagResource, UntagResource: tags on compute environments, job queues,
//! job definitions, jobs and scheduling policies, addressed by ARN as AWS does.

use crate::batch::{Batch, from_json, to_json};
use crate::error::{ServiceError, ServiceResult};
use crate::store::tags::{self as store, Tagged};
use domain::FieldError;
use domain::access::{Action, Caller};
use domain::tags::{Tags, validate_tags};
use sea_orm::TransactionTrait;

/// The resource an ARN names.
fn locate(arn: &str) -> ServiceResult<Tagged> {
    let invalid = || {
        ServiceError::Invalid(FieldError::new(
            "resourceArn",
            format!("{arn} is not the ARN of a compute environment, job queue, job definition, job or scheduling policy"),
        ))
    };
    let resource = arn.strip_prefix("arn:").and_then(|rest| rest.splitn(5, ':').nth(4)).ok_or_else(invalid)?;
    let (kind, name) = resource.split_once('/').ok_or_else(invalid)?;
    Ok(match kind {
        "compute-environment" => Tagged::ComputeEnvironment(name.into()),
        "job-queue" => Tagged::JobQueue(name.into()),
        "job" => Tagged::Job(name.into()),
        "scheduling-policy" => Tagged::SchedulingPolicy(name.into()),
        "job-definition" => {
            let (name, revision) = name.rsplit_once(':').ok_or_else(invalid)?;
            let revision: i32 = revision.parse().map_err(|_| invalid())?;
            Tagged::JobDefinition { name: name.into(), revision }
        }
        _ => return Err(invalid()),
    })
}

impl Batch {
    pub async fn list_tags_for_resource(&self, caller: &Caller, arn: &str) -> ServiceResult<Tags> {
        self.guarded(caller, Action::Read, arn, async move {
            let resource = locate(arn)?;
            parse_tags(arn, store::tags(&self.db, &resource).await?)
        })
        .await
    }

    /// Adds or replaces tags; at most 50 per resource after the change.
    pub async fn tag_resource(&self, caller: &Caller, arn: &str, tags: Tags) -> ServiceResult<()> {
        self.guarded(caller, Action::TagResource, arn, async move {
            validate_tags("tags", &tags)?;
            self.change_tags(arn, |current| current.extend(tags)).await
        })
        .await
    }

    pub async fn untag_resource(&self, caller: &Caller, arn: &str, keys: Vec<String>) -> ServiceResult<()> {
        self.guarded(caller, Action::UntagResource, arn, async move {
            if keys.is_empty() {
                return Err(FieldError::new("tagKeys", "name at least one tag key").into());
            }
            self.change_tags(arn, |current| current.retain(|key, _| !keys.contains(key))).await
        })
        .await
    }

    async fn change_tags(&self, arn: &str, change: impl FnOnce(&mut Tags)) -> ServiceResult<()> {
        let resource = locate(arn)?;
        let txn = self.db.begin().await?;
        let mut tags = parse_tags(arn, store::tags_for_update(&txn, &resource).await?)?;
        change(&mut tags);
        validate_tags("tags", &tags)?;
        store::set_tags(&txn, &resource, to_json(&tags)).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// The tags read for `arn`; its resource not found when there was no row.
fn parse_tags(arn: &str, found: Option<String>) -> ServiceResult<Tags> {
    let text = found.ok_or_else(|| ServiceError::not_found("resource", arn))?;
    Ok(from_json("tags", &text)?)
}
