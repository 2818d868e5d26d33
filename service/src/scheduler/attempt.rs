//! One attempt of a job: claim it (RUNNABLE → STARTING), create and start its container
//! (→ RUNNING), stream its output into the store, wait for it under the job's timeout, record
//! how it ended, and decide: SUCCEEDED, RUNNABLE again (retry), or FAILED.

use super::transition::{Transition, transition};
use super::{STOP_GRACE_SECONDS, Scheduler, release_placement};
use crate::batch::{Batch, from_json, now_ms};
use crate::docker::DockerEngine;
use crate::docker_attempts::{ContainerSpec, OutputChunk};
use crate::error::ServiceResult;
use crate::jobs::insert_chunked;
use crate::store::{attempt_logs, compute_environments as ce, job_attempts, job_definitions as jd, job_queues as jq, jobs};
use domain::JobStatus;
use domain::compute_environment::{DockerHost, ExecutorKind};
use domain::container::{ContainerOverrides, ContainerProperties};
use domain::parameters::{merge, substitute};
use domain::retry::{AttemptExit, EvaluateOnExit, RetryStrategy};
use domain::scheduler::Placement;
use futures_util::StreamExt;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use std::time::Duration;
use tokio::sync::watch;

/// How an attempt ended, from the executor's point of view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptEnd {
    pub exit_code: Option<i64>,
    /// AWS `container.reason`, e.g. `OutOfMemoryError: ...` or `CannotPullContainerError: ...`.
    pub reason: Option<String>,
    /// AWS `statusReason` of the attempt.
    pub status_reason: String,
    /// Timeouts are never retried.
    pub timed_out: bool,
}

const TIMEOUT_REASON: &str = "Job attempt duration exceeded timeout";
const LOG_FLUSH: Duration = Duration::from_millis(200);
const LOG_BATCH: usize = 500;

impl Scheduler {
    /// Claims a placed job with a compare-and-set and launches its attempt. False when another
    /// writer moved the job first (cancelled, terminated).
    pub(super) async fn start_attempt(&self, placement: &Placement, now: i64) -> ServiceResult<bool> {
        let batch = &self.inner.batch;
        let claim = Transition {
            from: &[JobStatus::Runnable],
            to: JobStatus::Starting,
            reason: None,
            now,
            also: vec![
                (jobs::Column::ComputeEnvironmentId, Expr::value(placement.environment_id)),
                (jobs::Column::HostIndex, Expr::value(placement.host_index as i32)),
                (jobs::Column::AttemptCount, Expr::col(jobs::Column::AttemptCount).add(1)),
            ],
        };
        if transition(batch.db(), std::slice::from_ref(&placement.job_id), &claim).await?.is_empty() {
            return Ok(false);
        }
        let job = jobs::Entity::find_by_id(&placement.job_id).one(batch.db()).await?.ok_or_else(|| {
            sea_orm::DbErr::RecordNotFound(placement.job_id.clone())
        })?;
        let environment = ce::Entity::find_by_id(placement.environment_id)
            .one(batch.db())
            .await?
            .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("compute environment {}", placement.environment_id)))?;
        let hosts: Vec<DockerHost> = from_json("hosts", &environment.hosts)?;
        let endpoint = hosts.get(placement.host_index).map(|h| h.endpoint.clone()).unwrap_or_default();
        job_attempts::ActiveModel {
            job_id: Set(job.id.clone()),
            attempt_number: Set(job.attempt_count),
            compute_environment: Set(Some(environment.name.clone())),
            host: Set(Some(endpoint.clone())),
            log_stream_name: Set(Some(format!("{}/{}/{}", job.name, job.id, job.attempt_count))),
            ..Default::default()
        }
        .insert(batch.db())
        .await?;

        let spec = batch.container_spec(&job, &environment, &self.inner.instance, self.installation()).await;
        let simulated = environment.executor == ExecutorKind::Simulated.as_str();
        let (stop_tx, stop_rx) = watch::channel(false);
        self.inner.running.lock().expect("running map").insert(job.id.clone(), stop_tx);
        let scheduler = self.clone();
        let timeout = job.timeout_seconds.map(|s| Duration::from_secs(s as u64));
        tokio::spawn(async move {
            let job_id = job.id.clone();
            let attempt = job.attempt_count;
            let end = match spec {
                Ok(spec) if simulated => simulate(scheduler.batch(), &spec, stop_rx).await,
                Ok(spec) => match scheduler.engine(&endpoint).await {
                    Ok(engine) => run_container(scheduler.batch(), &engine, spec, timeout, stop_rx).await,
                    Err(error) => AttemptEnd { reason: Some(error.to_string()), status_reason: error.to_string(), ..Default::default() },
                },
                Err(message) => AttemptEnd { reason: Some(message.clone()), status_reason: message, ..Default::default() },
            };
            if let Err(error) = scheduler.batch().finish_attempt(&job_id, attempt, &end).await {
                tracing::error!(%job_id, %error, "could not record the end of an attempt");
            }
            scheduler.inner.running.lock().expect("running map").remove(&job_id);
            scheduler.wake();
        });
        Ok(true)
    }
}

