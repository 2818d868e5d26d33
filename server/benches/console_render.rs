//! Console pages at a million jobs (issue 8 scenario 4): the server-rendered HTML of the
//! dashboard, the jobs list (first page and a page deep down) and a job page, fetched over HTTP
//! as a signed-in admin. Prints median and p90; figures, not assertions.
//!
//!   TEST_DATABASE_URL=postgres://... BATCH_SITE_ROOT=target/site-debug \
//!     cargo bench -p server --bench console_render
//!   BENCH_JOBS=1000000 (default) jobs are bulk-loaded first.

use domain::compute_environment::UpdateComputeEnvironment;
use service::jobs::token_after;
use service::testing::{BACKENDS, Backend, definition, environment, queue, seed_jobs};
use std::time::Instant;

mod common;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stored: i64 = std::env::var("BENCH_JOBS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    for backend in BACKENDS {
        runtime.block_on(run(backend, stored));
    }
}

async fn run(backend: Backend, stored: i64) {
    let running = common::start(backend).await;
    let (batch, admin) = (&running.batch, &running.admin);
    batch.create_compute_environment(admin, environment("ce", 4)).await.unwrap();
    // Disabled: the seeded RUNNABLE jobs wait instead of starting containers mid-measurement.
    let disable = UpdateComputeEnvironment { compute_environment: "ce".into(), state: Some("DISABLED".into()), ..Default::default() };
    batch.update_compute_environment(admin, disable).await.unwrap();
    batch.create_job_queue(admin, queue("q", &["ce"])).await.unwrap();
    batch.register_job_definition(admin, definition("echo")).await.unwrap();
    let seeding = Instant::now();
    seed_jobs(batch.db(), backend, stored).await;
    println!("{backend:?}: seeded {stored} jobs in {:.1} s", seeding.elapsed().as_secs_f64());

    let client = reqwest::Client::new();
    let middle = stored / 2;
    let deep_token = token_after(1_700_000_000_000 + middle, &format!("seed-{middle}"));
    let pages = [
        ("dashboard", "/".to_string()),
        ("jobs list, first page", "/jobs?queue=q&status=SUCCEEDED".to_string()),
        ("jobs list, half-way down", format!("/jobs?queue=q&status=SUCCEEDED&token={deep_token}")),
        ("jobs list, name prefix", "/jobs?queue=q&name=seed".to_string()),
        ("job page", format!("/jobs/seed-{middle}")),
    ];
    for (what, path) in pages {
        let mut samples = Vec::new();
        let mut bytes = 0;
        for _ in 0..21 {
            let started = Instant::now();
            let response = client
                .get(format!("{}{path}", running.endpoint))
                .header("cookie", format!("batch_session={}", running.session))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path}");
            bytes = response.bytes().await.unwrap().len();
            samples.push(started.elapsed());
        }
        let (median, p90) = common::median_and_p90(samples);
        println!("{backend:?}: {what:<26} median {median:>7.1} ms, p90 {p90:>7.1} ms ({} KB of HTML)", bytes / 1024);
    }
    running.stop().await;
}
