//! SQLite's write-ahead log is copied back into the database file by a checkpoint. Left to the
//! writer (`wal_autocheckpoint`), the commit that crosses the bound copies the whole log before
//! it returns, and every request queued behind the one writer connection waits for it: SubmitJob
//! over HTTP on SQLite had a p99 of 37-38 ms with a bound of 10,000 pages (BENCHMARKS.md). Here a
//! task checkpoints from a reader connection instead, PASSIVE: it copies what no reader still
//! needs without waiting for the writer or blocking it, on the other core. The writer's own
//! checkpoint stays as the bound, and finds little left to copy when it comes.

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// How often the log is looked at (a stat of the `-wal` file, not a query). Shorter is better for
/// the writer: SubmitJob's p99 on SQLite was 14-16 ms at 50 ms, 19-20 at 100, 25-29 at 250 and
/// 37-39 at 1 s, with the same throughput, and single jobs and arrays ran as fast as without the
/// task (BENCHMARKS.md, "Checkpoints off the writer").
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);

/// A log written now and then (an idle server renews its lease once a second) is checkpointed
/// this long after its first unsaved write, not at once: an idle server then issues one query
/// for it every 6 s, not one a second.
pub(crate) const SPORADIC_WRITES_WAIT: Duration = Duration::from_secs(5);

/// Starts the task for the database file `database`, checkpointing through `reader`. It lives as
/// long as the runtime it is spawned on; outside one (a synchronous caller) nothing starts and
/// the writer's bound does all the checkpointing.
pub(crate) fn checkpoint_off_the_writer(reader: DatabaseConnection, database: &std::path::Path) {
    let mut wal = database.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(checkpoint_when_written(reader, PathBuf::from(wal)));
    }
}

async fn checkpoint_when_written(reader: DatabaseConnection, wal: PathBuf) {
    let mut log = LogWatch::default();
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let written = std::fs::metadata(&wal).and_then(|meta| meta.modified()).ok();
        if log.checkpoint_now(written, Instant::now())
            && let Err(error) = reader.execute_raw(Statement::from_string(DatabaseBackend::Sqlite, "PRAGMA wal_checkpoint(PASSIVE)")).await
        {
            tracing::debug!(%error, "a checkpoint off the writer failed; the writer's bound still holds");
        }
    }
}

/// What the task knows of the log between two looks at it.
#[derive(Default)]
struct LogWatch {
    /// When the log was last written, as last seen.
    seen: Option<SystemTime>,
    /// Whether it had been written at the look before this one.
    written_last_look: bool,
    /// The first look that found a write no checkpoint has copied yet.
    unsaved_since: Option<Instant>,
}

impl LogWatch {
    /// Whether to checkpoint now, the log last written at `written`: when it is being written
    /// look after look, or when a write has waited `SPORADIC_WRITES_WAIT`.
    fn checkpoint_now(&mut self, written: Option<SystemTime>, now: Instant) -> bool {
        let written_since = written.is_some() && written != self.seen;
        self.seen = written;
        let steadily = written_since && self.written_last_look;
        self.written_last_look = written_since;
        if written_since {
            self.unsaved_since.get_or_insert(now);
        }
        let due = self.unsaved_since.is_some_and(|since| steadily || now.duration_since(since) >= SPORADIC_WRITES_WAIT);
        if due {
            self.unsaved_since = None;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Looks every `CHECKPOINT_EVERY` for `looks`, the log written at the looks `writes` picks;
    /// the looks that checkpoint.
    fn checkpoints(looks: u32, writes: impl Fn(u32) -> bool) -> Vec<u32> {
        let (start, mut log, mut written) = (Instant::now(), LogWatch::default(), None);
        let epoch = SystemTime::UNIX_EPOCH;
        (0..looks)
            .filter(|&look| {
                if writes(look) {
                    written = Some(epoch + CHECKPOINT_EVERY * look);
                }
                log.checkpoint_now(written, start + CHECKPOINT_EVERY * look)
            })
            .collect()
    }

    #[test]
    fn a_log_written_at_every_look_is_checkpointed_at_every_look_from_the_second() {
        assert_eq!(checkpoints(6, |_| true), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_write_a_second_is_checkpointed_five_seconds_after_the_first_write_not_yet_copied() {
        let looks_a_second = 20;
        let done = checkpoints(60 * looks_a_second, |look| look % looks_a_second == 0);
        // Written at 0 s, copied at 5 s; the next write (6 s) is copied at 11 s, and so on.
        let expected: Vec<u32> = (0..10).map(|n| (5 + 6 * n) * looks_a_second).collect();
        assert_eq!(done, expected);
    }

    #[test]
    fn a_log_not_written_is_never_checkpointed() {
        assert_eq!(checkpoints(1000, |_| false), Vec::<u32>::new());
        // Nor again, once a lone write was.
        assert_eq!(checkpoints(1000, |look| look == 3), vec![3 + 100]);
    }
}
