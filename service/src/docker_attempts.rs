//! Docker operations of a job attempt: create with labels and limits, start, follow logs,
//! wait, inspect, stop, remove, and find the containers this service left behind.

use crate::docker::{DockerEngine, DockerError, MANAGED_LABEL};
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, ListContainersOptions, LogsOptions, RemoveContainerOptions, StopContainerOptions,
};
use futures_util::{Stream, StreamExt};
use std::collections::HashMap;

pub const JOB_LABEL: &str = "io.batch.job-id";
pub const ATTEMPT_LABEL: &str = "io.batch.attempt";
pub const INSTANCE_LABEL: &str = "io.batch.instance";
pub const INSTALLATION_LABEL: &str = "io.batch.installation";

/// The container one attempt runs, fully resolved.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub job_id: String,
    pub attempt: i32,
    pub instance: String,
    pub installation: String,
    pub image: String,
    pub command: Vec<String>,
    pub environment: Vec<(String, String)>,
    pub milli_vcpus: i64,
    pub memory_mib: i64,
    pub user: Option<String>,
    pub privileged: bool,
    pub read_only_root: bool,
    /// `host-path:container-path[:ro]`.
    pub binds: Vec<String>,
}

/// How a container ended, as Docker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerExit {
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub running: bool,
}

/// A container found by its labels.
#[derive(Debug, Clone)]
pub struct ManagedContainer {
    pub id: String,
    pub job_id: Option<String>,
    pub attempt: Option<i32>,
    pub running: bool,
}

/// A chunk of output, split by stream.
pub enum OutputChunk {
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
}

impl DockerEngine {
    /// Creates the attempt's container; a missing image is pulled once, and a failed pull
    /// answers `CannotPullContainerError: ...` as AWS does.
    pub async fn create_attempt(&self, spec: &ContainerSpec) -> Result<String, DockerError> {
        let name = format!("batch-{}-{}", spec.job_id.replace(':', "-"), spec.attempt);
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: (!spec.command.is_empty()).then(|| spec.command.clone()),
            env: Some(spec.environment.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            user: spec.user.clone(),
            labels: Some(HashMap::from([
                (MANAGED_LABEL.to_string(), "true".to_string()),
                (JOB_LABEL.to_string(), spec.job_id.clone()),
                (ATTEMPT_LABEL.to_string(), spec.attempt.to_string()),
                (INSTANCE_LABEL.to_string(), spec.instance.clone()),
                (INSTALLATION_LABEL.to_string(), spec.installation.clone()),
            ])),
            host_config: Some(HostConfig {
                nano_cpus: Some(spec.milli_vcpus * 1_000_000),
                memory: Some(spec.memory_mib * 1024 * 1024),
                // Without a swap limit equal to memory, the kernel swaps instead of OOM-killing.
                memory_swap: Some(spec.memory_mib * 1024 * 1024),
                privileged: Some(spec.privileged),
                readonly_rootfs: Some(spec.read_only_root),
                binds: (!spec.binds.is_empty()).then(|| spec.binds.clone()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let options = || Some(CreateContainerOptions { name: Some(name.clone()), ..Default::default() });
        match self.client().create_container(options(), body.clone()).await {
            Ok(created) => Ok(created.id),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                self.pull(&spec.image).await?;
                self.client()
                    .create_container(options(), body)
                    .await
                    .map(|c| c.id)
                    .map_err(|source| DockerError::Create { image: spec.image.clone(), source })
            }
            Err(source) => Err(DockerError::Create { image: spec.image.clone(), source }),
        }
    }

    async fn pull(&self, image: &str) -> Result<(), DockerError> {
        let options = CreateImageOptions { from_image: Some(image.to_string()), ..Default::default() };
        let mut progress = self.client().create_image(Some(options), None, None);
        let pulling = async {
            while let Some(step) = progress.next().await {
                step.map_err(|e| e.to_string())?;
            }
            Ok::<(), String>(())
        };
        match tokio::time::timeout(std::time::Duration::from_secs(60), pulling).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(DockerError::Pull { image: image.to_string(), message }),
            Err(_) => Err(DockerError::Pull { image: image.to_string(), message: "timed out after 60 s".into() }),
        }
    }

    pub async fn start(&self, container: &str) -> Result<(), DockerError> {
        self.client()
            .start_container(container, None)
            .await
            .map_err(|source| DockerError::Start { container: container.to_string(), source })
    }

    /// stdout and stderr from the start, following until the container stops.
    pub fn follow_output(&self, container: &str) -> impl Stream<Item = OutputChunk> + use<> {
        let options = LogsOptions { follow: true, stdout: true, stderr: true, ..Default::default() };
        self.client().logs(container, Some(options)).filter_map(|chunk| async move {
            match chunk.ok()? {
                bollard::container::LogOutput::StdErr { message } => Some(OutputChunk::Stderr(message.to_vec())),
                other => Some(OutputChunk::Stdout(other.into_bytes().to_vec())),
            }
        })
    }

    /// Waits for the container to stop (a lost connection ends the wait; inspect tells).
    pub async fn wait(&self, container: &str) {
        let mut waits = self.client().wait_container(container, None::<bollard::query_parameters::WaitContainerOptions>);
        let _ = waits.next().await;
    }

    pub async fn inspect_exit(&self, container: &str) -> Result<ContainerExit, DockerError> {
        let inspected = self
            .client()
            .inspect_container(container, None)
            .await
            .map_err(|source| DockerError::Wait { container: container.to_string(), source })?;
        let state = inspected.state.unwrap_or_default();
        Ok(ContainerExit {
            exit_code: state.exit_code,
            oom_killed: state.oom_killed.unwrap_or(false),
            running: state.running.unwrap_or(false),
        })
    }

    /// SIGTERM, then SIGKILL after `grace_seconds` (Docker's stop).
    pub async fn stop(&self, container: &str, grace_seconds: i32) {
        let options = StopContainerOptions { t: Some(grace_seconds), signal: None };
        if let Err(error) = self.client().stop_container(container, Some(options)).await {
            tracing::debug!(%container, %error, "stop failed (already stopped?)");
        }
    }

    pub async fn remove(&self, container: &str) {
        let options = RemoveContainerOptions { force: true, ..Default::default() };
        if let Err(error) = self.client().remove_container(container, Some(options)).await {
            tracing::warn!(%container, %error, "could not remove container");
        }
    }

    /// Every container of `installation`, running or not.
    pub async fn managed_containers(&self, installation: &str) -> Result<Vec<ManagedContainer>, DockerError> {
        let labels = vec![format!("{MANAGED_LABEL}=true"), format!("{INSTALLATION_LABEL}={installation}")];
        let filters = HashMap::from([("label".to_string(), labels)]);
        let options = ListContainersOptions { all: true, filters: Some(filters), ..Default::default() };
        let containers = self
            .client()
            .list_containers(Some(options))
            .await
            .map_err(|source| DockerError::Unreachable { endpoint: self.endpoint().to_string(), source })?;
        Ok(containers
            .into_iter()
            .map(|c| {
                let labels = c.labels.unwrap_or_default();
                ManagedContainer {
                    id: c.id.unwrap_or_default(),
                    job_id: labels.get(JOB_LABEL).cloned(),
                    attempt: labels.get(ATTEMPT_LABEL).and_then(|a| a.parse().ok()),
                    running: c.state.map(|s| format!("{s:?}").to_lowercase().contains("running")).unwrap_or(false),
                }
            })
            .collect())
    }
}
