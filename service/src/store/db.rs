//! Connecting to the store and bringing its schema up to date.

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseBackend, DatabaseConnection, DbErr};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot reach the database at {url}: {source}")]
    Connect { url: String, source: DbErr },
    #[error("cannot bring the database schema at {url} up to date: {source}")]
    Migrate { url: String, source: DbErr },
}

/// Opens a pool on `url` (postgres://... or sqlite://...) and runs pending migrations.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbError> {
    let shown = redact_password(url);
    let mut options = ConnectOptions::new(url.to_string());
    options.connect_timeout(Duration::from_secs(5)).acquire_timeout(Duration::from_secs(5)).sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // SQLite has one writer. With several pooled connections, a transaction that reads and
        // then writes can fail with "database is locked" when another connection writes first;
        // one connection serializes the work instead, which SQLite would do anyway.
        options.max_connections(1).min_connections(1);
        // Write-ahead log with NORMAL sync: a commit is one append, not several fsyncs, and the
        // file never corrupts; a power cut may lose the last commits (the usual trade for
        // SQLite; Postgres is the production store).
        // The log is copied back into the database mostly off the writer (`store::checkpoint`,
        // started with the read pool), and at the latest every WAL_CHECKPOINT_PAGES, by the
        // commit that crosses it, on the one writer connection. At SQLite's default (1,000 pages) that
        // copying took 13% of a 100,000-job run over HTTP: new jobs' random ids land all over
        // the indexes, so each checkpoint rewrote pages the next would rewrite again. Ten times
        // fewer checkpoints copy each page once for many commits (single jobs over HTTP, 60,000
        // on SQLite: 2.8-3.2k -> 3.0-3.7k jobs/s); the log then holds at most ~40 MiB.
        options.map_sqlx_sqlite_opts(|sqlite| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            let sqlite = sqlite.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Normal);
            sqlite.pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES.to_string())
        });
    } else {
        options.max_connections(16);
        // The planner's default random_page_cost (4) prices every index probe as a disk seek.
        // A scheduler write names 1,000 jobs by id; priced that way, and with statistics that
        // lag a big submit, Postgres chose to read the whole jobs table instead (82 sequential
        // scans, 3.6 million rows read, in a 100,000-job run). The job store's working set is in
        // memory, which 1.1 (the usual SSD setting) describes.
        options.map_sqlx_postgres_opts(|postgres| postgres.options([("random_page_cost", "1.1")]));
    }
    let db = Database::connect(options).await.map_err(|source| DbError::Connect { url: shown.clone(), source })?;
    Migrator::up(&db, None).await.map_err(|source| DbError::Migrate { url: shown, source })?;
    Ok(db)
}

/// Pages of write-ahead log (4 KiB each) after which a SQLite commit checkpoints it.
const WAL_CHECKPOINT_PAGES: u32 = 10_000;

/// Connections of the read pool on a SQLite file (see `reader_for`).
const SQLITE_READERS: u32 = 2;

/// The pool that reads which need not see an open transaction's writes go through. On a
/// SQLite file it is a second pool: SQLite serializes everything sent through one connection,
/// and in write-ahead-log mode readers on other connections neither wait for the writer nor
/// block it, so the scheduler's snapshot reads run on the second core while the single writer
/// connection keeps writing (each read sees every write committed before it began). Postgres
/// (already a pool) and in-memory SQLite (one connection is the whole database) use `db` itself.
pub(crate) fn reader_for(db: &DatabaseConnection) -> DatabaseConnection {
    let Some(options) = sqlite_file_options(db) else {
        return db.clone();
    };
    let pool = sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(SQLITE_READERS)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with((*options).clone());
    sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
}

/// Starts checkpointing the log of a SQLite file off the writer, through `reader` (a pool from
/// `reader_for`; see `store::checkpoint`). Nothing to do for Postgres or in-memory SQLite.
pub(crate) fn checkpoint_off_the_writer(reader: &DatabaseConnection) {
    if let Some(options) = sqlite_file_options(reader) {
        super::checkpoint::checkpoint_off_the_writer(reader.clone(), options.get_filename());
    }
}

/// The connect options of `db` when it is a SQLite file (not Postgres, not in-memory SQLite).
fn sqlite_file_options(db: &DatabaseConnection) -> Option<std::sync::Arc<sea_orm::sqlx::sqlite::SqliteConnectOptions>> {
    use sea_orm::sqlx::ConnectOptions as _;
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return None;
    }
    let options = db.get_sqlite_connection_pool().connect_options();
    let in_memory = options.to_url_lossy().query_pairs().any(|(key, value)| key == "mode" && value == "memory");
    (!in_memory).then_some(options)
}

/// The SQLite URL of the embedded default store inside `data_dir`.
pub fn sqlite_url_in(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("batch.db").display())
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for messages and logs.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectionTrait, Statement};

    /// Every connection to the embedded store, the writer and the readers, logs ahead with
    /// NORMAL sync and checkpoints every `WAL_CHECKPOINT_PAGES`.
    #[tokio::test]
    async fn every_sqlite_connection_gets_the_stores_settings() {
        let dir = tempfile::tempdir().unwrap();
        let writer = connect_and_migrate(&sqlite_url_in(dir.path())).await.unwrap();
        let reader = reader_for(&writer);
        for db in [&writer, &reader] {
            let pragma = |name: &str| {
                let sql = format!("PRAGMA {name}");
                async move {
                    let row = db.query_one_raw(Statement::from_string(DatabaseBackend::Sqlite, sql)).await.unwrap().unwrap();
                    row.try_get_by_index::<String>(0).or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string())).unwrap()
                }
            };
            assert_eq!(pragma("journal_mode").await, "wal");
            assert_eq!(pragma("synchronous").await, "1", "NORMAL");
            assert_eq!(pragma("wal_autocheckpoint").await, WAL_CHECKPOINT_PAGES.to_string());
        }
    }

    /// The log reaches the database file soon after it is written, far below the writer's
    /// bound: the checkpoints run off the writer (`store::checkpoint`). A lone write (here the
    /// schema) waits `SPORADIC_WRITES_WAIT` for more.
    #[tokio::test]
    async fn the_log_is_checkpointed_off_the_writer_soon_after_a_write() {
        use super::super::checkpoint::{CHECKPOINT_EVERY, SPORADIC_WRITES_WAIT};
        let dir = tempfile::tempdir().unwrap();
        let writer = connect_and_migrate(&sqlite_url_in(dir.path())).await.unwrap();
        let file = dir.path().join("batch.db");
        let size = || std::fs::metadata(&file).unwrap().len();
        // Without a checkpoint the schema just written is in the log only.
        let before = size();
        checkpoint_off_the_writer(&reader_for(&writer));
        let started = std::time::Instant::now();
        let bound = SPORADIC_WRITES_WAIT * 3;
        while size() == before && started.elapsed() < bound {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(size() > before, "the database file stayed at {before} bytes for {bound:?}: nothing checkpointed the log");
        let took = started.elapsed();
        assert!(took < SPORADIC_WRITES_WAIT + CHECKPOINT_EVERY * 20, "checkpointed after {took:?}");
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact_password("postgres://batch:s3cret@db:5432/batch"), "postgres://batch:***@db:5432/batch");
        assert_eq!(redact_password("postgres://batch@db/batch"), "postgres://batch@db/batch");
        assert_eq!(redact_password("sqlite://x.db"), "sqlite://x.db");
    }
}
