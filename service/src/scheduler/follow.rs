//! Following a started container to its end: its output into the store, its exit, its time
//! limit and stop requests, through losses of the engine connection.
//!
//! An engine that goes away (a restart of dockerd, a network blip to a remote host) is not the
//! job's failure: the follower keeps asking, with backoff, for `ENGINE_GRACE`. If the container
//! is still there when the engine answers, the wait resumes and the output is re-attached from
//! the engine's timestamp of the last chunk read. Only a container that is really gone, or an
//! engine that stays away past the grace period, ends the attempt without an exit code.

use super::STOP_GRACE_SECONDS;
use super::attempt::AttemptEnd;
use super::usage::UsageSampler;
use crate::batch::{Batch, now_ms};
use crate::docker::{DockerEngine, DockerError};
use crate::docker_attempts::{ContainerState, OutputChunk};
use crate::store::attempts;
use crate::store::entities::attempt_logs;
use domain::output::{Line, OutputLimits, OutputLines, ReadPosition, Stream};
use futures_util::StreamExt;
use sea_orm::Set;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long an attempt waits for its engine to answer again before it fails.
pub const ENGINE_GRACE: Duration = Duration::from_secs(60);
/// Longest pause between two tries to reach an engine or the store.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How long a container killed with exit code 137 is given for the engine to note that the
/// out-of-memory killer did it. On cgroup v1 the note is a separate event from the exit; with
/// the test suite's parallel Docker tests loading 2 cores it came later than 3 s (2 of 3 full
/// runs on 2026-12-07 recorded a plain exit). A SIGKILL from inside the container, the only
/// other exit 137 the scheduler did not cause, is recorded this much later.
const OOM_NOTE_GRACE: Duration = Duration::from_secs(10);

pub(super) use domain::headline::{EXITED_REASON, OOM_REASON, TIMEOUT_REASON};
const LOG_FLUSH: Duration = Duration::from_millis(200);
const LOG_BATCH: usize = 500;
/// Bytes of output per statement, at most (beyond one line): long lines make small batches, so
/// the copies a statement makes of its values stay small.
const LOG_BATCH_BYTES: usize = 1024 * 1024;

/// Doubling pauses from 100 ms up to `MAX_BACKOFF`.
pub(crate) struct Backoff(Duration);

impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff(Duration::from_millis(100))
    }

    pub(crate) async fn pause(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(MAX_BACKOFF);
    }
}

/// The container and attempt being followed.
pub(super) struct Followed<'a> {
    pub batch: &'a Batch,
    pub engine: &'a DockerEngine,
    pub job_id: &'a str,
    pub attempt: i32,
    pub container: &'a str,
    /// Written before each stored line: a multi-node job's other nodes write into the job's
    /// output as `[node N] ...` (ARCHITECTURE.md §16); empty for a job's own container.
    pub line_prefix: &'a str,
}

