//! Server functions of the console's management pages: compute environments, job queues, job
//! definitions, submitting, and job actions. Each is a thin call into the service layer, which
//! checks the caller's role.

#[cfg(feature = "ssr")]
use super::{bad_input, caller, fail};
use domain::views::{ComputeEnvironmentDetail, JobDefinitionDetail, JobQueueDetail};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
fn batch() -> service::Batch {
    expect_context::<service::Batch>()
}

/// An environment with what its running jobs hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentRow {
    pub detail: ComputeEnvironmentDetail,
    pub used_milli_vcpus: i64,
    pub used_memory_mib: i64,
    pub running_jobs: i64,
}

#[server]
pub async fn list_environments() -> Result<Vec<EnvironmentRow>, ServerFnError> {
    let caller = caller();
    let details = batch().describe_compute_environments(&caller, &[]).await.map_err(fail)?;
    let mut usage = batch().environment_usage(&caller).await.map_err(fail)?;
    Ok(details
        .into_iter()
        .map(|detail| {
            let used = usage.remove(&detail.compute_environment_name).unwrap_or_default();
            EnvironmentRow { detail, used_milli_vcpus: used.milli_vcpus, used_memory_mib: used.memory_mib, running_jobs: used.jobs }
        })
        .collect())
}

#[server]
pub async fn create_environment(name: String, max_vcpus: String, executor: String) -> Result<String, ServerFnError> {
    let max_vcpus = max_vcpus
        .trim()
        .parse::<i64>()
        .map_err(|_| bad_input(format!("computeResources.maxvCpus: must be a whole number (got {max_vcpus:?})")))?;
    // Through the AWS shape, so the console gets the API's defaults.
    let request = serde_json::json!({
        "computeEnvironmentName": name,
        "computeResources": { "maxvCpus": max_vcpus },
        "executor": if executor == "simulated" { "simulated" } else { "docker" },
    });
    let request = serde_json::from_value(request).map_err(|e| bad_input(e.to_string()))?;
    batch().create_compute_environment(&caller(), request).await.map_err(fail).map(|created| created.compute_environment_name)
}

/// Changes an environment's maximum vCPUs.
#[server]
pub async fn update_environment(name: String, max_vcpus: String) -> Result<(), ServerFnError> {
    let max_vcpus = max_vcpus
        .trim()
        .parse::<i64>()
        .map_err(|_| bad_input(format!("computeResources.maxvCpus: must be a whole number (got {max_vcpus:?})")))?;
    let request = serde_json::json!({ "computeEnvironment": name, "computeResources": { "maxvCpus": max_vcpus } });
    let request = serde_json::from_value(request).map_err(|e| bad_input(e.to_string()))?;
    batch().update_compute_environment(&caller(), request).await.map_err(fail).map(drop)
}

/// Changes what an environment's jobs may touch on the host. Lists are comma- or
/// newline-separated; an unchecked box arrives as nothing.
#[server]
pub async fn update_host_access(
    name: String,
    allowed_host_paths: String,
    allowed_capabilities: String,
    network_mode: String,
    allow_privileged: Option<String>,
    allow_devices: Option<String>,
) -> Result<(), ServerFnError> {
    let list = |text: &str| text.split([',', '\n']).map(str::trim).filter(|item| !item.is_empty()).map(String::from).collect::<Vec<_>>();
    let request = serde_json::json!({
        "computeEnvironment": name,
        "allowedHostPaths": list(&allowed_host_paths),
        "allowedCapabilities": list(&allowed_capabilities),
        "networkMode": network_mode.trim(),
        "allowPrivileged": allow_privileged.is_some(),
        "allowDevices": allow_devices.is_some(),
    });
    let request = serde_json::from_value(request).map_err(|e| bad_input(e.to_string()))?;
    batch().update_compute_environment(&caller(), request).await.map_err(fail).map(drop)
}

