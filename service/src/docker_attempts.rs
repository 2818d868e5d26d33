//! Docker operations of a job attempt: create with labels and limits, start, follow logs,
//! wait, inspect, stop, remove, and find the containers this service left behind.

use crate::docker::{DockerEngine, DockerError, MANAGED_LABEL};
use bollard::models::{
    ContainerCreateBody, ContainerStateStatusEnum, ContainerSummaryStateEnum, DeviceMapping, HostConfig, Mount, MountType, ResourcesUlimits,
};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, ListContainersOptions, LogsOptions, RemoveContainerOptions, StopContainerOptions,
};
use domain::linux::{DEFAULT_PIDS_LIMIT, capability_name};
use futures_util::{Stream, StreamExt};
use std::collections::HashMap;

pub const JOB_LABEL: &str = "io.batch.job-id";
pub const ATTEMPT_LABEL: &str = "io.batch.attempt";
pub const INSTANCE_LABEL: &str = "io.batch.instance";
pub const INSTALLATION_LABEL: &str = "io.batch.installation";

pub use domain::container_spec::{ContainerSpec, VolumeMount};

/// Typed mounts, never `src:dst` strings a path with a colon could bend. A bind of a missing
/// folder fails rather than having the engine create it on the host.
fn docker_mounts(spec: &ContainerSpec) -> Vec<Mount> {
    spec.mounts
        .iter()
        .map(|m| Mount {
            target: Some(m.container_path.clone()),
            source: m.host_path.clone(),
            typ: Some(if m.host_path.is_some() { MountType::BIND } else { MountType::VOLUME }),
            read_only: Some(m.read_only),
            ..Default::default()
        })
        .collect()
}

/// The engine's form of the spec's limits, mounts and isolation.
fn host_config(spec: &ContainerSpec) -> HostConfig {
    let memory = spec.memory_mib * 1024 * 1024;
    let linux = &spec.linux;
    HostConfig {
        nano_cpus: Some(spec.milli_vcpus * 1_000_000),
        memory: Some(memory),
        // Without a swap limit equal to memory, the kernel swaps instead of OOM-killing;
        // `maxSwap` adds swap on top, as AWS's does.
        memory_swap: Some(memory + linux.max_swap.unwrap_or(0) * 1024 * 1024),
        memory_swappiness: linux.max_swap.and(linux.swappiness),
        privileged: Some(spec.privileged),
        readonly_rootfs: Some(spec.read_only_root),
        mounts: Some(docker_mounts(spec)),
        // tmpfs mount flags (`noexec`, ...) exist only in this form before API 1.46; paths and
        // flags were checked to hold no comma, so the option string cannot be bent.
        tmpfs: Some(linux.tmpfs.iter().map(|t| (t.container_path.clone(), t.docker_options())).collect()),
        // A setuid binary in the image cannot give a job more than it started with.
        security_opt: Some(vec!["no-new-privileges".into()]),
        pids_limit: Some(linux.pids_limit.unwrap_or(DEFAULT_PIDS_LIMIT)),
        init: linux.init_process_enabled,
        shm_size: linux.shared_memory_size.map(|mib| mib * 1024 * 1024),
        devices: Some(
            linux
                .devices
                .iter()
                .map(|d| DeviceMapping {
                    path_on_host: Some(d.host_path.clone()),
                    path_in_container: Some(d.container_path.clone().unwrap_or_else(|| d.host_path.clone())),
                    cgroup_permissions: Some(d.cgroup_permissions()),
                })
                .collect(),
        ),
        cap_add: linux.capabilities.as_ref().map(|c| c.add.iter().filter_map(|n| capability_name(n)).collect()),
        cap_drop: linux.capabilities.as_ref().map(|c| c.drop.iter().filter_map(|n| capability_name(n)).collect()),
        ulimits: Some(
            spec.ulimits
                .iter()
                .map(|u| ResourcesUlimits { name: Some(u.name.clone()), soft: Some(u.soft_limit), hard: Some(u.hard_limit) })
                .collect(),
        ),
        network_mode: Some(spec.network_mode.clone()),
        extra_hosts: (!spec.extra_hosts.is_empty()).then(|| spec.extra_hosts.clone()),
        ..Default::default()
    }
}

/// Where a container is, as Docker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerState {
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub running: bool,
    /// Created and never started: Docker reports exit code 0 for such a container, which is no
    /// exit at all (a crash between create and start leaves one behind).
    pub never_started: bool,
    /// The container's memory limit, for the peak of an out-of-memory kill.
    pub memory_limit_bytes: Option<u64>,
}

/// A container found by its labels.
#[derive(Debug, Clone)]
pub struct ManagedContainer {
    pub id: String,
    pub job_id: Option<String>,
    pub attempt: Option<i32>,
    pub never_started: bool,
    /// When the engine created it, in epoch seconds.
    pub created_s: i64,
}

/// A chunk of output, split by stream, with the engine's timestamp of it (nanoseconds since the
/// epoch), which lets a reader that lost its connection re-attach where it left off.
pub enum OutputChunk {
    Stdout(i64, Vec<u8>),
    Stderr(i64, Vec<u8>),
}