/// The simulated executor: the attempt "runs" for `SIMULATED_DURATION_MS` (default 0) and
/// exits with `SIMULATED_EXIT_CODE` (default 0), both read from the job's environment, through
/// the same claim, transitions and retry decisions as a container.
async fn simulate(batch: &Batch, spec: &ContainerSpec, mut stop: watch::Receiver<bool>) -> AttemptEnd {
    let variable = |name: &str| spec.environment.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.parse::<i64>().ok());
    let duration = Duration::from_millis(Ord::max(variable("SIMULATED_DURATION_MS").unwrap_or(0), 0) as u64);
    let exit_code = variable("SIMULATED_EXIT_CODE").unwrap_or(0);
    let now = now_ms();
    let running = Transition { from: &[JobStatus::Starting], to: JobStatus::Running, reason: None, now, also: vec![(jobs::Column::StartedAt, Expr::value(now))] };
    if let Err(error) = transition(batch.db(), std::slice::from_ref(&spec.job_id), &running).await {
        return AttemptEnd { reason: Some(error.to_string()), status_reason: error.to_string(), ..Default::default() };
    }
    let stopped = tokio::select! {
        () = tokio::time::sleep(duration) => false,
        _ = stop.changed() => true,
    };
    AttemptEnd {
        exit_code: Some(if stopped { 143 } else { exit_code }),
        reason: None,
        status_reason: "Essential container in task exited".into(),
        timed_out: false,
    }
}

/// Creates, starts and follows one container; never fails: every failure is an `AttemptEnd`.
pub(super) async fn run_container(
    batch: &Batch,
    engine: &DockerEngine,
    spec: ContainerSpec,
    timeout: Option<Duration>,
    mut stop: watch::Receiver<bool>,
) -> AttemptEnd {
    let failed = |error: &dyn std::fmt::Display| AttemptEnd {
        reason: Some(error.to_string()),
        status_reason: error.to_string(),
        ..Default::default()
    };
    let container = match engine.create_attempt(&spec).await {
        Ok(id) => id,
        Err(error) => return failed(&error),
    };
    record_container(batch, &spec, &container).await;
    if let Err(error) = engine.start(&container).await {
        engine.remove(&container).await;
        return failed(&error);
    }
    let running = Transition { from: &[JobStatus::Starting], to: JobStatus::Running, reason: None, now: now_ms(), also: vec![(jobs::Column::StartedAt, Expr::value(now_ms()))] };
    if let Err(error) = transition(batch.db(), std::slice::from_ref(&spec.job_id), &running).await {
        tracing::error!(job_id = %spec.job_id, %error, "could not record RUNNING");
    }
    let end = follow_container(batch, engine, &spec, &container, timeout, &mut stop).await;
    engine.remove(&container).await;
    end
}

/// Streams output and waits for the exit (or the timeout, or a stop request).
pub(super) async fn follow_container(
    batch: &Batch,
    engine: &DockerEngine,
    spec: &ContainerSpec,
    container: &str,
    timeout: Option<Duration>,
    stop: &mut watch::Receiver<bool>,
) -> AttemptEnd {
    let logs = tokio::spawn(pump_output(batch.clone(), engine.clone(), spec.job_id.clone(), spec.attempt, container.to_string()));
    let deadline = async {
        match timeout {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
        }
    };
    let stop_requested = async {
        // Map the guard away at once: it must not live across an await.
        let _ = stop.wait_for(|stop| *stop).await.map(|_| ());
    };
    let mut timed_out = false;
    tokio::select! {
        () = engine.wait(container) => {}
        () = deadline => {
            timed_out = true;
            engine.stop(container, STOP_GRACE_SECONDS).await;
            engine.wait(container).await;
        }
        () = stop_requested => {
            engine.stop(container, STOP_GRACE_SECONDS).await;
            engine.wait(container).await;
        }
    }
    // The output stream ends with the container; wait for it so the log is whole before the
    // job is seen to end (bounded, in case the engine never closes the stream).
    if tokio::time::timeout(Duration::from_secs(60), logs).await.is_err() {
        tracing::warn!(job_id = %spec.job_id, "the output stream did not end within 60 s of the exit");
    }
    match engine.inspect_exit(container).await {
        Ok(exit) if timed_out => AttemptEnd { exit_code: exit.exit_code, reason: None, status_reason: TIMEOUT_REASON.into(), timed_out: true },
        Ok(exit) if exit.oom_killed => AttemptEnd {
            exit_code: exit.exit_code,
            reason: Some("OutOfMemoryError: Container killed due to memory usage".into()),
            status_reason: "OutOfMemoryError: Container killed due to memory usage".into(),
            timed_out: false,
        },
        Ok(exit) => AttemptEnd {
            exit_code: exit.exit_code,
            reason: None,
            status_reason: "Essential container in task exited".into(),
            timed_out: false,
        },
        Err(error) => AttemptEnd { reason: Some(error.to_string()), status_reason: error.to_string(), ..Default::default() },
    }
}

