//! One function per AWS Batch operation: parse the model's request shape, call the service
//! use case as the signing user, answer in the model's response shape.

use super::errors::ApiError;
use domain::JobStatus;
use domain::access::Caller;
use domain::compute_environment::{CreateComputeEnvironment, UpdateComputeEnvironment};
use domain::consumable_resource::{CreateConsumableResource, UpdateConsumableResource};
use domain::job_definition::RegisterJobDefinition;
use domain::job_queue::{CreateJobQueue, UpdateJobQueue};
use domain::scheduling_policy::{CreateSchedulingPolicy, UpdateSchedulingPolicy};
use domain::submit::SubmitJob;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use service::Batch;
use service::consumable_resources::ConsumableResourceView;
use service::job_definitions::DefinitionFilter;
use service::jobs::{ListJobs, NameFilter};

pub type ApiResult = Result<Value, ApiError>;

/// Operations of the AWS Batch model this service does not provide, each with why and what to
/// use instead: a clear refusal beats silently wrong behaviour.
pub const NOT_PROVIDED: &[(&str, &str)] = &[
    ("quotashare", "quota shares are for SageMaker job queues, which are not run here; use a fair-share scheduling policy"),
    ("quotashares", "quota shares are for SageMaker job queues, which are not run here; use a fair-share scheduling policy"),
    ("serviceenvironment", "SageMaker service environments are not run here; use a compute environment (Docker)"),
    ("serviceenvironments", "SageMaker service environments are not run here; use a compute environment (Docker)"),
    ("servicejob", "SageMaker service jobs are not run here; use SubmitJob with a container job definition"),
    ("servicejobs", "SageMaker service jobs are not run here; use SubmitJob with a container job definition"),
];

/// Why `operation` (lower case) is not provided, when it is one of the model's that is not.
fn not_provided(operation: &str) -> Option<&'static str> {
    super::model::operation_name(operation)?;
    NOT_PROVIDED.iter().find(|(resource, _)| operation.ends_with(resource)).map(|(_, why)| *why)
}

/// The body as JSON (`{}` when empty), checked against the operation's input shape in the AWS
/// model before any operation reads it.
fn checked_body(operation: &str, body: &[u8]) -> Result<Value, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::bad_body(operation, e))?;
    if let Some(name) = super::model::operation_name(operation) {
        super::model::check_input(name, &value).map_err(ApiError::client)?;
    }
    Ok(value)
}

fn parse<T: DeserializeOwned>(operation: &str, body: &Value) -> Result<T, ApiError> {
    T::deserialize(body).map_err(|e| ApiError::bad_body(operation, e))
}

/// Fields of the AWS model for features this service does not run (multi-node, EKS, ECS):
/// refused by name instead of being ignored.
fn refuse_fields(body: &Value, fields: &[&str]) -> Result<(), ApiError> {
    let Value::Object(map) = body else { return Ok(()) };
    match fields.iter().find(|f| map.get(**f).is_some_and(|v| !v.is_null())) {
        Some(field) => Err(ApiError::client(format!(
            "{field}: not supported; this service runs single-container jobs on Docker (use containerProperties / containerOverrides)"
        ))),
        None => Ok(()),
    }
}

/// A definition as AWS shows it: a multinode one names its containers in `nodeProperties` only
/// (the service keeps the main node's as `containerProperties` for its own pages).
fn definition_view(definition: domain::views::JobDefinitionDetail) -> Value {
    let multinode = definition.kind == "multinode";
    let mut view = serde_json::to_value(definition).expect("a definition serializes");
    if multinode && let Some(members) = view.as_object_mut() {
        members.remove("containerProperties");
    }
    view
}

