use super::*;
use crate::container::{MountPoint, Volume, VolumeHost};
use crate::linux::{Capabilities, Device, LinuxParameters};
use proptest::prelude::*;

fn protected() -> Vec<ProtectedPath> {
    vec![
        ProtectedPath { path: "/run/docker.sock".into(), what: "the Docker socket".into() },
        ProtectedPath { path: "/srv/batch/data".into(), what: "the server's data directory".into() },
    ]
}

fn mounting(source: &str) -> ContainerProperties {
    ContainerProperties {
        image: "busybox".into(),
        volumes: vec![Volume { name: "v".into(), host: Some(VolumeHost { source_path: Some(source.into()) }) }],
        mount_points: vec![MountPoint { container_path: "/v".into(), source_volume: "v".into(), read_only: false }],
        ..Default::default()
    }
}

fn scratch_only() -> HostAccess {
    HostAccess { allowed_host_paths: vec!["/scratch".into()], ..Default::default() }
}

/// `/var/run` leads to `/run` on Debian, and `/scratch/link` is a symlink an operator planted.
fn host_symlinks(path: &str) -> Option<String> {
    match path {
        "/var/run/docker.sock" => Some("/run/docker.sock".into()),
        "/scratch/link" => Some("/etc".into()),
        "/scratch/sock" => Some("/run/docker.sock".into()),
        other => Some(other.into()),
    }
}

fn check(properties: &ContainerProperties, access: &HostAccess) -> Validated<()> {
    check_container("containerProperties", properties, "ce", access, &protected(), &host_symlinks)
}

#[test]
fn escape_paths_are_refused_with_the_field_named() {
    let everything = HostAccess { allowed_host_paths: vec!["/srv".into(), "/scratch".into(), "/var".into()], ..Default::default() };
    let cases = [
        ("/", "whole host"),
        ("/var/run/docker.sock", "Docker socket"),
        ("/run", "Docker socket"),
        ("/scratch/sock", "Docker socket"),
        ("/srv/batch", "data directory"),
        ("/srv/batch/data/batch.sqlite", "data directory"),
        ("/scratch/../etc", "'..'"),
        ("scratch", "absolute"),
        ("/scratch/link", "not allowed on compute environment ce"),
    ];
    for (source, reason) in cases {
        let error = check(&mounting(source), &everything).unwrap_err();
        assert_eq!(error.field, "containerProperties.volumes[0].host.sourcePath", "{source}");
        assert!(error.message.contains(reason), "{source}: {error}");
    }
}

#[test]
fn nothing_on_the_host_is_open_by_default() {
    let error = check(&mounting("/scratch/out"), &HostAccess::default()).unwrap_err();
    assert!(error.message.contains("/scratch/out is not allowed on compute environment ce (its allowedHostPaths: none)"), "{error}");
    assert!(check(&mounting("/scratch/out"), &scratch_only()).is_ok());
    assert!(check(&mounting("/scratch"), &scratch_only()).is_ok());
    // A prefix is a folder, not a string: /scratchpad is not inside /scratch.
    assert!(check(&mounting("/scratchpad"), &scratch_only()).is_err());
}

#[test]
fn privileged_devices_and_capabilities_need_the_environment_to_allow_them() {
    let privileged = ContainerProperties { privileged: true, ..mounting("/scratch") };
    assert_eq!(check(&privileged, &scratch_only()).unwrap_err().field, "containerProperties.privileged");
    assert!(check(&privileged, &HostAccess { allow_privileged: true, ..scratch_only() }).is_ok());

    let fuse = Device { host_path: "/dev/fuse".into(), container_path: None, permissions: vec![] };
    let with_device = ContainerProperties {
        linux_parameters: Some(LinuxParameters { devices: vec![fuse], ..Default::default() }),
        ..mounting("/scratch")
    };
    assert_eq!(check(&with_device, &scratch_only()).unwrap_err().field, "containerProperties.linuxParameters.devices");
    assert!(check(&with_device, &HostAccess { allow_devices: true, ..scratch_only() }).is_ok());

    let adding = |names: &[&str]| ContainerProperties {
        linux_parameters: Some(LinuxParameters {
            capabilities: Some(Capabilities { add: names.iter().map(|n| n.to_string()).collect(), drop: vec!["ALL".into()] }),
            ..Default::default()
        }),
        ..mounting("/scratch")
    };
    let net_admin = HostAccess { allowed_capabilities: vec!["CAP_NET_ADMIN".into()], ..scratch_only() };
    assert!(check(&adding(&["net_admin"]), &net_admin).is_ok());
    let error = check(&adding(&["NET_ADMIN", "SYS_ADMIN"]), &net_admin).unwrap_err();
    assert_eq!(error.field, "containerProperties.linuxParameters.capabilities.add[1]");
    assert!(error.message.contains("capability SYS_ADMIN is not allowed on compute environment ce"), "{error}");
}

#[test]
fn an_environment_cannot_open_the_whole_host_or_the_host_network() {
    let root = HostAccess { allowed_host_paths: vec!["/".into()], ..Default::default() };
    assert_eq!(root.validate().unwrap_err().field, "allowedHostPaths[0]");
    let dotted = HostAccess { allowed_host_paths: vec!["/srv/../".into()], ..Default::default() };
    assert_eq!(dotted.validate().unwrap_err().field, "allowedHostPaths[0]");
    let host_network = HostAccess { network_mode: Some("host".into()), ..Default::default() };
    assert_eq!(host_network.validate().unwrap_err().field, "networkMode");
    assert_eq!(HostAccess { network_mode: Some("batch-net".into()), ..Default::default() }.network(), "batch-net");
    assert_eq!(HostAccess::default().network(), "bridge");
}

fn component() -> impl Strategy<Value = String> {
    prop_oneof![Just("srv".to_string()), Just("batch".to_string()), Just("data".to_string()), Just("run".to_string()), "[a-z]{1,6}"]
}

proptest! {
    /// Whatever path is asked, a mount is accepted only if neither it nor a protected path holds
    /// the other, and it lies inside an allowed folder.
    #[test]
    fn a_mount_is_accepted_exactly_when_it_is_inside_an_allowed_folder_and_touches_nothing_protected(
        parts in prop::collection::vec(component(), 0..5),
        allowed in prop::collection::vec(prop::collection::vec(component(), 1..3), 0..3),
    ) {
        let asked = format!("/{}", parts.join("/"));
        let access = HostAccess { allowed_host_paths: allowed.iter().map(|p| format!("/{}", p.join("/"))).collect(), ..Default::default() };
        let accepted = check_container("c", &mounting(&asked), "ce", &access, &protected(), &|p| Some(p.to_string())).is_ok();
        let asked_path = Path::new(&asked);
        let touches_protected = protected().iter().any(|p| Path::new(&p.path).starts_with(asked_path) || asked_path.starts_with(&p.path));
        let inside_allowed = access.allowed_host_paths.iter().any(|a| asked_path.starts_with(a));
        prop_assert_eq!(accepted, !parts.is_empty() && !touches_protected && inside_allowed, "{}", asked);
    }
}
