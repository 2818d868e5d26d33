//! One attempt of a job: claim it (RUNNABLE → STARTING), create and start its container
//! (→ RUNNING), stream its output into the store, wait for it under the job's timeout, record
//! how it ended, and decide: SUCCEEDED, RUNNABLE again (retry), or FAILED.

use super::Scheduler;
use super::follow::{Backoff, EXITED_REASON, Followed, follow_container};
use crate::batch::{Batch, from_json, now_ms};
use crate::docker::DockerEngine;
use crate::docker_attempts::ContainerSpec;
use crate::error::ServiceResult;
use crate::store::entities::{compute_environments as ce, job_attempts, job_definitions as jd, job_queues as jq, jobs};
use crate::store::transition::{Also, Guard, Transition, transition, transition_returning_rows};
use crate::store::{attempts, catalog};
use domain::JobStatus;
use domain::compute_environment::{DockerHost, ExecutorKind};
use domain::container::{ContainerOverrides, ContainerProperties};
use domain::container_spec::{Attempt, container_spec};
use domain::job_logs;
use domain::parameters::merge;
use domain::retry::AttemptExit;
use domain::scheduler::{Plan, claim_path};
use domain::secret::SecretReference;
use sea_orm::Set;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use tokio::sync::watch;

/// How an attempt ended, from the executor's point of view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AttemptEnd {
    pub exit_code: Option<i64>,
    /// AWS `container.reason`, e.g. `OutOfMemoryError: ...` or `CannotPullContainerError: ...`.
    pub reason: Option<String>,
    /// AWS `statusReason` of the attempt.
    pub status_reason: String,
    /// Timeouts are never retried.
    pub timed_out: bool,
}

impl AttemptEnd {
    /// The end as the retry rules see it.
    pub(crate) fn exit(&self) -> AttemptExit<'_> {
        AttemptExit { exit_code: self.exit_code, reason: self.reason.as_deref(), status_reason: Some(self.status_reason.as_str()) }
    }
}

impl Scheduler {
    /// Claims placed jobs with compare-and-set writes (one statement per host) and launches
    /// their attempts. Jobs another writer moved first (cancelled, terminated) are skipped.
    pub(super) async fn start_attempts(&self, plan: &Plan, now: i64) -> ServiceResult<usize> {
        let batch = &self.inner.batch;
        if plan.placements.is_empty() {
            return Ok(0);
        }
        // Read once: the claim needs each environment's executor, the launch the rest.
        let environments = catalog::environments_by_id(batch.reader()).await?;
        let claimed = self.claim_placed(plan, &environments, now).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let context = LaunchContext::load(batch, claimed, environments).await?;
        let opened = context.jobs.iter().map(|job| {
            let environment = context.environment_of(job);
            job_attempts::ActiveModel {
                job_id: Set(job.id.clone()),
                attempt_number: Set(job.attempt_count),
                compute_environment: Set(environment.map(|e| e.name.clone())),
                host: Set(context.endpoint_of(job)),
                log_stream_name: Set(context
                    .definitions
                    .get(&job.job_definition_id)
                    .map(|definition| job_logs::stream_name(&definition.name, &job.id, job.attempt_count))),
                // Claimed straight to RUNNING (simulated): the attempt started with the claim.
                started_at: Set(job.started_at.filter(|_| job.status == JobStatus::Running)),
                ..Default::default()
            }
        });
        attempts::open(batch.db(), opened.collect()).await?;

        let mut failed = Vec::new();
        let mut simulated = Vec::new();
        for job in &context.jobs {
            let timeout = job.timeout_seconds.map(|s| Duration::from_secs(s as u64));
            let simulated_here = context.environment_of(job).is_some_and(|e| e.executor == ExecutorKind::Simulated);
            match context.gang_specs(batch, job, &self.inner.instance, self.installation()) {
                Err(message) => {
                    let end = AttemptEnd { reason: Some(message.clone()), status_reason: message, ..Default::default() };
                    failed.push((job.id.clone(), job.attempt_count, end));
                    continue;
                }
                // A simulated gang runs as its main node: nothing runs, so one end stands for all.
                Ok(Some(gang)) if simulated_here => {
                    simulated.push(gang.main);
                    continue;
                }
                Ok(Some(gang)) => {
                    self.launch_gang(gang, context.endpoint_of(job).unwrap_or_default(), timeout);
                    continue;
                }
                Ok(None) => {}
            }
            match context.container_spec(batch, job, &self.inner.instance, self.installation()) {
                Err(message) => failed.push((
                    job.id.clone(),
                    job.attempt_count,
                    AttemptEnd { reason: Some(message.clone()), status_reason: message, ..Default::default() },
                )),
                Ok(spec) if simulated_here => simulated.push(spec),
                Ok(spec) => self.launch_container(spec, context.endpoint_of(job).unwrap_or_default(), timeout),
            }
        }
        if !failed.is_empty() {
            batch.finish_attempts(&failed).await?;
        }
        if !simulated.is_empty() {
            self.launch_simulated(simulated).await?;
        }
        Ok(context.jobs.len())
    }

