//! What a job runs: the image, command, environment and resources of a job definition, and the
//! overrides a submission may apply (AWS `containerProperties` / `containerOverrides`).

use crate::host_access::{HostPath, check_host_path};
use crate::limits::{MIN_MEMORY_MIB, RESERVED_ENV_PREFIX};
use crate::linux::{LinuxParameters, Ulimit, validate_ulimits};
use crate::validation::{FieldError, Validated, ensure};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValuePair {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRequirement {
    /// `VCPU`, `MEMORY` (MiB) or `GPU`.
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<VolumeHost>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeHost {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MountPoint {
    pub container_path: String,
    pub source_volume: String,
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerProperties {
    #[serde(default)]
    pub image: String,
    /// Deprecated by AWS in favour of `resourceRequirements`; still accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcpus: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub environment: Vec<KeyValuePair>,
    #[serde(default)]
    pub resource_requirements: Vec<ResourceRequirement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default)]
    pub privileged: bool,
    #[serde(default)]
    pub readonly_root_filesystem: bool,
    #[serde(default)]
    pub volumes: Vec<Volume>,
    #[serde(default)]
    pub mount_points: Vec<MountPoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ulimits: Vec<Ulimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linux_parameters: Option<LinuxParameters>,
    /// Environment variables whose values come from named secrets, set at start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<crate::secret::SecretReference>,
    /// jobRoleArn, executionRoleArn, logConfiguration, fargatePlatformConfiguration,
    /// networkConfiguration, ephemeralStorage, runtimePlatform, ...: kept and returned.
    #[serde(flatten)]
    pub aws_fields: crate::aws_fields::AwsFields,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcpus: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(default)]
    pub environment: Vec<KeyValuePair>,
    #[serde(default)]
    pub resource_requirements: Vec<ResourceRequirement>,
}

/// The resources one attempt reserves, resolved from the legacy fields and `resourceRequirements`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    /// Thousandths of a vCPU, so fractional vCPUs (0.25) plan exactly.
    pub milli_vcpus: i64,
    pub memory_mib: i64,
    pub gpus: i64,
}

impl Resources {
    pub fn vcpus(&self) -> f64 {
        self.milli_vcpus as f64 / 1000.0
    }
}

/// Partial resources read from one place (definition or overrides); later layers win.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ResourceLayer {
    milli_vcpus: Option<i64>,
    memory_mib: Option<i64>,
    gpus: Option<i64>,
}

fn read_layer(field: &str, vcpus: Option<i64>, memory: Option<i64>, requirements: &[ResourceRequirement]) -> Validated<ResourceLayer> {
    let mut layer = ResourceLayer { milli_vcpus: vcpus.map(|v| v.saturating_mul(1000)), memory_mib: memory, gpus: None };
    if let Some(v) = vcpus {
        ensure(v > 0, format!("{field}.vcpus"), format!("must be greater than 0 (got {v})"))?;
    }
    if let Some(m) = memory {
        ensure(m >= MIN_MEMORY_MIB, format!("{field}.memory"), format!("must be at least {MIN_MEMORY_MIB} MiB (got {m})"))?;
    }
    for (i, requirement) in requirements.iter().enumerate() {
        let at = format!("{field}.resourceRequirements[{i}].value");
        match requirement.kind.as_str() {
            "VCPU" => {
                let v: f64 = requirement
                    .value
                    .trim()
                    .parse()
                    .map_err(|_| FieldError::new(&at, format!("VCPU must be a number (got {:?})", requirement.value)))?;
                ensure(v.is_finite() && v > 0.0, &at, format!("VCPU must be greater than 0 (got {})", requirement.value))?;
                layer.milli_vcpus = Some((v * 1000.0).round() as i64);
            }
            "MEMORY" => {
                let m = parse_integer(&at, "MEMORY", &requirement.value)?;
                ensure(m >= MIN_MEMORY_MIB, &at, format!("MEMORY must be at least {MIN_MEMORY_MIB} MiB (got {m})"))?;
                layer.memory_mib = Some(m);
            }
            "GPU" => {
                let g = parse_integer(&at, "GPU", &requirement.value)?;
                ensure(g >= 0, &at, format!("GPU must be 0 or more (got {g})"))?;
                layer.gpus = Some(g);
            }
            other => {
                return Err(FieldError::new(
                    format!("{field}.resourceRequirements[{i}].type"),
                    format!("must be VCPU, MEMORY or GPU (got {other:?})"),
                ));
            }
        }
    }
    Ok(layer)
}

