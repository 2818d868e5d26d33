//! The container an attempt runs, decided here and translated to the engine's API by the shell:
//! image, argument list, environment (the definition's, the submission's overrides, then AWS's
//! `AWS_BATCH_*` variables, which nothing can override), limits, user and mounts.

use crate::container::{ContainerOverrides, ContainerProperties};
use crate::linux::{LinuxParameters, Ulimit};
use crate::parameters::{Parameters, substitute};
use crate::secret::SecretValue;

/// The container one attempt runs, fully resolved.
#[derive(Debug, Clone, Default, PartialEq)]
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
    pub mounts: Vec<VolumeMount>,
    pub linux: LinuxParameters,
    pub ulimits: Vec<Ulimit>,
    /// `bridge`, `none` or a Docker network's name: the compute environment's.
    pub network_mode: String,
    /// Variables from named secrets, set beside `environment` (their values print as `***`).
    pub secrets: Vec<(String, SecretValue)>,
    /// `name:address` lines added to the container's `/etc/hosts` (`host-gateway` is the
    /// engine's host): how a job with credentials reaches this service.
    pub extra_hosts: Vec<String>,
}

/// A volume in the container: a host folder (checked against the environment before it gets
/// here), or, without one, a volume the engine makes for the container, as AWS does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeMount {
    pub host_path: Option<String>,
    pub container_path: String,
    pub read_only: bool,
}

/// Which attempt of which job, where, and with what the shell resolved for it.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    /// An array child's id is `<parent id>:<index>`, as in AWS.
    pub job_id: String,
    pub attempt: i32,
    pub array_index: Option<i32>,
    pub array_size: Option<i32>,
    pub queue: String,
    pub environment: String,
    /// This replica and installation, written in the container's labels.
    pub instance: String,
    pub installation: String,
    pub milli_vcpus: i64,
    pub memory_mib: i64,
    pub network_mode: String,
    /// The definition's secrets, opened.
    pub secrets: Vec<(String, SecretValue)>,
}

