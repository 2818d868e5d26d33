//! Output that cannot take the server down: a job printing 100 MB with no newline, and one
//! printing 10 million short lines, both finish; what is stored stays inside the attempt's
//! allowance and ends with the truncation line. (The server's memory under the same bombs is
//! measured by `scripts/bench-output.sh`; see BENCHMARKS.md.)

use crate::fixtures::{TestBatch, queue};
use crate::scheduler::{local_environment, run_scheduler, shell_definition, submit_to, wait_for};
use domain::output::{DOCKER_LINE_BYTES, OutputLimits};
use service::testing::{BACKENDS, Backend, admin, fresh_database, operator};
use service::{Batch, BatchConfig};

const MAX_BYTES: u64 = 1024 * 1024;
const MAX_LINES: u64 = 20_000;

async fn batch_with_limits(backend: Backend) -> (TestBatch, service::testing::TempDir) {
    let (db, dir) = fresh_database(backend).await;
    let output_limits = OutputLimits { max_bytes: MAX_BYTES, max_lines: MAX_LINES, ..Default::default() };
    let batch = TestBatch::wrap(Batch::new(db, BatchConfig { output_limits, ..Default::default() }));
    local_environment(&batch, "docker", 2).await;
    batch.create_job_queue(&admin(), queue("q", &["docker"])).await.unwrap();
    (batch, dir)
}

/// The stored output once it ends with the truncation line. The job may be seen to end before
/// its output is all read (the wait for it is bounded), so this waits on that condition.
async fn stored_output(batch: &TestBatch, job_id: &str) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let lines = read_output(batch, job_id).await;
        if lines.last().is_some_and(|l| l.starts_with("[output truncated: ")) || std::time::Instant::now() > deadline {
            return lines;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

async fn read_output(batch: &TestBatch, job_id: &str) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let after = lines.last().map_or(0, |(id, _)| *id);
        let page = batch.job_log(&admin(), job_id, None, after, 10_000).await.unwrap();
        if page.is_empty() {
            return lines.into_iter().map(|(_, line)| line).collect();
        }
        lines.extend(page.into_iter().map(|l| (l.id, l.line)));
    }
}

#[tokio::test]
async fn a_hundred_megabytes_without_a_newline_and_ten_million_lines_are_cut_to_the_allowance() {
    for backend in BACKENDS {
        let (batch, _dir) = batch_with_limits(backend).await;
        let one_line = "head -c 100000000 /dev/zero | tr '\\0' a";
        batch.register_job_definition(&admin(), shell_definition("one-line", one_line)).await.unwrap();
        batch.register_job_definition(&admin(), shell_definition("many-lines", "seq 10000000")).await.unwrap();
        let long = batch.submit_job(&operator(), submit_to("one-line", "one-line")).await.unwrap();
        // Past the allowance nothing reaches the store, so ten million lines are tried on one
        // store only: the engine alone needs ~25 s to serve them.
        let many = match backend {
            Backend::Sqlite => Some(batch.submit_job(&operator(), submit_to("many-lines", "many-lines")).await.unwrap()),
            Backend::Postgres => None,
        };
        let h = run_scheduler(batch);
        for job in std::iter::once(&long).chain(&many) {
            let done = wait_for(&h.batch, &job.job_id, |j| j.status == "SUCCEEDED" || j.status == "FAILED", 300).await;
            assert_eq!(done.status, "SUCCEEDED", "{backend:?}: {:?}", done.status_reason);
        }

        let lines = stored_output(&h.batch, &long.job_id).await;
        let kept = (MAX_BYTES as usize / DOCKER_LINE_BYTES) as u64;
        assert_eq!(lines.len() as u64, kept + 1, "{backend:?}: 16 KiB pieces up to 1 MiB, then the truncation line");
        assert!(lines[..lines.len() - 1].iter().all(|l| l.len() == DOCKER_LINE_BYTES && l.bytes().all(|b| b == b'a')));
        assert_eq!(lines.last().unwrap(), &format!("[output truncated: {} bytes dropped]", 100_000_000 - MAX_BYTES), "{backend:?}");

        let Some(many) = many else { continue };
        let lines = stored_output(&h.batch, &many.job_id).await;
        assert_eq!(lines.len() as u64, MAX_LINES + 1, "{backend:?}");
        let expected: Vec<String> = (1..=MAX_LINES).map(|n| n.to_string()).collect();
        assert_eq!(lines[..MAX_LINES as usize], expected[..], "{backend:?}: the first lines, in order, once");
        // seq 10000000 prints every number and a newline: all of it minus what was kept.
        let total: u64 = (1..=10_000_000u64).map(|n| n.to_string().len() as u64 + 1).sum();
        let kept_bytes: u64 = expected.iter().map(|l| l.len() as u64 + 1).sum();
        assert_eq!(lines.last().unwrap(), &format!("[output truncated: {} bytes dropped]", total - kept_bytes), "{backend:?}");
    }
}
