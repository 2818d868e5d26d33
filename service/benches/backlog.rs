//! A large, uneven backlog (issue 21), printed as figures, not asserted:
//!   1. scheduler pass time (p50, p99) with 1,000,000 jobs stored, 100,000 of them RUNNABLE
//!      over 100 queues and 3 simulated environments: "open" (16 vCPUs, jobs run 200 ms),
//!      "full" (4 vCPUs, held by hour-long jobs) and "disabled";
//!   2. the time from a slot freeing in "open" (an attempt's recorded stop) to the next job's
//!      claim there (the next attempt's recorded start);
//!   3. the process's resident memory with that store (the whole service but HTTP runs here);
//!   4. idle: "open" disabled too, so no job can move, the scheduler's own loop (lease,
//!      maintenance, passes) runs for BENCH_IDLE_SECONDS: CPU time of the process and store
//!      queries per second.
//!
//! Passes are driven by the scheduler's loop minus the lease and maintenance (run_once, then
//! at once again if it moved anything, else on the next wake-up or tick), so each is timed.
//!
//!   TEST_DATABASE_URL=postgres://... cargo bench -p service --bench backlog
//! BENCH_BACKEND=sqlite|postgres picks one store; BENCH_JOBS and BENCH_RUNNABLE shrink it.

use domain::compute_environment::{ExecutorKind, UpdateComputeEnvironment};
use domain::container::KeyValuePair;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use service::scheduler::Scheduler;
use service::testing::figures;
use service::testing::{Backend, admin, fresh_database};
use service::{Batch, BatchConfig};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[path = "../tests/service/fixtures.rs"]
#[allow(dead_code, unused_imports)]
mod fixtures;

