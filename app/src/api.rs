//! Server functions: DTOs first, then the thin `#[server]` calls into the service layer.
//! The service (`service::Batch`) is provided as context by the server.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One row of the dashboard: a queue and its jobs by status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueOverview {
    pub name: String,
    pub state: String,
    pub priority: i64,
    pub compute_environments: Vec<String>,
    pub counts: BTreeMap<String, i64>,
}

#[server]
pub async fn dashboard_overview() -> Result<Vec<QueueOverview>, ServerFnError> {
    let batch = expect_context::<service::Batch>();
    let queues = batch.describe_job_queues(&[]).await.map_err(|e| ServerFnError::new(e.to_string()))?;
    let mut counts = batch.job_counts_by_queue().await.map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(queues
        .into_iter()
        .map(|q| QueueOverview {
            counts: counts.remove(&q.job_queue_name).unwrap_or_default(),
            compute_environments: q
                .compute_environment_order
                .iter()
                .map(|o| o.compute_environment.rsplit('/').next().unwrap_or_default().to_string())
                .collect(),
            name: q.job_queue_name,
            state: q.state,
            priority: q.priority,
        })
        .collect())
}
