//! Reading what a running attempt uses (`domain::resource_use`) from the engine's stats, and
//! writing it to the store every `WRITE_EVERY` while the container runs and once at its end.
//!
//! A crash loses at most the readings since the last write; an attempt re-attached after a
//! restart starts a new series, whose record then covers only the time since.

use crate::batch::Batch;
use crate::docker::DockerEngine;
use crate::docker_usage::UsageReading;
use crate::store::attempt_usage;
use domain::resource_use::{AttemptUsage, UsageTrack};
use futures_util::{Stream, StreamExt};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How often a running attempt's use is written: the job page shows it while it runs.
const WRITE_EVERY: Duration = Duration::from_secs(5);

pub(super) struct UsageSampler {
    batch: Batch,
    job_id: String,
    attempt: i32,
    track: Arc<Mutex<UsageTrack>>,
    task: JoinHandle<()>,
}

impl UsageSampler {
    pub(super) fn start(batch: &Batch, engine: &DockerEngine, job_id: &str, attempt: i32, container: &str) -> UsageSampler {
        let track = Arc::new(Mutex::new(UsageTrack::default()));
        let task = tokio::spawn(sample(batch.clone(), engine.usage(container), job_id.to_string(), attempt, track.clone()));
        UsageSampler { batch: batch.clone(), job_id: job_id.to_string(), attempt, track, task }
    }

    /// Stops reading and writes the attempt's use; `killed_at` is the memory limit when the
    /// kernel killed the container for memory (it reached the limit, whatever was read).
    pub(super) async fn finish(self, killed_at: Option<u64>) {
        self.task.abort();
        let usage = {
            let track = self.track.lock().expect("usage track");
            if track.is_empty() && killed_at.is_none() {
                return;
            }
            track.usage(self.attempt, killed_at)
        };
        write(&self.batch, &self.job_id, &usage).await;
    }
}

async fn sample(batch: Batch, readings: impl Stream<Item = UsageReading>, job_id: String, attempt: i32, track: Arc<Mutex<UsageTrack>>) {
    let started = Instant::now();
    let mut written = Instant::now();
    let mut readings = std::pin::pin!(readings);
    while let Some(reading) = readings.next().await {
        let due = {
            let mut track = track.lock().expect("usage track");
            track.record(started.elapsed().as_millis() as i64, reading.memory_bytes, reading.engine_peak, reading.cpu_ns);
            (written.elapsed() >= WRITE_EVERY).then(|| track.usage(attempt, None))
        };
        if let Some(usage) = due {
            write(&batch, &job_id, &usage).await;
            written = Instant::now();
        }
    }
}

/// Best effort: a store that does not answer costs the chart a point, never the job.
async fn write(batch: &Batch, job_id: &str, usage: &AttemptUsage) {
    if let Err(error) = attempt_usage::record(batch.db(), job_id, usage).await {
        tracing::warn!(%job_id, %error, "could not record the attempt's resource use");
    }
}
