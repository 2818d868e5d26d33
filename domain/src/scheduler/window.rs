//! How many RUNNABLE jobs a pass reads, and from where.
//!
//! A pass cannot read an unbounded backlog, but a single limit over all queues lets one queue's
//! backlog (parked behind a full or disabled environment) fill the whole read and hide every
//! other queue's jobs forever. So the read is per queue: each queue's oldest jobs, up to
//! `queue_window(queues)`, which shares `PASS_LIMIT` among the queues the pass reads (those
//! `BlockedQueues` leaves unread do not count) but never drops below `MIN_QUEUE_WINDOW`
//! (ARCHITECTURE.md §3).

/// Jobs considered per pass and status; the rest wait for the next pass (it comes at once
/// when this one moved anything).
pub const PASS_LIMIT: u64 = 10_000;
/// The least of each queue's RUNNABLE jobs a pass reads, however many queues there are: as
/// many as waiting reasons name positions for (`NAMED_POSITIONS`), so every position shown
/// is read. More would make a pass over 100 queues read 100,000 rows.
pub const MIN_QUEUE_WINDOW: u64 = super::wait_reason::NAMED_POSITIONS as u64;
/// The least of each fair-share share's RUNNABLE jobs a pass reads.
pub const MIN_SHARE_WINDOW: u64 = 100;

/// How many of each queue's oldest RUNNABLE jobs a pass reads, given how many queues there are.
pub fn queue_window(queues: usize) -> u64 {
    (PASS_LIMIT / queues.max(1) as u64).max(MIN_QUEUE_WINDOW)
}