const QUEUES: usize = 100;
const OPEN_VCPUS: i64 = 16;
/// The scheduler's own tick (scheduler::TICK): a pass that moved nothing waits this at most.
const TICK: Duration = Duration::from_millis(500);

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for backend in figures::chosen_backends() {
        runtime.block_on(run(backend));
    }
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(backend: Backend) {
    let stored = figures::setting("BENCH_JOBS", 1_000_000) as i64;
    let runnable = figures::setting("BENCH_RUNNABLE", 100_000) as i64;
    let store = figures::store_label(backend);
    let (db, _dir) = fresh_database(backend).await;
    let (batch, queries) = Batch::counting_queries(db, BatchConfig::default());
    for (name, vcpus, state) in [("open", OPEN_VCPUS, None), ("full", 4, None), ("disabled", 16, Some("DISABLED"))] {
        let mut environment = fixtures::environment(name, vcpus);
        environment.executor = Some(ExecutorKind::Simulated);
        environment.state = state.map(Into::into);
        batch.create_compute_environment(&admin(), environment).await.unwrap();
    }
    for (name, duration_ms) in [("short", 200), ("hour", 3_600_000)] {
        let mut definition = fixtures::definition(name);
        let container = definition.container_properties.as_mut().unwrap();
        container.environment = vec![KeyValuePair { name: "SIMULATED_DURATION_MS".into(), value: duration_ms.to_string() }];
        batch.register_job_definition(&admin(), definition).await.unwrap();
    }
    // A third of the queues each feed one environment; the full one's jobs run for an hour.
    let mut layout = Vec::new();
    for k in 0..QUEUES {
        let (environment, definition) = match k * 3 / QUEUES {
            0 => ("open", "short"),
            1 => ("full", "hour"),
            _ => ("disabled", "short"),
        };
        let name = format!("q{k:03}-{environment}");
        batch.create_job_queue(&admin(), fixtures::queue(&name, &[environment])).await.unwrap();
        layout.push((id_of(batch.db(), "job_queues", "name", &name).await, id_of(batch.db(), "job_definitions", "name", definition).await));
    }
    let seeding = Instant::now();
    service::testing::seed_backlog(batch.db(), backend, stored, runnable, &layout).await;
    println!("{backend:?}: seeded {stored} jobs ({runnable} RUNNABLE over {QUEUES} queues) in {:.1} s", seeding.elapsed().as_secs_f64());

    // 1 and 2: passes while "open" turns over its 16 slots every 200 ms.
    let scheduler = Scheduler::new(batch.clone(), "bench");
    let seconds = figures::setting("BENCH_SECONDS", 30);
    let started_ms = chrono::Utc::now().timestamp_millis();
    let passes = drive_passes(&scheduler, &batch, Duration::from_secs(seconds)).await;
    // The first pass writes the waiting reason of every job it reads (seeded jobs have none):
    // reported on its own, not in the steady state's percentiles.
    let first = passes[0].1 - passes[0].0;
    println!("{backend:?}: the first pass (reasons for every job read) took {first} ms");
    let mut pass_times: Vec<f64> = passes[1..].iter().map(|(start, end)| (end - start) as f64).collect();
    let pass_p50 = percentile(&mut pass_times, 0.5);
    let pass_p99 = percentile(&mut pass_times, 0.99);
    println!("{backend:?}: {} scheduler passes in {seconds} s: p50 {pass_p50:.1} ms, p99 {pass_p99:.1} ms", passes.len());
    println!("  {}", scheduler.phase_times());
    let short = id_of(batch.db(), "job_definitions", "name", "short").await;
    let mut gaps = slot_to_claim_gaps(batch.db(), short, started_ms, &passes).await;
    let (gap_p50, gap_p99) = (percentile(&mut gaps, 0.5), percentile(&mut gaps, 0.99));
    println!("{backend:?}: slot freed → next claim in \"open\" ({} claims): p50 {gap_p50:.0} ms, p99 {gap_p99:.0} ms", gaps.len());
    let shape = format!("{stored} stored, {runnable} RUNNABLE over {QUEUES} queues");
    figures::record("backlog", &format!("first scheduler pass, {shape}"), &store, first as f64, "ms");
    figures::record("backlog", &format!("scheduler pass, {shape}, p50"), &store, pass_p50, "ms");
    figures::record("backlog", &format!("scheduler pass, {shape}, p99"), &store, pass_p99, "ms");
    figures::record("backlog", &format!("slot freed to next claim, {shape}, p50"), &store, gap_p50, "ms");
    figures::record("backlog", &format!("slot freed to next claim, {shape}, p99"), &store, gap_p99, "ms");

    // 4: no job can move any more; the scheduler runs as in the server.
    let update = UpdateComputeEnvironment { compute_environment: "open".into(), state: Some("DISABLED".into()), ..Default::default() };
    batch.update_compute_environment(&admin(), update).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await; // the last 200 ms attempts end
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(scheduler.clone().run(async {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_secs(5)).await; // it takes the lease and reconciles
    let idle = Duration::from_secs(figures::setting("BENCH_IDLE_SECONDS", 30));
    let (cpu_before, queries_before) = (figures::cpu_seconds(), queries.load(Ordering::Relaxed));
    tokio::time::sleep(idle).await;
    let cpu_share = (figures::cpu_seconds() - cpu_before) / idle.as_secs_f64() * 100.0;
    let query_rate = (queries.load(Ordering::Relaxed) - queries_before) as f64 / idle.as_secs_f64();
    let _ = stop.send(());
    let _ = running.await;
    println!("  since the start: {}", scheduler.phase_times());
    let (resident, peak) = figures::resident_mib();
    println!(
        "{backend:?}: idle with that backlog: {cpu_share:.2}% of a core, {query_rate:.1} store queries/s; resident {resident} MiB (peak {peak} MiB, seeding included)"
    );
    figures::record("backlog", &format!("idle, {shape}: CPU"), &store, cpu_share, "% of a core");
    figures::record("backlog", &format!("idle, {shape}: store queries"), &store, query_rate, "queries/s");
    figures::record("backlog", &format!("resident memory, {shape}"), &store, resident as f64, "MiB");
}

/// Runs passes for `how_long` as the scheduler's loop would, returning when each started and
/// ended (epoch ms).
async fn drive_passes(scheduler: &Scheduler, batch: &Batch, how_long: Duration) -> Vec<(i64, i64)> {
    let mut passes = Vec::new();
    let until = Instant::now() + how_long;
    while Instant::now() < until {
        let started = chrono::Utc::now().timestamp_millis();
        let report = scheduler.run_once().await.unwrap();
        passes.push((started, chrono::Utc::now().timestamp_millis()));
        if report.moved + report.started == 0 {
            tokio::select! {
                () = batch.work_arrived() => {}
                () = tokio::time::sleep(TICK) => {}
            }
        }
    }
    passes
}

/// With every job asking 1 vCPU and running the same time, the k-th claim after the first
/// `OPEN_VCPUS` takes the slot the k-th stop freed: the gaps between the two, in ms. A claim
/// records its pass's start as the attempt's start, so the claim counts as made when that pass
/// ended (an upper bound). Jobs of the "short" definition run only in "open" (the disabled
/// environment's never start).
async fn slot_to_claim_gaps(db: &DatabaseConnection, short_definition: i32, since_ms: i64, passes: &[(i64, i64)]) -> Vec<f64> {
    let sql = format!(
        "SELECT a.started_at, a.stopped_at FROM job_attempts a JOIN jobs j ON j.id = a.job_id \
         WHERE j.job_definition_id = {short_definition} AND a.started_at >= {since_ms}"
    );
    let rows = db.query_all_raw(Statement::from_string(backend_of(db), sql)).await.unwrap();
    let claimed_by = |started_at: i64| passes.iter().rev().find(|(start, _)| *start <= started_at).map_or(started_at, |(_, end)| *end);
    let mut starts: Vec<i64> = rows.iter().map(|r| claimed_by(r.try_get_by_index::<i64>(0).unwrap())).collect();
    let mut stops: Vec<i64> = rows.iter().filter_map(|r| r.try_get_by_index::<Option<i64>>(1).unwrap()).collect();
    starts.sort_unstable();
    stops.sort_unstable();
    starts.iter().skip(OPEN_VCPUS as usize).zip(&stops).map(|(start, stop)| (start - stop) as f64).collect()
}

async fn id_of(db: &DatabaseConnection, table: &str, column: &str, name: &str) -> i32 {
    let sql = format!("SELECT id FROM {table} WHERE {column} = '{name}' ORDER BY id DESC LIMIT 1");
    let row = db.query_one_raw(Statement::from_string(backend_of(db), sql)).await.unwrap().expect("a row by that name");
    row.try_get_by_index::<i32>(0).unwrap()
}

fn backend_of(db: &DatabaseConnection) -> DatabaseBackend {
    db.get_database_backend()
}
