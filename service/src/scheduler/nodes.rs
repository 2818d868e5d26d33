//! Multi-node parallel jobs on Docker (ARCHITECTURE.md §16). The planner places the gang as one
//! unit (its row reserves the sum of its nodes), so all nodes start on one host or none does.
//! An attempt makes the job's own network, starts the main node, reads its address, then starts
//! the other nodes with it (`AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS`). The job's attempt
//! is the main node's: its container is the one recorded on the attempt (recovery follows it),
//! its exit decides the job, and when it ends the other nodes are stopped. Each node's start
//! and end are kept in `job_nodes` for its node job (`<id>#<n>`); its output goes into the
//! job's, each line after `[node N] ` (output lines belong to a job's row).

use super::Scheduler;
use super::attempt::{AttemptEnd, LaunchContext, NodeContainer, mark_running, record_container};
use super::follow::{Followed, follow_container};
use crate::batch::{Batch, now_ms};
use crate::docker::DockerEngine;
use crate::docker_attempts::ContainerSpec;
use crate::docker_networks::job_network;
use crate::store::entities::{job_definitions as jd, jobs};
use crate::store::job_nodes;
use domain::aws_fields::AwsFields;
use domain::container::ContainerProperties;
use domain::job_definition::node_properties_in;
use domain::multi_node::{Gang, node_environment, node_job_id, node_overrides_in};
use std::time::Duration;
use tokio::sync::watch;

/// The containers of one attempt of a multi-node job.
pub(super) struct GangSpecs {
    pub main: ContainerSpec,
    pub main_index: i64,
    pub others: Vec<(i64, ContainerSpec)>,
    pub network: String,
}

/// Every container a definition's node ranges name (none for a single-container definition).
pub(super) fn node_containers(definition: &jd::Model) -> Vec<ContainerProperties> {
    let Ok(Some(nodes)) = node_properties_in(&AwsFields::from_json(&definition.aws_fields)) else { return Vec::new() };
    nodes.node_range_properties.into_iter().filter_map(|range| range.container).collect()
}