    /// The claim: placed jobs move to STARTING (to RUNNING on a simulated environment, whose
    /// attempts start at once), passing through RUNNABLE when they became ready in this pass.
    /// Returns the rows that moved, as they are after the claim.
    async fn claim_placed(&self, plan: &Plan, environments: &HashMap<i32, ce::Model>, now: i64) -> ServiceResult<Vec<jobs::Model>> {
        let db = self.inner.batch.db();
        let ready_now: HashSet<&str> = plan.ready_and_placed.iter().map(String::as_str).collect();
        // One claim per host and origin (RUNNABLE already, or becoming RUNNABLE in this pass).
        let mut per_host: BTreeMap<(i32, usize, bool), Vec<String>> = BTreeMap::new();
        for p in &plan.placements {
            let waiting = ready_now.contains(p.job_id.as_str());
            per_host.entry((p.environment_id, p.host_index, waiting)).or_default().push(p.job_id.clone());
        }
        let mut claimed = Vec::new();
        for ((environment_id, host_index, waiting), ids) in per_host {
            let mut also = vec![Also::PlacedOn { environment_id, host_index: host_index as i32 }, Also::NextAttempt];
            // A simulated attempt has no container to create: it starts with its claim.
            let starts_at_once = environments.get(&environment_id).is_some_and(|e| e.executor == ExecutorKind::Simulated);
            if starts_at_once {
                also.push(Also::StartedAt(now));
            }
            let path = claim_path(waiting, starts_at_once);
            let claim = Transition::new(path.from, path.to, now).via(path.via).also(also);
            claimed.extend(transition_returning_rows(db, &ids, &claim).await?);
        }
        Ok(claimed)
    }

