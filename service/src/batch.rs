//! `Batch`: the service layer. One method per use case, over the store; nothing here knows
//! about HTTP or Leptos, so the console and the AWS-compatible API share every rule.

use crate::group_commit::GroupCommit;
use crate::store::entities::audit_log;
use domain::compute_environment::DockerHost;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct BatchConfig {
    /// Region and account id used to build AWS-style ARNs.
    pub region: String,
    pub account_id: String,
    /// The host an environment gets when its request names none: the local Docker engine.
    pub default_host: DockerHost,
    /// Seals access-key secrets at rest.
    pub server_key: crate::access::ServerKey,
    /// How long finished jobs and audit records are kept (see `retention`).
    pub retention: crate::retention::Retention,
    /// The server's data directory: no job may mount it (see `host_paths`).
    pub data_dir: Option<std::path::PathBuf>,
    /// The bounds on each attempt's stored output.
    pub output_limits: domain::output::OutputLimits,
    /// Where a job's container reaches this service's API (job credentials, §17).
    pub job_endpoint: String,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            default_host: DockerHost { endpoint: "unix:///var/run/docker.sock".into(), vcpus: 2, memory_mib: 4096, ..Default::default() },
            server_key: crate::access::ServerKey::random(),
            retention: Default::default(),
            data_dir: None,
            output_limits: Default::default(),
            job_endpoint: job_endpoint(3000),
        }
    }
}

/// The name a job's container reaches its engine's host by (Docker's `host-gateway`).
pub const JOB_ENDPOINT_HOST: &str = "host.docker.internal";

/// Where a job's container reaches this service when it listens on `port` (on an address the
/// engine's bridge reaches, such as 0.0.0.0; §17).
pub fn job_endpoint(port: u16) -> String {
    format!("http://{JOB_ENDPOINT_HOST}:{port}")
}

#[derive(Clone)]
pub struct Batch {
    pub(crate) db: DatabaseConnection,
    /// Where reads outside a transaction go (`db::reader_for`): a second pool on SQLite.
    reader: DatabaseConnection,
    pub(crate) config: BatchConfig,
    /// Signalled when there is new work for the scheduler (a submit, cancel, terminate, exit).
    work: Arc<Notify>,
    /// Lone submitted jobs and audit records, written many requests at a time under load.
    pub(crate) submissions: Arc<GroupCommit<crate::store::jobs::Submission>>,
    pub(crate) audit_records: Arc<GroupCommit<audit_log::ActiveModel>>,
    pub(crate) catalog: Arc<crate::catalog::Catalog>,
    /// Jobs' details kept for the next poll (`jobs::described`).
    pub(crate) described: Arc<crate::jobs::described::DescribedJobs>,
    /// ListJobs pages kept for the next poll (`jobs::listed`).
    pub(crate) listed: Arc<crate::jobs::listed::ListedPages>,
}

impl Batch {
    pub fn new(db: DatabaseConnection, config: BatchConfig) -> Self {
        let reader = crate::db::reader_for(&db);
        Self::with_reader(db, reader, config)
    }

    /// `reader` from `db::reader_for(&db)`. Its checkpoints start here, on the reader as given
    /// (a bench counting queries sets its counter on it first).
    fn with_reader(db: DatabaseConnection, reader: DatabaseConnection, config: BatchConfig) -> Self {
        crate::db::checkpoint_off_the_writer(&reader);
        Batch {
            submissions: Arc::new(GroupCommit::new(db.clone(), |db, submissions| {
                Box::pin(crate::store::jobs::write_submitted(db, submissions))
            })),
            audit_records: Arc::new(GroupCommit::new(db.clone(), |db, records| Box::pin(crate::access::insert_audit_records(db, records)))),
            catalog: Arc::default(),
            described: Arc::default(),
            listed: Arc::default(),
            reader,
            db,
            config,
            work: Arc::new(Notify::new()),
        }
    }

    /// A `Batch` that counts the store queries it issues (writer and reader both), for benches
    /// that report queries per second.
    #[cfg(feature = "testing")]
    pub fn counting_queries(mut db: DatabaseConnection, config: BatchConfig) -> (Self, Arc<std::sync::atomic::AtomicU64>) {
        let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = move |count: Arc<std::sync::atomic::AtomicU64>| {
            move |_: &sea_orm::metric::Info<'_>| {
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        };
        // On the connection before the reader is made from it (a clone, on Postgres), and on the
        // reader (its own pool on SQLite) before its checkpoints start with a clone of it.
        db.set_metric_callback(counter(count.clone()));
        let mut reader = crate::db::reader_for(&db);
        reader.set_metric_callback(counter(count.clone()));
        (Batch::with_reader(db, reader, config), count)
    }

    pub fn notify_work(&self) {
        self.work.notify_one();
    }

    pub async fn work_arrived(&self) {
        self.work.notified().await;
    }

    /// The store's connection. The service reaches the store through `store` functions only;
    /// tests and benches (the `testing` feature) use it to set up and inspect rows.
    #[cfg(feature = "testing")]
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    #[cfg(not(feature = "testing"))]
    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// For reads that need no transaction: they may run beside the writer (see `db::reader_for`).
    pub(crate) fn reader(&self) -> &DatabaseConnection {
        &self.reader
    }

    /// The region requests must be signed for, and ARNs are built with.
    pub fn region(&self) -> &str {
        &self.config.region
    }

    /// The account id ARNs are built with.
    pub fn account_id(&self) -> &str {
        &self.config.account_id
    }

    pub(crate) fn arn(&self, kind: &str, name: &str) -> String {
        format!("arn:aws:batch:{}:{}:{kind}/{name}", self.config.region, self.config.account_id)
    }
}

/// Now, in epoch milliseconds (the store's and the AWS API's unit of time).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The name at the end of an ARN (`arn:...:job-queue/name` → `name`), or the input itself.
pub fn name_from_arn(name_or_arn: &str) -> &str {
    if name_or_arn.starts_with("arn:") { name_or_arn.rsplit_once('/').map(|(_, name)| name).unwrap_or(name_or_arn) } else { name_or_arn }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain values always serialize")
}

/// Reads a JSON column written by `to_json`; a corrupt value is a store fault.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T, sea_orm::DbErr> {
    serde_json::from_str(text).map_err(|e| sea_orm::DbErr::Custom(format!("column {column} holds invalid JSON: {e}")))
}
