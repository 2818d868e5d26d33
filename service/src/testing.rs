//! Test support shared by the crates' integration tests: a fresh, migrated database on either
//! backend. Postgres comes from TEST_DATABASE_URL (scripts/test.sh starts one); tests never
//! skip it.

pub mod figures;

use crate::db::connect_and_migrate;
use domain::compute_environment::{ComputeResourceInput, CreateComputeEnvironment};
use domain::container::{ContainerProperties, ResourceRequirement};
use domain::job_definition::RegisterJobDefinition;
use domain::job_queue::{ComputeEnvironmentOrder, CreateJobQueue};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

pub const BACKENDS: [Backend; 2] = [Backend::Postgres, Backend::Sqlite];

pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL is not set: run the tests through scripts/test.sh, which starts Postgres")
}

/// Creates an empty Postgres database; returns its URL.
pub async fn create_postgres_database() -> String {
    let admin_url = postgres_admin_url();
    let name = format!("batch_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.expect("connect to the test Postgres");
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create a test database");
    admin.close().await.ok();
    let (base, _) = admin_url.rsplit_once('/').expect("TEST_DATABASE_URL ends with /dbname");
    format!("{base}/{name}")
}

/// A database URL for `backend`: a new Postgres database, or a SQLite file in `dir`.
pub async fn fresh_database_url(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Postgres => create_postgres_database().await,
        Backend::Sqlite => crate::db::sqlite_url_in(dir),
    }
}

pub use tempfile::TempDir;

/// A temporary directory removed when dropped, readable by other users (0755): the Postgres
/// and container processes some tests hand it to do not run as the test's user.
pub fn temp_dir() -> TempDir {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .prefix("batch-test-")
        .permissions(std::fs::Permissions::from_mode(0o755))
        .tempdir()
        .expect("create a temporary directory")
}

/// A migrated database on `backend`, with the directory that holds it (SQLite) kept alive.
pub async fn fresh_database(backend: Backend) -> (DatabaseConnection, TempDir) {
    let dir = temp_dir();
    let url = fresh_database_url(backend, dir.path()).await;
    let db = connect_and_migrate(&url).await.expect("connect and migrate the test database");
    (db, dir)
}

// Request builders shared by the crates' tests and benches.

/// A MANAGED environment on the default host with `max_vcpus`, whose jobs may mount folders in
/// the temporary directory (where tests make the folders their jobs write to).
pub fn environment(name: &str, max_vcpus: i64) -> CreateComputeEnvironment {
    CreateComputeEnvironment {
        compute_environment_name: name.into(),
        kind: "MANAGED".into(),
        state: None,
        compute_resources: Some(ComputeResourceInput { max_vcpus: Some(max_vcpus), ..Default::default() }),
        unmanaged_vcpus: None,
        tags: Default::default(),
        docker_hosts: None,
        executor: None,
        host_access: domain::host_access::HostAccess {
            allowed_host_paths: vec![std::env::temp_dir().display().to_string()],
            ..Default::default()
        },
        aws_fields: Default::default(),
    }
}

/// An environment on one given Docker host.
pub fn environment_on(name: &str, max_vcpus: i64, host: domain::compute_environment::DockerHost) -> CreateComputeEnvironment {
    CreateComputeEnvironment { docker_hosts: Some(vec![host]), ..environment(name, max_vcpus) }
}

pub fn queue(name: &str, environments: &[&str]) -> CreateJobQueue {
    CreateJobQueue {
        job_queue_name: name.into(),
        priority: 1,
        state: None,
        compute_environment_order: environments
            .iter()
            .enumerate()
            .map(|(i, ce)| ComputeEnvironmentOrder { order: i as i64 + 1, compute_environment: ce.to_string() })
            .collect(),
        job_state_time_limit_actions: vec![],
        tags: Default::default(),
        scheduling_policy_arn: None,
        aws_fields: Default::default(),
    }
}

pub fn definition(name: &str) -> RegisterJobDefinition {
    RegisterJobDefinition {
        job_definition_name: name.into(),
        kind: "container".into(),
        parameters: [("greeting".to_string(), "hello".to_string())].into(),
        container_properties: Some(ContainerProperties {
            image: "batch-examples/busybox:latest".into(),
            command: vec!["echo".into(), "Ref::greeting".into()],
            resource_requirements: vec![
                ResourceRequirement { kind: "VCPU".into(), value: "1".into() },
                ResourceRequirement { kind: "MEMORY".into(), value: "64".into() },
            ],
            ..Default::default()
        }),
        retry_strategy: None,
        timeout: None,
        scheduling_priority: None,
        tags: Default::default(),
        aws_fields: Default::default(),
    }
}