impl LaunchContext {
    /// The containers of `job`'s attempt when its definition is a multi-node one; `None` for
    /// any other job. An error is the attempt's failure reason.
    pub(super) fn gang_specs(
        &self,
        batch: &Batch,
        job: &jobs::Model,
        instance: &str,
        installation: &str,
    ) -> Result<Option<GangSpecs>, String> {
        let definition = self.definitions.get(&job.job_definition_id).ok_or("job definition missing")?;
        if definition.kind != "multinode" {
            return Ok(None);
        }
        let environment = self.environment_of(job).ok_or("compute environment missing")?;
        let access = crate::compute_environments::host_access_of(environment).map_err(|e| e.to_string())?;
        if access.network() == "none" {
            return Err(format!(
                "CannotStartContainerError: compute environment {} gives its jobs no network, which the nodes of a multi-node parallel job need",
                environment.name
            ));
        }
        let nodes = node_properties_in(&AwsFields::from_json(&definition.aws_fields))
            .map_err(|e| e.to_string())?
            .ok_or("the job definition has no nodeProperties")?;
        let gang = Gang::new(nodes, node_overrides_in(&AwsFields::from_json(&job.aws_fields)).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        let network = job_network(&job.id, job.attempt_count);
        let main_index = gang.nodes.main_node;
        let (mut main, mut others) = (None, Vec::new());
        for index in 0..gang.num_nodes {
            let (properties, overrides) = gang.node(index).ok_or_else(|| format!("node {index} has no container"))?;
            let resources = overrides.apply_resources(properties.validate("nodeProperties").map_err(|e| e.to_string())?);
            let container = NodeContainer {
                job_id: node_job_id(&job.id, index),
                properties,
                overrides: &overrides,
                milli_vcpus: resources.milli_vcpus,
                memory_mib: resources.memory_mib,
                network: Some(network.clone()),
            };
            let mut spec = self.spec_of(batch, job, container, instance, installation)?;
            spec.environment.extend(node_environment(index, gang.num_nodes, main_index, None));
            if index == main_index {
                // The main node carries the job's own id in its labels and output: the attempt's.
                spec.job_id = job.id.clone();
                main = Some(spec);
            } else {
                others.push((index, spec));
            }
        }
        Ok(Some(GangSpecs { main: main.ok_or("the main node has no container")?, main_index, others, network }))
    }
}

impl Scheduler {
    pub(super) fn launch_gang(&self, gang: GangSpecs, endpoint: String, timeout: Option<Duration>) {
        let (stop_tx, stop_rx) = watch::channel(false);
        let (job_id, attempt) = (gang.main.job_id.clone(), gang.main.attempt);
        self.inner.running.lock().expect("running map").insert(job_id.clone(), stop_tx);
        let scheduler = self.clone();
        tokio::spawn(async move {
            match scheduler.engine(&endpoint).await {
                Ok(engine) => {
                    let network = gang.network.clone();
                    let (end, containers) = run_gang(scheduler.batch(), &engine, gang, timeout, stop_rx, scheduler.installation()).await;
                    scheduler.batch().finish_attempt_until_stored(&job_id, attempt, &end).await;
                    for container in containers {
                        engine.remove(&container).await;
                    }
                    engine.remove_network(&network).await;
                }
                Err(error) => {
                    let end = AttemptEnd { reason: Some(error.to_string()), status_reason: error.to_string(), ..Default::default() };
                    scheduler.batch().finish_attempt_until_stored(&job_id, attempt, &end).await;
                }
            }
            scheduler.inner.running.lock().expect("running map").remove(&job_id);
            scheduler.wake();
        });
    }
}

/// Starts the gang (main node first), follows it until the main node ends, stops the others,
/// and returns the attempt's end (the main node's) and every container made. Never fails: a
/// node that cannot start ends the attempt with the reason, and the nodes started are stopped.
async fn run_gang(
    batch: &Batch,
    engine: &DockerEngine,
    gang: GangSpecs,
    timeout: Option<Duration>,
    mut stop: watch::Receiver<bool>,
    installation: &str,
) -> (AttemptEnd, Vec<String>) {
    let failed = |message: String| AttemptEnd { reason: Some(message.clone()), status_reason: message, ..Default::default() };
    let (job_id, attempt) = (gang.main.job_id.clone(), gang.main.attempt);
    if let Err(message) = engine.create_job_network(&gang.network, &job_id, installation).await {
        return (failed(message), Vec::new());
    }
    let main = match engine.create_attempt(&gang.main).await {
        Ok(id) => id,
        Err(error) => return (failed(error.to_string()), Vec::new()),
    };
    record_container(batch, &job_id, attempt, &main).await;
    let mut containers = vec![main.clone()];
    if let Err(error) = engine.start(&main).await {
        return (failed(error.to_string()), containers);
    }
    let address = engine.address_on(&main, &gang.network).await;
    node_started(batch, &job_id, attempt, gang.main_index, &main, address.as_deref()).await;
    // A main node that has already exited has no address left, and the job is over: the
    // other nodes never start, and the main node's end is the job's.
    let other_nodes = match address {
        Some(_) => gang.others,
        None if engine.inspect_state(&main).await.is_ok_and(|state| !state.running) => Vec::new(),
        None => {
            engine.stop(&main, 0).await;
            return (failed("the main node has no address on the job's network".into()), containers);
        }
    };
    let address = address.unwrap_or_default();
    let mut others = Vec::with_capacity(other_nodes.len());
    for (index, mut spec) in other_nodes {
        spec.environment.push(("AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS".into(), address.clone()));
        let started = match engine.create_attempt(&spec).await {
            Ok(container) => {
                containers.push(container.clone());
                engine.start(&container).await.map(|()| container)
            }
            Err(error) => Err(error),
        };
        match started {
            Ok(container) => {
                let own = engine.address_on(&container, &gang.network).await;
                node_started(batch, &job_id, attempt, index as i32, &container, own.as_deref()).await;
                others.push((index, format!("[node {index}] "), container));
            }
            Err(error) => {
                for container in &containers {
                    engine.stop(container, 0).await;
                }
                return (failed(format!("node {index} could not start: {error}")), containers);
            }
        }
    }
    mark_running(batch, &job_id, attempt).await;

    // Every node is followed at once; the main node's end stops the others.
    let (stop_others, others_stop) = watch::channel(false);
    let main_index = gang.main_index;
    let main_followed = async {
        let followed = Followed { batch, engine, job_id: &job_id, attempt, container: &main, line_prefix: "" };
        let end = follow_container(followed, timeout, &mut stop).await;
        node_ended(batch, &job_id, attempt, main_index, &end).await;
        let _ = stop_others.send(true);
        end
    };
    let others_followed = futures_util::future::join_all(others.iter().map(|(index, prefix, container)| {
        let mut stop = others_stop.clone();
        let job_id = &job_id;
        async move {
            let followed = Followed { batch, engine, job_id, attempt, container, line_prefix: prefix };
            let end = follow_container(followed, None, &mut stop).await;
            node_ended(batch, job_id, attempt, *index, &end).await;
        }
    }));
    let (end, _) = tokio::join!(main_followed, others_followed);
    (end, containers)
}

async fn node_started(batch: &Batch, job_id: &str, attempt: i32, index: impl Into<i64>, container: &str, address: Option<&str>) {
    let index = index.into() as i32;
    if let Err(error) = job_nodes::started(batch.db(), job_id, attempt, index, container, address, now_ms()).await {
        tracing::warn!(%job_id, index, %error, "could not record a node's start");
    }
}

async fn node_ended(batch: &Batch, job_id: &str, attempt: i32, index: i64, end: &AttemptEnd) {
    let exit_code = end.exit_code.map(|c| c as i32);
    if let Err(error) = job_nodes::ended(batch.db(), job_id, attempt, index as i32, exit_code, end.reason.as_deref(), now_ms()).await {
        tracing::warn!(%job_id, index, %error, "could not record a node's end");
    }
}