fn parse_integer(at: &str, kind: &str, raw: &str) -> Validated<i64> {
    raw.trim().parse().map_err(|_| FieldError::new(at, format!("{kind} must be a whole number (got {raw:?})")))
}

fn validate_environment(field: &str, environment: &[KeyValuePair]) -> Validated<()> {
    for (i, variable) in environment.iter().enumerate() {
        let at = format!("{field}.environment[{i}].name");
        ensure(!variable.name.is_empty(), &at, "must not be empty")?;
        ensure(
            !variable.name.starts_with(RESERVED_ENV_PREFIX),
            &at,
            format!("{} is reserved: names starting with {RESERVED_ENV_PREFIX} are set by the service", variable.name),
        )?;
    }
    Ok(())
}

impl ContainerProperties {
    /// Whether anything here needs an environment's permission: privileged, host paths, host
    /// devices, added capabilities.
    pub fn asks_for_host_access(&self) -> bool {
        let linux = self.linux_parameters.as_ref();
        self.privileged
            || self.volumes.iter().any(|v| v.host.as_ref().is_some_and(|h| h.source_path.is_some()))
            || linux.is_some_and(|l| !l.devices.is_empty() || l.capabilities.as_ref().is_some_and(|c| !c.add.is_empty()))
    }

    /// The AWS rules for a job definition's container.
    pub fn validate(&self, field: &str) -> Validated<Resources> {
        ensure(!self.image.trim().is_empty(), format!("{field}.image"), "is required")?;
        validate_environment(field, &self.environment)?;
        crate::secret::validate_references(field, &self.secrets, &self.environment)?;
        for (i, mount) in self.mount_points.iter().enumerate() {
            ensure(
                self.volumes.iter().any(|v| v.name == mount.source_volume),
                format!("{field}.mountPoints[{i}].sourceVolume"),
                format!("names no volume of this definition ({:?})", mount.source_volume),
            )?;
            ensure(mount.container_path.starts_with('/'), format!("{field}.mountPoints[{i}].containerPath"), "must be an absolute path")?;
        }
        for (i, volume) in self.volumes.iter().enumerate() {
            if let Some(asked) = volume.host.as_ref().and_then(|h| h.source_path.as_deref()) {
                // What no environment may allow is refused already here; the rest at submit.
                check_host_path(&format!("{field}.volumes[{i}].host.sourcePath"), &HostPath { asked, resolved: None }, &[])?;
            }
        }
        validate_ulimits(&format!("{field}.ulimits"), &self.ulimits)?;
        if let Some(linux) = &self.linux_parameters {
            linux.validate(&format!("{field}.linuxParameters"))?;
        }
        let layer = read_layer(field, self.vcpus, self.memory, &self.resource_requirements)?;
        Ok(Resources {
            milli_vcpus: layer
                .milli_vcpus
                .ok_or_else(|| FieldError::new(format!("{field}.resourceRequirements"), "a VCPU requirement (or vcpus) is required"))?,
            memory_mib: layer
                .memory_mib
                .ok_or_else(|| FieldError::new(format!("{field}.resourceRequirements"), "a MEMORY requirement (or memory) is required"))?,
            gpus: layer.gpus.unwrap_or(0),
        })
    }
}

impl ContainerOverrides {
    pub fn validate(&self, field: &str) -> Validated<()> {
        validate_environment(field, &self.environment)?;
        read_layer(field, self.vcpus, self.memory, &self.resource_requirements)?;
        Ok(())
    }

    /// The resources of a job: the definition's, with whatever the overrides set replacing them.
    pub fn apply_resources(&self, base: Resources) -> Resources {
        // Overrides were validated at submit; a layer that fails to read changes nothing.
        let layer = read_layer("", self.vcpus, self.memory, &self.resource_requirements).unwrap_or_default();
        Resources {
            milli_vcpus: layer.milli_vcpus.unwrap_or(base.milli_vcpus),
            memory_mib: layer.memory_mib.unwrap_or(base.memory_mib),
            gpus: layer.gpus.unwrap_or(base.gpus),
        }
    }

