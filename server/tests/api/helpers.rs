use sea_orm::{ConnectionTrait, Database};
use server::settings::Settings;
use server::startup::Application;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::oneshot;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Postgres,
    Sqlite,
}

pub const BACKENDS: [Backend; 2] = [Backend::Postgres, Backend::Sqlite];

pub struct TestApp {
    pub address: String,
    /// The Postgres database created for this test, if any, and the admin URL that made it.
    pub postgres: Option<(String, String)>,
    pub client: reqwest::Client,
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

/// The Postgres server the test command started. Tests never skip Postgres: without it they fail.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").expect(
        "TEST_DATABASE_URL is not set: run the tests through scripts/test.sh, which starts Postgres",
    )
}

/// Where scripts/build-site.sh put the browser bundle.
pub fn site_root() -> PathBuf {
    std::env::var("BATCH_SITE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site-debug")))
}

pub async fn create_postgres_database() -> (String, String) {
    let admin_url = postgres_admin_url();
    let name = format!("batch_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.expect("connect to the test Postgres");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    admin.close().await.ok();
    let (base, _) = admin_url.rsplit_once('/').expect("TEST_DATABASE_URL ends with /dbname");
    (admin_url.clone(), format!("{base}/{name}"))
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let data_dir = TempDir::new();
        let (database_url, postgres) = match backend {
            Backend::Postgres => {
                let (admin, url) = create_postgres_database().await;
                (Some(url.clone()), Some((admin, url)))
            }
            Backend::Sqlite => (None, None),
        };
        let mut settings = Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url,
            docker_host: std::env::var("DOCKER_HOST").ok(),
            data_dir: data_dir.0.clone(),
            site_root: site_root(),
        };
        adjust(&mut settings);
        let app = Application::build(settings).await.expect("the application starts");
        let address = format!("http://{}", app.local_addr());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        TestApp {
            address,

            postgres,
            client: reqwest::Client::new(),
            stop: Some(stop),
            _data_dir: data_dir,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("the request reaches the server")
    }
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("batch-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
