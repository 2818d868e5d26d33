//! Reconciling the store with the Docker engines. The leader runs it when it takes the lead and
//! then every `RECONCILE_EVERY`, so nothing waits for a leadership change. It looks at the
//! STARTING and RUNNING jobs that no task of this process follows, and at every container of
//! this installation:
//!
//! | the job's current attempt                  | what happens                                     |
//! |--------------------------------------------|--------------------------------------------------|
//! | container created, never started (15 s)    | started now and followed (the claim stands)      |
//! | container running or exited                | followed; an exited one ends with its real code  |
//! | no container, none recorded (claim 15 s)   | the claim is released: RUNNABLE again, same try  |
//! | no container, one was recorded             | the end is unknown: said so, retry strategy runs |
//! | host unreachable                           | left alone for `ENGINE_GRACE`, then as above     |
//!
//! Containers of no such attempt (older attempts, finished jobs, other runs) are removed. An
//! attempt's end is stored before its container is removed, so a container that is gone means
//! its end is either stored or truly lost, never silently succeeded.

use super::Scheduler;
use super::attempt::{AttemptEnd, mark_running, record_container};
use super::follow::{ENGINE_GRACE, Followed, follow_container};
use crate::batch::{from_json, now_ms};
use crate::docker::DockerEngine;
use crate::docker_attempts::ManagedContainer;
use crate::error::ServiceResult;
use crate::store::entities::jobs;
use crate::store::transition::{Also, Guard, Transition, transition};
use crate::store::{attempts, catalog, jobs as job_rows};
use domain::JobStatus;
use domain::compute_environment::{DockerHost, ExecutorKind};
use domain::multi_node::parse_node_job_id;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often the leader reconciles while it leads.
pub(super) const RECONCILE_EVERY: Duration = Duration::from_secs(5);

/// How long a claim or a never-started container is left alone before recovery acts on it. A
/// process killed during a create or start request leaves the engine finishing that request;
/// acting before it lands could start a container twice (a start of an exited container runs
/// it again) or place a job whose container is about to appear.
const SETTLE_MS: i64 = 15_000;

const VANISHED: &str = "Container vanished before its exit was recorded; the outcome is unknown";

/// The engine's containers of this installation, by (job, attempt), and the endpoints that
/// could not be listed.
struct Listing {
    listed_at_ms: i64,
    attempts: HashMap<(String, i32), (DockerEngine, ManagedContainer)>,
    others: Vec<(DockerEngine, ManagedContainer)>,
    unreachable: HashSet<String>,
}

