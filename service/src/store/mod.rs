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
mod checkpoint;
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
pub(crate) mod listing;
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
            Dialect::Sqlite => sqlite_placeholders(sql),
        };
        Statement::from_sql_and_values(self.backend(), sql, values)
    }

    /// Terms joined by `OR` as a balanced tree: SQLite refuses an expression more than 1,000
    /// levels deep, and a flat chain of n terms is n deep (a poll's check can name thousands of
    /// attempts). `1 = 0` when there are none.
    pub(crate) fn any_of(terms: &[String]) -> String {
        match terms {
            [] => "1 = 0".to_string(),
            [one] => one.clone(),
            _ => {
                let (left, right) = terms.split_at(terms.len() / 2);
                format!("({} OR {})", Dialect::any_of(left), Dialect::any_of(right))
            }
        }
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

/// `$1`, `$2`, ... for SQLite, in one pass over the statement (a pass per value copied a poll's
/// 15 KB check 300 times). Placeholders that come once each and in order (`$1`, then `$2`, ...)
/// become anonymous `?`s, which SQLite numbers the same way; any others keep their numbers
/// (`?1`, `?2`, ...). Why not always numbers: sqlx binds a numbered parameter by asking SQLite
/// its name, and SQLite finds a parameter's name by walking the statement's list of names, so
/// binding n numbered values takes n²/2 steps: 8% of a polled DescribeJobs' CPU with its ~300
/// values (BENCHMARKS.md, History "Anonymous placeholders").
fn sqlite_placeholders(sql: &str) -> String {
    // (where the `$` is, where its digits end): `$` and digits are ASCII, so byte offsets are
    // character boundaries.
    let bytes = sql.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'$' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
            let end = (at + 1..bytes.len()).find(|&i| !bytes[i].is_ascii_digit()).unwrap_or(bytes.len());
            found.push((at, end));
            at = end;
        } else {
            at += 1;
        }
    }
    let in_order = found.iter().enumerate().all(|(i, &(start, end))| sql[start + 1..end].parse::<usize>() == Ok(i + 1));
    let mut rewritten = String::with_capacity(sql.len());
    let mut copied = 0;
    for (start, end) in found {
        rewritten.push_str(&sql[copied..start]);
        rewritten.push('?');
        if !in_order {
            rewritten.push_str(&sql[start + 1..end]);
        }
        copied = end;
    }
    rewritten.push_str(&sql[copied..]);
    rewritten
}

#[cfg(test)]
mod dialect_tests {
    use super::{Dialect, sqlite_placeholders};

    #[test]
    fn placeholders_out_of_order_keep_their_numbers_past_nine() {
        assert_eq!(sqlite_placeholders("a = $1 AND b IN ($10, $2) AND c = '$'"), "a = ?1 AND b IN (?10, ?2) AND c = '$'");
        assert_eq!(sqlite_placeholders("a = $1 OR b = $1"), "a = ?1 OR b = ?1", "used twice");
        assert_eq!(sqlite_placeholders("a = $2 OR b = $3"), "a = ?2 OR b = ?3", "not from the first");
    }

    #[test]
    fn placeholders_once_each_in_order_are_anonymous() {
        let sql: String = (1..=300).map(|n| format!("x = ${n} AND ")).collect::<String>() + "y = 'é$'";
        let expected: String = "x = ? AND ".repeat(300) + "y = 'é$'";
        assert_eq!(sqlite_placeholders(&sql), expected);
        assert_eq!(sqlite_placeholders("a = $1 AND b = $2"), "a = ? AND b = ?");
        assert_eq!(sqlite_placeholders("no values"), "no values");
    }

    #[test]
    fn any_of_is_a_balanced_tree() {
        let terms: Vec<String> = (0..4).map(|n| format!("x = {n}")).collect();
        assert_eq!(Dialect::any_of(&terms), "((x = 0 OR x = 1) OR (x = 2 OR x = 3))");
        assert_eq!(Dialect::any_of(&terms[..1]), "x = 0");
        assert_eq!(Dialect::any_of(&[]), "1 = 0");
        // 10,000 terms nest 14 deep.
        let many: Vec<String> = (0..10_000).map(|n| format!("x = {n}")).collect();
        let deepest = Dialect::any_of(&many)
            .chars()
            .scan(0i32, |depth, c| {
                *depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                Some(*depth)
            })
            .max();
        assert_eq!(deepest, Some(14));
    }
}
