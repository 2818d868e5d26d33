//! The file-system side of host access: where a host path really leads (symlinks followed), and
//! which paths no job may ever mount (the Docker socket, the server's data directory). The rules
//! themselves are pure, in `domain::host_access`.

use domain::compute_environment::DockerHost;
use domain::host_access::ProtectedPath;
use std::path::{Path, PathBuf};

/// Where the Docker socket lives on Debian and most distributions.
const DOCKER_SOCKETS: [&str; 2] = ["/var/run/docker.sock", "/run/docker.sock"];

/// Where `path` leads: the longest part of it that exists, with symlinks followed, plus the rest.
/// `/scratch/link/new` with `link → /etc` leads to `/etc/new` although `new` does not exist yet.
pub fn resolve(path: &str) -> Option<String> {
    let asked = Path::new(path);
    let mut existing = asked;
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut led = real;
            led.extend(rest.iter().rev());
            return Some(led.display().to_string());
        }
        rest.push(existing.file_name()?);
        existing = existing.parent()?;
    }
}

/// The data directory and every Docker socket the server knows of, as given and as resolved.
pub fn protected_paths(data_dir: Option<&Path>, hosts: &[DockerHost]) -> Vec<ProtectedPath> {
    let sockets = DOCKER_SOCKETS
        .iter()
        .map(|s| s.to_string())
        .chain(hosts.iter().filter_map(|h| h.endpoint.strip_prefix("unix://").map(String::from)));
    let mut protected: Vec<ProtectedPath> = sockets.map(|path| ProtectedPath { path, what: "the Docker socket".into() }).collect();
    if let Some(dir) = data_dir {
        let absolute = std::path::absolute(dir).unwrap_or_else(|_| PathBuf::from(dir));
        protected.push(ProtectedPath { path: absolute.display().to_string(), what: "the server's data directory".into() });
    }
    let resolved: Vec<ProtectedPath> =
        protected.iter().filter_map(|p| Some(ProtectedPath { path: resolve(&p.path)?, what: p.what.clone() })).collect();
    protected.extend(resolved);
    protected.sort_by(|a, b| a.path.cmp(&b.path));
    protected.dedup_by(|a, b| a.path == b.path);
    protected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_leads_through_symlinks_even_where_it_does_not_exist_yet() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        std::os::unix::fs::symlink("/etc", real.join("link")).unwrap();
        assert_eq!(resolve(&format!("{}/link/new/file", real.display())).as_deref(), Some("/etc/new/file"));
        assert_eq!(resolve(&format!("{}/plain", real.display())), Some(format!("{}/plain", real.display())));
    }

    #[test]
    fn the_data_directory_and_sockets_are_protected() {
        let dir = tempfile::tempdir().unwrap();
        let hosts = [DockerHost { endpoint: "unix:///srv/engine.sock".into(), vcpus: 1, memory_mib: 64, ..Default::default() }];
        let protected = protected_paths(Some(dir.path()), &hosts);
        let paths: Vec<&str> = protected.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"/var/run/docker.sock") && paths.contains(&"/srv/engine.sock"), "{paths:?}");
        assert!(paths.contains(&dir.path().to_str().unwrap()), "{paths:?}");
    }
}