    fn launch_container(&self, spec: ContainerSpec, endpoint: String, timeout: Option<Duration>) {
        let (stop_tx, stop_rx) = watch::channel(false);
        self.inner.running.lock().expect("running map").insert(spec.job_id.clone(), stop_tx);
        let scheduler = self.clone();
        tokio::spawn(async move {
            let (job_id, attempt) = (spec.job_id.clone(), spec.attempt);
            match scheduler.engine(&endpoint).await {
                Ok(engine) => {
                    let (end, container) = run_container(scheduler.batch(), &engine, spec, timeout, stop_rx).await;
                    scheduler.batch().finish_attempt_until_stored(&job_id, attempt, &end).await;
                    if let Some(container) = container {
                        engine.remove(&container).await;
                    }
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

    /// Simulated attempts (already RUNNING since their claim) end together per (duration, exit
    /// code).
    async fn launch_simulated(&self, specs: Vec<ContainerSpec>) -> ServiceResult<()> {
        let mut groups: HashMap<(u64, i64), Vec<(String, i32, watch::Receiver<bool>)>> = HashMap::new();
        for spec in specs {
            let variable = |name: &str| spec.environment.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.parse::<i64>().ok());
            let duration_ms = Ord::max(variable("SIMULATED_DURATION_MS").unwrap_or(0), 0) as u64;
            let exit_code = variable("SIMULATED_EXIT_CODE").unwrap_or(0);
            let (stop_tx, stop_rx) = watch::channel(false);
            self.inner.running.lock().expect("running map").insert(spec.job_id.clone(), stop_tx);
            groups.entry((duration_ms, exit_code)).or_default().push((spec.job_id, spec.attempt, stop_rx));
        }
        for ((duration_ms, exit_code), attempts) in groups {
            let scheduler = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(duration_ms)).await;
                // A terminated simulated attempt ends as a stopped container would (SIGTERM).
                let ends: Vec<(String, i32, AttemptEnd)> = attempts
                    .into_iter()
                    .map(|(job_id, attempt, stop)| {
                        let code = if *stop.borrow() { 143 } else { exit_code };
                        let end = AttemptEnd { exit_code: Some(code), reason: None, status_reason: EXITED_REASON.into(), timed_out: false };
                        (job_id, attempt, end)
                    })
                    .collect();
                let clock = std::time::Instant::now();
                let mut backoff = Backoff::new();
                while let Err(error) = scheduler.batch().finish_attempts(&ends).await {
                    tracing::warn!(%error, "could not store the end of simulated attempts yet; retrying");
                    backoff.pause().await;
                }
                scheduler.inner.timings.add(clock, |t| &mut t.finish);
                let mut running = scheduler.inner.running.lock().expect("running map");
                for (job_id, _, _) in &ends {
                    running.remove(job_id);
                }
                drop(running);
                scheduler.wake();
            });
        }
        Ok(())
    }
}

/// What launching a set of claimed jobs needs: their rows (returned by the claim) and the
/// definitions and queues they name (two set queries).
pub(super) struct LaunchContext {
    jobs: Vec<jobs::Model>,
    environments: HashMap<i32, ce::Model>,
    pub(super) definitions: HashMap<i32, jd::Model>,
    queues: HashMap<i32, jq::Model>,
    /// The named secrets the pass's definitions reference.
    secrets: Vec<crate::store::entities::secrets::Model>,
}

impl LaunchContext {
    async fn load(batch: &Batch, loaded: Vec<jobs::Model>, environments: HashMap<i32, ce::Model>) -> Result<Self, sea_orm::DbErr> {
        let mut definition_ids: Vec<i32> = loaded.iter().map(|j| j.job_definition_id).collect();
        definition_ids.sort_unstable();
        definition_ids.dedup();
        let definitions = catalog::definitions_by_id(batch.reader(), definition_ids).await?;
        // The secrets the pass's definitions name, in one query (none when they name none).
        let references: Vec<SecretReference> = definitions
            .values()
            .flat_map(|d| {
                let nodes = super::nodes::node_containers(d);
                from_json::<ContainerProperties>("container_properties", &d.container_properties).ok().into_iter().chain(nodes)
            })
            .flat_map(|properties| properties.secrets)
            .collect();
        let secrets = batch.secrets_named(&references).await?;
        Ok(LaunchContext { environments, definitions, secrets, queues: catalog::queues_by_id(batch.reader()).await?, jobs: loaded })
    }

    pub(super) fn environment_of(&self, job: &jobs::Model) -> Option<&ce::Model> {
        job.compute_environment_id.and_then(|id| self.environments.get(&id))
    }

    fn endpoint_of(&self, job: &jobs::Model) -> Option<String> {
        let environment = self.environment_of(job)?;
        let hosts: Vec<DockerHost> = from_json("hosts", &environment.hosts).ok()?;
        hosts.get(job.host_index? as usize).map(|h| h.endpoint.clone())
    }

    /// Everything the container needs (`domain::container_spec`), once the shell has checked the
    /// environment still allows it and opened its secrets. An error is the attempt's failure
    /// reason.
    fn container_spec(&self, batch: &Batch, job: &jobs::Model, instance: &str, installation: &str) -> Result<ContainerSpec, String> {
        let store_error = |e: sea_orm::DbErr| e.to_string();
        let definition = self.definitions.get(&job.job_definition_id).ok_or("job definition missing")?;
        let properties: ContainerProperties = from_json("container_properties", &definition.container_properties).map_err(store_error)?;
        let overrides: ContainerOverrides = from_json("container_overrides", &job.container_overrides).map_err(store_error)?;
        let container = NodeContainer {
            job_id: job.id.clone(),
            properties: &properties,
            overrides: &overrides,
            milli_vcpus: job.milli_vcpus.into(),
            memory_mib: job.memory_mib.into(),
            network: None,
        };
        self.spec_of(batch, job, container, instance, installation)
    }

