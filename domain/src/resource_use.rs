//! What an attempt used: peak memory and CPU time, read from the engine's stats while the
//! container runs (about once a second), with a bounded series for the job page's chart, and
//! the spread of a definition's recent peaks ("asks 2 GiB, p95 uses 300 MiB").

use serde::{Deserialize, Serialize};

/// Points kept per attempt: past this the series keeps every other point, so a week-long
/// attempt is as small as a minute-long one.
pub const MAX_SAMPLES: usize = 240;

/// One reading: milliseconds since the attempt started, memory in use, CPU time so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageSample {
    pub at_ms: i64,
    pub memory_bytes: u64,
    pub cpu_ms: u64,
}

/// An attempt's use, as stored and shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptUsage {
    pub attempt_number: i32,
    pub peak_memory_bytes: Option<u64>,
    pub cpu_time_ms: Option<u64>,
    pub samples: Vec<UsageSample>,
}

/// The running record of one attempt's use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageTrack {
    samples: Vec<UsageSample>,
    /// Keep one reading in `stride` (doubles each time the series is thinned).
    stride: u64,
    seen: u64,
    peak: Option<u64>,
    cpu_ms: Option<u64>,
}

impl UsageTrack {
    /// Takes one reading; `engine_peak` is the engine's own maximum where it keeps one
    /// (cgroup v1), which catches spikes between readings.
    pub fn record(&mut self, at_ms: i64, memory_bytes: u64, engine_peak: Option<u64>, cpu_ns: u64) {
        let cpu_ms = cpu_ns / 1_000_000;
        self.peak = Some(self.peak.unwrap_or(0).max(memory_bytes).max(engine_peak.unwrap_or(0)));
        self.cpu_ms = Some(self.cpu_ms.unwrap_or(0).max(cpu_ms));
        let stride = self.stride.max(1);
        if self.seen.is_multiple_of(stride) {
            self.samples.push(UsageSample { at_ms, memory_bytes, cpu_ms });
            if self.samples.len() > MAX_SAMPLES {
                self.samples = self.samples.iter().step_by(2).copied().collect();
                self.stride = stride * 2;
            }
        }
        self.seen += 1;
    }

    /// The attempt's use so far; an out-of-memory kill means it reached its limit.
    pub fn usage(&self, attempt_number: i32, killed_at_limit: Option<u64>) -> AttemptUsage {
        let peak = match (self.peak, killed_at_limit) {
            (peak, Some(limit)) => Some(peak.unwrap_or(0).max(limit)),
            (peak, None) => peak,
        };
        AttemptUsage { attempt_number, peak_memory_bytes: peak, cpu_time_ms: self.cpu_ms, samples: self.samples.clone() }
    }

    pub fn is_empty(&self) -> bool {
        self.seen == 0
    }
}

/// Memory in use as `docker stats` counts it: the cgroup's usage without inactive page cache
/// (cgroup v2 names it `inactive_file`, v1 `total_inactive_file`), which the kernel reclaims
/// before it kills anything.
pub fn memory_in_use(usage: u64, inactive_file: Option<u64>) -> u64 {
    usage.saturating_sub(inactive_file.unwrap_or(0))
}

/// The value at percentile `p` (0-100) of `values`, nearest rank; none for no values.
pub fn percentile(values: &[u64], p: u8) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = (usize::from(p.min(100)) * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// How much memory a definition's recent attempts really used at their peaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemorySpread {
    pub measured: usize,
    pub p50: u64,
    pub p95: u64,
    pub max: u64,
}

/// Attempts a definition's spread is taken over: the newest ones.
pub const SPREAD_OVER: usize = 100;

/// The spread of `peaks` (none for no measured attempt).
pub fn spread(peaks: &[u64]) -> Option<MemorySpread> {
    Some(MemorySpread { measured: peaks.len(), p50: percentile(peaks, 50)?, p95: percentile(peaks, 95)?, max: *peaks.iter().max()? })
}

/// Bytes as people read them: "300 MiB", "2.0 GiB", "512 KiB".
pub fn bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = KIB * 1024;
    const GIB: u64 = MIB * 1024;
    match n {
        n if n >= GIB => format!("{:.1} GiB", n as f64 / GIB as f64),
        n if n >= MIB => format!("{} MiB", (n + MIB / 2) / MIB),
        n if n >= KIB => format!("{} KiB", (n + KIB / 2) / KIB),
        n => format!("{n} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_peak_is_the_largest_reading_or_the_engines_own_maximum() {
        let mut track = UsageTrack::default();
        track.record(0, 10, None, 5_000_000);
        track.record(1000, 30, None, 9_000_000);
        track.record(2000, 20, Some(50), 12_000_000);
        let usage = track.usage(1, None);
        assert_eq!((usage.peak_memory_bytes, usage.cpu_time_ms), (Some(50), Some(12)));
        assert_eq!(usage.samples.len(), 3);
    }

    #[test]
    fn an_out_of_memory_kill_reached_its_limit_even_between_readings() {
        let mut track = UsageTrack::default();
        track.record(0, 10 << 20, None, 0);
        assert_eq!(track.usage(2, Some(64 << 20)).peak_memory_bytes, Some(64 << 20));
        assert_eq!(UsageTrack::default().usage(1, Some(64 << 20)).peak_memory_bytes, Some(64 << 20));
        assert_eq!(UsageTrack::default().usage(1, None).peak_memory_bytes, None);
    }

    #[test]
    fn memory_in_use_leaves_out_reclaimable_cache() {
        assert_eq!(memory_in_use(100, Some(30)), 70);
        assert_eq!(memory_in_use(100, None), 100);
        assert_eq!(memory_in_use(10, Some(30)), 0);
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 95), Some(95));
        assert_eq!(percentile(&values, 50), Some(50));
        assert_eq!(percentile(&values, 100), Some(100));
        assert_eq!(percentile(&[7], 95), Some(7));
        assert_eq!(percentile(&[], 95), None);
    }

    #[test]
    fn a_spread_of_peaks() {
        let peaks: Vec<u64> = (1..=20).map(|i| i << 20).collect();
        assert_eq!(spread(&peaks), Some(MemorySpread { measured: 20, p50: 10 << 20, p95: 19 << 20, max: 20 << 20 }));
        assert_eq!(spread(&[]), None);
    }

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(bytes(300 << 20), "300 MiB");
        assert_eq!(bytes(2 << 30), "2.0 GiB");
        assert_eq!(bytes(512 << 10), "512 KiB");
        assert_eq!(bytes(12), "12 B");
    }

    proptest! {
        /// However long the attempt, the series stays bounded, in time order, starts at the
        /// first reading, and the peak and CPU time never depend on which points were kept.
        #[test]
        fn the_series_stays_bounded_and_the_peak_exact(readings in proptest::collection::vec((0u64..1 << 30, 0u64..1 << 40), 1..2000)) {
            let mut track = UsageTrack::default();
            for (i, (memory, cpu)) in readings.iter().enumerate() {
                track.record(i as i64 * 1000, *memory, None, *cpu);
            }
            let usage = track.usage(1, None);
            prop_assert!(usage.samples.len() <= MAX_SAMPLES);
            prop_assert_eq!(usage.samples[0].at_ms, 0);
            prop_assert!(usage.samples.windows(2).all(|w| w[0].at_ms < w[1].at_ms));
            prop_assert_eq!(usage.peak_memory_bytes, readings.iter().map(|r| r.0).max());
            prop_assert_eq!(usage.cpu_time_ms, readings.iter().map(|r| r.1 / 1_000_000).max());
        }
    }
}