/// Streams output and waits for the exit (or the timeout, or a stop request); never fails:
/// every way it can end is an `AttemptEnd`.
pub(super) async fn follow_container(f: Followed<'_>, timeout: Option<Duration>, stop: &mut watch::Receiver<bool>) -> AttemptEnd {
    let source = OutputSource { job_id: f.job_id.to_string(), attempt: f.attempt, line_prefix: f.line_prefix.to_string() };
    let logs = tokio::spawn(pump_output(f.batch.clone(), f.engine.clone(), source, f.container.to_string()));
    // A job's own container only: a multi-node job's other nodes would overwrite its record.
    let usage = f.line_prefix.is_empty().then(|| UsageSampler::start(f.batch, f.engine, f.job_id, f.attempt, f.container));
    let deadline = timeout.map(|limit| Instant::now() + limit);
    let mut timed_out = false;
    let mut stop_sent = false;
    let mut unreachable_since: Option<Instant> = None;
    let mut backoff = Backoff::new();
    let exit = loop {
        let wants_stop = *stop.borrow() || timed_out;
        if wants_stop && !stop_sent {
            stop_sent = f.engine.stop(f.container, STOP_GRACE_SECONDS).await;
        }
        if stop_sent {
            f.engine.wait(f.container).await;
        } else {
            let time_limit = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let stop_requested = async {
                // Map the guard away at once: it must not live across an await.
                let _ = stop.wait_for(|stop| *stop).await.map(|_| ());
            };
            tokio::select! {
                () = f.engine.wait(f.container) => {}
                () = time_limit => { timed_out = true; continue; }
                () = stop_requested => continue,
            }
        }
        match f.engine.inspect_state(f.container).await {
            // The wait ended but the container runs: the connection dropped. Wait again.
            Ok(state) if state.running => {
                unreachable_since = None;
                backoff = Backoff::new();
            }
            // A SIGKILL under a memory limit and the engine's note that the out-of-memory killer
            // sent it arrive as separate events, and the exit can be seen first (seen in CI:
            // exit 137, OOMKilled false). Unless the scheduler stopped it, such an exit is
            // inspected again for a while before it counts as a plain kill.
            Ok(state) if state.exit_code == Some(137) && !state.oom_killed && !stop_sent => break Ok(oom_noted(&f, state).await),
            Ok(state) => break Ok(state),
            Err(DockerError::NotFound { .. }) => break Err("Container was removed outside the scheduler before it exited".to_string()),
            Err(error) => {
                let since = *unreachable_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= ENGINE_GRACE {
                    break Err(format!("Host unreachable for {} s: {error}", since.elapsed().as_secs()));
                }
                tracing::warn!(job_id = %f.job_id, %error, "the engine does not answer; the attempt keeps waiting");
                backoff.pause().await;
            }
        }
    };
    // The output stream ends with the container; wait for it so the log is whole before the
    // job is seen to end (bounded: lines the store cannot take yet keep being retried after).
    if tokio::time::timeout(Duration::from_secs(60), logs).await.is_err() {
        tracing::warn!(job_id = %f.job_id, "the output was not all stored within 60 s of the exit");
    }
    if let Some(usage) = usage {
        let killed_at = exit.as_ref().ok().filter(|state| state.oom_killed).and_then(|state| state.memory_limit_bytes);
        usage.finish(killed_at).await;
    }
    match exit {
        Ok(state) => end_of(&state, timed_out),
        Err(reason) => AttemptEnd { reason: Some(reason.clone()), status_reason: reason, timed_out, ..Default::default() },
    }
}

/// `state` (exit 137, no out-of-memory note), or the container's state once the engine notes
/// the out-of-memory kill, inspected every 100 ms for at most `OOM_NOTE_GRACE`.
async fn oom_noted(f: &Followed<'_>, state: ContainerState) -> ContainerState {
    let until = Instant::now() + OOM_NOTE_GRACE;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Ok(again) = f.engine.inspect_state(f.container).await
            && again.oom_killed
        {
            return again;
        }
    }
    state
}

/// The attempt's end from the container's final state.
pub(super) fn end_of(state: &ContainerState, timed_out: bool) -> AttemptEnd {
    if timed_out {
        return AttemptEnd { exit_code: state.exit_code, reason: None, status_reason: TIMEOUT_REASON.into(), timed_out: true };
    }
    if state.oom_killed {
        return AttemptEnd {
            exit_code: state.exit_code,
            reason: Some(OOM_REASON.into()),
            status_reason: OOM_REASON.into(),
            timed_out: false,
        };
    }
    AttemptEnd { exit_code: state.exit_code, reason: None, status_reason: EXITED_REASON.into(), timed_out: false }
}

/// Copies a container's output into `attempt_logs`, a line per row, in small batches. Lines the
/// store refuses stay buffered and are retried; a broken connection to the engine is re-attached
/// from the last chunk's timestamp, for as long as the engine is within its grace period.
async fn pump_output(batch: Batch, engine: DockerEngine, source: OutputSource, container: String) {
    let job_id = source.job_id.clone();
    let mut lines = LineBuffer::new(&source, batch.config.output_limits);
    let mut position = ReadPosition::default();
    let mut unreachable_since: Option<Instant> = None;
    let mut backoff = Backoff::new();
    loop {
        let mut output = Box::pin(engine.output(&container, position.since_seconds(), true));
        let mut broke = false;
        let mut last_flush = Instant::now();
        loop {
            let chunk = tokio::time::timeout(LOG_FLUSH, output.next()).await;
            match chunk {
                Ok(Some(Ok(chunk))) => {
                    if lines.take_new(&mut position, chunk) {
                        unreachable_since = None;
                    }
                }
                Ok(Some(Err(error))) => {
                    tracing::warn!(%job_id, %error, "the output stream broke; re-attaching");
                    broke = true;
                    break;
                }
                Ok(None) => break,
                Err(_) => {}
            }
            if lines.pending_rows() >= LOG_BATCH || lines.pending_bytes >= LOG_BATCH_BYTES || last_flush.elapsed() >= LOG_FLUSH {
                lines.flush(&batch).await;
                last_flush = Instant::now();
            }
        }
        // A clean end of the stream is the container's end, unless it still runs (an engine
        // that closed the stream while going away).
        let finished = !broke
            && match engine.inspect_state(&container).await {
                Ok(state) => !state.running,
                Err(DockerError::NotFound { .. }) => true,
                Err(_) => false,
            };
        if finished {
            // A followed stream may close as the container stops, before its last chunk (the
            // rest of an unterminated line): read what the engine logged once more.
            position.reattach();
            let mut rest = Box::pin(engine.output(&container, position.since_seconds(), false));
            while let Some(Ok(chunk)) = rest.next().await {
                lines.take_new(&mut position, chunk);
            }
            break;
        }
        let since = *unreachable_since.get_or_insert_with(Instant::now);
        if since.elapsed() >= ENGINE_GRACE {
            tracing::warn!(%job_id, "stopped reading output: the engine stayed away for {} s", ENGINE_GRACE.as_secs());
            break;
        }
        backoff.pause().await;
        position.reattach();
    }
    lines.finish();
    let mut backoff = Backoff::new();
    while !lines.flush(&batch).await {
        backoff.pause().await;
    }
}

