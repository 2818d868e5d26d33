//! Node jobs of multi-node parallel jobs as AWS shows them (ARCHITECTURE.md §16): DescribeJobs
//! of `<id>#<n>`, ListJobs with `multiNodeJobId`, and the job's own `nodeProperties` with its
//! node count. A node job is read from its job's row and the node's record in `job_nodes`; it
//! has no row of its own, so the scheduler never sees it.

use super::describe_context::DescribeContext;
use crate::batch::{Batch, from_json};
use crate::error::ServiceResult;
use crate::store::entities::{job_definitions as jd, job_nodes as node_rows, jobs};
use crate::store::{catalog, job_nodes, jobs as job_rows};
use domain::FieldError;
use domain::access::{Action, Caller};
use domain::aws_fields::AwsFields;
use domain::job_definition::node_properties_in;
use domain::multi_node::{Gang, NodeRun, node_job_id, node_overrides_in, node_status};
use domain::parameters::{merge, substitute};
use domain::views::{AttemptContainerDetail, AttemptDetail, ContainerSummary, JobDetail, JobSummary, NodePropertiesSummary, Page};
use serde_json::json;

/// The gang of a multi-node job (`None` for any other job).
pub(super) fn gang_of(definition: &jd::Model, job: &jobs::Model) -> ServiceResult<Option<Gang>> {
    if definition.kind != "multinode" {
        return Ok(None);
    }
    let stored = |e: FieldError| sea_orm::DbErr::Custom(e.to_string());
    let nodes = node_properties_in(&AwsFields::from_json(&definition.aws_fields)).map_err(stored)?.unwrap_or_default();
    let overrides = node_overrides_in(&AwsFields::from_json(&job.aws_fields)).map_err(stored)?;
    Ok(Some(Gang::new(nodes, overrides).map_err(stored)?))
}

/// A multi-node job's members as AWS shows them: `nodeProperties` with the job's node count,
/// and no `nodeOverrides` (a request member, not a job's).
pub(super) fn job_members(members: AwsFields, gang: &Gang) -> AwsFields {
    let mut members = members.without("nodeOverrides");
    members.0.insert("nodeProperties".into(), serde_json::to_value(gang.properties()).expect("node properties serialize"));
    members
}

impl Batch {
    /// Node `index` of a multi-node job, as DescribeJobs shows `<id>#<index>`; `None` when the
    /// job has no such node.
    pub(super) async fn node_detail(&self, job: &jobs::Model, index: i64, context: &DescribeContext) -> ServiceResult<Option<JobDetail>> {
        let Some(definition) = context.definitions.get(&job.job_definition_id) else { return Ok(None) };
        let Some(gang) = gang_of(&definition.row, job)? else { return Ok(None) };
        if !(0..gang.num_nodes).contains(&index) {
            return Ok(None);
        }
        let nodes = job_nodes::of_attempt(self.reader(), &job.id, job.attempt_count).await?;
        let mut detail = self.job_detail(job.clone(), context).await?;
        let is_main = index == gang.nodes.main_node;
        let node = nodes.iter().find(|n| i64::from(n.node_index) == index);
        detail.status = status_of(job, &gang, &nodes, index);
        detail.job_id = node_job_id(&job.id, index);
        detail.job_arn = self.arn("job", &detail.job_id);
        detail.aws_fields = detail.aws_fields.without("nodeProperties").without("nodeOverrides");
        detail.aws_fields.0.insert("nodeDetails".into(), json!({ "nodeIndex": index, "isMainNode": is_main }));
        if is_main {
            return Ok(Some(detail));
        }
        // Another node: its own container, start and end; the job's attempts are the main node's.
        let (properties, overrides) = gang.node(index).ok_or_else(|| sea_orm::DbErr::Custom(format!("node {index} has no container")))?;
        let parameters = merge(&definition.parameters, &from_json("parameters", &job.parameters)?);
        let resources = properties.validate("nodeProperties").map(|r| overrides.apply_resources(r)).ok();
        // The environment the current attempt ran in (a finished job's placement is cleared).
        let attempt = context.attempts_of(&job.id).into_iter().find(|a| a.attempt_number == job.attempt_count);
        let ran_in = attempt.and_then(|a| a.compute_environment);
        let environment = ran_in.and_then(|name| context.environments.get(&name));
        let task_arn = |n: &node_rows::Model| match (environment, &n.container_id) {
            (Some(environment), Some(container)) => Some(self.task_arn(environment, container)),
            _ => n.container_id.clone(),
        };
        let container = &mut detail.container;
        container.image = properties.image.clone();
        container.command = substitute(overrides.command.as_ref().unwrap_or(&properties.command), &parameters);
        container.environment = overrides.apply_environment(&properties.environment);
        container.vcpus = resources.map_or(0.0, |r| r.vcpus());
        container.memory = resources.map_or(0, |r| r.memory_mib);
        container.exit_code = node.and_then(|n| n.exit_code.map(Into::into));
        container.reason = node.and_then(|n| n.reason.clone());
        container.task_arn = node.and_then(task_arn);
        container.log_stream_name = None;
        let host = container.container_instance_arn.clone();
        detail.started_at = node.and_then(|n| n.started_at);
        detail.stopped_at = node.and_then(|n| n.stopped_at);
        detail.attempts = node.filter(|n| n.stopped_at.is_some()).map(|n| attempt_of(n, host, task_arn(n))).into_iter().collect();
        Ok(Some(detail))
    }

