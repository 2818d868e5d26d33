//! What the server benchmarks share: the real application on a fresh database, with a first
//! admin.

// Each bench compiles this module on its own and uses a different part of it.
#![allow(dead_code)]

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
