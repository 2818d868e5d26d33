//! Benchmark figures in a form `scripts/bench.sh` can gather: every bench prints its line for
//! people and, when BENCH_RESULTS names a file, appends each figure to it as one JSON object
//! per line. BENCH_STORE_LABEL renames the store (e.g. "postgres-durable" for a cluster with
//! fsync and synchronous_commit on), since the bench cannot tell two Postgres clusters apart.

use std::io::Write;

/// A bench's setting from the environment (`name`), or `default` when unset or unreadable.
pub fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The stores a bench runs on: the one BENCH_BACKEND names (sqlite or postgres), else both.
pub fn chosen_backends() -> Vec<super::Backend> {
    let only = std::env::var("BENCH_BACKEND").ok().map(|name| name.to_lowercase());
    super::BACKENDS.into_iter().filter(|backend| only.as_deref().is_none_or(|name| format!("{backend:?}").to_lowercase() == name)).collect()
}

/// The label of `backend` in figures: BENCH_STORE_LABEL for Postgres when set, else its name.
pub fn store_label(backend: super::Backend) -> String {
    match backend {
        super::Backend::Postgres => std::env::var("BENCH_STORE_LABEL").unwrap_or_else(|_| "postgres".into()),
        super::Backend::Sqlite => "sqlite".into(),
    }
}

/// Appends one figure (`bench`, `figure`, `store`, `value` in `unit`) to BENCH_RESULTS, if set.
pub fn record(bench: &str, figure: &str, store: &str, value: f64, unit: &str) {
    let Ok(path) = std::env::var("BENCH_RESULTS") else { return };
    let line = serde_json::json!({ "bench": bench, "figure": figure, "store": store, "value": value, "unit": unit });
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("open BENCH_RESULTS");
    writeln!(file, "{line}").expect("append to BENCH_RESULTS");
}

/// The process's resident set now (VmRSS) and at its peak (VmHWM), in MiB.
pub fn resident_mib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()))
            .map(|kb| kb / 1024)
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time (user + system) the process has used so far, in seconds.
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command (which may hold spaces) start after its closing parenthesis;
    // utime and stime are the 14th and 15th fields of the line, in clock ticks (100 a second).
    let rest = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}