impl DockerEngine {
    /// Creates the attempt's container; a missing image is pulled once, and a failed pull
    /// answers `CannotPullContainerError: ...` as AWS does.
    pub async fn create_attempt(&self, spec: &ContainerSpec) -> Result<String, DockerError> {
        let name = format!("batch-{}-{}", spec.job_id.replace([':', '#'], "-"), spec.attempt);
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: (!spec.command.is_empty()).then(|| spec.command.clone()),
            env: Some(
                spec.environment
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .chain(spec.secrets.iter().map(|(k, v)| format!("{k}={}", v.0)))
                    .collect(),
            ),
            user: spec.user.clone(),
            labels: Some(HashMap::from([
                (MANAGED_LABEL.to_string(), "true".to_string()),
                (JOB_LABEL.to_string(), spec.job_id.clone()),
                (ATTEMPT_LABEL.to_string(), spec.attempt.to_string()),
                (INSTANCE_LABEL.to_string(), spec.instance.clone()),
                (INSTALLATION_LABEL.to_string(), spec.installation.clone()),
            ])),
            host_config: Some(host_config(spec)),
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
            // The name is taken: a process that died while creating this attempt's container left
            // it, never started (had it been started, recovery would have followed it instead of
            // placing the job again). It is ours to replace.
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, .. }) => {
                tracing::info!(container = %name, "replacing a never-started container left by a crash");
                self.remove(&name).await;
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

    /// stdout and stderr from `since_seconds` (the start when 0), following until the container
    /// stops when `follow`, else what is logged so far. An `Err` item means the connection broke
    /// (the engine went away), not the container.
    pub fn output(
        &self,
        container: &str,
        since_seconds: i64,
        follow: bool,
    ) -> impl Stream<Item = Result<OutputChunk, DockerError>> + use<> {
        let options = LogsOptions {
            follow,
            stdout: true,
            stderr: true,
            timestamps: true,
            since: i32::try_from(since_seconds).unwrap_or(0),
            ..Default::default()
        };
        let container = container.to_string();
        self.client().logs(&container, Some(options)).map(move |chunk| {
            let chunk = chunk.map_err(|source| DockerError::Logs { container: container.clone(), source })?;
            Ok(match chunk {
                bollard::container::LogOutput::StdErr { message } => {
                    let (at, bytes) = split_timestamp(&message);
                    OutputChunk::Stderr(at, bytes.to_vec())
                }
                other => {
                    let message = other.into_bytes();
                    let (at, bytes) = split_timestamp(&message);
                    OutputChunk::Stdout(at, bytes.to_vec())
                }
            })
        })
    }

    /// Waits for the container to stop (a lost connection ends the wait too; inspect tells).
    pub async fn wait(&self, container: &str) {
        let mut waits = self.client().wait_container(container, None::<bollard::query_parameters::WaitContainerOptions>);
        let _ = waits.next().await;
    }

    pub async fn inspect_state(&self, container: &str) -> Result<ContainerState, DockerError> {
        let inspected = self.client().inspect_container(container, None).await.map_err(|source| match source {
            bollard::errors::Error::DockerResponseServerError { status_code: 404, .. } => {
                DockerError::NotFound { container: container.to_string() }
            }
            source => DockerError::Wait { container: container.to_string(), source },
        })?;
        let state = inspected.state.unwrap_or_default();
        Ok(ContainerState {
            exit_code: state.exit_code,
            oom_killed: state.oom_killed.unwrap_or(false),
            running: state.running.unwrap_or(false),
            never_started: state.status == Some(ContainerStateStatusEnum::CREATED),
            memory_limit_bytes: inspected.host_config.and_then(|h| h.memory).filter(|m| *m > 0).map(|m| m as u64),
        })
    }

    /// SIGTERM, then SIGKILL after `grace_seconds` (Docker's stop). False when the engine could
    /// not be asked (it is unreachable); a container that already stopped counts as stopped.
    pub async fn stop(&self, container: &str, grace_seconds: i32) -> bool {
        let options = StopContainerOptions { t: Some(grace_seconds), signal: None };
        match self.client().stop_container(container, Some(options)).await {
            Ok(()) | Err(bollard::errors::Error::DockerResponseServerError { .. }) => true,
            Err(error) => {
                tracing::debug!(%container, %error, "cannot reach the engine to stop a container");
                false
            }
        }
    }

    /// Removes a container, running or not. True when it is gone (or was already).
    pub async fn remove(&self, container: &str) -> bool {
        let options = RemoveContainerOptions { force: true, ..Default::default() };
        match self.client().remove_container(container, Some(options)).await {
            Ok(()) | Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => true,
            Err(error) => {
                tracing::warn!(%container, %error, "could not remove container");
                false
            }
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
                    never_started: c.state == Some(ContainerSummaryStateEnum::CREATED),
                    created_s: c.created.unwrap_or(0),
                }
            })
            .collect())
    }
}

/// Splits Docker's `<RFC 3339 timestamp> <payload>` (logs read with `timestamps`) into the
/// timestamp in nanoseconds since the epoch and the payload. A frame without one keeps its bytes
/// and gets 0 (never skipped on re-attach).
fn split_timestamp(frame: &[u8]) -> (i64, &[u8]) {
    let Some(space) = frame.iter().position(|b| *b == b' ') else { return (0, frame) };
    let parsed = std::str::from_utf8(&frame[..space]).ok().and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok());
    match parsed.and_then(|at| at.timestamp_nanos_opt()) {
        Some(nanos) => (nanos, &frame[space + 1..]),
        None => (0, frame),
    }
}

#[cfg(test)]
mod tests {
    use super::split_timestamp;

    #[test]
    fn a_frame_splits_into_its_timestamp_and_payload() {
        let (at, payload) = split_timestamp(b"2026-12-02T18:24:15.123456789Z hello world\n");
        assert_eq!(at, 1_796_235_855_123_456_789);
        assert_eq!(payload, b"hello world\n");
    }

    #[test]
    fn a_frame_without_a_timestamp_keeps_its_bytes() {
        assert_eq!(split_timestamp(b"no-timestamp here"), (0, &b"no-timestamp here"[..]));
        assert_eq!(split_timestamp(b"plain"), (0, &b"plain"[..]));
    }
}