async fn record_container(batch: &Batch, spec: &ContainerSpec, container: &str) {
    let result = job_attempts::Entity::update_many()
        .col_expr(job_attempts::Column::ContainerId, Expr::value(container))
        .col_expr(job_attempts::Column::StartedAt, Expr::value(now_ms()))
        .filter(job_attempts::Column::JobId.eq(&spec.job_id))
        .filter(job_attempts::Column::AttemptNumber.eq(spec.attempt))
        .exec(batch.db())
        .await;
    if let Err(error) = result {
        tracing::error!(job_id = %spec.job_id, %error, "could not record the container id");
    }
}

/// Copies a container's output into `attempt_logs`, a line per row, in small batches.
pub(super) async fn pump_output(batch: Batch, engine: DockerEngine, job_id: String, attempt: i32, container: String) {
    let mut output = Box::pin(engine.follow_output(&container));
    let mut partial: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut lines: Vec<attempt_logs::ActiveModel> = Vec::new();
    let mut last_flush = tokio::time::Instant::now();
    loop {
        let chunk = tokio::time::timeout(LOG_FLUSH, output.next()).await;
        let ended = matches!(chunk, Ok(None));
        if let Ok(Some(chunk)) = chunk {
            let (slot, bytes, stream) = match chunk {
                OutputChunk::Stdout(b) => (0, b, "stdout"),
                OutputChunk::Stderr(b) => (1, b, "stderr"),
            };
            partial[slot].extend_from_slice(&bytes);
            while let Some(newline) = partial[slot].iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = partial[slot].drain(..=newline).collect();
                lines.push(log_row(&job_id, attempt, stream, &line[..line.len() - 1]));
            }
        }
        if ended {
            for (slot, stream) in [(0, "stdout"), (1, "stderr")] {
                if !partial[slot].is_empty() {
                    lines.push(log_row(&job_id, attempt, stream, &partial[slot]));
                }
            }
        }
        if !lines.is_empty() && (ended || lines.len() >= LOG_BATCH || last_flush.elapsed() >= LOG_FLUSH) {
            if let Err(error) = insert_chunked(batch.db(), std::mem::take(&mut lines)).await {
                tracing::warn!(%job_id, %error, "could not store log lines");
            }
            last_flush = tokio::time::Instant::now();
        }
        if ended {
            break;
        }
    }
}

fn log_row(job_id: &str, attempt: i32, stream: &str, line: &[u8]) -> attempt_logs::ActiveModel {
    attempt_logs::ActiveModel {
        job_id: Set(job_id.to_string()),
        attempt_number: Set(attempt),
        stream: Set(stream.to_string()),
        at: Set(now_ms()),
        line: Set(String::from_utf8_lossy(line).into_owned()),
        ..Default::default()
    }
}

