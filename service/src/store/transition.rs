//! The one way a job's status changes (ARCHITECTURE.md §2): every move (the scheduler's passes,
//! attempt ends, cancel, terminate, recovery) is a compare-and-set here, `UPDATE jobs SET
//! status = to ... WHERE id IN (...) AND status IN (from) RETURNING id`. Only the rows that
//! really moved get history entries, so a job that cancel or another writer moved first is never
//! overwritten or double-counted. Debug builds check each move against the lifecycle table
//! (`JobStatus::can_move_through`).
//!
//! On Postgres the update and its history rows are one statement (a data-modifying `WITH`):
//! one round trip, atomic, and no history rows built in Rust. SQLite has no such `WITH`, so
//! there the moved ids come back and their history follows in one multi-row insert.

use super::entities::jobs;
use super::history::history_row;
use super::{Dialect, insert_chunked, next_revision};
use domain::JobStatus;
use futures_util::{StreamExt, stream};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryResult, QueryTrait,
    TransactionSession, TransactionTrait, Value,
};
use std::collections::HashMap;

const IN_CHUNK: usize = 1000;
const CHUNKS_AT_ONCE: usize = 2;

/// A change of status and the columns that go with it.
pub(crate) struct Transition<'a> {
    pub from: &'a [JobStatus],
    /// States passed through on the way to `to`, recorded in the history at the same instant:
    /// an attempt that starts at once (simulated) is STARTING for no time, then RUNNING.
    pub via: &'a [JobStatus],
    pub to: JobStatus,
    pub reason: Option<&'a str>,
    pub now: i64,
    /// What else changes with the status.
    pub also: Vec<Also>,
    /// A further condition a job must meet to move (checked in the same compare-and-set).
    pub only_if: Option<Guard>,
}

/// A change written together with a status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Also {
    /// The claim's placement: which environment and host the attempt runs on.
    PlacedOn { environment_id: i32, host_index: i32 },
    /// The attempt is over (or never began): the job holds no capacity.
    PlacementReleased,
    /// A claim opens the next attempt.
    NextAttempt,
    /// A released claim's attempt never began.
    AttemptWithdrawn,
    /// The attempt's container started (or, simulated, starts at once).
    StartedAt(i64),
}

/// A condition a job must meet, besides its status, to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guard {
    /// Still on this attempt: a late or repeated end of attempt N never moves the job on once
    /// attempt N+1 has been claimed.
    OnAttempt(i32),
    /// On this attempt, and not asked to terminate (a terminated job fails instead).
    OnAttemptNotTerminating(i32),
}

impl<'a> Transition<'a> {
    /// `from` → `to` at `now`, with no reason, nothing else changed and no further condition.
    pub(crate) fn new(from: &'a [JobStatus], to: JobStatus, now: i64) -> Self {
        Transition { from, via: &[], to, reason: None, now, also: vec![], only_if: None }
    }

    pub(crate) fn via(self, via: &'a [JobStatus]) -> Self {
        Transition { via, ..self }
    }

    pub(crate) fn reason(self, reason: Option<&'a str>) -> Self {
        Transition { reason, ..self }
    }

    pub(crate) fn also(self, also: Vec<Also>) -> Self {
        Transition { also, ..self }
    }

    pub(crate) fn only_if(self, guard: Guard) -> Self {
        Transition { only_if: Some(guard), ..self }
    }

    /// Every state a moved job enters, in order.
    fn entered(&self) -> impl Iterator<Item = JobStatus> + '_ {
        self.via.iter().copied().chain(std::iter::once(self.to))
    }

    /// Whether the lifecycle allows this move from each of its `from` states.
    fn is_lifecycle_move(&self) -> bool {
        self.from.iter().all(|from| from.can_move_through(self.via, self.to))
    }
}

impl Also {
    fn assignments(self) -> Vec<(jobs::Column, SimpleExpr)> {
        match self {
            Also::PlacedOn { environment_id, host_index } => {
                vec![(jobs::Column::ComputeEnvironmentId, Expr::value(environment_id)), (jobs::Column::HostIndex, Expr::value(host_index))]
            }
            Also::PlacementReleased => vec![
                (jobs::Column::ComputeEnvironmentId, Expr::value(Option::<i32>::None)),
                (jobs::Column::HostIndex, Expr::value(Option::<i32>::None)),
            ],
            Also::NextAttempt => vec![(jobs::Column::AttemptCount, Expr::col(jobs::Column::AttemptCount).add(1))],
            Also::AttemptWithdrawn => vec![(jobs::Column::AttemptCount, Expr::col(jobs::Column::AttemptCount).sub(1))],
            Also::StartedAt(at) => vec![(jobs::Column::StartedAt, Expr::value(at))],
        }
    }
}

impl Guard {
    fn condition(self) -> SimpleExpr {
        match self {
            Guard::OnAttempt(attempt) => Expr::col(jobs::Column::AttemptCount).eq(attempt),
            Guard::OnAttemptNotTerminating(attempt) => {
                Expr::col(jobs::Column::TerminateReason).is_null().and(Expr::col(jobs::Column::AttemptCount).eq(attempt))
            }
        }
    }
}

