//! What the service answers, in the AWS Batch shapes and names (times are epoch milliseconds).
//! The console and the AWS-compatible API both render these.

use crate::JobStatus;
use crate::aws_fields::AwsFields;
use crate::compute_environment::{DockerHost, ExecutorKind, State};
use crate::container::{ContainerProperties, KeyValuePair};
use crate::job_definition::{DefinitionStatus, JobTimeout};
use crate::job_queue::{ComputeEnvironmentOrder, JobStateTimeLimitAction};
use crate::parameters::Parameters;
use crate::retry::RetryStrategy;
use crate::submit::JobDependency;
use crate::tags::Tags;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputeEnvironmentDetail {
    pub compute_environment_name: String,
    pub compute_environment_arn: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub state: State,
    pub status: String,
    pub status_reason: String,
    pub compute_resources: ComputeResourceDetail,
    pub docker_hosts: Vec<DockerHost>,
    pub executor: ExecutorKind,
    /// This service's addition: what the environment's jobs may touch on the host.
    #[serde(flatten)]
    pub host_access: crate::host_access::HostAccess,
    pub tags: Tags,
    /// A stable ARN naming the environment, as AWS names its ECS cluster.
    pub ecs_cluster_arn: String,
    pub container_orchestration_type: String,
    pub uuid: String,
    /// What the request set that has no column here (serviceRole, context, updatePolicy, ...).
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComputeResourceDetail {
    #[serde(rename = "maxvCpus")]
    pub max_vcpus: i64,
    /// type, minvCpus, instanceTypes, subnets, ... as the request set them.
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobQueueDetail {
    pub job_queue_name: String,
    pub job_queue_arn: String,
    pub state: State,
    pub status: String,
    pub status_reason: String,
    pub priority: i64,
    pub compute_environment_order: Vec<ComputeEnvironmentOrder>,
    pub job_state_time_limit_actions: Vec<JobStateTimeLimitAction>,
    pub tags: Tags,
    /// The fair-share policy the queue follows; none: first in, first out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling_policy_arn: Option<String>,
    /// jobQueueType, ... as the request set them.
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDefinitionDetail {
    pub job_definition_name: String,
    pub job_definition_arn: String,
    pub revision: i64,
    pub status: DefinitionStatus,
    #[serde(rename = "type")]
    pub kind: String,
    pub parameters: Parameters,
    pub container_properties: ContainerProperties,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_strategy: Option<RetryStrategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<JobTimeout>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling_priority: Option<i64>,
    pub tags: Tags,
    pub created_at: i64,
    pub container_orchestration_type: String,
    /// propagateTags, platformCapabilities, ... as the request set them.
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArrayPropertiesDetail {
    /// Children by status (parent only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_summary: Option<BTreeMap<String, i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptDetail {
    pub attempt_number: i64,
    pub container: AttemptContainerDetail,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptContainerDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_instance_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_stream_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub status: JobStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: i64,
}

/// The container a job runs, after overrides and parameter substitution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobContainerDetail {
    pub image: String,
    pub command: Vec<String>,
    pub environment: Vec<KeyValuePair>,
    pub vcpus: f64,
    pub memory: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Of the latest attempt, as AWS shows them on the job.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_stream_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_instance_arn: Option<String>,
    /// The rest of the definition's container properties (volumes, mountPoints, user,
    /// linuxParameters, secrets, jobRoleArn, ...).
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDetail {
    pub job_arn: String,
    pub job_id: String,
    pub job_name: String,
    pub job_queue: String,
    pub job_definition: String,
    pub status: JobStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    pub created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<i64>,
    pub depends_on: Vec<JobDependency>,
    pub parameters: Parameters,
    pub container: JobContainerDetail,
    pub retry_strategy: RetryStrategy,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<JobTimeout>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub array_properties: Option<ArrayPropertiesDetail>,
    pub attempts: Vec<AttemptDetail>,
    pub tags: Tags,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling_priority: Option<i64>,
    pub is_cancelled: bool,
    pub is_terminated: bool,
    /// Not in AWS: who submitted the job, and every status change with its time and reason.
    /// What the job needs of consumable resources: its submission's override, else its
    /// definition's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumable_resource_properties: Option<crate::consumable_resource::ConsumableResourceProperties>,
    pub submitted_by: String,
    pub status_history: Vec<StatusChange>,
    /// propagateTags, platformCapabilities, ... from the definition and the submission.
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub job_arn: String,
    pub job_id: String,
    pub job_name: String,
    pub created_at: i64,
    pub status: JobStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<i64>,
    pub job_definition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub array_properties: Option<ArrayPropertiesDetail>,
    /// The latest attempt's exit code and reason, once it has either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_identifier: Option<String>,
    #[serde(default)]
    pub is_cancelled: bool,
    #[serde(default)]
    pub is_terminated: bool,
    /// A node job's place in its multi-node job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_properties: Option<NodePropertiesSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodePropertiesSummary {
    pub is_main_node: bool,
    pub num_nodes: i64,
    pub node_index: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A page of a list and the opaque token of the next one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchedulingPolicyDetail {
    pub name: String,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fairshare_policy: Option<crate::scheduling_policy::FairsharePolicy>,
    pub tags: Tags,
}
