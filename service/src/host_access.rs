//! Host access checked where it matters: at registration (what no environment may allow), at
//! SubmitJob (against every environment of the queue) and at launch (against the environment the
//! job was placed in, read fresh: its list may have shrunk since the job was submitted).

use crate::batch::{Batch, from_json};
use crate::compute_environments::host_access_of;
use crate::error::ServiceResult;
use crate::host_paths::{protected_paths, resolve};
use crate::store::compute_environments as environments;
use crate::store::entities::compute_environments as ce;
use domain::FieldError;
use domain::compute_environment::DockerHost;
use domain::container::ContainerProperties;
use domain::host_access::{HostPath, ProtectedPath, check_container, check_host_path};

impl Batch {
    /// The paths no job may mount, given the hosts a container may land on.
    fn protected_paths(&self, hosts: &[DockerHost]) -> Vec<ProtectedPath> {
        let mut known = vec![self.config.default_host.clone()];
        known.extend_from_slice(hosts);
        protected_paths(self.config.data_dir.as_deref(), &known)
    }

    /// Registration: the host paths a definition names break none of the rules that hold on
    /// every environment (the Docker socket, the data directory, `/`, through symlinks too).
    pub(crate) fn check_never_allowed(&self, field: &str, properties: &ContainerProperties) -> Result<(), FieldError> {
        let protected = self.protected_paths(&[]);
        for (i, volume) in properties.volumes.iter().enumerate() {
            if let Some(asked) = volume.host.as_ref().and_then(|h| h.source_path.as_deref()) {
                let path = HostPath { asked, resolved: resolve(asked) };
                check_host_path(&format!("{field}.volumes[{i}].host.sourcePath"), &path, &protected)?;
            }
        }
        for (i, device) in properties.linux_parameters.iter().flat_map(|l| l.devices.iter()).enumerate() {
            let path = HostPath { asked: &device.host_path, resolved: resolve(&device.host_path) };
            check_host_path(&format!("{field}.linuxParameters.devices[{i}].hostPath"), &path, &protected)?;
        }
        Ok(())
    }

    /// What `properties` asks of the host, against one environment as it is now.
    pub(crate) fn check_host_access(&self, field: &str, properties: &ContainerProperties, environment: &ce::Model) -> ServiceResult<()> {
        let hosts: Vec<DockerHost> = from_json("hosts", &environment.hosts)?;
        let access = host_access_of(environment)?;
        check_container(field, properties, &environment.name, &access, &self.protected_paths(&hosts), &resolve)?;
        Ok(())
    }

    /// SubmitJob: the job may land on any environment of its queue, so each must allow it.
    pub(crate) async fn check_host_access_on_queue(
        &self,
        field: &str,
        properties: &ContainerProperties,
        queue_id: i32,
    ) -> ServiceResult<()> {
        if !properties.asks_for_host_access() {
            return Ok(());
        }
        for environment in environments::of_queue(self.reader(), queue_id).await? {
            self.check_host_access(field, properties, &environment)?;
        }
        Ok(())
    }
}