/// Applies `transition` to `ids`; returns the ids that moved.
pub(crate) async fn transition(
    db: &(impl ConnectionTrait + TransactionTrait),
    ids: &[String],
    t: &Transition<'_>,
) -> Result<Vec<String>, DbErr> {
    let moved: Vec<MovedJob> = moved_rows(db, ids, t).await?;
    Ok(moved.into_iter().map(|job| job.id).collect())
}

/// Applies `transition` to `ids`; returns the rows that moved, as they are after the move (what
/// launching an attempt needs, without reading the rows again).
pub(crate) async fn transition_returning_rows(
    db: &(impl ConnectionTrait + TransactionTrait),
    ids: &[String],
    t: &Transition<'_>,
) -> Result<Vec<jobs::Model>, DbErr> {
    moved_rows(db, ids, t).await
}

/// What a transition returns per moved job: what its history needs, or its whole row.
trait Moved: Sized + Send {
    const RETURNING_ALL: bool;
    fn parse(row: &QueryResult) -> Result<Self, DbErr>;
    /// (id, array parent, array index)
    fn key(&self) -> (&str, Option<&str>, Option<i32>);
}

/// The columns `history_subjects` needs.
struct MovedJob {
    id: String,
    array_parent_id: Option<String>,
    array_index: Option<i32>,
}

impl Moved for MovedJob {
    const RETURNING_ALL: bool = false;
    fn parse(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(MovedJob {
            id: row.try_get("", "id")?,
            array_parent_id: row.try_get("", "array_parent_id")?,
            array_index: row.try_get("", "array_index")?,
        })
    }
    fn key(&self) -> (&str, Option<&str>, Option<i32>) {
        (&self.id, self.array_parent_id.as_deref(), self.array_index)
    }
}

impl Moved for jobs::Model {
    const RETURNING_ALL: bool = true;
    fn parse(row: &QueryResult) -> Result<Self, DbErr> {
        jobs::Model::from_query_result(row, "")
    }
    fn key(&self) -> (&str, Option<&str>, Option<i32>) {
        (&self.id, self.array_parent_id.as_deref(), self.array_index)
    }
}

async fn moved_rows<M: Moved>(db: &(impl ConnectionTrait + TransactionTrait), ids: &[String], t: &Transition<'_>) -> Result<Vec<M>, DbErr> {
    debug_assert!(t.is_lifecycle_move(), "{:?} → {:?} → {} is not a move the lifecycle allows", t.from, t.via, t.to);
    match Dialect::of(db) {
        // Each chunk's statement writes its history too.
        Dialect::Postgres => move_chunks(db, ids, t).await,
        // The rows and their history in one transaction: a crash between them would lose the
        // history of the move, and a reader between them would see a state its history does not
        // have yet (DescribeJobs keeps details by the rows' revisions, `jobs::described`).
        Dialect::Sqlite => {
            let txn = db.begin().await?;
            let moved = move_chunks::<M>(&txn, ids, t).await?;
            let subjects = domain::history::subjects(moved.iter().map(Moved::key));
            let history = subjects
                .iter()
                .flat_map(|subject| t.entered().map(move |status| history_row(subject, status.as_str(), t.reason, t.now)))
                .collect();
            insert_chunked(&txn, history).await?;
            txn.commit().await?;
            Ok(moved)
        }
    }
}

async fn move_chunks<M: Moved>(db: &impl ConnectionTrait, ids: &[String], t: &Transition<'_>) -> Result<Vec<M>, DbErr> {
    // Chunks touch disjoint rows, so two at a time keep both of Postgres's cores busy (SQLite's
    // one connection takes them in turn).
    let chunks: Vec<_> = ids.chunks(IN_CHUNK).map(|chunk| move_chunk::<M>(db, chunk, t)).collect();
    let results: Vec<Result<Vec<M>, DbErr>> = stream::iter(chunks).buffered(CHUNKS_AT_ONCE).collect().await;
    let mut moved = Vec::with_capacity(ids.len());
    for chunk in results {
        moved.extend(chunk?);
    }
    Ok(moved)
}

/// One chunk's statement; its rows are parsed at once, so a pass holds one form of them.
async fn move_chunk<M: Moved>(db: &impl ConnectionTrait, chunk: &[String], t: &Transition<'_>) -> Result<Vec<M>, DbErr> {
    let update = update_statement(db.get_database_backend(), chunk, t, M::RETURNING_ALL);
    let rows = match Dialect::of(db) {
        Dialect::Postgres => db.query_all_raw(with_history(update, t, M::RETURNING_ALL)).await?,
        Dialect::Sqlite => db.query_all_raw(update).await?,
    };
    rows.iter().map(M::parse).collect()
}

