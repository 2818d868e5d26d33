//! Single jobs end to end over HTTP (issue 21): 32 signing clients submit independent jobs
//! (not arrays) to the real server, whose simulated environment runs them; the figure is jobs
//! per second from the first SubmitJob to the moment none is left unfinished. The array path
//! must not be the only fast one. Figures, not assertions.
//!
//!   TEST_DATABASE_URL=postgres://... cargo bench -p server --bench api_lifecycle
//!   BENCH_JOBS=100000 BENCH_CLIENTS=32 (default 20,000 jobs over 32 clients)
//!   BENCH_BACKEND=postgres or sqlite for one store only (default both)

use domain::JobStatus;
use domain::access::Role;
use domain::compute_environment::ExecutorKind;
use domain::container::KeyValuePair;
use service::jobs::ListJobs;
use service::testing::{Backend, definition, environment, figures, queue};
use std::time::{Duration, Instant};

mod common;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let jobs = figures::setting("BENCH_JOBS", 20_000);
    let clients = figures::setting("BENCH_CLIENTS", 32);
    for backend in figures::chosen_backends() {
        runtime.block_on(run(backend, jobs, clients));
    }
}

async fn run(backend: Backend, jobs: usize, clients: usize) {
    let running = common::start(backend).await;
    let (batch, admin) = (running.batch.clone(), running.admin.clone());
    let operator = domain::access::NewUser { username: "bench".into(), password: "bench password!".into(), role: Role::Operator };
    batch.create_user(&admin, operator).await.unwrap();
    let operator = batch.caller_for_user("bench").await.unwrap();
    let mut simulated = environment("sim", 100_000);
    simulated.executor = Some(ExecutorKind::Simulated);
    batch.create_compute_environment(&admin, simulated).await.unwrap();
    batch.create_job_queue(&admin, queue("q", &["sim"])).await.unwrap();
    let mut instant = definition("instant");
    let container = instant.container_properties.as_mut().unwrap();
    container.environment = vec![KeyValuePair { name: "SIMULATED_DURATION_MS".into(), value: "0".into() }];
    container.resource_requirements[0].value = "0.001".into();
    batch.register_job_definition(&admin, instant).await.unwrap();
    let signer = std::sync::Arc::new(common::Signer::new(&running.endpoint, batch.create_access_key(&operator).await.unwrap()));

    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build().unwrap();
    let per_client = jobs / clients;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, signer) = (client.clone(), signer.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0..per_client {
                let body = format!(r#"{{"jobName":"single-{c}-{n}","jobQueue":"q","jobDefinition":"instant"}}"#);
                let response = signer.post(&client, "/v1/submitjob", body).send().await.unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                assert!(status.is_success(), "{status}: {text}");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let submitted = started.elapsed();
    wait_until_none_unfinished(&batch, &admin).await;
    let total = started.elapsed();
    let done = per_client * clients;
    let succeeded = count(&batch, &admin, JobStatus::Succeeded, done).await;
    assert_eq!(succeeded, done, "every job succeeds");
    let rate = done as f64 / total.as_secs_f64();
    println!(
        "{backend:?}: {done} single jobs from {clients} signed clients over HTTP, submitted in {:.1} s, all SUCCEEDED after {:.1} s: {rate:.0} jobs/s",
        submitted.as_secs_f64(),
        total.as_secs_f64()
    );
    figures::record(
        "api_lifecycle",
        &format!("{done} single jobs over HTTP, submit to SUCCEEDED"),
        &figures::store_label(backend),
        rate,
        "jobs/s",
    );
    running.stop().await;
}

/// Polls (every 50 ms, so the figure is at most that late) until no job of the queue is in an
/// unfinished state: one first-page ListJobs per state.
async fn wait_until_none_unfinished(batch: &service::Batch, admin: &domain::access::Caller) {
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        let mut unfinished = 0;
        for status in [JobStatus::Submitted, JobStatus::Pending, JobStatus::Runnable, JobStatus::Starting, JobStatus::Running] {
            unfinished += count(batch, admin, status, 1).await;
        }
        if unfinished == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "jobs did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many jobs of the queue are in `status`, counting up to `at_most`.
async fn count(batch: &service::Batch, admin: &domain::access::Caller, status: JobStatus, at_most: usize) -> usize {
    let mut request = ListJobs { job_queue: Some("q".into()), status: Some(status), max_results: Some(1000), ..Default::default() };
    let mut seen = 0;
    loop {
        let page = batch.list_jobs(admin, &request).await.unwrap();
        seen += page.items.len();
        match page.next_token {
            Some(token) if seen < at_most => request.next_token = Some(token),
            _ => return seen,
        }
    }
}
