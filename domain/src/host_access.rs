//! What a compute environment's jobs may touch on the host, and the check of a container against
//! it. Definitions stay environment-independent, as in AWS: the check runs at SubmitJob against
//! every environment of the queue, and again at launch against the chosen one (an environment's
//! list may have shrunk since). Some paths are refused whatever an administrator lists.

use crate::container::ContainerProperties;
use crate::linux::{capability_name, check_absolute};
use crate::validation::{FieldError, Validated, ensure};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// This service's addition to the compute environment shape; everything is closed by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostAccess {
    #[serde(default)]
    pub allow_privileged: bool,
    /// Absolute path prefixes jobs may mount from the host (`volumes[].host.sourcePath`).
    #[serde(default)]
    pub allowed_host_paths: Vec<String>,
    /// Whether `linuxParameters.devices` may pass host devices in.
    #[serde(default)]
    pub allow_devices: bool,
    /// Capabilities `linuxParameters.capabilities.add` may name (`ALL` allows any).
    #[serde(default)]
    pub allowed_capabilities: Vec<String>,
    /// `bridge` (the default), `none`, or the name of a Docker network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
}

/// A host path no job may mount, nor any folder holding it, nor anything inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedPath {
    pub path: String,
    /// What it is, for the refusal: "the Docker socket", "the server's data directory".
    pub what: String,
}

/// A volume's `host.sourcePath` as asked and where it leads (symlinks followed), when it exists.
pub struct HostPath<'a> {
    pub asked: &'a str,
    pub resolved: Option<String>,
}

impl HostAccess {
    pub fn validate(&self) -> Validated<()> {
        for (i, path) in self.allowed_host_paths.iter().enumerate() {
            let field = format!("allowedHostPaths[{i}]");
            check_absolute(&field, path)?;
            ensure(Path::new(path).parent().is_some(), &field, "/ cannot be allowed: it is the whole host")?;
        }
        for (i, raw) in self.allowed_capabilities.iter().enumerate() {
            ensure(
                capability_name(raw).is_some(),
                format!("allowedCapabilities[{i}]"),
                format!("is not a Linux capability name (got {raw:?})"),
            )?;
        }
        if let Some(mode) = &self.network_mode {
            let well_formed = !mode.is_empty() && mode.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            ensure(well_formed, "networkMode", format!("must be bridge, none or a Docker network name (got {mode:?})"))?;
            ensure(
                mode != "host",
                "networkMode",
                "host is not offered: it puts jobs in the server's own network namespace, with everything listening on localhost",
            )?;
        }
        Ok(())
    }

    /// Docker's network mode for the environment's containers.
    pub fn network(&self) -> &str {
        self.network_mode.as_deref().unwrap_or("bridge")
    }

    fn allows_path(&self, path: &str) -> bool {
        self.allowed_host_paths.iter().any(|allowed| Path::new(path).starts_with(allowed))
    }

    fn allows_capability(&self, name: &str) -> bool {
        self.allowed_capabilities.iter().filter_map(|a| capability_name(a)).any(|a| a == name || a == "ALL")
    }
}

/// The rules that hold whatever an environment allows: absolute, no `..`, never `/` and never a
/// protected path, nor a folder holding one, nor a path inside one. Checked at registration too.
pub fn check_host_path(field: &str, path: &HostPath<'_>, protected: &[ProtectedPath]) -> Validated<()> {
    check_absolute(field, path.asked)?;
    for candidate in std::iter::once(path.asked).chain(path.resolved.as_deref()) {
        let candidate = Path::new(candidate);
        ensure(candidate.parent().is_some(), field, format!("{} is never allowed: it is the whole host", path.asked))?;
        for guarded in protected {
            let guarded_path = Path::new(&guarded.path);
            let exposes = guarded_path.starts_with(candidate) || candidate.starts_with(guarded_path);
            let via = if candidate == Path::new(path.asked) { String::new() } else { format!(" (it leads to {})", candidate.display()) };
            ensure(!exposes, field, format!("{}{via} is never allowed: it exposes {}", path.asked, guarded.what))?;
        }
    }
    Ok(())
}

/// Everything a container asks of the host, checked against one environment. `field` is where the
/// container's properties sit in the request (`containerProperties`); `resolve` follows symlinks.
pub fn check_container(
    field: &str,
    properties: &ContainerProperties,
    environment: &str,
    access: &HostAccess,
    protected: &[ProtectedPath],
    resolve: &dyn Fn(&str) -> Option<String>,
) -> Validated<()> {
    let refused = |at: String, what: String| FieldError::new(at, format!("{what} is not allowed on compute environment {environment}"));
    if properties.privileged && !access.allow_privileged {
        return Err(refused(format!("{field}.privileged"), "a privileged container".into()));
    }
    for (i, volume) in properties.volumes.iter().enumerate() {
        let Some(asked) = volume.host.as_ref().and_then(|h| h.source_path.as_deref()) else { continue };
        let at = format!("{field}.volumes[{i}].host.sourcePath");
        let path = HostPath { asked, resolved: resolve(asked) };
        check_host_path(&at, &path, protected)?;
        let inside = access.allows_path(asked) && path.resolved.as_deref().is_none_or(|r| access.allows_path(r));
        if !inside {
            let listed = if access.allowed_host_paths.is_empty() { "none".to_string() } else { access.allowed_host_paths.join(", ") };
            return Err(FieldError::new(
                at,
                format!("{asked} is not allowed on compute environment {environment} (its allowedHostPaths: {listed})"),
            ));
        }
    }
    let Some(linux) = &properties.linux_parameters else { return Ok(()) };
    if !linux.devices.is_empty() && !access.allow_devices {
        return Err(refused(format!("{field}.linuxParameters.devices"), format!("host device {}", linux.devices[0].host_path)));
    }
    for (i, device) in linux.devices.iter().enumerate() {
        let path = HostPath { asked: &device.host_path, resolved: resolve(&device.host_path) };
        check_host_path(&format!("{field}.linuxParameters.devices[{i}].hostPath"), &path, protected)?;
    }
    for (i, raw) in linux.capabilities.iter().flat_map(|c| c.add.iter()).enumerate() {
        let name = capability_name(raw).unwrap_or_default();
        if !access.allows_capability(&name) {
            return Err(refused(format!("{field}.linuxParameters.capabilities.add[{i}]"), format!("capability {name}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
