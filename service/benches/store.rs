//! Store benchmarks (issue 3), printed as figures, not asserted:
//!   1. SubmitJob of one 10,000-child array job;
//!   2. ListJobs by queue and status, first page and a deep page, with 1,000,000 jobs stored;
//!   3. DescribeJobs of 100 jobs (each with its history) with the same jobs stored.
//!
//! Both run on SQLite and on Postgres (TEST_DATABASE_URL, as scripts/test.sh provides).
//!
//!   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres cargo bench -p service --bench store
//! BENCH_JOBS overrides the 1,000,000 stored jobs (e.g. 100000 for a quick look).

use domain::JobStatus;
use domain::submit::ArrayProperties;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use service::jobs::{ListJobs, token_after};
use service::testing::figures;
use service::testing::{Backend, fresh_database};
use service::testing::{admin, operator};
use service::{Batch, BatchConfig};
use std::time::{Duration, Instant};

#[path = "../tests/service/fixtures.rs"]
#[allow(dead_code, unused_imports)]
mod fixtures;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stored: i64 = figures::setting("BENCH_JOBS", 1_000_000);
    for backend in figures::chosen_backends() {
        runtime.block_on(run(backend, stored));
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn run(backend: Backend, stored: i64) {
    let (db, _dir) = fresh_database(backend).await;
    let batch = Batch::new(db, BatchConfig::default());
    batch.create_compute_environment(&admin(), fixtures::environment("ce", 4)).await.unwrap();
    batch.create_job_queue(&admin(), fixtures::queue("q", &["ce"])).await.unwrap();
    batch.register_job_definition(&admin(), fixtures::definition("echo")).await.unwrap();

    let mut submits = Vec::new();
    let mut arrays = Vec::new();
    for _ in 0..3 {
        let mut request = fixtures::submission("fan-out");
        request.array_properties = Some(ArrayProperties { size: 10_000 });
        let started = Instant::now();
        arrays.push(batch.submit_job(&operator(), request).await.unwrap().job_id);
        submits.push(started.elapsed());
    }
    println!(
        "{backend:?}: submit one 10,000-child array job: median {} (runs: {})",
        ms(median(submits.clone())),
        submits.iter().map(|d| ms(*d)).collect::<Vec<_>>().join(", ")
    );

    let mut described_ids = Vec::new();
    for _ in 0..100 {
        described_ids.push(batch.submit_job(&operator(), fixtures::submission("described")).await.unwrap().job_id);
    }

    let seeding = Instant::now();
    service::testing::seed_jobs(batch.db(), backend, stored).await;
    println!("{backend:?}: seeded {stored} jobs in {:.1} s", seeding.elapsed().as_secs_f64());

    let first_page =
        ListJobs { job_queue: Some("q".into()), status: Some(JobStatus::Succeeded), max_results: Some(100), ..Default::default() };
    // Reads from a server with nothing kept (a repeated poll is answered from kept pages and
    // details: the lifecycle bench's polled figures).
    let fresh = || Batch::new(batch.db().clone(), BatchConfig::default());
    let mut firsts = Vec::new();
    for _ in 0..20 {
        let batch = fresh();
        let started = Instant::now();
        let page = batch.list_jobs(&admin(), &first_page).await.unwrap();
        firsts.push(started.elapsed());
        assert_eq!(page.items.len(), 100);
    }
    // A page half-way down the million: the token after the job in the middle.
    let middle = stored / 2;
    let deep_page = ListJobs { next_token: Some(token_after(1_700_000_000_000 + middle, &format!("seed-{middle}"))), ..first_page.clone() };
    let mut deeps = Vec::new();
    for _ in 0..20 {
        let batch = fresh();
        let started = Instant::now();
        let page = batch.list_jobs(&admin(), &deep_page).await.unwrap();
        deeps.push(started.elapsed());
        assert_eq!(page.items.len(), 100);
    }
    let (first, deep) = (median(firsts), median(deeps));
    println!(
        "{backend:?}: list by queue+status, first page of 100: median {}; a page half-way down ({middle} jobs in): median {}",
        ms(first),
        ms(deep)
    );
    let store = figures::store_label(backend);
    let in_ms = |d: Duration| d.as_secs_f64() * 1000.0;
    figures::record("store", &format!("ListJobs first page of 100, {stored} stored, p50"), &store, in_ms(first), "ms");
    figures::record("store", &format!("ListJobs page half-way down, {stored} stored, p50"), &store, in_ms(deep), "ms");
    let mut describes = Vec::new();
    for _ in 0..20 {
        let batch = fresh();
        let started = Instant::now();
        let jobs = batch.describe_jobs(&admin(), &described_ids).await.unwrap();
        describes.push(started.elapsed());
        assert_eq!(jobs.len(), 100);
    }
    let describe = median(describes);
    println!("{backend:?}: DescribeJobs of 100 jobs ({stored} stored): median {}", ms(describe));
    figures::record("store", &format!("DescribeJobs of 100 jobs, {stored} stored, p50"), &store, in_ms(describe), "ms");
    array_map_reads(&batch, backend, &arrays[0]).await;
    explain(&batch, backend).await;
}

/// Prints the plan of the list query, to show the index that serves it.
async fn explain(batch: &Batch, backend: Backend) {
    let (prefix, db_backend) = match backend {
        Backend::Postgres => ("EXPLAIN", DatabaseBackend::Postgres),
        Backend::Sqlite => ("EXPLAIN QUERY PLAN", DatabaseBackend::Sqlite),
    };
    let sql = format!(
        "{prefix} SELECT * FROM jobs WHERE job_queue_id = 1 AND array_parent_id IS NULL AND status = 'SUCCEEDED' \
         AND (created_at, id) < (1700000500000, 'seed-500000') ORDER BY created_at DESC, id DESC LIMIT 101"
    );
    let rows = batch.db().query_all_raw(Statement::from_string(db_backend, sql)).await.unwrap();
    for row in rows {
        let line: String = match backend {
            Backend::Postgres => row.try_get_by_index(0).unwrap(),
            Backend::Sqlite => row.try_get_by_index(3).unwrap(),
        };
        println!("{backend:?}:   plan: {line}");
    }
}

/// The console's heat map of a 10,000-child array, read again whenever the array's counts move:
/// paging ListJobs of the children 1,000 at a time (what it did until 2026-12-07) against the one
/// statement it reads now (`Batch::array_map`).
async fn array_map_reads(batch: &Batch, backend: Backend, parent: &str) {
    let (mut paged, mut mapped) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let started = Instant::now();
        let mut request = ListJobs { array_job_id: Some(parent.to_string()), max_results: Some(1000), ..Default::default() };
        let mut children = 0;
        loop {
            let page = batch.list_jobs(&admin(), &request).await.unwrap();
            children += page.items.len();
            request.next_token = page.next_token;
            if request.next_token.is_none() {
                break;
            }
        }
        paged.push(started.elapsed());
        assert_eq!(children, 10_000);
        let started = Instant::now();
        assert_eq!(batch.array_map(&admin(), parent).await.unwrap().len(), 10_000);
        mapped.push(started.elapsed());
    }
    let (paged, mapped) = (median(paged), median(mapped));
    println!(
        "{backend:?}: the heat map of a 10,000-child array: ListJobs pages of 1,000 median {}, one statement median {}",
        ms(paged),
        ms(mapped)
    );
    figures::record("store", "heat map of a 10,000-child array, p50", &figures::store_label(backend), mapped.as_secs_f64() * 1000.0, "ms");
}
