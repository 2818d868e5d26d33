//! Builds the application from settings (port 0 allowed, for tests) and runs it.

use crate::settings::Settings;
use crate::{auth, aws, edge, health, job_log, live};
use app::{App, BUNDLE_NAME, shell};
use axum::Router;
use axum::extract::FromRef;
use axum::routing::{any, get, post};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use sea_orm::DatabaseConnection;
use service::access::ServerKey;
use service::db::{DbError, connect_and_migrate, sqlite_url_in};
use service::docker::{DockerEngine, DockerError};
use service::scheduler::Scheduler;
use service::{Batch, BatchConfig};
use std::future::Future;
use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;
use tower_http::trace::TraceLayer;

/// What every request handler may use.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub docker: DockerEngine,
    pub batch: Batch,
    /// What `/auth/setup` asks for (see `auth::setup`): made at start, printed to the log
    /// while no user exists.
    pub setup_token: std::sync::Arc<str>,
    pub edge: std::sync::Arc<crate::public_edge::PublicEdge>,
    /// The one poller behind every live page.
    pub live: std::sync::Arc<live::LiveHub>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Start-up failures, each worded as what went wrong and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {addr}: {source}. Stop whatever uses it or set BATCH_LISTEN to a free address")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot create the data directory {path}: {source}. Set BATCH_DATA_DIR to a writable directory")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("{0}. Check DATABASE_URL and that the database server is running")]
    Database(#[from] DbError),
    #[error("{0}. Start the Docker engine (dockerd) or set DOCKER_HOST to one that runs")]
    Docker(#[from] DockerError),
    #[error("{0}")]
    SecretKey(String),
    #[error("{0}")]
    Instance(String),
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    batch: Batch,
    instance: Instance,
    setup_token: std::sync::Arc<str>,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        // Bind first: a port clash is the cheapest failure to report.
        let listener = TcpListener::bind(settings.listen).await.map_err(|source| StartupError::Bind { addr: settings.listen, source })?;
        let (db, server_key) = open_store(&settings).await?;
        let instance = Instance::claim(&settings.data_dir)?;
        let docker = DockerEngine::connect(settings.docker_host.as_deref()).await?;
        docker.ping().await?;

        let site_root = settings.site_root.to_string_lossy().to_string();
        if !settings.site_root.join("pkg").join(format!("{BUNDLE_NAME}_bg.wasm")).exists() {
            tracing::warn!(%site_root, "the browser bundle is missing: pages render but will not hydrate (run scripts/build-site.sh)");
        }
        let leptos_options = LeptosOptions::builder()
            .output_name(BUNDLE_NAME)
            .site_root(site_root)
            .site_pkg_dir("pkg")
            .site_addr(listener.local_addr().map_err(|source| StartupError::Bind { addr: settings.listen, source })?)
            .build();
        let default_host = docker.capacity().await?;
        let batch = Batch::new(
            db.clone(),
            BatchConfig {
                region: settings.region.clone(),
                account_id: settings.account_id.clone(),
                default_host,
                server_key,
                retention: settings.retention,
                output_limits: settings.output_limits,
                data_dir: Some(settings.data_dir.clone()),
                job_endpoint: service::batch::job_endpoint(settings.listen.port()),
            },
        );
        let setup_token: std::sync::Arc<str> = service::access::new_setup_token().into();
        let edge = std::sync::Arc::new(settings.edge.clone());
        let live = std::sync::Arc::new(live::LiveHub::start(batch.clone()));
        let state = AppState { leptos_options, db, docker, batch, setup_token: setup_token.clone(), edge, live };
        let batch = state.batch.clone();
        Ok(Application { listener, router: router(state), batch, instance, setup_token })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// The token the set-up page asks for (tests read it here; people read the log).
    pub fn setup_token(&self) -> &str {
        &self.setup_token
    }

    /// The service layer this application serves (tests drive it directly).
    pub fn batch(&self) -> &Batch {
        &self.batch
    }

    /// Serves, and runs the scheduler when this replica holds the lease, until `shutdown`
    /// completes; then lets requests in flight finish. Containers keep running: the next
    /// leader re-adopts them.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        tracing::info!(addr = %self.local_addr(), "console listening");
        if matches!(self.batch.has_users().await, Ok(false)) {
            // The way Jenkins prints its initial admin password: only someone who can read this
            // server's log can create the first administrator through the browser.
            tracing::warn!(
                "no user exists yet: open http://{}/setup and enter this set-up token: {}   (or run: server users create --username NAME --role admin)",
                self.local_addr(),
                self.setup_token
            );
        }
        let (stop_scheduler, scheduler_stopped) = tokio::sync::oneshot::channel::<()>();
        let scheduler = Scheduler::new(self.batch.clone(), self.instance.id.clone());
        let scheduler = tokio::spawn(scheduler.run(async {
            let _ = scheduler_stopped.await;
        }));
        // The peer address feeds sign-in throttling per client.
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        // Pages stream in several writes; without TCP_NODELAY, Nagle's algorithm holds the last
        // one until the client's delayed ACK, adding ~40 ms to every page.
        use axum::serve::ListenerExt;
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!(%error, "cannot set TCP_NODELAY");
            }
        });
        let served = axum::serve(listener, service).with_graceful_shutdown(shutdown).await;
        let _ = stop_scheduler.send(());
        let _ = scheduler.await;
        served
    }
}