/// Where a container's lines are stored: the attempt's output, each line after `line_prefix`.
struct OutputSource {
    job_id: String,
    attempt: i32,
    line_prefix: String,
}

/// Output bytes cut into bounded lines (`domain::output`), and the lines not yet stored.
struct LineBuffer<'a> {
    job_id: &'a str,
    attempt: i32,
    line_prefix: &'a str,
    lines: OutputLines,
    rows: std::collections::VecDeque<(usize, attempt_logs::ActiveModel)>,
    pending_bytes: usize,
    cut: Vec<Line>,
}

impl<'a> LineBuffer<'a> {
    fn new(source: &'a OutputSource, limits: OutputLimits) -> Self {
        LineBuffer {
            job_id: &source.job_id,
            attempt: source.attempt,
            line_prefix: &source.line_prefix,
            lines: OutputLines::new(limits),
            rows: Default::default(),
            pending_bytes: 0,
            cut: Vec::new(),
        }
    }

    /// Takes `chunk` unless it was read before this attach; true when taken.
    fn take_new(&mut self, position: &mut ReadPosition, chunk: OutputChunk) -> bool {
        let (at, stream, bytes) = match chunk {
            OutputChunk::Stdout(at, bytes) => (at, Stream::Stdout, bytes),
            OutputChunk::Stderr(at, bytes) => (at, Stream::Stderr, bytes),
        };
        if !position.is_new(at) {
            return false;
        }
        self.lines.take(stream, &bytes, &mut self.cut);
        self.keep_cut();
        true
    }

    /// The output ended: an unterminated last line is a line too, then the truncation line.
    fn finish(&mut self) {
        self.lines.finish(&mut self.cut);
        self.keep_cut();
    }

    fn keep_cut(&mut self) {
        let at = now_ms();
        for line in self.cut.drain(..) {
            self.pending_bytes += line.bytes.len();
            let size = line.bytes.len();
            self.rows.push_back((
                size,
                attempt_logs::ActiveModel {
                    job_id: Set(self.job_id.to_string()),
                    attempt_number: Set(self.attempt),
                    stream: Set(line.stream.as_str().to_string()),
                    at: Set(at),
                    line: Set(format!("{}{}", self.line_prefix, String::from_utf8_lossy(&line.bytes))),
                    ..Default::default()
                },
            ));
        }
    }

    fn pending_rows(&self) -> usize {
        self.rows.len()
    }

    /// Stores the pending lines, one statement per `LOG_BATCH` rows or `LOG_BATCH_BYTES` (so a
    /// failure never leaves part of a statement stored); on failure keeps the rest for the next
    /// try. True when none are left.
    async fn flush(&mut self, batch: &Batch) -> bool {
        while !self.rows.is_empty() {
            let (mut count, mut bytes) = (0, 0);
            for (size, _) in &self.rows {
                if count == LOG_BATCH || (count > 0 && bytes + size > LOG_BATCH_BYTES) {
                    break;
                }
                count += 1;
                bytes += size;
            }
            let chunk: Vec<_> = self.rows.iter().take(count).map(|(_, row)| row.clone()).collect();
            if let Err(error) = attempts::append_output(batch.db(), chunk).await {
                tracing::warn!(job_id = %self.job_id, %error, lines = self.rows.len(), "could not store output lines yet; keeping them");
                return false;
            }
            self.rows.drain(..count);
            self.pending_bytes -= bytes;
        }
        true
    }
}