impl Batch {
    /// Everything the container needs: image, command with parameters, environment with the
    /// `AWS_BATCH_*` variables, limits, user, volumes. An error is the attempt's failure reason.
    async fn container_spec(&self, job: &jobs::Model, environment: &ce::Model, instance: &str, installation: &str) -> Result<ContainerSpec, String> {
        let store_error = |e: sea_orm::DbErr| e.to_string();
        let definition = jd::Entity::find_by_id(job.job_definition_id).one(self.db()).await.map_err(store_error)?.ok_or("job definition missing")?;
        let queue = jq::Entity::find_by_id(job.job_queue_id).one(self.db()).await.map_err(store_error)?.ok_or("job queue missing")?;
        let properties: ContainerProperties = from_json("container_properties", &definition.container_properties).map_err(store_error)?;
        let overrides: ContainerOverrides = from_json("container_overrides", &job.container_overrides).map_err(store_error)?;
        let parameters = merge(
            &from_json("parameters", &definition.parameters).map_err(store_error)?,
            &from_json("parameters", &job.parameters).map_err(store_error)?,
        );
        if properties.privileged && !environment.allow_privileged {
            return Err(format!("Privileged containers are not allowed in compute environment {}", environment.name));
        }
        let mut variables: Vec<(String, String)> =
            overrides.apply_environment(&properties.environment).into_iter().map(|v| (v.name, v.value)).collect();
        // An array child's id is `<parent id>:<index>`, as in AWS.
        variables.push(("AWS_BATCH_JOB_ID".into(), job.id.clone()));
        variables.push(("AWS_BATCH_JOB_ATTEMPT".into(), job.attempt_count.to_string()));
        variables.push(("AWS_BATCH_JQ_NAME".into(), queue.name.clone()));
        variables.push(("AWS_BATCH_CE_NAME".into(), environment.name.clone()));
        if let Some(index) = job.array_index {
            variables.push(("AWS_BATCH_JOB_ARRAY_INDEX".into(), index.to_string()));
        }
        if let Some(size) = job.array_size {
            variables.push(("AWS_BATCH_JOB_ARRAY_SIZE".into(), size.to_string()));
        }
        let binds = properties
            .mount_points
            .iter()
            .filter_map(|mount| {
                let volume = properties.volumes.iter().find(|v| v.name == mount.source_volume)?;
                let source = volume.host.as_ref()?.source_path.clone()?;
                Some(format!("{source}:{}{}", mount.container_path, if mount.read_only { ":ro" } else { "" }))
            })
            .collect();
        Ok(ContainerSpec {
            job_id: job.id.clone(),
            attempt: job.attempt_count,
            instance: instance.to_string(),
            installation: installation.to_string(),
            image: properties.image.clone(),
            command: substitute(overrides.command.as_ref().unwrap_or(&properties.command), &parameters),
            environment: variables,
            milli_vcpus: job.milli_vcpus.into(),
            memory_mib: job.memory_mib.into(),
            user: properties.user.clone(),
            privileged: properties.privileged,
            read_only_root: properties.readonly_root_filesystem,
            binds,
        })
    }

    /// Records how attempt `attempt` of `job_id` ended and moves the job on: SUCCEEDED on exit
    /// 0; FAILED when terminated, timed out, an EXIT rule matched or no attempts remain;
    /// otherwise RUNNABLE for the next attempt.
    pub async fn finish_attempt(&self, job_id: &str, attempt: i32, end: &AttemptEnd) -> ServiceResult<JobStatus> {
        let now = now_ms();
        job_attempts::Entity::update_many()
            .col_expr(job_attempts::Column::StoppedAt, Expr::value(now))
            .col_expr(job_attempts::Column::ExitCode, Expr::value(end.exit_code.map(|c| c as i32)))
            .col_expr(job_attempts::Column::Reason, Expr::value(end.reason.clone()))
            .col_expr(job_attempts::Column::StatusReason, Expr::value(end.status_reason.clone()))
            .filter(job_attempts::Column::JobId.eq(job_id))
            .filter(job_attempts::Column::AttemptNumber.eq(attempt))
            .exec(self.db())
            .await?;
        let job = jobs::Entity::find_by_id(job_id).one(self.db()).await?.ok_or_else(|| sea_orm::DbErr::RecordNotFound(job_id.to_string()))?;
        let rules: Vec<EvaluateOnExit> = from_json("evaluate_on_exit", &job.evaluate_on_exit)?;
        let strategy = RetryStrategy { attempts: Some(job.retry_attempts.into()), evaluate_on_exit: rules };
        let exit = AttemptExit { exit_code: end.exit_code, reason: end.reason.as_deref(), status_reason: Some(end.status_reason.as_str()) };
        let (to, reason) = if let Some(terminated) = &job.terminate_reason {
            (JobStatus::Failed, terminated.clone())
        } else if end.exit_code == Some(0) && end.reason.is_none() {
            (JobStatus::Succeeded, end.status_reason.clone())
        } else if !end.timed_out && strategy.should_retry(attempt.into(), &exit) {
            (JobStatus::Runnable, format!("Attempt {attempt} failed ({}); retrying", end.reason.as_deref().unwrap_or(&end.status_reason)))
        } else {
            (JobStatus::Failed, end.reason.clone().unwrap_or_else(|| end.status_reason.clone()))
        };
        let t = Transition { from: &[JobStatus::Starting, JobStatus::Running], to, reason: Some(&reason), now, also: release_placement() };
        transition(self.db(), &[job_id.to_string()], &t).await?;
        tracing::info!(%job_id, attempt, status = %to, %reason, "attempt ended");
        Ok(to)
    }
}
