//! Compute environments: pools of Docker engines with a vCPU budget (`maxvCpus`).

use crate::aws_fields::AwsFields;
use crate::host_access::HostAccess;
use crate::tags::{Tags, validate_tags};
use crate::validation::{FieldError, Validated, ensure, name};
use serde::{Deserialize, Serialize};

/// One Docker engine of an environment and the share of it the environment may use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerHost {
    /// `unix:///var/run/docker.sock` or `tcp://host:2376`.
    pub endpoint: String,
    pub vcpus: i64,
    pub memory_mib: i64,
    /// For `tcp://`: the CA that signed the engine's certificate and this server's client
    /// certificate and key (files on the server), as `dockerd --tlsverify` expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<DockerTls>,
    /// Plain `tcp://` without TLS, said explicitly: anyone on the network path can run containers
    /// on the engine and read every job's commands and secrets.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure: bool,
}

/// PEM files on the server's machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerTls {
    pub ca_cert: String,
    pub client_cert: String,
    pub client_key: String,
}

/// `ENABLED` / `DISABLED`, for compute environments and job queues alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Enabled,
    Disabled,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Enabled => "ENABLED",
            State::Disabled => "DISABLED",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Validated<State> {
        match raw {
            "ENABLED" => Ok(State::Enabled),
            "DISABLED" => Ok(State::Disabled),
            other => Err(FieldError::new(field, format!("must be ENABLED or DISABLED (got {other:?})"))),
        }
    }
}

text_enum!(State);

/// How attempts run: real containers, or a simulation for benchmarks and scale tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutorKind {
    Docker,
    Simulated,
}

impl ExecutorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutorKind::Docker => "docker",
            ExecutorKind::Simulated => "simulated",
        }
    }
}

text_enum!(ExecutorKind);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputeResourceInput {
    #[serde(rename = "maxvCpus", default, skip_serializing_if = "Option::is_none")]
    pub max_vcpus: Option<i64>,
    #[serde(rename = "minvCpus", default, skip_serializing_if = "Option::is_none")]
    pub min_vcpus: Option<i64>,
    #[serde(rename = "desiredvCpus", default, skip_serializing_if = "Option::is_none")]
    pub desired_vcpus: Option<i64>,
    /// EC2, SPOT, FARGATE, ... accepted and returned: every environment here runs on Docker.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// instanceTypes, subnets, securityGroupIds, launchTemplate, ...: kept and returned.
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

/// CreateComputeEnvironment, with this service's additions (`dockerHosts`, `executor`, and what
/// jobs may touch on the host: `allowPrivileged`, `allowedHostPaths`, ...) beside the AWS fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateComputeEnvironment {
    pub compute_environment_name: String,
    /// MANAGED or UNMANAGED.
    #[serde(rename = "type", default = "default_type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_resources: Option<ComputeResourceInput>,
    #[serde(rename = "unmanagedvCpus", default, skip_serializing_if = "Option::is_none")]
    pub unmanaged_vcpus: Option<i64>,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_hosts: Option<Vec<DockerHost>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<ExecutorKind>,
    #[serde(flatten)]
    pub host_access: HostAccess,
    /// serviceRole, context, ...: kept and returned (must stay the last flattened member: it
    /// takes whatever the others did not).
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

/// Members of CreateComputeEnvironment with columns of their own; the rest is kept as sent
/// (`AwsFields::of`).
pub const OWNED_ON_CREATE: &[&str] = &[
    "computeEnvironmentName",
    "type",
    "state",
    "tags",
    "dockerHosts",
    "executor",
    "allowPrivileged",
    "allowedHostPaths",
    "allowDevices",
    "allowedCapabilities",
    "networkMode",
    "computeResources.maxvCpus",
];

/// The same for UpdateComputeEnvironment.
pub const OWNED_ON_UPDATE: &[&str] = &[
    "computeEnvironment",
    "state",
    "dockerHosts",
    "allowPrivileged",
    "allowedHostPaths",
    "allowDevices",
    "allowedCapabilities",
    "networkMode",
    "computeResources.maxvCpus",
];

fn default_type() -> String {
    "MANAGED".into()
}

/// A create request that passed every rule; the service fills in the default host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidComputeEnvironment {
    pub name: crate::ResourceName,
    pub kind: String,
    pub state: State,
    /// `None`: the sum of the hosts' vCPUs.
    pub max_vcpus: Option<i64>,
    pub hosts: Option<Vec<DockerHost>>,
    pub executor: ExecutorKind,
    pub host_access: HostAccess,
    pub tags: Tags,
}

