//! What a job's container may set about its Linux process: AWS `linuxParameters` and `ulimits`,
//! plus this service's `capabilities` and `pidsLimit` (AWS has no equivalent of either).

use crate::validation::{Validated, ensure};
use serde::{Deserialize, Serialize};

/// Processes (and threads) a container may hold when its definition sets no `pidsLimit`: far
/// above what a real job uses, low enough that a fork bomb cannot exhaust the host's pid space.
pub const DEFAULT_PIDS_LIMIT: i64 = 16_384;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinuxParameters {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Device>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_process_enabled: Option<bool>,
    /// MiB of `/dev/shm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_memory_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tmpfs: Vec<Tmpfs>,
    /// MiB of swap on top of memory; without it the container gets no swap at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_swap: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swappiness: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Capabilities>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids_limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub host_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_path: Option<String>,
    /// READ, WRITE, MKNOD; all three when empty, as in AWS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tmpfs {
    pub container_path: String,
    /// MiB.
    pub size: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mount_options: Vec<String>,
}

/// Linux capabilities to add to or drop from Docker's default set. Adding one is an
/// administrator's decision (`allowedCapabilities` of the compute environment); dropping is free.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ulimit {
    pub name: String,
    pub soft_limit: i64,
    pub hard_limit: i64,
}

const ULIMIT_NAMES: [&str; 15] = [
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// AWS's list of tmpfs flags; `mode`, `uid`, `gid`, `nr_inodes`, `nr_blocks` and `mpol` take a value.
const TMPFS_FLAGS: [&str; 33] = [
    "defaults",
    "ro",
    "rw",
    "suid",
    "nosuid",
    "dev",
    "nodev",
    "exec",
    "noexec",
    "sync",
    "async",
    "dirsync",
    "remount",
    "mand",
    "nomand",
    "atime",
    "noatime",
    "diratime",
    "nodiratime",
    "bind",
    "rbind",
    "unbindable",
    "runbindable",
    "private",
    "rprivate",
    "shared",
    "rshared",
    "slave",
    "rslave",
    "relatime",
    "norelatime",
    "strictatime",
    "nostrictatime",
];
const TMPFS_VALUED_OPTIONS: [&str; 6] = ["mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol"];

/// `CAP_SYS_ADMIN`, `sys_admin` and `SYS_ADMIN` all mean `SYS_ADMIN`; `None` when it is no name.
pub fn capability_name(raw: &str) -> Option<String> {
    let upper = raw.trim().to_ascii_uppercase();
    let name = upper.strip_prefix("CAP_").unwrap_or(&upper);
    let well_formed = !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
    well_formed.then(|| name.to_string())
}

/// An absolute path with no `.` or `..` part: what every host and container path must be.
pub fn check_absolute(field: &str, path: &str) -> Validated<()> {
    ensure(path.starts_with('/'), field, format!("must be an absolute path (got {path:?})"))?;
    ensure(!path.split('/').any(|part| part == ".." || part == "."), field, format!("must not contain '.' or '..' parts (got {path:?})"))?;
    ensure(!path.contains('\0') && !path.contains(','), field, format!("must not contain a comma or NUL (got {path:?})"))
}

impl Device {
    /// Docker's cgroup permission string (`rwm`).
    pub fn cgroup_permissions(&self) -> String {
        if self.permissions.is_empty() {
            return "rwm".into();
        }
        let mut letters = String::new();
        for (name, letter) in [("READ", 'r'), ("WRITE", 'w'), ("MKNOD", 'm')] {
            if self.permissions.iter().any(|p| p == name) {
                letters.push(letter);
            }
        }
        letters
    }
}

impl Tmpfs {
    /// Docker's option string for the mount: `size=64m,noexec`.
    pub fn docker_options(&self) -> String {
        std::iter::once(format!("size={}m", self.size)).chain(self.mount_options.iter().cloned()).collect::<Vec<_>>().join(",")
    }
}

impl LinuxParameters {
    pub fn validate(&self, field: &str) -> Validated<()> {
        for (i, device) in self.devices.iter().enumerate() {
            let at = format!("{field}.devices[{i}]");
            check_absolute(&format!("{at}.hostPath"), &device.host_path)?;
            if let Some(path) = &device.container_path {
                check_absolute(&format!("{at}.containerPath"), path)?;
            }
            for (j, permission) in device.permissions.iter().enumerate() {
                ensure(
                    ["READ", "WRITE", "MKNOD"].contains(&permission.as_str()),
                    format!("{at}.permissions[{j}]"),
                    format!("must be READ, WRITE or MKNOD (got {permission:?})"),
                )?;
            }
        }
        if let Some(size) = self.shared_memory_size {
            ensure(size > 0, format!("{field}.sharedMemorySize"), format!("must be greater than 0 MiB (got {size})"))?;
        }
        for (i, tmpfs) in self.tmpfs.iter().enumerate() {
            let at = format!("{field}.tmpfs[{i}]");
            check_absolute(&format!("{at}.containerPath"), &tmpfs.container_path)?;
            ensure(tmpfs.size > 0, format!("{at}.size"), format!("must be greater than 0 MiB (got {})", tmpfs.size))?;
            for (j, option) in tmpfs.mount_options.iter().enumerate() {
                let (key, value) = option.split_once('=').map_or((option.as_str(), None), |(k, v)| (k, Some(v)));
                let known = match value {
                    None => TMPFS_FLAGS.contains(&key),
                    Some(value) => {
                        TMPFS_VALUED_OPTIONS.contains(&key)
                            && !value.is_empty()
                            && value.chars().all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '-')
                    }
                };
                ensure(known, format!("{at}.mountOptions[{j}]"), format!("is not a tmpfs mount option (got {option:?})"))?;
            }
        }
        if let Some(swap) = self.max_swap {
            ensure(swap >= 0, format!("{field}.maxSwap"), format!("must be 0 or more MiB (got {swap})"))?;
        }
        if let Some(swappiness) = self.swappiness {
            ensure(
                (0..=100).contains(&swappiness),
                format!("{field}.swappiness"),
                format!("must be between 0 and 100 (got {swappiness})"),
            )?;
        }
        if let Some(capabilities) = &self.capabilities {
            for (list, names) in [("add", &capabilities.add), ("drop", &capabilities.drop)] {
                for (i, raw) in names.iter().enumerate() {
                    ensure(
                        capability_name(raw).is_some(),
                        format!("{field}.capabilities.{list}[{i}]"),
                        format!("is not a Linux capability name (got {raw:?})"),
                    )?;
                }
            }
        }
        if let Some(limit) = self.pids_limit {
            ensure(limit > 0, format!("{field}.pidsLimit"), format!("must be greater than 0 (got {limit})"))?;
        }
        Ok(())
    }
}

