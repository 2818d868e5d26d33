//! Skipping passes while nothing changes, so an idle server costs next to nothing.
//!
//! A pass decides from the store's state and the time. After a pass that moved, started and
//! stopped nothing, a pass on the next tick decides the same unless a job changed state since
//! (every change writes a history row: the newest row's id, one index lookup, tells), a
//! queue's time limit may have expired (passes run on every tick while a queue has one), or
//! something changed that writes no history. Such changes made through this process wake the
//! scheduler (every successful write request does; a wake-up always runs a pass); those made
//! on another replica (an environment enabled there, a job terminated there) are seen by the
//! pass that runs at least every `QUIET_PASS_EVERY`; a job submitted there, within a second
//! (within `QUIET_PASS_EVERY` on Postgres if two history rows commit out of id order, so that
//! the newest id was seen before the other committed). The newest change is read at most every
//! `LOOK_EVERY`, so a quiet scheduler issues about two store queries a second (with the lease's).

use super::Scheduler;
use crate::batch::now_ms;
use crate::store::changes;
use std::time::{Duration, Instant};

pub(super) const QUIET_PASS_EVERY: Duration = Duration::from_secs(10);
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Since the last pass that did nothing.
pub(super) struct Quiet {
    /// The newest status change read before a pass that did nothing, and when it was read
    /// (none yet: the next tick reads it and runs a pass).
    newest_change: Option<(i64, i64)>,
    passed_at: Instant,
    looked_at: Instant,
}

impl Quiet {
    pub(super) fn after_idle_pass(previous: Option<Quiet>) -> Quiet {
        let now = Instant::now();
        Quiet { newest_change: previous.and_then(|q| q.newest_change), passed_at: now, looked_at: now }
    }
}

impl Scheduler {
    /// On a tick after a pass that did nothing: whether this tick's pass can be skipped. When
    /// it cannot, notes the newest status change before the pass runs, for the next tick.
    pub(super) async fn quiet_tick(&self, quiet: &mut Quiet) -> bool {
        if quiet.passed_at.elapsed() >= QUIET_PASS_EVERY || self.has_time_limits() {
            return false;
        }
        if quiet.newest_change.is_some() && quiet.looked_at.elapsed() < LOOK_EVERY {
            return true;
        }
        quiet.looked_at = Instant::now();
        let Ok(newest) = changes::newest_status_change(self.batch().reader(), None).await else { return false };
        if let Some((known, read_at_ms)) = quiet.newest_change
            && known == newest
        {
            // No job changed state since then: the queues read since need no re-read either.
            self.inner.blocked.lock().expect("blocked queues").renew(read_at_ms, now_ms());
            return true;
        }
        quiet.newest_change = Some((newest, now_ms()));
        false
    }
}
