//! Use cases of fair-share scheduling policies: create, update, delete, describe, list; and the
//! rules that tie them to queues and submissions (AWS's): a queue's policy can be replaced
//! but not added to a first-in-first-out queue nor removed; a policy a queue follows cannot
//! be deleted; a job in a fair-share queue names its share, and a job elsewhere does not.

use crate::batch::{Batch, from_json, name_from_arn, now_ms, to_json};
use crate::error::{ServiceError, ServiceResult, conflict_on_unique};
use crate::store::entities::scheduling_policies as sp;
use crate::store::scheduling_policies as policies;
use domain::FieldError;
use domain::access::{Action, Caller};
use domain::scheduling_policy::{CreateSchedulingPolicy, FairsharePolicy, UpdateSchedulingPolicy};
use domain::views::{Page, SchedulingPolicyDetail};
use sea_orm::Set;

/// Most ARNs DescribeSchedulingPolicies takes, and most policies a ListSchedulingPolicies page
/// holds (AWS's limits).
pub const MAX_DESCRIBE: usize = 100;
pub const MAX_LIST: u64 = 100;

impl Batch {
    #[tracing::instrument(skip_all, fields(name = %input.name))]
    pub async fn create_scheduling_policy(&self, caller: &Caller, input: CreateSchedulingPolicy) -> ServiceResult<SchedulingPolicyDetail> {
        let target = input.name.clone();
        self.guarded(caller, Action::CreateSchedulingPolicy, &target, async move {
            let name = input.validate()?.to_string();
            let taken = || format!("name: a scheduling policy named {name} already exists");
            if policies::find_by_name(&self.db, &name).await?.is_some() {
                return Err(ServiceError::Conflict(taken()));
            }
            let now = now_ms();
            let policy = sp::ActiveModel {
                name: Set(name.clone()),
                fairshare_policy: Set(to_json(&input.fairshare_policy)),
                tags: Set(to_json(&input.tags)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            let policy = policies::insert(&self.db, policy).await.map_err(|e| conflict_on_unique(e, taken))?;
            self.scheduling_policy_detail(policy)
        })
        .await
    }

    /// Replaces the policy's fair-share settings (a request without them changes nothing).
    #[tracing::instrument(skip_all, fields(arn = %input.arn))]
    pub async fn update_scheduling_policy(&self, caller: &Caller, input: UpdateSchedulingPolicy) -> ServiceResult<SchedulingPolicyDetail> {
        let target = input.arn.clone();
        self.guarded(caller, Action::UpdateSchedulingPolicy, &target, async move {
            input.validate()?;
            let existing = self.scheduling_policy_by_arn(&input.arn).await?;
            let Some(fairshare) = input.fairshare_policy else { return self.scheduling_policy_detail(existing) };
            let mut model: sp::ActiveModel = existing.into();
            model.fairshare_policy = Set(to_json(&Some(fairshare)));
            model.updated_at = Set(now_ms());
            self.scheduling_policy_detail(policies::update(&self.db, model).await?)
        })
        .await
    }

    #[tracing::instrument(skip(self))]
    pub async fn delete_scheduling_policy(&self, caller: &Caller, arn: &str) -> ServiceResult<()> {
        self.guarded(caller, Action::DeleteSchedulingPolicy, arn, async move {
            let existing = self.scheduling_policy_by_arn(arn).await?;
            let following = policies::queues_following(&self.db, existing.id).await?;
            if following > 0 {
                return Err(ServiceError::Conflict(format!(
                    "arn: {} is the scheduling policy of {following} job queue(s); give them another policy or delete them first",
                    existing.name
                )));
            }
            Ok(policies::delete(&self.db, existing.id).await?)
        })
        .await
    }

    /// The policies named by ARN (up to 100), by name; unknown ARNs are left out, as on AWS.
    pub async fn describe_scheduling_policies(&self, caller: &Caller, arns: &[String]) -> ServiceResult<Vec<SchedulingPolicyDetail>> {
        self.guarded(caller, Action::Read, "", async move {
            if arns.len() > MAX_DESCRIBE {
                return Err(FieldError::new("arns", format!("at most {MAX_DESCRIBE} ARNs (got {})", arns.len())).into());
            }
            let names: Vec<&str> = arns.iter().map(|arn| name_from_arn(arn)).collect();
            policies::named(&self.db, &names).await?.into_iter().map(|policy| self.scheduling_policy_detail(policy)).collect()
        })
        .await
    }

    /// The policies' ARNs by name, a page at a time (the token is the last name listed).
    pub async fn list_scheduling_policies(
        &self,
        caller: &Caller,
        max_results: Option<u64>,
        token: Option<String>,
    ) -> ServiceResult<Page<String>> {
        self.guarded(caller, Action::Read, "", async move {
            let limit = match max_results {
                None => MAX_LIST,
                Some(n) if (1..=MAX_LIST).contains(&n) => n,
                Some(n) => return Err(FieldError::new("maxResults", format!("must be between 1 and {MAX_LIST} (got {n})")).into()),
            };
            let page = policies::page(&self.db, token.as_deref(), limit).await?;
            let next_token = (page.len() as u64 == limit).then(|| page.last().map(|p| p.name.clone())).flatten();
            Ok(Page { items: page.into_iter().map(|p| self.arn("scheduling-policy", &p.name)).collect(), next_token })
        })
        .await
    }

    pub(crate) async fn scheduling_policy_by_arn(&self, arn: &str) -> ServiceResult<sp::Model> {
        policies::find_by_name(&self.db, name_from_arn(arn)).await?.ok_or_else(|| ServiceError::not_found("scheduling policy", arn))
    }

    /// The policy `field` names, or a field error saying it does not exist.
    pub(crate) async fn scheduling_policy_for(&self, field: &str, arn: &str) -> ServiceResult<sp::Model> {
        self.scheduling_policy_by_arn(arn).await.map_err(|error| match error {
            ServiceError::NotFound { .. } => FieldError::new(field, format!("no scheduling policy {arn}")).into(),
            other => other,
        })
    }

    /// The ARN of the policy with this id, for a queue's detail.
    pub(crate) async fn scheduling_policy_arn(&self, id: Option<i32>) -> ServiceResult<Option<String>> {
        let Some(id) = id else { return Ok(None) };
        Ok(policies::find_by_id(&self.db, id).await?.map(|policy| self.arn("scheduling-policy", &policy.name)))
    }

    fn scheduling_policy_detail(&self, policy: sp::Model) -> ServiceResult<SchedulingPolicyDetail> {
        let fairshare_policy: Option<FairsharePolicy> = from_json("fairshare_policy", &policy.fairshare_policy)?;
        Ok(SchedulingPolicyDetail {
            arn: self.arn("scheduling-policy", &policy.name),
            name: policy.name,
            fairshare_policy,
            tags: from_json("tags", &policy.tags)?,
        })
    }
}