/// `UPDATE jobs SET ... WHERE id IN (chunk) AND status IN (from) RETURNING id, array_parent_id,
/// array_index` (or every column).
fn update_statement(backend: DatabaseBackend, chunk: &[String], t: &Transition<'_>, returning_all: bool) -> sea_orm::Statement {
    let mut update = jobs::Entity::update_many()
        .col_expr(jobs::Column::Status, Expr::value(t.to.as_str()))
        .col_expr(jobs::Column::StatusReason, Expr::value(t.reason.map(String::from)))
        .col_expr(jobs::Column::StatusChangedAt, Expr::value(t.now))
        .col_expr(jobs::Column::Revision, next_revision());
    if t.to.is_terminal() {
        update = update.col_expr(jobs::Column::StoppedAt, Expr::value(t.now));
    }
    for (column, value) in t.also.iter().flat_map(|also| also.assignments()) {
        update = update.col_expr(column, value);
    }
    update =
        update.filter(jobs::Column::Id.is_in(chunk.iter().cloned())).filter(status_unindexed().is_in(t.from.iter().map(|s| s.as_str())));
    if let Some(guard) = t.only_if {
        update = update.filter(guard.condition());
    }
    let mut statement = update.into_query();
    if returning_all {
        statement.returning_all();
    } else {
        statement.returning(sea_orm::sea_query::Query::returning().columns([
            jobs::Column::Id,
            jobs::Column::ArrayParentId,
            jobs::Column::ArrayIndex,
        ]));
    }
    backend.build(&statement)
}

/// The status column hidden from the planner's index choice (`status || ''`): the id list is
/// always the selective side of a transition, but with statistics from before a big submit
/// Postgres chose the status index instead and read every SUBMITTED job of a 100,000-job
/// backlog for each chunk of 1,000 ids (up to 3 s a statement).
fn status_unindexed() -> SimpleExpr {
    Expr::cust("(\"jobs\".\"status\" || '')")
}

/// Postgres: wraps the update so that the same statement writes the history of the move, one
/// row per entered state for each subject (`history_subjects` in SQL: a job, or a run of
/// consecutive children of one array, found as the islands of `index - rank` within a parent:
/// the same subjects as `domain::history::subjects`, which the conformance suite checks).
/// Ordered by step, so each subject's history ids follow the order of its states.
fn with_history(update: sea_orm::Statement, t: &Transition<'_>, returning_all: bool) -> sea_orm::Statement {
    let mut values = update.values.map(|v| v.0).unwrap_or_default();
    let steps: Vec<String> = t.entered().enumerate().map(|(step, status)| format!("('{}', {step})", status.as_str())).collect();
    values.push(Value::from(t.reason.map(String::from)));
    values.push(Value::from(t.now));
    let (reason, at) = (values.len() - 1, values.len());
    let sql = format!(
        "WITH moved AS ({}), \
         ranked AS (SELECT id, array_parent_id, array_index, \
                    array_index - row_number() OVER (PARTITION BY array_parent_id ORDER BY array_index) AS island FROM moved), \
         subjects AS (SELECT COALESCE(array_parent_id, id) AS job_id, min(array_index) AS first_index, max(array_index) AS last_index \
                      FROM ranked GROUP BY COALESCE(array_parent_id, id), island), \
         entered AS (INSERT INTO job_status_history (job_id, first_index, last_index, status, reason, at) \
         SELECT subjects.job_id, subjects.first_index, subjects.last_index, step.status, ${reason}, ${at} \
         FROM subjects CROSS JOIN (VALUES {}) AS step(status, n) ORDER BY step.n) \
         SELECT {} FROM moved",
        update.sql,
        steps.join(", "),
        if returning_all { "*" } else { "id, array_parent_id, array_index" }
    );
    sea_orm::Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values)
}

/// Sets the reason of RUNNABLE jobs still waiting: one statement per `IN_CHUNK` jobs, whatever
/// their reasons (`CASE WHEN id IN (...) THEN reason ...`). Positions in a queue ("behind N
/// others") give up to a hundred distinct reasons a pass, which were as many statements.
pub(crate) async fn set_waiting_reasons(db: &impl ConnectionTrait, reasons: HashMap<&str, Vec<String>>) -> Result<(), DbErr> {
    let mut pairs: Vec<(&str, &String)> = reasons.iter().flat_map(|(reason, ids)| ids.iter().map(move |id| (*reason, id))).collect();
    pairs.sort_unstable();
    for chunk in pairs.chunks(IN_CHUNK) {
        let mut case = CaseStatement::new();
        for group in chunk.chunk_by(|a, b| a.0 == b.0) {
            case = case.case(jobs::Column::Id.is_in(group.iter().map(|(_, id)| (*id).clone())), Expr::value(group[0].0));
        }
        jobs::Entity::update_many()
            .col_expr(jobs::Column::StatusReason, case.finally(Expr::col(jobs::Column::StatusReason)).into())
            .col_expr(jobs::Column::Revision, next_revision())
            .filter(jobs::Column::Id.is_in(chunk.iter().map(|(_, id)| (*id).clone())))
            .filter(status_unindexed().eq(JobStatus::Runnable.as_str()))
            .exec(db)
            .await?;
    }
    Ok(())
}