pub fn validate_hosts(field: &str, hosts: &[DockerHost]) -> Validated<()> {
    ensure(!hosts.is_empty(), field, "at least one Docker host is required")?;
    for (i, host) in hosts.iter().enumerate() {
        ensure(
            host.endpoint.starts_with("unix://") || host.endpoint.starts_with("tcp://"),
            format!("{field}[{i}].endpoint"),
            format!("must start with unix:// or tcp:// (got {:?})", host.endpoint),
        )?;
        if host.endpoint.starts_with("tcp://") {
            ensure(
                host.tls.is_some() || host.insecure,
                format!("{field}[{i}].tls"),
                "is required for tcp:// (caCert, clientCert, clientKey); plain tcp:// lets anyone on the network run containers on the engine, so it needs insecure: true said explicitly",
            )?;
        } else {
            ensure(host.tls.is_none(), format!("{field}[{i}].tls"), "applies to tcp:// endpoints only")?;
        }
        if let Some(tls) = &host.tls {
            for (name, path) in [("caCert", &tls.ca_cert), ("clientCert", &tls.client_cert), ("clientKey", &tls.client_key)] {
                crate::linux::check_absolute(&format!("{field}[{i}].tls.{name}"), path)?;
            }
        }
        ensure(host.vcpus > 0, format!("{field}[{i}].vcpus"), "must be greater than 0")?;
        ensure(host.memory_mib >= crate::limits::MIN_MEMORY_MIB, format!("{field}[{i}].memoryMib"), "must be at least 4 MiB")?;
    }
    Ok(())
}

impl CreateComputeEnvironment {
    pub fn validate(&self) -> Validated<ValidComputeEnvironment> {
        let name = name("computeEnvironmentName", &self.compute_environment_name)?;
        ensure(self.kind == "MANAGED" || self.kind == "UNMANAGED", "type", format!("must be MANAGED or UNMANAGED (got {:?})", self.kind))?;
        let state = match &self.state {
            Some(raw) => State::parse("state", raw)?,
            None => State::Enabled,
        };
        let max_vcpus = match (&self.compute_resources, self.unmanaged_vcpus) {
            (Some(resources), _) => resources.max_vcpus,
            (None, unmanaged) => unmanaged,
        };
        if self.kind == "MANAGED" && self.compute_resources.is_none() {
            return Err(FieldError::new("computeResources", "is required for a MANAGED compute environment (it sets maxvCpus)"));
        }
        if let Some(resources) = &self.compute_resources {
            let max = resources.max_vcpus.ok_or_else(|| FieldError::new("computeResources.maxvCpus", "is required"))?;
            if let Some(min) = resources.min_vcpus {
                ensure(min >= 0 && min <= max, "computeResources.minvCpus", "must be between 0 and maxvCpus")?;
            }
        }
        if let Some(max) = max_vcpus {
            let field = if self.compute_resources.is_some() { "computeResources.maxvCpus" } else { "unmanagedvCpus" };
            ensure(max > 0, field, format!("must be greater than 0 (got {max})"))?;
        }
        if let Some(hosts) = &self.docker_hosts {
            validate_hosts("dockerHosts", hosts)?;
        }
        validate_tags("tags", &self.tags)?;
        self.host_access.validate()?;
        Ok(ValidComputeEnvironment {
            name,
            kind: self.kind.clone(),
            state,
            max_vcpus,
            hosts: self.docker_hosts.clone(),
            executor: self.executor.unwrap_or(ExecutorKind::Docker),
            host_access: self.host_access.clone(),
            tags: self.tags.clone(),
        })
    }
}

/// UpdateComputeEnvironment: state, maxvCpus, hosts and host access (each only when given).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateComputeEnvironment {
    pub compute_environment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_resources: Option<ComputeResourceInput>,
    #[serde(rename = "unmanagedvCpus", default, skip_serializing_if = "Option::is_none")]
    pub unmanaged_vcpus: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_hosts: Option<Vec<DockerHost>>,
    #[serde(flatten)]
    pub host_access: HostAccessUpdate,
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

/// The host-access fields an update may change; the others stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostAccessUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_privileged: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_host_paths: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_devices: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_capabilities: Option<Vec<String>>,
    /// An empty string goes back to the default (`bridge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
}