pub fn validate_ulimits(field: &str, ulimits: &[Ulimit]) -> Validated<()> {
    for (i, ulimit) in ulimits.iter().enumerate() {
        let at = format!("{field}[{i}]");
        ensure(ULIMIT_NAMES.contains(&ulimit.name.as_str()), format!("{at}.name"), format!("must be one of {ULIMIT_NAMES:?}"))?;
        ensure(ulimit.soft_limit >= 0, format!("{at}.softLimit"), "must be 0 or more")?;
        ensure(
            ulimit.hard_limit >= ulimit.soft_limit,
            format!("{at}.hardLimit"),
            format!("must be at least softLimit ({} < {})", ulimit.hard_limit, ulimit.soft_limit),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_linux_parameters_name_the_field() {
        let cases: Vec<(LinuxParameters, &str)> = vec![
            (LinuxParameters { shared_memory_size: Some(0), ..Default::default() }, "l.sharedMemorySize"),
            (LinuxParameters { swappiness: Some(101), ..Default::default() }, "l.swappiness"),
            (LinuxParameters { max_swap: Some(-1), ..Default::default() }, "l.maxSwap"),
            (LinuxParameters { pids_limit: Some(0), ..Default::default() }, "l.pidsLimit"),
            (
                LinuxParameters {
                    tmpfs: vec![Tmpfs { container_path: "/t".into(), size: 8, mount_options: vec!["size=1g".into()] }],
                    ..Default::default()
                },
                "l.tmpfs[0].mountOptions[0]",
            ),
            (
                LinuxParameters {
                    tmpfs: vec![Tmpfs { container_path: "/t,exec".into(), size: 8, mount_options: vec![] }],
                    ..Default::default()
                },
                "l.tmpfs[0].containerPath",
            ),
            (
                LinuxParameters {
                    devices: vec![Device { host_path: "/dev/../etc".into(), container_path: None, permissions: vec![] }],
                    ..Default::default()
                },
                "l.devices[0].hostPath",
            ),
            (
                LinuxParameters { capabilities: Some(Capabilities { add: vec!["SYS ADMIN".into()], drop: vec![] }), ..Default::default() },
                "l.capabilities.add[0]",
            ),
        ];
        for (parameters, field) in cases {
            assert_eq!(parameters.validate("l").unwrap_err().field, field, "{parameters:?}");
        }
    }

    #[test]
    fn docker_strings_are_built_from_typed_fields() {
        let tmpfs = Tmpfs { container_path: "/scratch".into(), size: 64, mount_options: vec!["noexec".into(), "mode=1777".into()] };
        assert!(LinuxParameters { tmpfs: vec![tmpfs.clone()], ..Default::default() }.validate("l").is_ok());
        assert_eq!(tmpfs.docker_options(), "size=64m,noexec,mode=1777");
        let device = Device { host_path: "/dev/fuse".into(), container_path: None, permissions: vec!["READ".into(), "MKNOD".into()] };
        assert_eq!(device.cgroup_permissions(), "rm");
        assert_eq!(Device { permissions: vec![], ..device }.cgroup_permissions(), "rwm");
        assert_eq!(capability_name("cap_net_admin").as_deref(), Some("NET_ADMIN"));
        assert_eq!(capability_name("CAP_"), None);
    }

    #[test]
    fn ulimits_follow_the_aws_names_and_order() {
        let ok = Ulimit { name: "nofile".into(), soft_limit: 1024, hard_limit: 4096 };
        assert!(validate_ulimits("u", std::slice::from_ref(&ok)).is_ok());
        let bad_name = Ulimit { name: "files".into(), ..ok.clone() };
        assert_eq!(validate_ulimits("u", &[bad_name]).unwrap_err().field, "u[0].name");
        let inverted = Ulimit { soft_limit: 10, hard_limit: 5, ..ok };
        assert_eq!(validate_ulimits("u", &[inverted]).unwrap_err().field, "u[0].hardLimit");
    }
}
