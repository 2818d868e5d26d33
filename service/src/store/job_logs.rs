//! Reading job output as log streams (ARCHITECTURE.md §12): a page of one attempt's lines in
//! either direction, lines across attempts from a point on, and the streams themselves.

use super::entities::{attempt_logs, job_attempts};
use domain::job_logs::LogToken;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

/// Lines stamped within `start..end` (milliseconds; either open).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TimeRange {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

fn within(mut query: Select<attempt_logs::Entity>, range: TimeRange) -> Select<attempt_logs::Entity> {
    if let Some(start) = range.start {
        query = query.filter(attempt_logs::Column::At.gte(start));
    }
    if let Some(end) = range.end {
        query = query.filter(attempt_logs::Column::At.lt(end));
    }
    query
}

/// Up to `limit` lines of one attempt from `from`: after a line oldest first, or the newest
/// before a line, also returned oldest first.
pub(crate) async fn page(
    db: &impl ConnectionTrait,
    job_id: &str,
    attempt: i32,
    from: LogToken,
    range: TimeRange,
    limit: u64,
) -> Result<Vec<attempt_logs::Model>, DbErr> {
    let query = attempt_logs::Entity::find()
        .filter(attempt_logs::Column::JobId.eq(job_id))
        .filter(attempt_logs::Column::AttemptNumber.eq(attempt))
        .limit(limit);
    let query = within(query, range);
    match from {
        LogToken::Forward(after) => query.filter(attempt_logs::Column::Id.gt(after)).order_by_asc(attempt_logs::Column::Id).all(db).await,
        LogToken::Backward(before) => {
            let mut lines = query.filter(attempt_logs::Column::Id.lt(before)).order_by_desc(attempt_logs::Column::Id).all(db).await?;
            lines.reverse();
            Ok(lines)
        }
    }
}

/// Up to `limit` lines after line `after`, oldest first, of the given attempts (all when
/// `None`).
pub(crate) async fn across(
    db: &impl ConnectionTrait,
    attempts: Option<&[(String, i32)]>,
    after: i64,
    range: TimeRange,
    limit: u64,
) -> Result<Vec<attempt_logs::Model>, DbErr> {
    let mut query =
        attempt_logs::Entity::find().filter(attempt_logs::Column::Id.gt(after)).order_by_asc(attempt_logs::Column::Id).limit(limit);
    if let Some(attempts) = attempts {
        let any = attempts.iter().fold(Condition::any(), |any, (job, attempt)| {
            any.add(
                Condition::all().add(attempt_logs::Column::JobId.eq(job.as_str())).add(attempt_logs::Column::AttemptNumber.eq(*attempt)),
            )
        });
        query = query.filter(any);
    }
    within(query, range).all(db).await
}

/// The attempt a stream name was given to, if any.
pub(crate) async fn attempt_named(db: &impl ConnectionTrait, job_id: &str, attempt: i32, stream: &str) -> Result<bool, DbErr> {
    let found = job_attempts::Entity::find()
        .select_only()
        .column(job_attempts::Column::Id)
        .filter(job_attempts::Column::JobId.eq(job_id))
        .filter(job_attempts::Column::AttemptNumber.eq(attempt))
        .filter(job_attempts::Column::LogStreamName.eq(stream))
        .into_tuple::<i64>()
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// How DescribeLogStreams orders, and where the previous page ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StreamOrder {
    /// By name, after (descending: before) the name given.
    Name(Option<String>),
    /// By when the attempt opened (its row id), after (descending: before) the id given.
    Opened(Option<i64>),
}

/// Up to `limit` attempts that have a stream whose name starts with `prefix`, in `order`.
/// LIKE is only a first cut (SQLite's is case-insensitive): the caller keeps exact matches.
pub(crate) async fn streams(
    db: &impl ConnectionTrait,
    prefix: &str,
    order: &StreamOrder,
    descending: bool,
    limit: u64,
) -> Result<Vec<job_attempts::Model>, DbErr> {
    use job_attempts::Column::{Id, LogStreamName};
    let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let mut query =
        job_attempts::Entity::find().filter(Expr::col(LogStreamName).like(LikeExpr::new(format!("{escaped}%")).escape('\\'))).limit(limit);
    query = match (order, descending) {
        (StreamOrder::Name(after), false) => {
            after.as_ref().map_or(query.clone(), |after| query.filter(LogStreamName.gt(after))).order_by_asc(LogStreamName)
        }
        (StreamOrder::Name(after), true) => {
            after.as_ref().map_or(query.clone(), |after| query.filter(LogStreamName.lt(after))).order_by_desc(LogStreamName)
        }
        (StreamOrder::Opened(after), false) => after.map_or(query.clone(), |after| query.filter(Id.gt(after))).order_by_asc(Id),
        (StreamOrder::Opened(after), true) => after.map_or(query.clone(), |after| query.filter(Id.lt(after))).order_by_desc(Id),
    };
    query.all(db).await
}