    /// The spec of one container of `job` (its only one, or one node of a multi-node job).
    pub(super) fn spec_of(
        &self,
        batch: &Batch,
        job: &jobs::Model,
        container: NodeContainer<'_>,
        instance: &str,
        installation: &str,
    ) -> Result<ContainerSpec, String> {
        let store_error = |e: sea_orm::DbErr| e.to_string();
        let environment = self.environment_of(job).ok_or("compute environment missing")?;
        let definition = self.definitions.get(&job.job_definition_id).ok_or("job definition missing")?;
        let queue = self.queues.get(&job.job_queue_id).ok_or("job queue missing")?;
        let parameters = merge(
            &from_json("parameters", &definition.parameters).map_err(store_error)?,
            &from_json("parameters", &job.parameters).map_err(store_error)?,
        );
        let properties = container.properties;
        // Never trust the row checked at submit: the environment may allow less now.
        if properties.asks_for_host_access() {
            batch.check_host_access("containerProperties", properties, environment).map_err(|e| format!("HostAccessDenied: {e}"))?;
        }
        let network_mode = match container.network {
            Some(network) => network,
            None => crate::compute_environments::host_access_of(environment).map_err(store_error)?.network().to_string(),
        };
        let secrets = batch
            .open_from("containerProperties", &properties.secrets, &self.secrets)
            .map_err(|e| format!("ResourceInitializationError: unable to pull secrets: {e}"))?;
        let attempt = Attempt {
            job_id: container.job_id,
            attempt: job.attempt_count,
            array_index: job.array_index,
            array_size: job.array_size,
            queue: queue.name.clone(),
            environment: environment.name.clone(),
            instance: instance.to_string(),
            installation: installation.to_string(),
            milli_vcpus: container.milli_vcpus,
            memory_mib: container.memory_mib,
            network_mode,
            secrets,
        };
        let mut spec = container_spec(attempt, properties, container.overrides, &parameters);
        let credentials = batch.job_credentials_environment(job, properties);
        if !credentials.is_empty() {
            spec.environment.extend(credentials);
            spec.extra_hosts.push(format!("{}:host-gateway", crate::batch::JOB_ENDPOINT_HOST));
        }
        Ok(spec)
    }
}

/// One container of a job as the launch sees it: the job's only one, or a node's.
pub(super) struct NodeContainer<'a> {
    /// As the container sees it (`AWS_BATCH_JOB_ID`): the job's id, or a node's (`<id>#<n>`).
    pub job_id: String,
    pub properties: &'a ContainerProperties,
    pub overrides: &'a ContainerOverrides,
    pub milli_vcpus: i64,
    pub memory_mib: i64,
    /// A network of its own (a multi-node job's) instead of the environment's.
    pub network: Option<String>,
}

/// Creates, starts and follows one container; never fails: every failure is an `AttemptEnd`.
/// Returns the container too (when one was made): it is removed only once the end is stored, so
/// a crash in between leaves recovery the container to read the end from.
pub(super) async fn run_container(
    batch: &Batch,
    engine: &DockerEngine,
    spec: ContainerSpec,
    timeout: Option<Duration>,
    mut stop: watch::Receiver<bool>,
) -> (AttemptEnd, Option<String>) {
    let failed = |error: &dyn std::fmt::Display| AttemptEnd {
        reason: Some(error.to_string()),
        status_reason: error.to_string(),
        ..Default::default()
    };
    let container = match engine.create_attempt(&spec).await {
        Ok(id) => id,
        Err(error) => return (failed(&error), None),
    };
    record_container(batch, &spec.job_id, spec.attempt, &container).await;
    if let Err(error) = engine.start(&container).await {
        return (failed(&error), Some(container));
    }
    mark_running(batch, &spec.job_id, spec.attempt).await;
    let followed = Followed { batch, engine, job_id: &spec.job_id, attempt: spec.attempt, container: &container, line_prefix: "" };
    (follow_container(followed, timeout, &mut stop).await, Some(container))
}

/// STARTING → RUNNING once the container started (only for this attempt).
pub(super) async fn mark_running(batch: &Batch, job_id: &str, attempt: i32) {
    let now = now_ms();
    let running = Transition::new(&[JobStatus::Starting], JobStatus::Running, now)
        .also(vec![Also::StartedAt(now)])
        .only_if(Guard::OnAttempt(attempt));
    if let Err(error) = transition(batch.db(), &[job_id.to_string()], &running).await {
        tracing::error!(%job_id, %error, "could not record RUNNING");
    }
}

pub(super) async fn record_container(batch: &Batch, job_id: &str, attempt: i32, container: &str) {
    if let Err(error) = attempts::record_container(batch.db(), job_id, attempt, container, now_ms()).await {
        tracing::error!(%job_id, %error, "could not record the container id");
    }
}