/// Describe operations page in memory (a team has tens of environments, not millions): the
/// token is the offset.
fn page<T: serde::Serialize>(
    items: Vec<T>,
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let limit = max_results.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::client(format!("maxResults: must be between 1 and 1000 (got {limit})")));
    }
    let offset = match next_token {
        Some(token) => token
            .strip_prefix("o")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::client("nextToken: not a token this service issued"))?,
        None => 0,
    };
    let end = (offset + limit as usize).min(items.len());
    let next = (end < items.len()).then(|| format!("o{end}"));
    Ok((items.into_iter().skip(offset).take(end.saturating_sub(offset)).collect(), next))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DescribeRequest {
    compute_environments: Vec<String>,
    job_queues: Vec<String>,
    job_definitions: Vec<String>,
    job_definition_name: Option<String>,
    status: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteComputeEnvironment {
    compute_environment: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobQueueRef {
    job_queue: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeregisterJobDefinition {
    job_definition: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceRef {
    consumable_resource: String,
}

#[derive(Deserialize)]
struct PolicyArn {
    arn: String,
}

#[derive(Deserialize)]
struct PolicyArns {
    arns: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListRequest {
    max_results: Option<u64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeJobs {
    jobs: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StopJob {
    job_id: String,
    reason: String,
}

#[derive(Deserialize)]
struct StopJobs {
    jobs: Vec<String>,
    reason: String,
}

#[derive(Clone, Copy)]
enum Stop {
    Cancel,
    Terminate,
}

/// The AWS limit of CancelJobs and TerminateJobs.
const MAX_JOBS_PER_STOP: usize = 50;

/// CancelJobs / TerminateJobs: each job as its single-job operation would, with an outcome per
/// job (`successful`, or `errors` with the code and message that job got).
async fn stop_jobs(batch: &Batch, caller: &Caller, request: StopJobs, stop: Stop) -> ApiResult {
    if request.jobs.is_empty() || request.jobs.len() > MAX_JOBS_PER_STOP {
        return Err(ApiError::client(format!("jobs: give between 1 and {MAX_JOBS_PER_STOP} job ids (got {})", request.jobs.len())));
    }
    // The reason is the request's, not a job's: a bad one refuses the whole call.
    service::jobs::check_stop_reason(&request.reason)?;
    let (mut successful, mut errors) = (Vec::new(), Vec::new());
    for job in request.jobs {
        let outcome = match stop {
            Stop::Cancel => batch.cancel_job(caller, &job, &request.reason).await,
            Stop::Terminate => batch.terminate_job(caller, &job, &request.reason).await,
        };
        match outcome {
            Ok(()) => successful.push(job),
            Err(error) => {
                let message = match &error {
                    service::ServiceError::Store(_) => "the service failed; try again".to_string(),
                    other => other.to_string(),
                };
                errors.push(json!({ "job": job, "code": stop_error_code(&error), "message": message }));
            }
        }
    }
    Ok(json!({ "successful": successful, "errors": errors }))
}

/// The codes the model lists for a job that could not be stopped.
fn stop_error_code(error: &service::ServiceError) -> &'static str {
    use service::ServiceError;
    match error {
        ServiceError::Invalid(_) => "ValidationException",
        ServiceError::NotFound { .. } | ServiceError::Conflict(_) => "ClientException",
        ServiceError::Forbidden(_) | ServiceError::Unauthenticated(_) => "AccessDenied",
        ServiceError::Store(_) => "ServerException",
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListJobsRequest {
    job_queue: Option<String>,
    array_job_id: Option<String>,
    multi_node_job_id: Option<String>,
    job_status: Option<String>,
    max_results: Option<u64>,
    next_token: Option<String>,
    filters: Vec<KeyValuesPair>,
}

#[derive(Deserialize)]
struct KeyValuesPair {
    name: String,
    #[serde(default)]
    values: Vec<String>,
}

pub async fn call(batch: &Batch, caller: &Caller, operation: &str, body: &[u8]) -> ApiResult {
    let op = operation;
    let body = &checked_body(operation, body)?;
    match operation {
        "createcomputeenvironment" => {
            refuse_fields(body, &["eksConfiguration"])?;
            let created = batch.create_compute_environment(caller, parse::<CreateComputeEnvironment>(op, body)?).await?;
            Ok(
                json!({ "computeEnvironmentName": created.compute_environment_name, "computeEnvironmentArn": created.compute_environment_arn }),
            )
        }
        "updatecomputeenvironment" => {
            let updated = batch.update_compute_environment(caller, parse::<UpdateComputeEnvironment>(op, body)?).await?;
            Ok(
                json!({ "computeEnvironmentName": updated.compute_environment_name, "computeEnvironmentArn": updated.compute_environment_arn }),
            )
        }
        "deletecomputeenvironment" => {
            batch.delete_compute_environment(caller, &parse::<DeleteComputeEnvironment>(op, body)?.compute_environment).await?;
            Ok(json!({}))
        }
        "describecomputeenvironments" => {
            let request: DescribeRequest = parse(op, body)?;
            let all = batch.describe_compute_environments(caller, &request.compute_environments).await?;
            let (items, next) = page(all, request.max_results, request.next_token.as_deref())?;
            Ok(json!({ "computeEnvironments": items, "nextToken": next }))
        }
        "createjobqueue" => {
            refuse_fields(body, &["serviceEnvironmentOrder"])?;
            let created = batch.create_job_queue(caller, parse::<CreateJobQueue>(op, body)?).await?;
            Ok(json!({ "jobQueueName": created.job_queue_name, "jobQueueArn": created.job_queue_arn }))
        }
        "updatejobqueue" => {
            let updated = batch.update_job_queue(caller, parse::<UpdateJobQueue>(op, body)?).await?;
            Ok(json!({ "jobQueueName": updated.job_queue_name, "jobQueueArn": updated.job_queue_arn }))
        }
        "deletejobqueue" => {
            batch.delete_job_queue(caller, &parse::<JobQueueRef>(op, body)?.job_queue).await?;
            Ok(json!({}))
        }
        "describejobqueues" => {
            let request: DescribeRequest = parse(op, body)?;
            let all = batch.describe_job_queues(caller, &request.job_queues).await?;
            let (items, next) = page(all, request.max_results, request.next_token.as_deref())?;
            Ok(json!({ "jobQueues": items, "nextToken": next }))
        }
        "createschedulingpolicy" => {
            let created = batch.create_scheduling_policy(caller, parse::<CreateSchedulingPolicy>(op, body)?).await?;
            Ok(json!({ "name": created.name, "arn": created.arn }))
        }
        "updateschedulingpolicy" => {
            batch.update_scheduling_policy(caller, parse::<UpdateSchedulingPolicy>(op, body)?).await?;
            Ok(json!({}))
        }
        "deleteschedulingpolicy" => {
            batch.delete_scheduling_policy(caller, &parse::<PolicyArn>(op, body)?.arn).await?;
            Ok(json!({}))
        }
        "describeschedulingpolicies" => {
            let arns = parse::<PolicyArns>(op, body)?.arns;
            Ok(json!({ "schedulingPolicies": batch.describe_scheduling_policies(caller, &arns).await? }))
        }
        "listschedulingpolicies" => {
            let request: ListRequest = parse(op, body)?;
            let page = batch.list_scheduling_policies(caller, request.max_results, request.next_token).await?;
            let arns: Vec<Value> = page.items.into_iter().map(|arn| json!({ "arn": arn })).collect();
            Ok(json!({ "schedulingPolicies": arns, "nextToken": page.next_token }))
        }
        "getjobqueuesnapshot" => job_queue_snapshot(batch, caller, &parse::<JobQueueRef>(op, body)?.job_queue).await,
        "createconsumableresource" => {
            let created = batch.create_consumable_resource(caller, parse::<CreateConsumableResource>(op, body)?).await?;
            Ok(json!({ "consumableResourceName": created.name, "consumableResourceArn": created.arn }))
        }
        "updateconsumableresource" => {
            let updated = batch.update_consumable_resource(caller, parse::<UpdateConsumableResource>(op, body)?).await?;
            Ok(json!({
                "consumableResourceName": updated.name,
                "consumableResourceArn": updated.arn,
                "totalQuantity": updated.total_quantity,
            }))
        }
        "deleteconsumableresource" => {
            batch.delete_consumable_resource(caller, &parse::<ResourceRef>(op, body)?.consumable_resource).await?;
            Ok(json!({}))
        }
        "describeconsumableresource" => {
            let resource = batch.describe_consumable_resource(caller, &parse::<ResourceRef>(op, body)?.consumable_resource).await?;
            Ok(resource_view(resource, true))
        }
        "listconsumableresources" => super::consumable_resources::list(batch, caller, parse(op, body)?).await,
        "listjobsbyconsumableresource" => super::consumable_resources::jobs(batch, caller, parse(op, body)?).await,
        "registerjobdefinition" => {
            refuse_fields(body, &["eksProperties", "ecsProperties"])?;
            let registered = batch.register_job_definition(caller, parse::<RegisterJobDefinition>(op, body)?).await?;
            Ok(json!({
                "jobDefinitionName": registered.job_definition_name,
                "jobDefinitionArn": registered.job_definition_arn,
                "revision": registered.revision,
            }))
        }
        "deregisterjobdefinition" => {
            batch.deregister_job_definition(caller, &parse::<DeregisterJobDefinition>(op, body)?.job_definition).await?;
            Ok(json!({}))
        }
        "describejobdefinitions" => {
            let request: DescribeRequest = parse(op, body)?;
            let filter = DefinitionFilter {
                job_definitions: request.job_definitions,
                job_definition_name: request.job_definition_name,
                status: request.status,
            };
            let all: Vec<Value> = batch.describe_job_definitions(caller, &filter).await?.into_iter().map(definition_view).collect();
            let (items, next) = page(all, request.max_results, request.next_token.as_deref())?;
            Ok(json!({ "jobDefinitions": items, "nextToken": next }))
        }
        "submitjob" => {
            refuse_fields(body, &["eksPropertiesOverride", "ecsPropertiesOverride"])?;
            let submitted = batch.submit_job(caller, parse::<SubmitJob>(op, body)?).await?;
            Ok(serde_json::to_value(submitted).expect("a submitted job serializes"))
        }
        "describejobs" => {
            let ids = parse::<DescribeJobs>(op, body)?.jobs;
            Ok(json!({ "jobs": batch.describe_jobs(caller, &ids).await? }))
        }
        "listjobs" => list_jobs(batch, caller, parse(op, body)?).await,
        "canceljob" => {
            let request: StopJob = parse(op, body)?;
            batch.cancel_job(caller, &request.job_id, &request.reason).await?;
            Ok(json!({}))
        }
        "terminatejob" => {
            let request: StopJob = parse(op, body)?;
            batch.terminate_job(caller, &request.job_id, &request.reason).await?;
            Ok(json!({}))
        }
        "canceljobs" => stop_jobs(batch, caller, parse(op, body)?, Stop::Cancel).await,
        "terminatejobs" => stop_jobs(batch, caller, parse(op, body)?, Stop::Terminate).await,
        other => match not_provided(other) {
            Some(why) => Err(ApiError::client(format!("{other}: {why}"))),
            None => Err(ApiError::client(format!("{other}: no such AWS Batch operation"))),
        },
    }
}

/// A consumable resource as Describe (`full`) or a list's summary shows it.
pub fn resource_view(resource: ConsumableResourceView, full: bool) -> Value {
    let mut view = json!({
        "consumableResourceName": resource.name,
        "consumableResourceArn": resource.arn,
        "totalQuantity": resource.total_quantity,
        "inUseQuantity": resource.in_use_quantity,
        "resourceType": resource.resource_type,
    });
    if full {
        view["availableQuantity"] = json!(resource.available_quantity);
        view["createdAt"] = json!(resource.created_at);
        view["tags"] = json!(resource.tags);
    }
    view
}

/// GetJobQueueSnapshot: the front of the queue in dispatch order and its vCPU use.
async fn job_queue_snapshot(batch: &Batch, caller: &Caller, queue: &str) -> ApiResult {
    let report = batch.job_queue_snapshot(caller, queue).await?;
    let vcpus = |milli: i64| json!([{ "capacityUnit": "VCPU", "quantity": milli as f64 / 1000.0 }]);
    let jobs: Vec<Value> = report.front.into_iter().map(|(arn, since)| json!({ "jobArn": arn, "earliestTimeAtPosition": since })).collect();
    let mut utilization = json!({ "totalCapacityUsage": vcpus(report.used_milli_vcpus), "lastUpdatedAt": report.at });
    if let Some(shares) = report.shares {
        let top: Vec<Value> =
            shares.top.into_iter().map(|(share, milli)| json!({ "shareIdentifier": share, "capacityUsage": vcpus(milli) })).collect();
        utilization["fairshareUtilization"] = json!({ "activeShareCount": shares.active, "topCapacityUtilization": top });
    }
    Ok(json!({ "frontOfQueue": { "jobs": jobs, "lastUpdatedAt": report.at }, "queueUtilization": utilization }))
}

/// ListJobs as AWS defines it: with `filters`, `jobStatus` is ignored and every status is
/// listed; without either, only RUNNING jobs are.
async fn list_jobs(batch: &Batch, caller: &Caller, request: ListJobsRequest) -> ApiResult {
    if let Some(job) = &request.multi_node_job_id {
        let page = batch.list_node_jobs(caller, job).await?;
        return Ok(json!({ "jobSummaryList": page.items, "nextToken": page.next_token }));
    }
    let mut list = ListJobs {
        job_queue: request.job_queue,
        array_job_id: request.array_job_id,
        max_results: request.max_results,
        next_token: request.next_token,
        ..Default::default()
    };
    if request.filters.is_empty() {
        let status = request.job_status.as_deref().unwrap_or("RUNNING");
        list.status = Some(status.parse::<JobStatus>().map_err(|_| ApiError::client(format!("jobStatus: {status} is not a job status")))?);
    }
    for (index, filter) in request.filters.iter().enumerate() {
        let field = format!("filters[{index}]");
        let [value] = filter.values.as_slice() else {
            return Err(ApiError::client(format!("{field}.values: give exactly one value")));
        };
        let time =
            || value.parse::<i64>().map_err(|_| ApiError::client(format!("{field}.values: {value} is not a time in epoch milliseconds")));
        match filter.name.as_str() {
            "JOB_NAME" => list.name = Some(NameFilter::parse(value)),
            "JOB_DEFINITION" => list.job_definition = Some(value.clone()),
            "BEFORE_CREATED_AT" => list.created_before = Some(time()?),
            "AFTER_CREATED_AT" => list.created_after = Some(time()?),
            other => {
                return Err(ApiError::client(format!(
                    "{field}.name: {other} is not one of JOB_NAME, JOB_DEFINITION, BEFORE_CREATED_AT, AFTER_CREATED_AT"
                )));
            }
        }
    }
    let page = batch.list_jobs(caller, &list).await?;
    Ok(json!({ "jobSummaryList": page.items, "nextToken": page.next_token }))
}

#[cfg(test)]
mod tests {
    use super::not_provided;

    #[test]
    fn operations_not_provided_say_why_and_what_to_use() {
        for operation in ["createquotashare", "terminateservicejobs", "describeserviceenvironments"] {
            assert!(not_provided(operation).is_some_and(|why| why.contains(';')), "{operation}");
        }
        for operation in ["submitjob", "terminatejobs", "nosuchoperation"] {
            assert_eq!(not_provided(operation), None, "{operation}");
        }
    }
}
