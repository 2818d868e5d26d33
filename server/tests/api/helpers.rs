use domain::access::{NewUser, Role};
use server::settings::Settings;
use server::startup::Application;
pub use service::testing::{BACKENDS, Backend, TempDir, temp_dir};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::oneshot;

pub const ADMIN: &str = "root";
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    /// The Postgres database URL of this test, if it runs on Postgres.
    pub postgres_url: Option<String>,
    pub client: reqwest::Client,
    pub batch: service::Batch,
    /// The session cookie `get` and `post_form` send: the first admin's, signed in at spawn.
    pub session: Option<String>,
    /// What the set-up page asks for (the server prints it in its log).
    pub setup_token: String,
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
        Self::spawn_inner(backend, adjust, true).await
    }

    /// A console nobody can sign in to yet (the set-up page is open).
    pub async fn spawn_without_users(backend: Backend) -> TestApp {
        Self::spawn_inner(backend, |_| {}, false).await
    }

    async fn spawn_inner(backend: Backend, adjust: impl FnOnce(&mut Settings), with_admin: bool) -> TestApp {
        let data_dir = temp_dir();
        let postgres_url = match backend {
            Backend::Postgres => Some(service::testing::create_postgres_database().await),
            Backend::Sqlite => None,
        };
        let mut settings = Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: postgres_url.clone(),
            docker_host: std::env::var("DOCKER_HOST").ok(),
            data_dir: data_dir.path().to_path_buf(),
            site_root: site_root(),
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            secret_key: None,
            retention: Default::default(),
            output_limits: Default::default(),
            edge: Default::default(),
        };
        adjust(&mut settings);
        let app = Application::build(settings).await.expect("the application starts");
        let address = format!("http://{}", app.local_addr());
        let batch = app.batch().clone();
        let setup_token = app.setup_token().to_string();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        // Redirects are what the sign-in tests look at: never followed.
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let session = if with_admin {
            batch.create_first_admin(ADMIN, PASSWORD, None).await.expect("the first admin is created");
            Some(batch.sign_in(ADMIN, PASSWORD, None).await.unwrap().token)
        } else {
            None
        };
        TestApp { address, postgres_url, client, batch, session, setup_token, stop: Some(stop), _data_dir: data_dir }
    }

    /// A user with `role`, signed in; returns the session token.
    pub async fn sign_in_as(&self, username: &str, role: Role) -> String {
        let admin = self.batch.session_caller(self.session.as_deref().unwrap()).await.unwrap();
        let user = NewUser { username: username.into(), password: PASSWORD.into(), role };
        self.batch.create_user(&admin, user).await.unwrap();
        self.batch.sign_in(username, PASSWORD, None).await.unwrap().token
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// GET as the signed-in admin.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = &self.session {
            request = request.header("cookie", format!("batch_session={token}"));
        }
        request.send().await.expect("the request reaches the server")
    }

    pub async fn get_signed_out(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("the request reaches the server")
    }
}
