//! Restart safety. When a replica becomes the leader it reconciles the store with the Docker
//! engines: containers of attempts still running are re-adopted (their output re-read from the
//! start, so the stored log is whole), attempts whose containers exited meanwhile are finished,
//! attempts whose containers vanished fail (and retry per the job's strategy), and containers
//! of no active attempt are removed. A job never has two live attempts: an attempt is only
//! launched after its compare-and-set claim, and older attempts' containers are orphans.

use super::Scheduler;
use super::attempt::{AttemptEnd, follow_container};
use crate::batch::{from_json, now_ms};
use crate::docker::DockerEngine;
use crate::docker_attempts::{ContainerSpec, ManagedContainer};
use crate::error::ServiceResult;
use crate::store::{attempt_logs, compute_environments as ce, jobs};
use domain::JobStatus;
use domain::compute_environment::DockerHost;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use tokio::sync::watch;

const VANISHED: &str = "Container vanished while the scheduler was not running";

impl Scheduler {
    pub(super) async fn recover(&self) -> ServiceResult<()> {
        let batch = self.batch().clone();
        let active = jobs::Entity::find()
            .filter(jobs::Column::Status.is_in([JobStatus::Starting.as_str(), JobStatus::Running.as_str()]))
            .all(batch.db())
            .await?;
        let mut found: HashMap<(String, i32), (DockerEngine, ManagedContainer)> = HashMap::new();
        let mut orphans: Vec<(DockerEngine, ManagedContainer)> = Vec::new();
        for endpoint in self.known_endpoints().await? {
            let engine = match self.engine(&endpoint).await {
                Ok(engine) => engine,
                Err(error) => {
                    tracing::warn!(%endpoint, %error, "cannot reach a host during recovery");
                    continue;
                }
            };
            for container in engine.managed_containers(self.installation()).await.unwrap_or_default() {
                match (&container.job_id, container.attempt) {
                    (Some(job), Some(attempt)) => {
                        found.insert((job.clone(), attempt), (engine.clone(), container));
                    }
                    _ => orphans.push((engine.clone(), container)),
                }
            }
        }
        for job in active {
            if self.inner.running.lock().expect("running map").contains_key(&job.id) {
                found.remove(&(job.id.clone(), job.attempt_count));
                continue;
            }
            match found.remove(&(job.id.clone(), job.attempt_count)) {
                Some((engine, container)) => self.adopt(job, engine, container.id),
                None => {
                    let end = AttemptEnd { reason: Some(VANISHED.into()), status_reason: VANISHED.into(), ..Default::default() };
                    batch.finish_attempt(&job.id, job.attempt_count, &end).await?;
                }
            }
        }
        orphans.extend(found.into_values());
        for (engine, container) in orphans {
            tracing::info!(container = %container.id, job = ?container.job_id, "removing an orphaned container");
            engine.remove(&container.id).await;
        }
        Ok(())
    }

    /// Watches a container this process did not start, to its end.
    fn adopt(&self, job: jobs::Model, engine: DockerEngine, container: String) {
        tracing::info!(job_id = %job.id, %container, "re-adopting a running container");
        let (stop_tx, mut stop_rx) = watch::channel(false);
        self.inner.running.lock().expect("running map").insert(job.id.clone(), stop_tx);
        let scheduler = self.clone();
        tokio::spawn(async move {
            let batch = scheduler.batch().clone();
            // The output is read again from the start: drop what the previous run stored.
            let _ = attempt_logs::Entity::delete_many()
                .filter(attempt_logs::Column::JobId.eq(&job.id))
                .filter(attempt_logs::Column::AttemptNumber.eq(job.attempt_count))
                .exec(batch.db())
                .await;
            let remaining = job.timeout_seconds.map(|limit| {
                let elapsed_ms = now_ms() - job.started_at.unwrap_or_else(now_ms);
                Duration::from_millis((i64::from(limit) * 1000 - elapsed_ms).max(0) as u64)
            });
            let spec = ContainerSpec {
                job_id: job.id.clone(),
                attempt: job.attempt_count,
                instance: String::new(),
                installation: String::new(),
                image: String::new(),
                command: vec![],
                environment: vec![],
                milli_vcpus: 0,
                memory_mib: 0,
                user: None,
                privileged: false,
                read_only_root: false,
                binds: vec![],
            };
            let end = follow_container(&batch, &engine, &spec, &container, remaining, &mut stop_rx).await;
            engine.remove(&container).await;
            if let Err(error) = batch.finish_attempt(&job.id, job.attempt_count, &end).await {
                tracing::error!(job_id = %job.id, %error, "could not record the end of an adopted attempt");
            }
            scheduler.inner.running.lock().expect("running map").remove(&job.id);
            scheduler.wake();
        });
    }

    /// Every Docker endpoint any compute environment names.
    async fn known_endpoints(&self) -> ServiceResult<BTreeSet<String>> {
        let mut endpoints = BTreeSet::new();
        for environment in ce::Entity::find().all(self.batch().db()).await? {
            let hosts: Vec<DockerHost> = from_json("hosts", &environment.hosts)?;
            endpoints.extend(hosts.into_iter().map(|h| h.endpoint).filter(|e| !e.starts_with("simulated:")));
        }
        Ok(endpoints)
    }
}