/// The database (migrated) and the server key: what the server and its command line share.
pub async fn open_store(settings: &Settings) -> Result<(DatabaseConnection, ServerKey), StartupError> {
    let data_dir_error = |source| StartupError::DataDir { path: settings.data_dir.clone(), source };
    // Made readable by this user only: it holds the server key and, by default, the store.
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&settings.data_dir).map_err(data_dir_error)?;
    let server_key = server_key(settings)?;
    let database_url = match &settings.database_url {
        Some(url) => url.clone(),
        None => {
            // SQLite makes its file (and its -wal and -shm files, which copy its mode) with the
            // process's umask: make it first, 0600.
            let file = settings.data_dir.join("batch.db");
            std::fs::OpenOptions::new().append(true).create(true).mode(0o600).open(&file).map_err(data_dir_error)?;
            sqlite_url_in(&settings.data_dir)
        }
    };
    Ok((connect_and_migrate(&database_url).await?, server_key))
}

/// The key that seals access-key secrets: from the settings, else from `secret.key` in the data
/// directory, made (readable by this user only) on first start.
fn server_key(settings: &Settings) -> Result<ServerKey, StartupError> {
    if let Some(text) = &settings.secret_key {
        return ServerKey::from_text(text).map_err(|e| StartupError::SecretKey(format!("{e} (BATCH_SECRET_KEY or secret_key)")));
    }
    let path = settings.data_dir.join("secret.key");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let text = ServerKey::new_passphrase();
            write_private(&path, &text)
                .map_err(|e| StartupError::SecretKey(format!("cannot write the server key {}: {e}", path.display())))?;
            text
        }
        Err(error) => return Err(StartupError::SecretKey(format!("cannot read the server key {}: {error}", path.display()))),
    };
    ServerKey::from_text(&text).map_err(|e| StartupError::SecretKey(format!("{}: {e}", path.display())))
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())
}

/// This replica among the others: an id kept in its data directory (`instance-id`), so a
/// restarted server is the same instance and takes its scheduler lease back at once, and a lock
/// on that directory, so no two running servers are the same instance.
struct Instance {
    id: String,
    /// Held (locked) while the server runs; the lock goes with the process, even on `kill -9`.
    _lock: std::fs::File,
}

impl Instance {
    fn claim(data_dir: &std::path::Path) -> Result<Self, StartupError> {
        let fail = |what: &str, error: &dyn std::fmt::Display| StartupError::Instance(format!("{what} in {}: {error}", data_dir.display()));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(data_dir.join("server.lock"))
            .map_err(|e| fail("cannot open server.lock", &e))?;
        lock.try_lock().map_err(|_| {
            StartupError::Instance(format!(
                "another server runs on the data directory {}: give each replica its own BATCH_DATA_DIR",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join("instance-id");
        let id = match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => text.trim().to_string(),
            Ok(_) | Err(_) => {
                let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "localhost".into());
                let id = format!("{host}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
                std::fs::write(&path, &id).map_err(|e| fail("cannot write instance-id", &e))?;
                id
            }
        };
        Ok(Instance { id, _lock: lock })
    }
}

fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let batch = state.batch.clone();
    let console_context = move || {
        provide_context(batch.clone());
        edge::nonce_context();
    };
    // The bundle is served gzip-compressed when the release build left a `.gz` beside it. A
    // browser asks again on every load (a 304 while unchanged): it must never run one build's
    // main module with another's chunk kept in its cache (scripts/build-site.sh).
    let pkg_dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let bundle = SetResponseHeader::overriding(
        ServeDir::new(pkg_dir).precompressed_gzip(),
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-cache"),
    );
    Router::new()
        .route("/v1/{*operation}", any(aws::handle))
        // CloudWatch Logs (awsJson1.1) posts to the root; the console only ever GETs it.
        .route("/", post(aws::logs::handle))
        .route("/events", get(live::events))
        .route("/jobs/{id}/log", get(job_log::download))
        .route("/auth/login", post(auth::login))
        .route("/auth/setup", post(auth::setup))
        .route("/auth/logout", post(auth::logout))
        .nest_service("/pkg", bundle)
        .leptos_routes_with_context(&state, routes, console_context.clone(), move || shell(options.clone()))
        .fallback(file_and_error_handler_with_context::<AppState, _>(console_context, shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::sessions))
        .layer(TraceLayer::new_for_http())
        // Probes come after the layers: outside the request trace (whose failure log is an ERROR
        // per 503) and the session lookup. `readyz` logs changes of readiness itself.
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .layer(RequestBodyLimitLayer::new(edge::MAX_REQUEST_BODY))
        .layer(axum::middleware::from_fn(edge::explain_too_large))
        .layer(axum::middleware::from_fn_with_state(state.clone(), edge::security_headers))
        .with_state(state)
}
