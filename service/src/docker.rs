//! One wrapper owns the bollard client. Each Docker operation maps to its own error variant
//! carrying the container or image it concerned.

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{LogsOptions, RemoveContainerOptions, WaitContainerOptions};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;

/// Every container this service creates carries this label, so orphans can be found.
pub const MANAGED_LABEL: &str = "io.batch.managed";

const REQUEST_TIMEOUT_SECS: u64 = 120;

#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error("cannot reach the Docker engine at {endpoint}: {source}")]
    Unreachable { endpoint: String, source: bollard::errors::Error },
    #[error("unsupported DOCKER_HOST {0:?}: use unix:///path/to/docker.sock or tcp://host:port")]
    BadEndpoint(String),
    #[error("cannot create a container from image {image}: {source}")]
    Create { image: String, source: bollard::errors::Error },
    #[error("cannot start container {container}: {source}")]
    Start { container: String, source: bollard::errors::Error },
    #[error("cannot wait for container {container}: {source}")]
    Wait { container: String, source: bollard::errors::Error },
    #[error("cannot read the logs of container {container}: {source}")]
    Logs { container: String, source: bollard::errors::Error },
    #[error("CannotPullContainerError: cannot pull image {image}: {message}")]
    Pull { image: String, message: String },
    #[error("container {container} no longer exists")]
    NotFound { container: String },
    #[error("cannot remove container {container}: {source}")]
    Remove { container: String, source: bollard::errors::Error },
}

/// A Docker engine, addressed by its endpoint.
#[derive(Clone, Debug)]
pub struct DockerEngine {
    client: Docker,
    endpoint: String,
    /// The certificates this engine was reached with, if over TLS.
    tls: Option<domain::compute_environment::DockerTls>,
}

/// What a container printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerOutcome {
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
}

impl DockerEngine {
    /// Connects to `endpoint` (`unix://...`, `tcp://...`, `http://...`; `None` is the local
    /// socket) and agrees on an API version with the engine, so old engines work too.
    pub async fn connect(endpoint: Option<&str>) -> Result<Self, DockerError> {
        let endpoint = endpoint.unwrap_or("unix:///var/run/docker.sock").to_string();
        let version = bollard::API_DEFAULT_VERSION;
        let client = if let Some(path) = endpoint.strip_prefix("unix://") {
            Docker::connect_with_unix(path, REQUEST_TIMEOUT_SECS, version)
        } else if endpoint.starts_with("tcp://") || endpoint.starts_with("http://") {
            Docker::connect_with_http(&endpoint, REQUEST_TIMEOUT_SECS, version)
        } else {
            return Err(DockerError::BadEndpoint(endpoint));
        }
        .map_err(|source| DockerError::Unreachable { endpoint: endpoint.clone(), source })?;
        Self::negotiated(client, endpoint, None).await
    }

    /// An environment's host: over TLS with its certificates when it names them.
    pub async fn connect_host(host: &domain::compute_environment::DockerHost) -> Result<Self, DockerError> {
        let Some(tls) = &host.tls else { return Self::connect(Some(&host.endpoint)).await };
        let endpoint = host.endpoint.clone();
        let unreachable = |source| DockerError::Unreachable { endpoint: endpoint.clone(), source };
        let client = Docker::connect_with_ssl(
            &endpoint,
            std::path::Path::new(&tls.client_key),
            std::path::Path::new(&tls.client_cert),
            std::path::Path::new(&tls.ca_cert),
            REQUEST_TIMEOUT_SECS,
            bollard::API_DEFAULT_VERSION,
        )
        .map_err(unreachable)?;
        Self::negotiated(client, endpoint, Some(tls.clone())).await
    }

