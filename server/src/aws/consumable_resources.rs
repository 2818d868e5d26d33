//! ListConsumableResources and ListJobsByConsumableResource: their filters and page shapes.

use super::errors::ApiError;
use super::operations::{ApiResult, resource_view};
use domain::access::Caller;
use domain::consumable_resource::JobFilters;
use serde::Deserialize;
use serde_json::{Value, json};
use service::Batch;

#[derive(Deserialize)]
pub struct Filter {
    name: String,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ListResources {
    filters: Vec<Filter>,
    max_results: Option<u64>,
    next_token: Option<String>,
}

/// ListConsumableResources; the one filter, CONSUMABLE_RESOURCE_NAME, is a name or a `prefix*`.
pub async fn list(batch: &Batch, caller: &Caller, request: ListResources) -> ApiResult {
    let mut prefix = None;
    for (i, filter) in request.filters.iter().enumerate() {
        let [value] = filter.values.as_slice() else {
            return Err(ApiError::client(format!("filters[{i}].values: give exactly one value")));
        };
        if filter.name != "CONSUMABLE_RESOURCE_NAME" {
            return Err(ApiError::client(format!("filters[{i}].name: {} is not CONSUMABLE_RESOURCE_NAME", filter.name)));
        }
        prefix = Some(value.clone());
    }
    // An exact name is a prefix that must also end there.
    let exact = prefix.as_ref().filter(|p| !p.ends_with('*')).cloned();
    let stem = prefix.map(|p| p.trim_end_matches('*').to_string());
    let page = batch.list_consumable_resources(caller, stem.as_deref(), request.max_results, request.next_token).await?;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .filter(|r| exact.as_ref().is_none_or(|name| &r.name == name))
        .map(|resource| resource_view(resource, false))
        .collect();
    Ok(json!({ "consumableResources": items, "nextToken": page.next_token }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ListJobs {
    consumable_resource: String,
    filters: Vec<Filter>,
    max_results: Option<u64>,
    next_token: Option<String>,
}

/// ListJobsByConsumableResource: the jobs that need the resource, by id, filtered by JOB_STATUS
/// and JOB_NAME as AWS describes them.
pub async fn jobs(batch: &Batch, caller: &Caller, request: ListJobs) -> ApiResult {
    let pairs: Vec<(String, Vec<String>)> = request.filters.into_iter().map(|f| (f.name, f.values)).collect();
    let filters = JobFilters::parse(&pairs).map_err(|e| ApiError::client(e.to_string()))?;
    let page = batch.jobs_needing_resource(caller, &request.consumable_resource, &filters, request.max_results, request.next_token).await?;
    let mut jobs = Vec::with_capacity(page.items.len());
    for item in page.items {
        let detail = batch.describe_jobs(caller, std::slice::from_ref(&item.job.id)).await?;
        let Some(job) = detail.into_iter().next() else { continue };
        jobs.push(json!({
            "jobArn": job.job_arn,
            "jobQueueArn": job.job_queue,
            "jobName": job.job_name,
            "jobDefinitionArn": job.job_definition,
            "shareIdentifier": job.share_identifier,
            "jobStatus": job.status,
            "quantity": item.quantity,
            "statusReason": job.status_reason,
            "startedAt": job.started_at,
            "createdAt": job.created_at,
            "consumableResourceProperties": job.consumable_resource_properties,
        }));
    }
    Ok(json!({ "jobs": jobs, "nextToken": page.next_token }))
}