/// How many DescribeJobs this batch answered from the details it kept (`jobs::described`).
pub fn polls_answered_from_memory(batch: &crate::Batch) -> u64 {
    batch.described.answered.load(std::sync::atomic::Ordering::Relaxed)
}

/// How many ListJobs calls were answered from kept pages (`jobs::listed`).
pub fn listings_answered_from_memory(batch: &crate::Batch) -> u64 {
    batch.listed.answered.load(std::sync::atomic::Ordering::Relaxed)
}

/// Callers for tests that exercise a use case rather than access rules (those build their own).
pub fn admin() -> domain::access::Caller {
    domain::access::Caller::user(1, "test-admin", domain::access::Role::Admin)
}

pub fn operator() -> domain::access::Caller {
    domain::access::Caller::user(2, "alice", domain::access::Role::Operator)
}

/// The columns a seeded job fills, and their values for row `n` (the rest keep their defaults).
const SEEDED_COLUMNS: &str = "id, name, job_queue_id, job_definition_id, status, created_at, status_changed_at, stopped_at, parameters, container_overrides, retry_attempts, evaluate_on_exit, depends_on, tags, submitted_by, attempt_count, milli_vcpus, memory_mib";

/// Row `n` is created at `base_ms + n`.
fn seeded_row(queue: &str, definition: &str, status: &str, base_ms: i64) -> String {
    format!(
        "'seed-' || n, 'seed', {queue}, {definition}, {status}, {base_ms} + n, {base_ms} + n, \
         CASE WHEN ({status}) = 'RUNNABLE' THEN NULL ELSE {base_ms} + n END, '{{}}', '{{}}', 1, '[]', '[]', '{{}}', 'seed', 0, 1000, 64"
    )
}

/// `INSERT INTO jobs` of rows n = 1..=count, after the `with` tables (`name(...) AS (...)`).
async fn seed_rows(db: &DatabaseConnection, backend: Backend, count: i64, with: &[String], row: &str, from: &str) {
    let mut tables = with.to_vec();
    let series = match backend {
        Backend::Postgres => format!("generate_series(1, {count}) AS n"),
        Backend::Sqlite => {
            tables.insert(0, format!("seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {count})"));
            "seq".into()
        }
    };
    let with = if tables.is_empty() { String::new() } else { format!("WITH RECURSIVE {} ", tables.join(", ")) };
    db.execute_unprepared(&format!("{with}INSERT INTO jobs ({SEEDED_COLUMNS}) SELECT {row} FROM {series}{from}")).await.unwrap();
    let analyze = match backend {
        Backend::Postgres => "ANALYZE jobs",
        Backend::Sqlite => "ANALYZE",
    };
    db.execute_unprepared(analyze).await.unwrap();
}

/// Bulk-loads `count` jobs (ids `seed-1` ...) into the first queue with the first definition (statuses spread over SUCCEEDED, FAILED, RUNNABLE)
/// with one backend-specific INSERT ... SELECT: this is set-up, not the code under test.
pub async fn seed_jobs(db: &DatabaseConnection, backend: Backend, count: i64) {
    let status = "CASE n % 3 WHEN 0 THEN 'SUCCEEDED' WHEN 1 THEN 'FAILED' ELSE 'RUNNABLE' END";
    seed_rows(db, backend, count, &[], &seeded_row("1", "1", status, 1_700_000_000_000), "").await;
}

/// Bulk-loads a backlog: `count` jobs spread evenly over `queues` (each a stored queue id and
/// the definition id its jobs name), the first `runnable` of them RUNNABLE (so each queue holds
/// its share of the backlog) and the rest SUCCEEDED or FAILED, all made in the last hour (so
/// retention keeps them).
pub async fn seed_backlog(db: &DatabaseConnection, backend: Backend, count: i64, runnable: i64, queues: &[(i32, i32)]) {
    let values: Vec<String> = queues.iter().enumerate().map(|(k, (queue, definition))| format!("({k}, {queue}, {definition})")).collect();
    let with = [format!("q(k, queue_id, definition_id) AS (VALUES {})", values.join(", "))];
    let status = format!("CASE WHEN n <= {runnable} THEN 'RUNNABLE' WHEN n % 2 = 0 THEN 'SUCCEEDED' ELSE 'FAILED' END");
    let an_hour_ago = chrono::Utc::now().timestamp_millis() - 3_600_000;
    let row = seeded_row("q.queue_id", "q.definition_id", &status, an_hour_ago - count);
    seed_rows(db, backend, count, &with, &row, &format!(" JOIN q ON q.k = n % {}", queues.len())).await;
}
