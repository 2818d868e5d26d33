//! The store boundary (ARCHITECTURE.md §10): every query the service makes is a named function
//! here. Use cases and the scheduler call them and see rows (`entities::*::Model`) and plain
//! values; no SQL text or query builder appears outside this module (`scripts/test.sh` checks).
//!
//! One implementation with a `Dialect`, not a trait with a Postgres and a SQLite implementation:
//! almost every query is built with sea-query, which already writes both dialects, so two
//! implementations would be two copies of the same ~100 functions kept in step by hand. The few
//! statements that differ (a data-modifying `WITH` that writes history in the same round trip on
//! Postgres, row locks, number series, placeholders in raw SQL) ask the `Dialect` of the
//! connection they run on, in the one function that needs it. The conformance suite
//! (`conformance`) runs those functions on both stores as separate test cases.
//!
//! Functions take `&impl ConnectionTrait`, so a use case decides what runs in one transaction
//! and the store decides how each step is written.

pub(crate) mod access_keys;
pub(crate) mod array_children;
pub(crate) mod attempt_usage;
pub(crate) mod attempts;
pub(crate) mod audit_log;
pub(crate) mod catalog;
pub(crate) mod changes;
pub(crate) mod compute_environments;
pub(crate) mod consumable_resources;
pub mod db;
pub(crate) mod dependency_edges;
pub mod entities;
pub(crate) mod history;
pub(crate) mod installation;
pub(crate) mod job_definitions;
pub(crate) mod job_logs;
pub(crate) mod job_nodes;
pub(crate) mod job_queues;
pub(crate) mod jobs;
pub(crate) mod lease;
pub(crate) mod queue_shares;
pub(crate) mod retention;
pub(crate) mod scheduling_policies;
pub(crate) mod secrets;
pub(crate) mod sessions;
pub(crate) mod share_usage;
pub(crate) mod snapshot;
pub(crate) mod tags;
pub(crate) mod transition;
pub(crate) mod users;

#[cfg(test)]
mod conformance;

use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, Statement, Value};

/// Rows per multi-row INSERT: under SQLite's 32,766 bound parameters at ~26 columns a row.
pub(crate) const INSERT_CHUNK: usize = 1000;

/// Inserts many rows in statements of `INSERT_CHUNK` rows.
pub(crate) async fn insert_chunked<A: ActiveModelTrait>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(INSERT_CHUNK).collect();
        A::Entity::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}

/// `revision + 1`: what every write to a job or an attempt sets its `revision` to, so a poll
/// answered from memory can tell in one statement that nothing it shows has changed
/// (`jobs::revisions_of`). Revisions only grow.
pub(crate) fn next_revision() -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait};
    Expr::col("revision").add(1)
}

/// Which SQL dialect a connection speaks: what the few backend-specific statements ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    pub(crate) fn of(db: &impl ConnectionTrait) -> Dialect {
        match db.get_database_backend() {
            DatabaseBackend::Postgres => Dialect::Postgres,
            _ => Dialect::Sqlite,
        }
    }

    fn backend(self) -> DatabaseBackend {
        match self {
            Dialect::Postgres => DatabaseBackend::Postgres,
            Dialect::Sqlite => DatabaseBackend::Sqlite,
        }
    }

    /// A raw statement written with Postgres placeholders (`$1`, `$2`, ...), which SQLite reads
    /// as `?1`, `?2`, ...: for the few statements sea-query cannot express on both stores.
    pub(crate) fn statement(self, sql: &str, values: Vec<Value>) -> Statement {
        let sql = match self {
            Dialect::Postgres => sql.to_string(),
            Dialect::Sqlite => (1..=values.len()).rev().fold(sql.to_string(), |sql, n| sql.replace(&format!("${n}"), &format!("?{n}"))),
        };
        Statement::from_sql_and_values(self.backend(), sql, values)
    }

    /// Appended to a `SELECT` that must hold its rows until the transaction ends. SQLite has a
    /// single writer, so a write transaction already excludes every other.
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Dialect::Postgres => " FOR UPDATE",
            Dialect::Sqlite => "",
        }
    }
}
