//! Where the scheduler's time goes: wall time per phase, summed over every pass since the
//! scheduler started. The lifecycle benchmark prints it; it costs two clock reads a phase.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PhaseTimes {
    pub passes: u64,
    /// Array parents: SUBMITTED → PENDING, and finished parents → SUCCEEDED / FAILED.
    pub parents: Duration,
    pub snapshot: Duration,
    pub plan: Duration,
    /// SUBMITTED / PENDING → RUNNABLE or FAILED, and waiting reasons.
    pub moves: Duration,
    /// Claiming placed jobs and launching their attempts.
    pub start: Duration,
    /// Recording ended attempts and moving their jobs on (runs beside the passes).
    pub finish: Duration,
}

impl std::fmt::Display for PhaseTimes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_millis();
        write!(
            f,
            "{} passes; parents {} ms, snapshot {} ms, plan {} ms, moves {} ms, start {} ms, finish {} ms",
            self.passes,
            ms(self.parents),
            ms(self.snapshot),
            ms(self.plan),
            ms(self.moves),
            ms(self.start),
            ms(self.finish)
        )
    }
}

#[derive(Default)]
pub(super) struct Timings(Mutex<PhaseTimes>);

impl Timings {
    /// Adds the time since `since` to the phase `field` picks.
    pub fn add(&self, since: Instant, field: fn(&mut PhaseTimes) -> &mut Duration) {
        let elapsed = since.elapsed();
        *field(&mut self.0.lock().expect("timings")) += elapsed;
    }

    pub fn count_pass(&self) {
        self.0.lock().expect("timings").passes += 1;
    }

    pub fn snapshot(&self) -> PhaseTimes {
        self.0.lock().expect("timings").clone()
    }
}
