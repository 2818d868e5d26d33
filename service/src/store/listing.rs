//! A stamp of one ListJobs page of a queue's jobs in one state (`jobs::listed`): read again in
//! one statement of short index ranges, it equals the stamp of the page as it was read only
//! when a fresh read would return the same page.

use super::Dialect;
use super::jobs::Revisions;
use sea_orm::{ConnectionTrait, DbErr, Value};

/// What a page of a queue's jobs in one state (array children left out, newest first) was read
/// from. The page is the jobs from the position after the previous page (`after`) down to its
/// last row. It is the same page when
/// - as many jobs lie in that range (none came into the state there, none left it),
/// - whether any job lies beyond its last row is unchanged (the next page's token),
/// - its jobs, and the attempts their summaries show, have the same revisions (none changed:
///   revisions only grow, see `Revisions`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ListingStamp {
    pub in_range: i64,
    pub beyond: bool,
    pub revisions: Revisions,
}

/// Where a page lies in a queue's listing of one state.
pub(crate) struct PageRange<'a> {
    pub queue_id: i32,
    pub status: &'a str,
    /// The last position of the previous page, (created_at, id); none for the first page.
    pub after: Option<(i64, &'a str)>,
    /// The page's last row; none for an empty page.
    pub last: Option<(i64, &'a str)>,
}

/// Adds `value` to the statement's values and names its placeholder.
fn place(values: &mut Vec<Value>, value: Value) -> String {
    values.push(value);
    format!("${}", values.len())
}

/// Reads the stamp of `range` now, with the revisions of the jobs `ids` and of the attempts
/// `attempts` (job id, number). Every part reads the partial index of listed jobs
/// (`idx_jobs_listed`) or a primary key, a page's worth of entries at most.
pub(crate) async fn stamp(
    db: &impl ConnectionTrait,
    range: &PageRange<'_>,
    ids: &[&str],
    attempts: &[(&str, i32)],
) -> Result<ListingStamp, DbErr> {
    let mut values: Vec<Value> = vec![range.queue_id.into(), range.status.into()];
    let listed = "job_queue_id = $1 AND status = $2 AND array_parent_id IS NULL";
    let before_after = match range.after {
        Some((created_at, id)) => {
            let (c, i) = (place(&mut values, created_at.into()), place(&mut values, id.into()));
            format!(" AND (created_at, id) < ({c}, {i})")
        }
        None => String::new(),
    };
    let (in_range, beyond) = match range.last {
        Some((created_at, id)) => {
            let (c, i) = (place(&mut values, created_at.into()), place(&mut values, id.into()));
            (
                format!("SELECT count(*) FROM jobs WHERE {listed}{before_after} AND (created_at, id) >= ({c}, {i})"),
                format!("SELECT 1 FROM jobs WHERE {listed} AND (created_at, id) < ({c}, {i}) LIMIT 1"),
            )
        }
        None => ("SELECT 0".to_string(), format!("SELECT 1 FROM jobs WHERE {listed}{before_after} LIMIT 1")),
    };
    let id_list: Vec<String> = ids.iter().map(|id| place(&mut values, (*id).into())).collect();
    let mut attempt_keys = Vec::with_capacity(attempts.len());
    for (job_id, number) in attempts {
        let (j, n) = (place(&mut values, (*job_id).into()), place(&mut values, (*number).into()));
        attempt_keys.push(format!("(job_id = {j} AND attempt_number = {n})"));
    }
    // `IN ()` is not SQL on Postgres.
    let jobs_part = if id_list.is_empty() { "1 = 0".to_string() } else { format!("id IN ({})", id_list.join(", ")) };
    let attempts_part = Dialect::any_of(&attempt_keys);
    let sql = format!(
        "SELECT 0 AS part, ({in_range}) AS n, 0 AS r \
         UNION ALL SELECT 1, (SELECT count(*) FROM ({beyond}) AS beyond), 0 \
         UNION ALL SELECT 2, count(*), CAST(COALESCE(sum(revision), 0) AS BIGINT) FROM jobs WHERE {jobs_part} \
         UNION ALL SELECT 3, count(*), CAST(COALESCE(sum(revision), 0) AS BIGINT) FROM job_attempts WHERE {attempts_part} \
         ORDER BY part"
    );
    let rows = db.query_all_raw(Dialect::of(db).statement(&sql, values)).await?;
    let read = |part: usize| -> Result<(i64, i64), DbErr> {
        let row = rows.get(part).ok_or_else(|| DbErr::Custom("listing stamp: a part is missing".into()))?;
        Ok((row.try_get("", "n")?, row.try_get("", "r")?))
    };
    let ((in_range, _), (beyond, _), (jobs, job_revisions), (attempts, attempt_revisions)) = (read(0)?, read(1)?, read(2)?, read(3)?);
    Ok(ListingStamp { in_range, beyond: beyond > 0, revisions: Revisions { jobs, job_revisions, attempts, attempt_revisions } })
}
