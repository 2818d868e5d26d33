//! The network of a multi-node parallel job's attempt (ARCHITECTURE.md §16): a bridge of its
//! own, so its nodes reach each other and no other job's containers, made before the main node
//! starts and removed after the last node is gone.

use crate::docker::{DockerEngine, MANAGED_LABEL};
use crate::docker_attempts::{INSTALLATION_LABEL, JOB_LABEL};
use bollard::models::NetworkCreateRequest;
use bollard::query_parameters::ListNetworksOptions;
use std::collections::HashMap;

/// The network's name for attempt `attempt` of `job_id` (names are unique per engine).
pub fn job_network(job_id: &str, attempt: i32) -> String {
    format!("batch-{job_id}-{attempt}")
}

impl DockerEngine {
    /// Makes the job's network; one left by a crash during the same attempt is used as it is.
    pub async fn create_job_network(&self, name: &str, job_id: &str, installation: &str) -> Result<(), String> {
        let request = NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".into()),
            labels: Some(HashMap::from([
                (MANAGED_LABEL.to_string(), "true".to_string()),
                (JOB_LABEL.to_string(), job_id.to_string()),
                (INSTALLATION_LABEL.to_string(), installation.to_string()),
            ])),
            ..Default::default()
        };
        match self.client().create_network(request).await {
            Ok(_) | Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, .. }) => Ok(()),
            Err(error) => Err(format!("cannot create the job's network {name}: {error}")),
        }
    }

    /// The container's IPv4 address on `network`, once it runs.
    pub async fn address_on(&self, container: &str, network: &str) -> Option<String> {
        let inspected = self.client().inspect_container(container, None).await.ok()?;
        let networks = inspected.network_settings?.networks?;
        networks.get(network)?.ip_address.clone().filter(|address| !address.is_empty())
    }

    /// Removes a job's network (it must have no container left). False when it is still there.
    pub async fn remove_network(&self, name: &str) -> bool {
        match self.client().remove_network(name).await {
            Ok(()) | Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => true,
            Err(error) => {
                tracing::debug!(network = %name, %error, "could not remove a job network yet");
                false
            }
        }
    }

    /// The job networks of `installation`: (name, job id).
    pub async fn job_networks(&self, installation: &str) -> Vec<(String, String)> {
        let labels = vec![format!("{MANAGED_LABEL}=true"), format!("{INSTALLATION_LABEL}={installation}")];
        let options = ListNetworksOptions { filters: Some(HashMap::from([("label".to_string(), labels)])) };
        let networks = self.client().list_networks(Some(options)).await.unwrap_or_default();
        networks.into_iter().filter_map(|n| Some((n.name?, n.labels.unwrap_or_default().get(JOB_LABEL)?.clone()))).collect()
    }
}