/// The container for `attempt` of a job registered with `properties`, submitted with
/// `overrides` and `parameters` (the definition's merged with the submission's).
pub fn container_spec(
    attempt: Attempt,
    properties: &ContainerProperties,
    overrides: &ContainerOverrides,
    parameters: &Parameters,
) -> ContainerSpec {
    let mut environment: Vec<(String, String)> =
        overrides.apply_environment(&properties.environment).into_iter().map(|v| (v.name, v.value)).collect();
    environment.push(("AWS_BATCH_JOB_ID".into(), attempt.job_id.clone()));
    environment.push(("AWS_BATCH_JOB_ATTEMPT".into(), attempt.attempt.to_string()));
    environment.push(("AWS_BATCH_JQ_NAME".into(), attempt.queue));
    environment.push(("AWS_BATCH_CE_NAME".into(), attempt.environment));
    if let Some(index) = attempt.array_index {
        environment.push(("AWS_BATCH_JOB_ARRAY_INDEX".into(), index.to_string()));
    }
    if let Some(size) = attempt.array_size {
        environment.push(("AWS_BATCH_JOB_ARRAY_SIZE".into(), size.to_string()));
    }
    if let Some(original) = crate::retry_children::original_index(&environment, attempt.array_index) {
        environment.push((crate::retry_children::ORIGINAL_INDEX.into(), original.to_string()));
    }
    // A mount point names a volume; one naming no volume of the definition mounts nothing.
    let mounts = properties
        .mount_points
        .iter()
        .filter_map(|mount| {
            let volume = properties.volumes.iter().find(|v| v.name == mount.source_volume)?;
            Some(VolumeMount {
                host_path: volume.host.as_ref().and_then(|h| h.source_path.clone()),
                container_path: mount.container_path.clone(),
                read_only: mount.read_only,
            })
        })
        .collect();
    ContainerSpec {
        job_id: attempt.job_id,
        attempt: attempt.attempt,
        instance: attempt.instance,
        installation: attempt.installation,
        image: properties.image.clone(),
        command: substitute(overrides.command.as_ref().unwrap_or(&properties.command), parameters),
        environment,
        milli_vcpus: attempt.milli_vcpus,
        memory_mib: attempt.memory_mib,
        user: properties.user.clone(),
        privileged: properties.privileged,
        read_only_root: properties.readonly_root_filesystem,
        mounts,
        linux: properties.linux_parameters.clone().unwrap_or_default(),
        ulimits: properties.ulimits.clone(),
        network_mode: attempt.network_mode,
        secrets: attempt.secrets,
        extra_hosts: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{KeyValuePair, MountPoint, Volume, VolumeHost};

    fn properties() -> ContainerProperties {
        ContainerProperties {
            image: "busybox".into(),
            command: vec!["echo".into(), "Ref::greeting".into()],
            environment: vec![KeyValuePair { name: "MODE".into(), value: "slow".into() }],
            volumes: vec![
                Volume { name: "out".into(), host: Some(VolumeHost { source_path: Some("/srv/out".into()) }) },
                Volume { name: "scratch".into(), host: None },
            ],
            mount_points: vec![
                MountPoint { source_volume: "out".into(), container_path: "/out".into(), read_only: false },
                MountPoint { source_volume: "scratch".into(), container_path: "/tmp/x".into(), read_only: true },
                MountPoint { source_volume: "missing".into(), container_path: "/nowhere".into(), read_only: false },
            ],
            ..Default::default()
        }
    }

    fn attempt(array_index: Option<i32>) -> Attempt {
        Attempt {
            job_id: if array_index.is_some() { "p:3".into() } else { "j".into() },
            attempt: 2,
            array_index,
            array_size: array_index.map(|_| 10),
            queue: "q".into(),
            environment: "ce".into(),
            ..Default::default()
        }
    }

    fn variables(spec: &ContainerSpec) -> Vec<(&str, &str)> {
        spec.environment.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn the_environment_is_the_definitions_then_the_overrides_then_aws_batch_variables() {
        let overrides =
            ContainerOverrides { environment: vec![KeyValuePair { name: "MODE".into(), value: "fast".into() }], ..Default::default() };
        let spec = container_spec(attempt(None), &properties(), &overrides, &Parameters::new());
        assert_eq!(
            variables(&spec),
            [
                ("MODE", "fast"),
                ("AWS_BATCH_JOB_ID", "j"),
                ("AWS_BATCH_JOB_ATTEMPT", "2"),
                ("AWS_BATCH_JQ_NAME", "q"),
                ("AWS_BATCH_CE_NAME", "ce")
            ]
        );
        let child = container_spec(attempt(Some(3)), &properties(), &ContainerOverrides::default(), &Parameters::new());
        let child_variables = variables(&child);
        assert!(child_variables.contains(&("AWS_BATCH_JOB_ARRAY_INDEX", "3")));
        assert!(child_variables.contains(&("AWS_BATCH_JOB_ARRAY_SIZE", "10")));
        assert!(child_variables.contains(&("AWS_BATCH_JOB_ID", "p:3")));
    }

    #[test]
    fn a_child_of_a_retry_gets_the_index_it_stands_for() {
        let list = KeyValuePair { name: crate::retry_children::ORIGINAL_INDEXES.into(), value: "3,7-9,12".into() };
        let overrides = ContainerOverrides { environment: vec![list], ..Default::default() };
        let child = container_spec(attempt(Some(3)), &properties(), &overrides, &Parameters::new());
        assert!(variables(&child).contains(&("BATCH_ORIGINAL_ARRAY_INDEX", "9")));
        let other = container_spec(attempt(Some(3)), &properties(), &ContainerOverrides::default(), &Parameters::new());
        assert!(!variables(&other).iter().any(|(name, _)| *name == "BATCH_ORIGINAL_ARRAY_INDEX"));
    }

    #[test]
    fn the_command_is_the_override_or_the_definitions_with_parameters_substituted() {
        let parameters: Parameters = [("greeting".to_string(), "hello world".to_string())].into();
        let spec = container_spec(attempt(None), &properties(), &ContainerOverrides::default(), &parameters);
        assert_eq!(spec.command, ["echo", "hello world"], "one argument, spaces and all");
        let overrides = ContainerOverrides { command: Some(vec!["sh".into(), "-c".into(), "exit 3".into()]), ..Default::default() };
        assert_eq!(container_spec(attempt(None), &properties(), &overrides, &parameters).command, ["sh", "-c", "exit 3"]);
    }

    #[test]
    fn mount_points_resolve_their_volumes_and_a_dangling_one_mounts_nothing() {
        let spec = container_spec(attempt(None), &properties(), &ContainerOverrides::default(), &Parameters::new());
        assert_eq!(
            spec.mounts,
            [
                VolumeMount { host_path: Some("/srv/out".into()), container_path: "/out".into(), read_only: false },
                VolumeMount { host_path: None, container_path: "/tmp/x".into(), read_only: true },
            ]
        );
    }
}
