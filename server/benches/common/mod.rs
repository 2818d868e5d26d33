//! What the server benchmarks share: the real application on a fresh database, with a first
//! admin.

// Each bench compiles this module on its own and uses a different part of it.
#![allow(dead_code)]

use server::aws::sigv4::{self, Authorization, Received};
use server::settings::Settings;
use server::startup::Application;
use service::Batch;
use service::testing::{Backend, TempDir, temp_dir};
use std::net::SocketAddr;

pub struct Running {
    pub endpoint: String,
    pub batch: Batch,
    pub admin: domain::access::Caller,
    /// The admin's session token, for console pages.
    pub session: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _data_dir: TempDir,
}

impl Running {
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

pub async fn start(backend: Backend) -> Running {
    let data_dir = temp_dir();
    let database_url = match backend {
        Backend::Postgres => Some(service::testing::create_postgres_database().await),
        Backend::Sqlite => None,
    };
    let settings = Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url,
        docker_host: std::env::var("DOCKER_HOST").ok(),
        data_dir: data_dir.path().to_path_buf(),
        site_root: std::env::var("BATCH_SITE_ROOT").unwrap_or_else(|_| "target/site-debug".into()).into(),
        region: "us-east-1".into(),
        account_id: "000000000000".into(),
        secret_key: None,
        retention: Default::default(),
        output_limits: Default::default(),
        edge: Default::default(),
    };
    let app = Application::build(settings).await.unwrap();
    let endpoint = format!("http://{}", app.local_addr());
    let batch = app.batch().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    batch.create_first_admin("bench-admin", "bench admin password", None).await.unwrap();
    let session = batch.sign_in("bench-admin", "bench admin password", None).await.unwrap();
    Running { endpoint, batch, admin: session.caller, session: session.token, stop: Some(stop), server: Some(server), _data_dir: data_dir }
}

pub fn median_and_p90(mut samples: Vec<std::time::Duration>) -> (f64, f64) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)].as_secs_f64() * 1000.0;
    (at(0.5), at(0.9))
}

/// Signs requests as botocore does, with one access key.
pub struct Signer {
    endpoint: String,
    host: String,
    key_id: String,
    secret: String,
}

impl Signer {
    pub fn new(endpoint: &str, key: domain::access::NewAccessKey) -> Signer {
        Signer {
            host: endpoint.trim_start_matches("http://").to_string(),
            endpoint: endpoint.to_string(),
            key_id: key.access_key_id,
            secret: key.secret_access_key,
        }
    }

    /// Signs like botocore: host and x-amz-date signed, the body hashed, no content-sha header.
    pub fn post(&self, client: &reqwest::Client, path: &str, body: String) -> reqwest::RequestBuilder {
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
