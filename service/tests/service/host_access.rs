//! A hostile operator: every way from "may submit jobs" to "owns the host" is refused with the
//! field named, and no container starts, unless the environment's administrator allowed it.
//! What a job really did is read from the folders it writes to, not from the store.

use crate::fixtures::{TestBatch, queue};
use crate::scheduler::{finished, local_environment, run_scheduler, shell_definition, submit_to};
use domain::compute_environment::{HostAccessUpdate, UpdateComputeEnvironment};
use domain::container::{MountPoint, Volume, VolumeHost};
use domain::job_definition::RegisterJobDefinition;
use domain::linux::{Capabilities, Device, LinuxParameters, Tmpfs, Ulimit};
use service::testing::{BACKENDS, Backend, TempDir, admin, fresh_database, operator, temp_dir};
use service::{Batch, BatchConfig, ServiceError};

/// A batch whose data directory is known (so its protection can be tried), an environment
/// `docker` on the local engine (allowing the temporary directory), a queue `q`, no scheduler.
async fn batch_with_data_dir(backend: Backend) -> (TestBatch, TempDir) {
    let (db, dir) = fresh_database(backend).await;
    let config = BatchConfig { data_dir: Some(dir.path().to_path_buf()), ..Default::default() };
    let batch = crate::fixtures::TestBatch::wrap(Batch::new(db, config));
    local_environment(&batch, "docker", 2).await;
    batch.create_job_queue(&admin(), queue("q", &["docker"])).await.unwrap();
    (batch, dir)
}

fn mounting(name: &str, source_path: &str, script: &str) -> RegisterJobDefinition {
    let mut definition = shell_definition(name, script);
    let container = definition.container_properties.as_mut().unwrap();
    container.volumes = vec![Volume { name: "host".into(), host: Some(VolumeHost { source_path: Some(source_path.into()) }) }];
    container.mount_points = vec![MountPoint { container_path: "/host".into(), source_volume: "host".into(), read_only: false }];
    definition
}

fn with_linux(name: &str, linux: LinuxParameters) -> RegisterJobDefinition {
    let mut definition = shell_definition(name, "true");
    definition.container_properties.as_mut().unwrap().linux_parameters = Some(linux);
    definition
}

fn refusal(result: Result<impl std::fmt::Debug, ServiceError>) -> String {
    match result {
        Err(ServiceError::Invalid(error)) => error.to_string(),
        other => panic!("expected a refusal naming a field, got {other:?}"),
    }
}

async fn job_count(batch: &TestBatch) -> usize {
    let request = service::jobs::ListJobs { job_queue: Some("q".into()), ..Default::default() };
    let mut total = 0;
    for status in domain::JobStatus::ALL {
        let request = service::jobs::ListJobs { status: Some(status), ..request.clone() };
        total += batch.list_jobs(&admin(), &request).await.unwrap().items.len();
    }
    total
}

#[tokio::test]
async fn paths_no_environment_may_allow_are_refused_at_registration() {
    for backend in BACKENDS {
        let (batch, data_dir) = batch_with_data_dir(backend).await;
        let links = temp_dir();
        let socket_link = links.path().join("innocent");
        std::os::unix::fs::symlink("/var/run/docker.sock", &socket_link).unwrap();
        let run_link = links.path().join("run");
        std::os::unix::fs::symlink("/run", &run_link).unwrap();
        let data_inside = data_dir.path().join("keys");
        let attempts = [
            ("/", "the whole host"),
            ("/var/run/docker.sock", "the Docker socket"),
            ("/var/run", "the Docker socket"),
            ("/run/docker.sock", "the Docker socket"),
            (socket_link.to_str().unwrap(), "the Docker socket"),
            (run_link.to_str().unwrap(), "the Docker socket"),
            (data_dir.path().to_str().unwrap(), "data directory"),
            (data_inside.to_str().unwrap(), "data directory"),
            ("/tmp/../etc", ".."),
            ("relative/path", "absolute"),
        ];
        for (i, (path, why)) in attempts.iter().enumerate() {
            let message = refusal(batch.register_job_definition(&admin(), mounting(&format!("escape-{i}"), path, "true")).await);
            assert!(message.contains("containerProperties.volumes[0].host.sourcePath"), "{backend:?} {path}: {message}");
            assert!(message.contains(why), "{backend:?} {path}: {message}");
        }
        let devices = LinuxParameters {
            devices: vec![Device { host_path: "/var/run/docker.sock".into(), container_path: None, permissions: vec![] }],
            ..Default::default()
        };
        let message = refusal(batch.register_job_definition(&admin(), with_linux("socket-device", devices)).await);
        assert!(message.contains("containerProperties.linuxParameters.devices[0].hostPath"), "{backend:?}: {message}");

        let filter = service::job_definitions::DefinitionFilter::default();
        let left = batch.describe_job_definitions(&admin(), &filter).await.unwrap();
        assert!(left.is_empty(), "{backend:?}: nothing half-written: {left:?}");
    }
}