impl HostAccessUpdate {
    pub fn apply(&self, current: &HostAccess) -> Validated<HostAccess> {
        let next = HostAccess {
            allow_privileged: self.allow_privileged.unwrap_or(current.allow_privileged),
            allowed_host_paths: self.allowed_host_paths.clone().unwrap_or_else(|| current.allowed_host_paths.clone()),
            allow_devices: self.allow_devices.unwrap_or(current.allow_devices),
            allowed_capabilities: self.allowed_capabilities.clone().unwrap_or_else(|| current.allowed_capabilities.clone()),
            network_mode: match &self.network_mode {
                Some(mode) if mode.is_empty() => None,
                Some(mode) => Some(mode.clone()),
                None => current.network_mode.clone(),
            },
        };
        next.validate()?;
        Ok(next)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidComputeEnvironmentUpdate {
    pub state: Option<State>,
    pub max_vcpus: Option<i64>,
    pub hosts: Option<Vec<DockerHost>>,
}

impl UpdateComputeEnvironment {
    pub fn validate(&self) -> Validated<ValidComputeEnvironmentUpdate> {
        ensure(!self.compute_environment.is_empty(), "computeEnvironment", "is required")?;
        let state = self.state.as_deref().map(|raw| State::parse("state", raw)).transpose()?;
        let max_vcpus = self.compute_resources.as_ref().and_then(|r| r.max_vcpus).or(self.unmanaged_vcpus);
        if let Some(max) = max_vcpus {
            ensure(max > 0, "computeResources.maxvCpus", format!("must be greater than 0 (got {max})"))?;
        }
        if let Some(hosts) = &self.docker_hosts {
            validate_hosts("dockerHosts", hosts)?;
        }
        Ok(ValidComputeEnvironmentUpdate { state, max_vcpus, hosts: self.docker_hosts.clone() })
    }
}

/// What an environment's engines offer together: (vCPUs, memory in MiB).
pub fn hosts_offer(hosts: &[DockerHost]) -> (i64, i64) {
    hosts.iter().fold((0, 0), |(vcpus, memory), host| (vcpus + host.vcpus, memory + host.memory_mib))
}

/// Said beside an environment whose `maxvCpus` is more than its engines offer: jobs then wait
/// "for capacity" with vCPUs apparently free. None when the hosts cover it (or it has none, as a
/// simulated environment).
pub fn over_capacity_warning(max_vcpus: i64, hosts: &[DockerHost]) -> Option<String> {
    let (offered, _) = hosts_offer(hosts);
    (!hosts.is_empty() && max_vcpus > offered).then(|| {
        format!("maxvCpus {max_vcpus} is more than its hosts offer ({offered} vCPUs): at most {offered} vCPUs of jobs run at once")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn managed(max: i64) -> CreateComputeEnvironment {
        CreateComputeEnvironment {
            compute_environment_name: "local".into(),
            kind: "MANAGED".into(),
            state: None,
            compute_resources: Some(ComputeResourceInput { max_vcpus: Some(max), ..Default::default() }),
            unmanaged_vcpus: None,
            tags: Tags::new(),
            docker_hosts: None,
            executor: None,
            host_access: HostAccess::default(),
            aws_fields: AwsFields::default(),
        }
    }

    #[test]
    fn a_managed_environment_needs_a_positive_max_vcpus() {
        assert_eq!(managed(4).validate().unwrap().max_vcpus, Some(4));
        assert_eq!(managed(0).validate().unwrap_err().field, "computeResources.maxvCpus");
        let mut none = managed(1);
        none.compute_resources = None;
        assert_eq!(none.validate().unwrap_err().field, "computeResources");
    }

    #[test]
    fn bad_fields_are_named() {
        let mut bad = managed(1);
        bad.compute_environment_name = "no spaces".into();
        assert_eq!(bad.validate().unwrap_err().field, "computeEnvironmentName");
        let mut bad = managed(1);
        bad.state = Some("ON".into());
        assert_eq!(bad.validate().unwrap_err().field, "state");
        let mut bad = managed(1);
        bad.kind = "FARGATE".into();
        assert_eq!(bad.validate().unwrap_err().field, "type");
        let mut bad = managed(1);
        bad.docker_hosts = Some(vec![DockerHost { endpoint: "ssh://x".into(), vcpus: 1, memory_mib: 64, ..Default::default() }]);
        assert_eq!(bad.validate().unwrap_err().field, "dockerHosts[0].endpoint");
        let plain = DockerHost { endpoint: "tcp://10.0.0.5:2375".into(), vcpus: 1, memory_mib: 64, ..Default::default() };
        bad.docker_hosts = Some(vec![plain.clone()]);
        assert_eq!(bad.validate().unwrap_err().field, "dockerHosts[0].tls", "plain tcp:// is refused");
        bad.docker_hosts = Some(vec![DockerHost { insecure: true, ..plain.clone() }]);
        assert!(bad.validate().is_ok(), "unless said explicitly");
        let tls =
            DockerTls { ca_cert: "/etc/batch/ca.pem".into(), client_cert: "/etc/batch/cert.pem".into(), client_key: "key.pem".into() };
        bad.docker_hosts = Some(vec![DockerHost { tls: Some(tls), ..plain }]);
        assert_eq!(bad.validate().unwrap_err().field, "dockerHosts[0].tls.clientKey");
    }
}

#[cfg(test)]
mod capacity_tests {
    use super::*;

    fn host(vcpus: i64) -> DockerHost {
        DockerHost { endpoint: "unix:///var/run/docker.sock".into(), vcpus, memory_mib: 1024, tls: None, insecure: false }
    }

    #[test]
    fn an_environment_larger_than_its_hosts_is_warned_about() {
        assert_eq!(hosts_offer(&[host(2), host(4)]), (6, 2048));
        assert_eq!(
            over_capacity_warning(4, &[host(2)]).as_deref(),
            Some("maxvCpus 4 is more than its hosts offer (2 vCPUs): at most 2 vCPUs of jobs run at once")
        );
        assert_eq!(over_capacity_warning(2, &[host(2)]), None);
        assert_eq!(over_capacity_warning(100_000, &[]), None, "a simulated environment has no hosts");
    }
}
