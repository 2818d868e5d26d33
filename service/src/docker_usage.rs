//! A running container's resource readings from the engine's stats stream (`docker stats`),
//! for `domain::resource_use`.

use crate::docker::DockerEngine;
use bollard::query_parameters::StatsOptions;
use domain::resource_use::memory_in_use;
use futures_util::{Stream, StreamExt};

/// One reading of the engine's stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageReading {
    pub memory_bytes: u64,
    /// The cgroup's own maximum, where the engine reports one (cgroup v1 only).
    pub engine_peak: Option<u64>,
    pub cpu_ns: u64,
}

impl DockerEngine {
    /// Readings about once a second while the container runs; ends when it stops or the
    /// connection breaks. Readings of a container not (or no longer) running, all zero, are
    /// left out.
    pub fn usage(&self, container: &str) -> impl Stream<Item = UsageReading> + use<> {
        let options = StatsOptions { stream: true, one_shot: false };
        self.client().stats(container, Some(options)).take_while(|sample| std::future::ready(sample.is_ok())).filter_map(|sample| {
            let reading = sample.ok().and_then(|stats| {
                let memory = stats.memory_stats?;
                let usage = memory.usage?;
                let inactive = memory.stats.as_ref().and_then(|s| s.get("inactive_file").or_else(|| s.get("total_inactive_file")).copied());
                let cpu_ns = stats.cpu_stats?.cpu_usage?.total_usage?;
                (usage > 0 || cpu_ns > 0).then(|| UsageReading {
                    memory_bytes: memory_in_use(usage, inactive),
                    engine_peak: memory.max_usage.filter(|peak| *peak > 0),
                    cpu_ns,
                })
            });
            std::future::ready(reading)
        })
    }
}