#[tokio::test]
async fn what_the_environment_does_not_allow_is_refused_at_submit_and_no_job_exists() {
    for backend in BACKENDS {
        let (batch, _data_dir) = batch_with_data_dir(backend).await;
        let mut privileged = shell_definition("privileged", "true");
        privileged.container_properties.as_mut().unwrap().privileged = true;
        let device = LinuxParameters {
            devices: vec![Device { host_path: "/dev/null".into(), container_path: None, permissions: vec![] }],
            ..Default::default()
        };
        let capability =
            LinuxParameters { capabilities: Some(Capabilities { add: vec!["SYS_ADMIN".into()], drop: vec![] }), ..Default::default() };
        let cases = [
            (privileged, "containerProperties.privileged"),
            (with_linux("device", device), "containerProperties.linuxParameters.devices"),
            (with_linux("capability", capability), "containerProperties.linuxParameters.capabilities.add[0]"),
            (mounting("etc", "/etc", "cat /host/shadow"), "containerProperties.volumes[0].host.sourcePath"),
        ];
        for (definition, field) in cases {
            let name = definition.job_definition_name.clone();
            batch.register_job_definition(&admin(), definition).await.unwrap();
            let message = refusal(batch.submit_job(&operator(), submit_to(&name, &name)).await);
            assert!(message.contains(field), "{backend:?} {name}: {message}");
            assert!(message.contains("compute environment docker"), "{backend:?} {name}: {message}");
        }
        assert_eq!(job_count(&batch).await, 0, "{backend:?}: a refused job never exists, so no container can start");

        // An administrator who allows it changes the answer.
        let allow = HostAccessUpdate {
            allow_privileged: Some(true),
            allow_devices: Some(true),
            allowed_capabilities: Some(vec!["SYS_ADMIN".into()]),
            allowed_host_paths: Some(vec!["/etc".into()]),
            ..Default::default()
        };
        let update = UpdateComputeEnvironment { compute_environment: "docker".into(), host_access: allow, ..Default::default() };
        batch.update_compute_environment(&admin(), update).await.unwrap();
        for name in ["privileged", "device", "capability", "etc"] {
            batch.submit_job(&operator(), submit_to(name, name)).await.unwrap_or_else(|e| panic!("{backend:?} {name}: {e}"));
        }
    }
}

#[tokio::test]
async fn an_allow_list_shrunk_after_submit_fails_the_job_at_launch_without_running_it() {
    for backend in BACKENDS {
        let (batch, _data_dir) = batch_with_data_dir(backend).await;
        let out = temp_dir();
        let script = "echo ran > /host/ran";
        batch.register_job_definition(&admin(), mounting("writer", out.path().to_str().unwrap(), script)).await.unwrap();
        let job = batch.submit_job(&operator(), submit_to("writer", "writer")).await.unwrap();
        let shrink = HostAccessUpdate { allowed_host_paths: Some(vec![]), ..Default::default() };
        let update = UpdateComputeEnvironment { compute_environment: "docker".into(), host_access: shrink, ..Default::default() };
        batch.update_compute_environment(&admin(), update).await.unwrap();

        let h = run_scheduler(batch);
        let done = finished(&h.batch, &job.job_id).await;
        assert_eq!(done.status, "FAILED", "{backend:?}");
        let reason = done.status_reason.clone().unwrap_or_default();
        assert!(reason.starts_with("HostAccessDenied: containerProperties.volumes[0].host.sourcePath"), "{backend:?}: {reason}");
        assert!(!out.path().join("ran").exists(), "{backend:?}: the job must not have run");
    }
}

#[tokio::test]
async fn an_allowed_folder_is_written_and_the_container_defaults_hold() {
    for backend in BACKENDS {
        let (batch, _data_dir) = batch_with_data_dir(backend).await;
        let out = temp_dir();
        // Each line is a fact the container reports about itself; the test reads the file.
        let script = "grep NoNewPrivs /proc/self/status | tr -d '\\t' > /host/facts; \
            echo nofile=$(ulimit -n) >> /host/facts; \
            (cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max) | sed 's/^/pids=/' >> /host/facts; \
            grep ' /scratch ' /proc/mounts | cut -d' ' -f3 | sed 's/^/scratch=/' >> /host/facts; \
            (touch /root-write 2>/dev/null && echo root=writable || echo root=read-only) >> /host/facts; \
            echo pid1=$(cat /proc/1/comm) >> /host/facts";
        let mut definition = mounting("defaults", out.path().to_str().unwrap(), script);
        let container = definition.container_properties.as_mut().unwrap();
        container.readonly_root_filesystem = true;
        container.ulimits = vec![Ulimit { name: "nofile".into(), soft_limit: 512, hard_limit: 1024 }];
        container.linux_parameters = Some(LinuxParameters {
            tmpfs: vec![Tmpfs { container_path: "/scratch".into(), size: 16, mount_options: vec![] }],
            pids_limit: Some(64),
            init_process_enabled: Some(true),
            ..Default::default()
        });
        batch.register_job_definition(&admin(), definition).await.unwrap();
        let job = batch.submit_job(&operator(), submit_to("defaults", "defaults")).await.unwrap();
        let h = run_scheduler(batch);
        let done = finished(&h.batch, &job.job_id).await;
        assert_eq!(done.status, "SUCCEEDED", "{backend:?}: {:?}", done.status_reason);
        let facts = std::fs::read_to_string(out.path().join("facts")).unwrap();
        let facts: Vec<&str> = facts.lines().collect();
        assert_eq!(facts, ["NoNewPrivs:1", "nofile=512", "pids=64", "scratch=tmpfs", "root=read-only", "pid1=docker-init"], "{backend:?}");
    }
}
