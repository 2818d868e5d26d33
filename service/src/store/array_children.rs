//! An array job's children are written by the database itself: one `INSERT ... SELECT` copies
//! the parent row once per index from a number series, and one history row records that all of
//! them were SUBMITTED: two statements and no per-row parameters for 10,000 children.

use super::Dialect;
use domain::JobStatus;
use sea_orm::{ConnectionTrait, DbErr, Value};

/// Every column of `jobs`, in one order, with what a child takes for each (from its parent
/// `p`, or the index `s.i`).
const CHILD_COLUMNS: &[(&str, &str)] = &[
    ("id", "p.id || ':' || CAST(s.i AS TEXT)"),
    ("name", "p.name"),
    ("job_queue_id", "p.job_queue_id"),
    ("job_definition_id", "p.job_definition_id"),
    ("status", "p.status"),
    ("status_reason", "NULL"),
    ("created_at", "p.created_at"),
    ("status_changed_at", "p.status_changed_at"),
    ("array_parent_id", "p.id"),
    ("array_index", "s.i"),
    ("array_size", "p.array_size"),
    ("parameters", "p.parameters"),
    ("container_overrides", "p.container_overrides"),
    ("retry_attempts", "p.retry_attempts"),
    ("evaluate_on_exit", "p.evaluate_on_exit"),
    ("timeout_seconds", "p.timeout_seconds"),
    ("depends_on", "'[]'"),
    ("tags", "p.tags"),
    ("share_identifier", "p.share_identifier"),
    ("scheduling_priority", "p.scheduling_priority"),
    ("submitted_by", "p.submitted_by"),
    ("attempt_count", "0"),
    ("milli_vcpus", "p.milli_vcpus"),
    ("memory_mib", "p.memory_mib"),
    ("aws_fields", "p.aws_fields"),
    ("consumable_resources", "p.consumable_resources"),
    ("revision", "0"),
];

/// `0 .. size-1` as rows of one column `i`, under the name `s`.
fn series(dialect: Dialect) -> (&'static str, &'static str) {
    match dialect {
        Dialect::Postgres => ("", "generate_series(0, p.array_size - 1) AS s(i)"),
        // SQLite has no generate_series by default: a recursive CTE counts instead.
        Dialect::Sqlite => ("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < $2) ", "s"),
    }
}

/// Writes the children of the array parent `parent_id` (already inserted), their SUBMITTED
/// history, and their SEQUENTIAL / N_TO_N dependency rows.
pub(crate) async fn insert_children(
    db: &impl ConnectionTrait,
    parent_id: &str,
    size: i64,
    sequential: bool,
    n_to_n: &[String],
) -> Result<(), DbErr> {
    let dialect = Dialect::of(db);
    let (with, from) = series(dialect);
    let columns: Vec<&str> = CHILD_COLUMNS.iter().map(|(c, _)| *c).collect();
    let values: Vec<&str> = CHILD_COLUMNS.iter().map(|(_, v)| *v).collect();
    let insert = format!("INSERT INTO jobs ({}) SELECT {} FROM jobs p, {from} WHERE p.id = $1", columns.join(", "), values.join(", "));
    let mut bound = vec![Value::from(parent_id.to_string())];
    if dialect == Dialect::Sqlite {
        bound.push(Value::from(size));
    }
    db.execute_raw(dialect.statement(&format!("{with}{insert}"), bound)).await?;
    // One history row for the whole run 0..size-1 (see `domain::history::Subject::Children`).
    let history = format!(
        "INSERT INTO job_status_history (job_id, first_index, last_index, status, reason, at) \
         SELECT id, 0, array_size - 1, '{}', NULL, created_at FROM jobs WHERE id = $1",
        JobStatus::Submitted.as_str()
    );
    db.execute_raw(dialect.statement(&history, vec![parent_id.into()])).await?;

    if sequential {
        let chain = "INSERT INTO job_dependencies (job_id, depends_on_job_id, type) \
                     SELECT id, array_parent_id || ':' || CAST(array_index - 1 AS TEXT), 'SEQUENTIAL' \
                     FROM jobs WHERE array_parent_id = $1 AND array_index > 0";
        db.execute_raw(dialect.statement(chain, vec![parent_id.into()])).await?;
    }
    for other in n_to_n {
        let pairs = "INSERT INTO job_dependencies (job_id, depends_on_job_id, type) \
                     SELECT id, $2 || ':' || CAST(array_index AS TEXT), 'N_TO_N' FROM jobs WHERE array_parent_id = $1";
        db.execute_raw(dialect.statement(pairs, vec![parent_id.into(), other.clone().into()])).await?;
    }
    Ok(())
}

/// Each child of `parent_id` (the first `limit` by index) as a heat map draws it: its index, its
/// state and its current attempt's exit code. One statement along the children's index and the
/// attempts' primary key; a child with no attempt yet has no exit code.
pub(crate) async fn states(db: &impl ConnectionTrait, parent_id: &str, limit: u64) -> Result<Vec<(i32, JobStatus, Option<i32>)>, DbErr> {
    let sql = format!(
        "SELECT j.array_index AS array_index, j.status AS status, a.exit_code AS exit_code FROM jobs j \
         LEFT JOIN job_attempts a ON a.job_id = j.id AND a.attempt_number = j.attempt_count \
         WHERE j.array_parent_id = $1 ORDER BY j.array_index LIMIT {limit}"
    );
    let rows = db.query_all_raw(Dialect::of(db).statement(&sql, vec![Value::from(parent_id)])).await?;
    rows.iter()
        .map(|row| {
            let (index, status): (Option<i32>, String) = (row.try_get("", "array_index")?, row.try_get("", "status")?);
            let status = status.parse().map_err(|_| DbErr::Custom(format!("a child of {parent_id} has the unknown state {status}")))?;
            Ok((index.unwrap_or_default(), status, row.try_get("", "exit_code")?))
        })
        .collect()
}