/// The last `limit` lines of `job_id` (one attempt, or all) before line `before` (the very
/// last when `None`), oldest first.
///
/// Read one attempt at a time along the (job, attempt, id) index: ordering a whole job's lines
/// by id made the store sort every line of it (610 ms for a million-line job on SQLite). Once
/// `limit` lines are in hand, an attempt whose newest line is older than all of them is passed
/// over on one index look-up instead of reading `limit` of its lines (attempts run one after
/// another, so usually every earlier attempt is).
pub(crate) async fn tail(
    db: &impl ConnectionTrait,
    job_id: &str,
    attempt: Option<i32>,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<attempt_logs::Model>, DbErr> {
    let attempts = match attempt {
        Some(attempt) => vec![attempt],
        None => attempts_with_lines(db, job_id).await?,
    };
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    // Newest first, at most `limit`.
    let mut lines: Vec<attempt_logs::Model> = Vec::new();
    for attempt in attempts {
        if lines.len() == limit
            && let Some(oldest_kept) = lines.last().map(|l| l.id)
            && newest_line(db, job_id, attempt, before).await?.is_none_or(|id| id < oldest_kept)
        {
            continue;
        }
        let mut query = attempt_logs::Entity::find()
            .filter(attempt_logs::Column::JobId.eq(job_id))
            .filter(attempt_logs::Column::AttemptNumber.eq(attempt))
            .order_by_desc(attempt_logs::Column::Id)
            .limit(limit as u64);
        if let Some(before) = before {
            query = query.filter(attempt_logs::Column::Id.lt(before));
        }
        // With `limit` in hand, only lines newer than the oldest of them can take a place.
        if lines.len() == limit
            && let Some(oldest_kept) = lines.last().map(|l| l.id)
        {
            query = query.filter(attempt_logs::Column::Id.gt(oldest_kept));
        }
        lines.extend(query.all(db).await?);
        lines.sort_unstable_by_key(|l| std::cmp::Reverse(l.id));
        lines.truncate(limit);
    }
    lines.reverse();
    Ok(lines)
}

/// The id of the newest line of one attempt before line `before` (any, when `None`).
async fn newest_line(db: &impl ConnectionTrait, job_id: &str, attempt: i32, before: Option<i64>) -> Result<Option<i64>, DbErr> {
    let mut query = attempt_logs::Entity::find()
        .select_only()
        .column_as(attempt_logs::Column::Id.max(), "newest")
        .filter(attempt_logs::Column::JobId.eq(job_id))
        .filter(attempt_logs::Column::AttemptNumber.eq(attempt));
    if let Some(before) = before {
        query = query.filter(attempt_logs::Column::Id.lt(before));
    }
    Ok(query.into_tuple::<Option<i64>>().one(db).await?.flatten())
}

/// The attempt numbers `job_id` has output of, newest first: one indexed look-up each (a job
/// has a handful), where DISTINCT would read every line's index entry.
async fn attempts_with_lines(db: &impl ConnectionTrait, job_id: &str) -> Result<Vec<i32>, DbErr> {
    let mut attempts = Vec::new();
    loop {
        let mut query = attempt_logs::Entity::find()
            .select_only()
            .column_as(attempt_logs::Column::AttemptNumber.max(), "newest")
            .filter(attempt_logs::Column::JobId.eq(job_id));
        if let Some(&below) = attempts.last() {
            query = query.filter(attempt_logs::Column::AttemptNumber.lt(below));
        }
        match query.into_tuple::<Option<i32>>().one(db).await?.flatten() {
            Some(attempt) => attempts.push(attempt),
            None => return Ok(attempts),
        }
    }
}

/// How many lines of `job_id` (one attempt, or all) come before line `before`, counting at most
/// `cap + 1`: the console says "N earlier lines" without counting a million index entries.
pub(crate) async fn count_before(
    db: &impl ConnectionTrait,
    job_id: &str,
    attempt: Option<i32>,
    before: i64,
    cap: i64,
) -> Result<i64, DbErr> {
    let attempt_filter = if attempt.is_some() { " AND attempt_number = $3" } else { "" };
    let sql = format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM attempt_logs WHERE job_id = $1 AND id < $2{attempt_filter} LIMIT {}) AS capped",
        cap + 1
    );
    let mut values: Vec<sea_orm::Value> = vec![job_id.into(), before.into()];
    if let Some(attempt) = attempt {
        values.push(attempt.into());
    }
    let row = db.query_one_raw(super::Dialect::of(db).statement(&sql, values)).await?;
    Ok(row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0))
}
