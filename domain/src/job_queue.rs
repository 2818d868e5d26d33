//! Job queues: a priority, a state, and up to three compute environments in order.

use crate::aws_fields::AwsFields;
use crate::compute_environment::State;
use crate::limits::MAX_COMPUTE_ENVIRONMENTS_PER_QUEUE;
use crate::tags::{Tags, validate_tags};
use crate::validation::{Validated, ensure, name};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputeEnvironmentOrder {
    pub order: i64,
    /// A name or an ARN.
    pub compute_environment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobStateTimeLimitAction {
    pub reason: String,
    /// Only RUNNABLE, as in AWS.
    pub state: String,
    pub max_time_seconds: i64,
    /// Only CANCEL, as in AWS.
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateJobQueue {
    pub job_queue_name: String,
    pub priority: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default)]
    pub compute_environment_order: Vec<ComputeEnvironmentOrder>,
    #[serde(default)]
    pub job_state_time_limit_actions: Vec<JobStateTimeLimitAction>,
    #[serde(default)]
    pub tags: Tags,
    /// The fair-share policy the queue follows (an ARN); none: first in, first out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling_policy_arn: Option<String>,
    /// jobQueueType, ...: kept and returned as sent.
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

/// Members of CreateJobQueue with columns of their own; the rest is kept as sent.
pub const OWNED_ON_CREATE: &[&str] =
    &["jobQueueName", "priority", "state", "computeEnvironmentOrder", "jobStateTimeLimitActions", "tags", "schedulingPolicyArn"];

/// The same for UpdateJobQueue.
pub const OWNED_ON_UPDATE: &[&str] =
    &["jobQueue", "priority", "state", "computeEnvironmentOrder", "jobStateTimeLimitActions", "schedulingPolicyArn"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidJobQueue {
    pub name: crate::ResourceName,
    pub priority: i64,
    pub state: State,
    /// Compute environment names or ARNs, sorted by `order`.
    pub compute_environments: Vec<String>,
    pub time_limit_actions: Vec<JobStateTimeLimitAction>,
    pub tags: Tags,
}

pub fn validate_priority(priority: i64) -> Validated<()> {
    ensure((0..=1000).contains(&priority), "priority", format!("must be between 0 and 1000 (got {priority})"))
}

/// Checks the order list and returns the environments sorted by `order`.
pub fn validate_order(orders: &[ComputeEnvironmentOrder]) -> Validated<Vec<String>> {
    ensure(!orders.is_empty(), "computeEnvironmentOrder", "at least one compute environment is required")?;
    ensure(
        orders.len() <= MAX_COMPUTE_ENVIRONMENTS_PER_QUEUE,
        "computeEnvironmentOrder",
        format!("at most {MAX_COMPUTE_ENVIRONMENTS_PER_QUEUE} compute environments (got {})", orders.len()),
    )?;
    let mut sorted = orders.to_vec();
    sorted.sort_by_key(|o| o.order);
    for (i, pair) in sorted.windows(2).enumerate() {
        ensure(pair[0].order != pair[1].order, format!("computeEnvironmentOrder[{}].order", i + 1), "orders must be unique")?;
        ensure(
            pair[0].compute_environment != pair[1].compute_environment,
            format!("computeEnvironmentOrder[{}].computeEnvironment", i + 1),
            "a compute environment may appear once",
        )?;
    }
    for (i, o) in orders.iter().enumerate() {
        ensure(o.order >= 0, format!("computeEnvironmentOrder[{i}].order"), "must be 0 or more")?;
        ensure(!o.compute_environment.is_empty(), format!("computeEnvironmentOrder[{i}].computeEnvironment"), "is required")?;
    }
    Ok(sorted.into_iter().map(|o| o.compute_environment).collect())
}

pub fn validate_time_limit_actions(actions: &[JobStateTimeLimitAction]) -> Validated<()> {
    for (i, action) in actions.iter().enumerate() {
        let at = |name: &str| format!("jobStateTimeLimitActions[{i}].{name}");
        ensure(action.state == "RUNNABLE", at("state"), "must be RUNNABLE")?;
        ensure(action.action == "CANCEL", at("action"), "must be CANCEL")?;
        ensure(
            (600..=86_400).contains(&action.max_time_seconds),
            at("maxTimeSeconds"),
            format!("must be between 600 and 86400 (got {})", action.max_time_seconds),
        )?;
        ensure(!action.reason.is_empty(), at("reason"), "is required")?;
    }
    Ok(())
}

impl CreateJobQueue {
    pub fn validate(&self) -> Validated<ValidJobQueue> {
        let name = name("jobQueueName", &self.job_queue_name)?;
        validate_priority(self.priority)?;
        let state = self.state.as_deref().map(|raw| State::parse("state", raw)).transpose()?.unwrap_or(State::Enabled);
        if let Some(arn) = &self.scheduling_policy_arn {
            ensure(!arn.is_empty(), "schedulingPolicyArn", "must name a scheduling policy")?;
        }
        let compute_environments = validate_order(&self.compute_environment_order)?;
        validate_time_limit_actions(&self.job_state_time_limit_actions)?;
        validate_tags("tags", &self.tags)?;
        Ok(ValidJobQueue {
            name,
            priority: self.priority,
            state,
            compute_environments,
            time_limit_actions: self.job_state_time_limit_actions.clone(),
            tags: self.tags.clone(),
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateJobQueue {
    pub job_queue: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_environment_order: Option<Vec<ComputeEnvironmentOrder>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_state_time_limit_actions: Option<Vec<JobStateTimeLimitAction>>,
    /// A new policy for a queue that has one (AWS: replaced, never added or removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling_policy_arn: Option<String>,
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidJobQueueUpdate {
    pub priority: Option<i64>,
    pub state: Option<State>,
    pub compute_environments: Option<Vec<String>>,
    pub time_limit_actions: Option<Vec<JobStateTimeLimitAction>>,
}

impl UpdateJobQueue {
    pub fn validate(&self) -> Validated<ValidJobQueueUpdate> {
        ensure(!self.job_queue.is_empty(), "jobQueue", "is required")?;
        if let Some(priority) = self.priority {
            validate_priority(priority)?;
        }
        if let Some(actions) = &self.job_state_time_limit_actions {
            validate_time_limit_actions(actions)?;
        }
        Ok(ValidJobQueueUpdate {
            priority: self.priority,
            state: self.state.as_deref().map(|raw| State::parse("state", raw)).transpose()?,
            compute_environments: self.compute_environment_order.as_deref().map(validate_order).transpose()?,
            time_limit_actions: self.job_state_time_limit_actions.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(n: i64, ce: &str) -> ComputeEnvironmentOrder {
        ComputeEnvironmentOrder { order: n, compute_environment: ce.into() }
    }

    fn queue() -> CreateJobQueue {
        CreateJobQueue {
            job_queue_name: "high".into(),
            priority: 10,
            state: None,
            compute_environment_order: vec![order(2, "b"), order(1, "a")],
            job_state_time_limit_actions: vec![],
            tags: Tags::new(),
            scheduling_policy_arn: None,
            aws_fields: AwsFields::default(),
        }
    }

    #[test]
    fn environments_are_kept_in_their_order() {
        assert_eq!(queue().validate().unwrap().compute_environments, ["a", "b"]);
    }

    #[test]
    fn at_most_three_environments_and_at_least_one() {
        let mut q = queue();
        q.compute_environment_order = (0..4).map(|i| order(i, &format!("ce{i}"))).collect();
        assert!(q.validate().unwrap_err().message.contains("at most 3"));
        q.compute_environment_order.clear();
        assert_eq!(q.validate().unwrap_err().field, "computeEnvironmentOrder");
    }

    #[test]
    fn duplicate_orders_and_bad_time_limits_are_refused() {
        let mut q = queue();
        q.compute_environment_order = vec![order(1, "a"), order(1, "b")];
        assert!(q.validate().unwrap_err().message.contains("unique"));
        let mut q = queue();
        q.job_state_time_limit_actions = vec![JobStateTimeLimitAction {
            reason: "stuck".into(),
            state: "RUNNABLE".into(),
            max_time_seconds: 10,
            action: "CANCEL".into(),
        }];
        assert_eq!(q.validate().unwrap_err().field, "jobStateTimeLimitActions[0].maxTimeSeconds");
        let mut q = queue();
        q.priority = -1;
        assert_eq!(q.validate().unwrap_err().field, "priority");
    }
}
