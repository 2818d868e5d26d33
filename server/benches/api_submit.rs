//! SubmitJob over HTTP (issue 7's figure, issue 8 scenario 2): 32 concurrent clients, each
//! signing every request with SigV4 like boto3 does, against the real server on Postgres and on
//! SQLite. Prints throughput and p50 / p99 latency; figures, not assertions.
//!
//!   TEST_DATABASE_URL=postgres://... BATCH_SITE_ROOT=target/site-debug \
//!     cargo bench -p server --bench api_submit
//!   BENCH_REQUESTS=10000 BENCH_CLIENTS=32 to change the load (default 4,000 over 32 clients)

use domain::access::Role;
use domain::compute_environment::UpdateComputeEnvironment;
use server::aws::sigv4::{self, Authorization, Received};
use service::testing::{BACKENDS, Backend, definition, environment, queue};
use std::time::{Duration, Instant};

mod common;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let requests = setting("BENCH_REQUESTS", 4000);
    let clients = setting("BENCH_CLIENTS", 32);
    for backend in BACKENDS {
        runtime.block_on(run(backend, requests, clients));
    }
}

struct Signer {
    endpoint: String,
    host: String,
    key_id: String,
    secret: String,
}

impl Signer {
    /// Signs like botocore: host and x-amz-date signed, the body hashed, no content-sha header.
    fn post(&self, client: &reqwest::Client, path: &str, body: String) -> reqwest::RequestBuilder {
        let amz_date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let headers = vec![("host".to_string(), self.host.clone()), ("x-amz-date".to_string(), amz_date.clone())];
        let mut authorization = Authorization {
            access_key_id: self.key_id.clone(),
            date: amz_date[..8].to_string(),
            region: "us-east-1".into(),
            service: "batch".into(),
            signed_headers: vec!["host".into(), "x-amz-date".into()],
            signature: String::new(),
        };
        let received = Received { method: "POST", raw_path: path, raw_query: "", headers: &headers, body: body.as_bytes() };
        let canonical = sigv4::canonical_request(&received, &authorization.signed_headers);
        authorization.signature = sigv4::signature(&self.secret, &authorization, &amz_date, &canonical);
        let header = format!(
            "AWS4-HMAC-SHA256 Credential={}/{}/us-east-1/batch/aws4_request, SignedHeaders=host;x-amz-date, Signature={}",
            self.key_id, authorization.date, authorization.signature
        );
        client
            .post(format!("{}{path}", self.endpoint))
            .header("x-amz-date", amz_date)
            .header("authorization", header)
            .header("content-type", "application/x-amz-json-1.1")
            .body(body)
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
    let signer = std::sync::Arc::new(Signer {
        host: endpoint.trim_start_matches("http://").to_string(),
        endpoint,
        key_id: key.access_key_id,
        secret: key.secret_access_key,
    });

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
    running.stop().await;
}