    /// The engine's API version agreed (within 5 s): the first request, so an engine that does
    /// not answer is reported here.
    async fn negotiated(
        client: Docker,
        endpoint: String,
        tls: Option<domain::compute_environment::DockerTls>,
    ) -> Result<Self, DockerError> {
        let client = tokio::time::timeout(Duration::from_secs(5), client.negotiate_version())
            .await
            .unwrap_or_else(|_| Err(bollard::errors::Error::RequestTimeoutError))
            .map_err(|source| DockerError::Unreachable { endpoint: endpoint.clone(), source })?;
        Ok(DockerEngine { client, endpoint, tls })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub(crate) fn client(&self) -> &Docker {
        &self.client
    }

    /// Whether the engine answers right now (used by `/readyz`).
    pub async fn ping(&self) -> Result<(), DockerError> {
        let unreachable = |source| DockerError::Unreachable { endpoint: self.endpoint.clone(), source };
        tokio::time::timeout(Duration::from_secs(2), self.client.ping())
            .await
            .unwrap_or(Err(bollard::errors::Error::RequestTimeoutError))
            .map(|_| ())
            .map_err(unreachable)
    }

    /// Runs `command` in `image` to completion, then removes the container.
    pub async fn run_to_completion(&self, image: &str, command: &[&str]) -> Result<ContainerOutcome, DockerError> {
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(command.iter().map(|s| s.to_string()).collect()),
            labels: Some(HashMap::from([(MANAGED_LABEL.to_string(), "true".to_string())])),
            host_config: Some(HostConfig::default()),
            ..Default::default()
        };
        let created =
            self.client.create_container(None, body).await.map_err(|source| DockerError::Create { image: image.to_string(), source })?;
        let id = created.id;
        let outcome = self.start_wait_and_read(&id).await;
        let removed = self
            .client
            .remove_container(&id, Some(RemoveContainerOptions { force: true, ..Default::default() }))
            .await
            .map_err(|source| DockerError::Remove { container: id.clone(), source });
        let outcome = outcome?;
        removed?;
        Ok(outcome)
    }

    async fn start_wait_and_read(&self, id: &str) -> Result<ContainerOutcome, DockerError> {
        self.client.start_container(id, None).await.map_err(|source| DockerError::Start { container: id.to_string(), source })?;
        let exit_code = wait_for_exit(&self.client, id).await?;
        let mut stdout = String::new();
        let mut stderr = String::new();
        let mut logs = self.client.logs(id, Some(LogsOptions { stdout: true, stderr: true, ..Default::default() }));
        while let Some(chunk) = logs.next().await {
            match chunk.map_err(|source| DockerError::Logs { container: id.to_string(), source })? {
                bollard::container::LogOutput::StdErr { message } => stderr.push_str(&String::from_utf8_lossy(&message)),
                other => stdout.push_str(&String::from_utf8_lossy(&other.into_bytes())),
            }
        }
        Ok(ContainerOutcome { exit_code, stdout, stderr })
    }
}

/// Docker reports a non-zero exit of `wait` as an error carrying the code; both are an exit.
async fn wait_for_exit(client: &Docker, id: &str) -> Result<i64, DockerError> {
    let mut waits = client.wait_container(id, None::<WaitContainerOptions>);
    match waits.next().await {
        Some(Ok(response)) => Ok(response.status_code),
        Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
        Some(Err(source)) => Err(DockerError::Wait { container: id.to_string(), source }),
        None => Err(DockerError::Wait { container: id.to_string(), source: bollard::errors::Error::RequestTimeoutError }),
    }
}

impl DockerEngine {
    /// The vCPUs and memory this engine's machine offers: the default host of a new compute
    /// environment.
    pub async fn capacity(&self) -> Result<domain::compute_environment::DockerHost, DockerError> {
        let info = self.client.info().await.map_err(|source| DockerError::Unreachable { endpoint: self.endpoint.clone(), source })?;
        Ok(domain::compute_environment::DockerHost {
            endpoint: self.endpoint.clone(),
            vcpus: info.ncpu.unwrap_or(1).max(1),
            memory_mib: (info.mem_total.unwrap_or(0) / (1024 * 1024)).max(domain::limits::MIN_MEMORY_MIB),
            tls: self.tls.clone(),
            // The server's own engine (DOCKER_HOST) is the operator's setting; a plain tcp://
            // there is recorded as what it is.
            insecure: self.endpoint.starts_with("tcp://") && self.tls.is_none(),
        })
    }
}