/// Changes a queue's priority and its environments (names in order, comma-separated), and for
/// a fair-share queue the policy it follows (`scheduling_policy`: another policy's name; AWS
/// replaces a policy but never adds one to a FIFO queue nor removes one).
#[server]
pub async fn update_queue(
    name: String,
    priority: String,
    environments: String,
    scheduling_policy: Option<String>,
) -> Result<(), ServerFnError> {
    let priority = priority.trim().parse::<i64>().map_err(|_| bad_input(format!("priority: must be a whole number (got {priority:?})")))?;
    let order: Vec<_> = environment_order(&environments);
    let mut request = serde_json::json!({ "jobQueue": name, "priority": priority, "computeEnvironmentOrder": order });
    if let Some(policy) = scheduling_policy.filter(|p| !p.trim().is_empty()) {
        request["schedulingPolicyArn"] = policy.trim().into();
    }
    let request = serde_json::from_value(request).map_err(|e| bad_input(e.to_string()))?;
    batch().update_job_queue(&caller(), request).await.map_err(fail).map(drop)
}

/// "a, b" → the AWS computeEnvironmentOrder list.
#[cfg(feature = "ssr")]
fn environment_order(names: &str) -> Vec<serde_json::Value> {
    names
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .enumerate()
        .map(|(i, n)| serde_json::json!({ "order": i + 1, "computeEnvironment": n }))
        .collect()
}

/// Enables, disables or deletes an environment (`kind` = "environment") or a queue
/// ("queue"): `change` is ENABLED, DISABLED or DELETE; the reason, if given, goes into the
/// audit log beside it.
#[server]
pub async fn change_resource(kind: String, name: String, change: String, reason: Option<String>) -> Result<(), ServerFnError> {
    if !matches!(kind.as_str(), "environment" | "queue") {
        return Err(bad_input(format!("kind: {kind} is neither environment nor queue")));
    }
    let caller = caller();
    let change = async {
        match (kind.as_str(), change.as_str()) {
            ("environment", "DELETE") => batch().delete_compute_environment(&caller, &name).await,
            ("queue", "DELETE") => batch().delete_job_queue(&caller, &name).await,
            ("environment", state) => {
                let update = domain::compute_environment::UpdateComputeEnvironment {
                    compute_environment: name,
                    state: Some(state.into()),
                    ..Default::default()
                };
                batch().update_compute_environment(&caller, update).await.map(drop)
            }
            (_, state) => {
                let update = domain::job_queue::UpdateJobQueue { job_queue: name, state: Some(state.into()), ..Default::default() };
                batch().update_job_queue(&caller, update).await.map(drop)
            }
        }
    };
    service::access::audit::because(reason.as_deref().unwrap_or_default(), change).await.map_err(fail)
}

#[server]
pub async fn list_queues() -> Result<Vec<JobQueueDetail>, ServerFnError> {
    batch().describe_job_queues(&caller(), &[]).await.map_err(fail)
}

/// `environments`: names in order, separated by commas. `scheduling_policy`: a policy's name to
/// share the queue by, or empty for first in, first out (AWS fixes this when the queue is made).
#[server]
pub async fn create_queue(
    name: String,
    priority: String,
    environments: String,
    scheduling_policy: Option<String>,
) -> Result<String, ServerFnError> {
    let priority = priority.trim().parse::<i64>().map_err(|_| bad_input(format!("priority: must be a whole number (got {priority:?})")))?;
    let order = environment_order(&environments);
    let mut request = serde_json::json!({ "jobQueueName": name, "priority": priority, "computeEnvironmentOrder": order });
    if let Some(policy) = scheduling_policy.filter(|p| !p.trim().is_empty()) {
        request["schedulingPolicyArn"] = policy.trim().into();
    }
    let request = serde_json::from_value(request).map_err(|e| bad_input(e.to_string()))?;
    batch().create_job_queue(&caller(), request).await.map_err(fail).map(|created| created.job_queue_name)
}

#[server]
pub async fn list_definitions() -> Result<Vec<JobDefinitionDetail>, ServerFnError> {
    let filter = service::job_definitions::DefinitionFilter::default();
    batch().describe_job_definitions(&caller(), &filter).await.map_err(fail)
}

/// A new revision from the AWS RegisterJobDefinition JSON; returns `name:revision`.
/// Per definition revision (ARN), what its recent attempts used at their peaks.
#[server]
pub async fn definition_memory_use() -> Result<std::collections::BTreeMap<String, domain::resource_use::MemorySpread>, ServerFnError> {
    batch().memory_use_by_definition(&caller()).await.map_err(fail)
}

