//! SubmitJob over HTTP (issue 7's figure, issue 8 scenario 2): 32 concurrent clients, each
//! signing every request with SigV4 like boto3 does, against the real server on Postgres and on
//! SQLite. Prints throughput and p50 / p99 latency; figures, not assertions.
//!
//!   TEST_DATABASE_URL=postgres://... BATCH_SITE_ROOT=target/site-debug \
//!     cargo bench -p server --bench api_submit
//!   BENCH_REQUESTS=10000 BENCH_CLIENTS=32 to change the load (default 4,000 over 32 clients)
//!   BENCH_BACKEND=postgres or sqlite for one store only (default both)

use domain::access::Role;
use domain::compute_environment::UpdateComputeEnvironment;
use service::testing::{Backend, definition, environment, figures, queue};
use std::time::{Duration, Instant};

mod common;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let requests = figures::setting("BENCH_REQUESTS", 4000);
    let clients = figures::setting("BENCH_CLIENTS", 32);
    for backend in figures::chosen_backends() {
        runtime.block_on(run(backend, requests, clients));
    }
}

async fn run(backend: Backend, requests: usize, clients: usize) {
    let running = common::start(backend).await;
    let (batch, admin) = (running.batch.clone(), running.admin.clone());
    let endpoint = running.endpoint.clone();

    // An operator with a key; a queue whose only environment is disabled, so the submitted
    // jobs wait in RUNNABLE and the figure is the submission path alone.
    let operator = domain::access::NewUser { username: "bench".into(), password: "bench password!".into(), role: Role::Operator };
    batch.create_user(&admin, operator).await.unwrap();
    let operator = batch.caller_for_user("bench").await.unwrap();
    batch.create_compute_environment(&admin, environment("ce", 2)).await.unwrap();
    let disable = UpdateComputeEnvironment { compute_environment: "ce".into(), state: Some("DISABLED".into()), ..Default::default() };
    batch.update_compute_environment(&admin, disable).await.unwrap();
    batch.create_job_queue(&admin, queue("q", &["ce"])).await.unwrap();
    batch.register_job_definition(&admin, definition("echo")).await.unwrap();
    let key = batch.create_access_key(&operator).await.unwrap();
    let signer = std::sync::Arc::new(common::Signer::new(&endpoint, key));

    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build().unwrap();
    let per_client = requests / clients;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, signer) = (client.clone(), signer.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            for n in 0..per_client {
                let body = format!(r#"{{"jobName":"bench-{c}-{n}","jobQueue":"q","jobDefinition":"echo"}}"#);
                let sent = Instant::now();
                let response = signer.post(&client, "/v1/submitjob", body).send().await.unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                assert!(status.is_success(), "{status}: {text}");
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "{backend:?}: {} SubmitJob requests from {clients} signed clients in {:.2} s = {:.0} requests/s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(0.50).as_secs_f64() * 1000.0,
        percentile(0.99).as_secs_f64() * 1000.0,
        latencies.last().unwrap().as_secs_f64() * 1000.0,
    );
    let store = figures::store_label(backend);
    let figure = format!("SubmitJob over HTTP, {clients} signed clients");
    figures::record("api_submit", &figure, &store, latencies.len() as f64 / elapsed.as_secs_f64(), "requests/s");
    figures::record("api_submit", &format!("{figure}, p99"), &store, percentile(0.99).as_secs_f64() * 1000.0, "ms");
    running.stop().await;
}