impl Scheduler {
    pub(super) async fn reconcile(&self) -> ServiceResult<()> {
        let batch = self.batch().clone();
        // Jobs followed before the read are skipped; a job not followed then cannot become so
        // before this ends (claims and adoptions happen on the scheduler's own task, which is
        // running this).
        let followed_before: HashSet<String> = self.inner.running.lock().expect("running map").keys().cloned().collect();
        let active: Vec<jobs::Model> =
            job_rows::in_flight(batch.db()).await?.into_iter().filter(|job| !followed_before.contains(&job.id)).collect();
        let attempts = attempts::current_of(batch.db(), &active).await?;
        let environments = catalog::environments_by_id(batch.db()).await?;
        let simulated = |job: &jobs::Model| {
            job.compute_environment_id.and_then(|id| environments.get(&id)).is_some_and(|e| e.executor == ExecutorKind::Simulated)
        };
        let mut listing = self.list_containers().await?;
        for job in active {
            // A simulated attempt lives only in the memory of the process that claimed it (a
            // claim takes it straight to RUNNING). If none follows it after the settle time, that
            // process died or its pass failed after the claim: nothing ran, so the claim is
            // released and the job placed again, as for a container that was never created.
            if simulated(&job) {
                if job.status_changed_at <= listing.listed_at_ms - SETTLE_MS {
                    tracing::info!(job_id = %job.id, attempt = job.attempt_count, "releasing a simulated attempt no process follows");
                    self.release_claim(&job, JobStatus::Running).await?;
                }
                continue;
            }
            let attempt = attempts.get(&job.id);
            let endpoint = attempt.and_then(|a| a.host.clone()).unwrap_or_default();
            match listing.attempts.remove(&(job.id.clone(), job.attempt_count)) {
                // Maybe a dead process's start request is still in flight: wait for it to settle.
                Some((_, container)) if container.never_started && container.created_s * 1000 > listing.listed_at_ms - SETTLE_MS => {}
                Some((engine, container)) if container.never_started => self.start_and_adopt(job, engine, container.id).await,
                Some((engine, container)) => self.adopt(job, engine, container.id),
                None if listing.unreachable.contains(&endpoint) => {
                    let since = self.unreachable_since(&endpoint);
                    if since.elapsed() >= ENGINE_GRACE {
                        let reason = format!("Host unreachable for {} s", since.elapsed().as_secs());
                        tracing::warn!(job_id = %job.id, %endpoint, "{reason}: ending the attempt");
                        let end = AttemptEnd { reason: Some(reason.clone()), status_reason: reason, ..Default::default() };
                        batch.finish_attempt(&job.id, job.attempt_count, &end).await?;
                    }
                }
                // A create request of a dead process may still be in flight: let it land first.
                None if job_settling(&job, listing.listed_at_ms) => {}
                None if job.status == JobStatus::Starting && attempt.is_none_or(|a| a.container_id.is_none()) => {
                    tracing::info!(job_id = %job.id, attempt = job.attempt_count, "releasing a claim whose container was never created");
                    self.release_claim(&job, JobStatus::Starting).await?;
                }
                None => {
                    tracing::warn!(job_id = %job.id, attempt = job.attempt_count, "{VANISHED}");
                    let end = AttemptEnd { reason: Some(VANISHED.into()), status_reason: VANISHED.into(), ..Default::default() };
                    batch.finish_attempt(&job.id, job.attempt_count, &end).await?;
                }
            }
        }
        // Whatever is left belongs to no attempt in flight, unless this process follows it.
        let followed_now: HashSet<String> = self.inner.running.lock().expect("running map").keys().cloned().collect();
        // A node of a multi-node job (`<id>#<n>`) belongs to its job's attempt.
        let followed = |job: &str| {
            let owner = parse_node_job_id(job).map_or(job, |(id, _)| id);
            followed_before.contains(owner) || followed_now.contains(owner)
        };
        let orphans = listing
            .attempts
            .into_values()
            .chain(listing.others)
            .filter(|(_, container)| container.job_id.as_deref().is_none_or(|job| !followed(job)));
        for (engine, container) in orphans {
            tracing::info!(container = %container.id, job_id = ?container.job_id, attempt = ?container.attempt, "removing an orphaned container");
            engine.remove(&container.id).await;
        }
        self.remove_orphaned_networks(&listing.unreachable, &followed).await?;
        Ok(())
    }

    /// Networks of multi-node attempts that no task follows any more (a crash between the end
    /// of an attempt and the removal of its network).
    async fn remove_orphaned_networks(&self, unreachable: &HashSet<String>, followed: &impl Fn(&str) -> bool) -> ServiceResult<()> {
        for endpoint in self.known_endpoints().await? {
            if unreachable.contains(&endpoint) {
                continue;
            }
            let Ok(engine) = self.engine(&endpoint).await else { continue };
            for (network, job) in engine.job_networks(self.installation()).await {
                if !followed(&job) {
                    tracing::info!(%network, %job, "removing an orphaned job network");
                    engine.remove_network(&network).await;
                }
            }
        }
        Ok(())
    }

    async fn list_containers(&self) -> ServiceResult<Listing> {
        let mut listing = Listing { listed_at_ms: now_ms(), attempts: HashMap::new(), others: Vec::new(), unreachable: HashSet::new() };
        for endpoint in self.known_endpoints().await? {
            let listed = match self.engine(&endpoint).await {
                Ok(engine) => engine.managed_containers(self.installation()).await.map(|containers| (engine, containers)),
                Err(error) => Err(error),
            };
            match listed {
                Ok((engine, containers)) => {
                    self.inner.unreachable.lock().expect("unreachable hosts").remove(&endpoint);
                    for container in containers {
                        match (&container.job_id, container.attempt) {
                            (Some(job), Some(attempt)) => {
                                listing.attempts.insert((job.clone(), attempt), (engine.clone(), container));
                            }
                            _ => listing.others.push((engine.clone(), container)),
                        }
                    }
                }
                Err(error) => {
                    self.unreachable_since(&endpoint);
                    tracing::warn!(%endpoint, %error, "cannot list the containers of a host; its jobs wait for it");
                    listing.unreachable.insert(endpoint);
                }
            }
        }
        Ok(listing)
    }

    /// Since when `endpoint` has not answered (now, if it just stopped answering).
    fn unreachable_since(&self, endpoint: &str) -> Instant {
        *self.inner.unreachable.lock().expect("unreachable hosts").entry(endpoint.to_string()).or_insert_with(Instant::now)
    }