#[server]
pub async fn register_definition(json: String) -> Result<String, ServerFnError> {
    let request: domain::job_definition::RegisterJobDefinition =
        serde_json::from_str(&json).map_err(|e| bad_input(format!("the JSON is not a RegisterJobDefinition request: {e}")))?;
    batch()
        .register_job_definition(&caller(), request)
        .await
        .map_err(fail)
        .map(|created| format!("{}:{}", created.job_definition_name, created.revision))
}

/// What registering from the form did: the new `name:revision`, or the input to mark and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DefinitionOutcome {
    Registered { revision: String },
    Rejected(FieldRejection),
}

/// A refused input: which one, the AWS member it became, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRejection {
    pub field: domain::definition_form::Field,
    pub path: String,
    pub message: String,
}

impl FieldRejection {
    pub fn of(form: &domain::definition_form::DefinitionForm, error: domain::FieldError) -> FieldRejection {
        FieldRejection { field: form.field_of(&error.field), path: error.field, message: error.message }
    }
}

/// A new revision from the definition form (the JSON tab sends `register_definition`).
#[server]
pub async fn register_definition_form(form: domain::definition_form::DefinitionForm) -> Result<DefinitionOutcome, ServerFnError> {
    let rejected = |error| DefinitionOutcome::Rejected(FieldRejection::of(&form, error));
    let request = match form.to_request() {
        Ok(request) => request,
        Err(error) => return Ok(rejected(error)),
    };
    match batch().register_job_definition(&caller(), request).await {
        Ok(created) => Ok(DefinitionOutcome::Registered { revision: format!("{}:{}", created.job_definition_name, created.revision) }),
        Err(service::ServiceError::Invalid(error)) => Ok(rejected(error)),
        Err(error) => Err(fail(error)),
    }
}

#[server]
pub async fn deregister_definition(arn: String, reason: Option<String>) -> Result<(), ServerFnError> {
    service::access::audit::because(reason.as_deref().unwrap_or_default(), batch().deregister_job_definition(&caller(), &arn))
        .await
        .map_err(fail)
}

/// What submitting the form did: the job's id, or the field to mark and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubmitOutcome {
    Submitted { job_id: String },
    Rejected { field: String, message: String },
}

#[server]
pub async fn submit_form(form: domain::submit_form::SubmitForm) -> Result<SubmitOutcome, ServerFnError> {
    use domain::submit_form::SubmitForm;
    let rejected = |error: domain::FieldError| SubmitOutcome::Rejected {
        field: SubmitForm::form_field(&error.field).into(),
        message: error.to_string(),
    };
    let request = match form.to_request() {
        Ok(request) => request,
        Err(error) => return Ok(rejected(error)),
    };
    match batch().submit_job(&caller(), request).await {
        Ok(submitted) => Ok(SubmitOutcome::Submitted { job_id: submitted.job_id }),
        Err(service::ServiceError::Invalid(error)) => Ok(rejected(error)),
        Err(error) => Err(fail(error)),
    }
}

/// "Retry failed children": a new job over exactly the failed indexes of an array; its id.
#[server]
pub async fn retry_failed_children(array_job_id: String) -> Result<String, ServerFnError> {
    batch().retry_failed_children(&caller(), &array_job_id).await.map(|submitted| submitted.job_id).map_err(fail)
}

/// Cancels or terminates the jobs named in `ids` (separated by commas); returns how many.
#[server]
pub async fn stop_jobs(ids: String, terminate: bool, reason: String) -> Result<usize, ServerFnError> {
    let caller = caller();
    let reason = if reason.trim().is_empty() {
        format!("{} in the console by {}", if terminate { "Terminated" } else { "Cancelled" }, caller.name())
    } else {
        reason
    };
    let mut stopped = 0;
    for id in ids.split(',').map(str::trim).filter(|id| !id.is_empty()) {
        if terminate {
            batch().terminate_job(&caller, id, &reason).await.map_err(fail)?;
        } else {
            batch().cancel_job(&caller, id, &reason).await.map_err(fail)?;
        }
        stopped += 1;
    }
    Ok(stopped)
}