    /// ListJobs with `multiNodeJobId`: the job's nodes in index order.
    pub async fn list_node_jobs(&self, caller: &Caller, multi_node_job_id: &str) -> ServiceResult<Page<JobSummary>> {
        self.guarded(caller, Action::Read, "", async move {
            let id = crate::batch::name_from_arn(multi_node_job_id);
            let not_multi_node = || FieldError::new("multiNodeJobId", format!("{id} is not a multi-node parallel job"));
            let job = job_rows::find_many(self.reader(), &[id]).await?.into_iter().next().ok_or_else(not_multi_node)?;
            let definition = catalog::definition_by_id(self.reader(), job.job_definition_id).await?.ok_or_else(not_multi_node)?;
            let gang = gang_of(&definition, &job)?.ok_or_else(not_multi_node)?;
            let nodes = job_nodes::of_attempt(self.reader(), &job.id, job.attempt_count).await?;
            let definition_arn = self.arn("job-definition", &format!("{}:{}", definition.name, definition.revision));
            let items = (0..gang.num_nodes)
                .map(|index| {
                    let node = nodes.iter().find(|n| i64::from(n.node_index) == index);
                    let is_main = index == gang.nodes.main_node;
                    let node_id = node_job_id(&job.id, index);
                    JobSummary {
                        job_arn: self.arn("job", &node_id),
                        job_id: node_id,
                        job_name: job.name.clone(),
                        created_at: job.created_at,
                        status: status_of(&job, &gang, &nodes, index),
                        status_reason: is_main.then(|| job.status_reason.clone()).flatten(),
                        started_at: if is_main { job.started_at } else { node.and_then(|n| n.started_at) },
                        stopped_at: if is_main { job.stopped_at } else { node.and_then(|n| n.stopped_at) },
                        job_definition: definition_arn.clone(),
                        array_properties: None,
                        container: node
                            .filter(|n| n.exit_code.is_some() || n.reason.is_some())
                            .map(|n| ContainerSummary { exit_code: n.exit_code.map(Into::into), reason: n.reason.clone() }),
                        share_identifier: job.share_identifier.clone(),
                        is_cancelled: false,
                        is_terminated: job.terminate_reason.is_some(),
                        node_properties: Some(NodePropertiesSummary {
                            is_main_node: is_main,
                            num_nodes: gang.num_nodes,
                            node_index: index,
                        }),
                    }
                })
                .collect();
            Ok(Page { items, next_token: None })
        })
        .await
    }
}

fn status_of(job: &jobs::Model, gang: &Gang, nodes: &[node_rows::Model], index: i64) -> domain::JobStatus {
    let run = |n: &node_rows::Model| NodeRun { stopped_at: n.stopped_at, exit_code: n.exit_code.map(Into::into) };
    let node = nodes.iter().find(|n| i64::from(n.node_index) == index).map(run);
    let main_stopped_at = nodes.iter().find(|n| i64::from(n.node_index) == gang.nodes.main_node).and_then(|n| n.stopped_at);
    node_status(*job.status, index == gang.nodes.main_node, node, main_stopped_at)
}

fn attempt_of(node: &node_rows::Model, host: Option<String>, task_arn: Option<String>) -> AttemptDetail {
    AttemptDetail {
        attempt_number: node.attempt_number.into(),
        container: AttemptContainerDetail {
            container_instance_arn: host,
            task_arn,
            exit_code: node.exit_code.map(Into::into),
            reason: node.reason.clone(),
            log_stream_name: None,
        },
        started_at: node.started_at,
        stopped_at: node.stopped_at,
        status_reason: None,
    }
}
