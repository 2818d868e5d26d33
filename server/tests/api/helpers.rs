use server::settings::Settings;
use server::startup::Application;
pub use service::testing::{BACKENDS, Backend, TempDir};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::oneshot;

pub struct TestApp {
    pub address: String,
    /// The Postgres database URL of this test, if it runs on Postgres.
    pub postgres_url: Option<String>,
    pub client: reqwest::Client,
    pub batch: service::Batch,
    stop: Option<oneshot::Sender<()>>,
    _data_dir: TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Where scripts/build-site.sh put the browser bundle.
pub fn site_root() -> PathBuf {
    std::env::var("BATCH_SITE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site-debug")))
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let data_dir = TempDir::new();
        let postgres_url = match backend {
            Backend::Postgres => Some(service::testing::create_postgres_database().await),
            Backend::Sqlite => None,
        };
        let mut settings = Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: postgres_url.clone(),
            docker_host: std::env::var("DOCKER_HOST").ok(),
            data_dir: data_dir.0.clone(),
            site_root: site_root(),
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
        };
        adjust(&mut settings);
        let app = Application::build(settings).await.expect("the application starts");
        let address = format!("http://{}", app.local_addr());
        let batch = app.batch().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        TestApp { address, postgres_url, client: reqwest::Client::new(), batch, stop: Some(stop), _data_dir: data_dir }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("the request reaches the server")
    }
}