    /// The definition's environment with overridden names replaced and new ones added.
    pub fn apply_environment(&self, base: &[KeyValuePair]) -> Vec<KeyValuePair> {
        let mut merged: Vec<KeyValuePair> = base.iter().filter(|v| !self.environment.iter().any(|o| o.name == v.name)).cloned().collect();
        merged.extend(self.environment.iter().cloned());
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirement(kind: &str, value: &str) -> ResourceRequirement {
        ResourceRequirement { kind: kind.into(), value: value.into() }
    }

    fn busybox() -> ContainerProperties {
        ContainerProperties {
            image: "busybox".into(),
            resource_requirements: vec![requirement("VCPU", "1"), requirement("MEMORY", "128")],
            ..Default::default()
        }
    }

    #[test]
    fn resources_come_from_requirements_or_legacy_fields() {
        assert_eq!(busybox().validate("containerProperties").unwrap(), Resources { milli_vcpus: 1000, memory_mib: 128, gpus: 0 });
        let legacy = ContainerProperties { image: "x".into(), vcpus: Some(2), memory: Some(64), ..Default::default() };
        assert_eq!(legacy.validate("c").unwrap(), Resources { milli_vcpus: 2000, memory_mib: 64, gpus: 0 });
        let fractional =
            ContainerProperties { resource_requirements: vec![requirement("VCPU", "0.25"), requirement("MEMORY", "4")], ..busybox() };
        assert_eq!(fractional.validate("c").unwrap().milli_vcpus, 250);
    }

    #[test]
    fn bad_resources_name_the_field_and_rule() {
        let cases = [
            (
                vec![requirement("VCPU", "0"), requirement("MEMORY", "128")],
                "containerProperties.resourceRequirements[0].value",
                "greater than 0",
            ),
            (
                vec![requirement("VCPU", "1"), requirement("MEMORY", "3")],
                "containerProperties.resourceRequirements[1].value",
                "at least 4 MiB",
            ),
            (
                vec![requirement("VCPU", "1"), requirement("MEMORY", "8"), requirement("GPU", "-1")],
                "containerProperties.resourceRequirements[2].value",
                "0 or more",
            ),
            (vec![requirement("CPU", "1")], "containerProperties.resourceRequirements[0].type", "VCPU, MEMORY or GPU"),
            (vec![requirement("MEMORY", "128")], "containerProperties.resourceRequirements", "VCPU"),
        ];
        for (requirements, field, rule) in cases {
            let properties = ContainerProperties { resource_requirements: requirements, ..busybox() };
            let error = properties.validate("containerProperties").unwrap_err();
            assert_eq!(error.field, field);
            assert!(error.message.contains(rule), "{error}");
        }
        let legacy = ContainerProperties { vcpus: Some(0), ..busybox() };
        assert_eq!(legacy.validate("c").unwrap_err().field, "c.vcpus");
    }

    #[test]
    fn reserved_environment_names_are_refused() {
        let properties =
            ContainerProperties { environment: vec![KeyValuePair { name: "AWS_BATCH_JOB_ID".into(), value: "x".into() }], ..busybox() };
        let error = properties.validate("containerProperties").unwrap_err();
        assert_eq!(error.field, "containerProperties.environment[0].name");
        assert!(error.message.contains("reserved"));
    }

    #[test]
    fn an_image_is_required() {
        let error = ContainerProperties { image: " ".into(), ..busybox() }.validate("containerProperties").unwrap_err();
        assert_eq!(error.field, "containerProperties.image");
    }

    #[test]
    fn a_mount_point_must_name_a_volume() {
        let properties = ContainerProperties {
            mount_points: vec![MountPoint { container_path: "/data".into(), source_volume: "nope".into(), read_only: false }],
            ..busybox()
        };
        assert_eq!(properties.validate("c").unwrap_err().field, "c.mountPoints[0].sourceVolume");
    }

    #[test]
    fn overrides_replace_resources_and_merge_environment() {
        let base = Resources { milli_vcpus: 1000, memory_mib: 128, gpus: 0 };
        let overrides = ContainerOverrides { resource_requirements: vec![requirement("MEMORY", "512")], ..Default::default() };
        assert_eq!(overrides.apply_resources(base), Resources { memory_mib: 512, ..base });
        let overrides = ContainerOverrides {
            environment: vec![KeyValuePair { name: "A".into(), value: "new".into() }, KeyValuePair { name: "C".into(), value: "3".into() }],
            ..Default::default()
        };
        let merged = overrides.apply_environment(&[
            KeyValuePair { name: "A".into(), value: "old".into() },
            KeyValuePair { name: "B".into(), value: "2".into() },
        ]);
        let pairs: Vec<_> = merged.iter().map(|v| format!("{}={}", v.name, v.value)).collect();
        assert_eq!(pairs, ["B=2", "A=new", "C=3"]);
    }
}