    /// A claim whose container was never created, or a simulated attempt no process runs: the
    /// job goes back to RUNNABLE with its attempt count as before the claim, as if it had never
    /// been placed. Only from the state recovery saw (`from`): a container claim that reached
    /// RUNNING meanwhile (a slow create of a process that lost the lead) keeps it. (A process
    /// cut off from the store for longer than the settle time while it runs a simulated
    /// attempt could still end the re-claimed attempt of the same number; simulated attempts
    /// run no code, so only which simulated end is recorded can differ.)
    async fn release_claim(&self, job: &jobs::Model, from: JobStatus) -> ServiceResult<()> {
        let db = self.batch().db();
        attempts::withdraw(db, &job.id, job.attempt_count).await?;
        let release = Transition::new(std::slice::from_ref(&from), JobStatus::Runnable, now_ms())
            .also(vec![Also::PlacementReleased, Also::AttemptWithdrawn])
            .only_if(Guard::OnAttempt(job.attempt_count));
        transition(db, std::slice::from_ref(&job.id), &release).await?;
        Ok(())
    }

    /// A container created for the current attempt but never started (the process died in
    /// between): start it now, as the claim intended, and follow it.
    async fn start_and_adopt(&self, job: jobs::Model, engine: DockerEngine, container: String) {
        // Checked again just before the start: only a container that never ran is started.
        if !engine.inspect_state(&container).await.is_ok_and(|state| state.never_started) {
            return self.adopt(job, engine, container);
        }
        tracing::info!(job_id = %job.id, %container, "starting a container that was created but never started");
        record_container(self.batch(), &job.id, job.attempt_count, &container).await;
        if let Err(error) = engine.start(&container).await {
            let end = AttemptEnd { reason: Some(error.to_string()), status_reason: error.to_string(), ..Default::default() };
            self.batch().finish_attempt_until_stored(&job.id, job.attempt_count, &end).await;
            engine.remove(&container).await;
            return;
        }
        mark_running(self.batch(), &job.id, job.attempt_count).await;
        self.adopt(job, engine, container);
    }

    /// Follows a container this process did not start, to its end.
    fn adopt(&self, job: jobs::Model, engine: DockerEngine, container: String) {
        tracing::info!(job_id = %job.id, %container, "adopting a container");
        let (stop_tx, mut stop_rx) = watch::channel(false);
        self.inner.running.lock().expect("running map").insert(job.id.clone(), stop_tx);
        let scheduler = self.clone();
        tokio::spawn(async move {
            let batch = scheduler.batch().clone();
            // The output is read again from the start: drop what the previous run stored.
            let _ = attempts::forget_output(batch.db(), &job.id, job.attempt_count).await;
            let remaining = job.timeout_seconds.map(|limit| {
                let elapsed_ms = now_ms() - job.started_at.unwrap_or_else(now_ms);
                Duration::from_millis(Ord::max(i64::from(limit) * 1000 - elapsed_ms, 0) as u64)
            });
            let followed = Followed {
                batch: &batch,
                engine: &engine,
                job_id: &job.id,
                attempt: job.attempt_count,
                container: &container,
                line_prefix: "",
            };
            let end = follow_container(followed, remaining, &mut stop_rx).await;
            tracing::info!(job_id = %job.id, exit_code = ?end.exit_code, reason = %end.status_reason, "an adopted attempt ended");
            batch.finish_attempt_until_stored(&job.id, job.attempt_count, &end).await;
            engine.remove(&container).await;
            scheduler.inner.running.lock().expect("running map").remove(&job.id);
            scheduler.wake();
        });
    }

    /// Every Docker endpoint any compute environment names.
    async fn known_endpoints(&self) -> ServiceResult<BTreeSet<String>> {
        let mut endpoints = BTreeSet::new();
        for environment in catalog::environments_by_id(self.batch().db()).await?.into_values() {
            let hosts: Vec<DockerHost> = from_json("hosts", &environment.hosts)?;
            endpoints.extend(hosts.into_iter().map(|h| h.endpoint).filter(|e| !e.starts_with("simulated:")));
        }
        Ok(endpoints)
    }
}

/// Whether the job was claimed (entered STARTING) too recently for recovery to judge it.
fn job_settling(job: &jobs::Model, now_ms: i64) -> bool {
    job.status == JobStatus::Starting && job.status_changed_at > now_ms - SETTLE_MS
}
