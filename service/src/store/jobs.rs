//! Reads and writes of job rows that are not status changes (those are `transition`).

use super::entities::{audit_log, job_dependencies as deps, job_status_history as history, jobs};
use super::history::history_row;
use super::{Dialect, insert_chunked};
use domain::JobStatus;
use domain::history::Subject;
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, IdenStatic,
    QueryFilter, QuerySelect, QueryTrait, Statement, TransactionTrait, Value,
};
use std::collections::{BTreeMap, HashMap};

/// Jobs that run: single jobs and array children, never array parents.
pub(crate) fn runs_as_container() -> Condition {
    Condition::any().add(jobs::Column::ArraySize.is_null()).add(jobs::Column::ArrayIndex.is_not_null())
}

/// STARTING or RUNNING jobs that TerminateJob asked to stop.
pub(crate) async fn asked_to_terminate(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    jobs::Entity::find()
        .select_only()
        .column(jobs::Column::Id)
        .filter(jobs::Column::TerminateReason.is_not_null())
        .filter(jobs::Column::Status.is_in([JobStatus::Starting.as_str(), JobStatus::Running.as_str()]))
        .into_tuple()
        .all(db)
        .await
}

/// Array parents (never their children) in `status`.
pub(crate) async fn array_parents_in(db: &impl ConnectionTrait, status: JobStatus) -> Result<Vec<String>, DbErr> {
    jobs::Entity::find()
        .select_only()
        .column(jobs::Column::Id)
        .filter(jobs::Column::Status.eq(status.as_str()))
        .filter(jobs::Column::ArraySize.is_not_null())
        .filter(jobs::Column::ArrayIndex.is_null())
        .into_tuple()
        .all(db)
        .await
}

/// How many children of each parent are in each state, one grouped query per 1,000 parents.
/// A state the store holds but this build does not know counts as unfinished (RUNNING).
pub(crate) async fn children_by_status(
    db: &impl ConnectionTrait,
    parents: &[String],
) -> Result<HashMap<String, Vec<(JobStatus, i64)>>, DbErr> {
    let mut counts: HashMap<String, Vec<(JobStatus, i64)>> = HashMap::new();
    for chunk in parents.chunks(1000) {
        let rows: Vec<(Option<String>, String, i64)> = jobs::Entity::find()
            .select_only()
            .column(jobs::Column::ArrayParentId)
            .column(jobs::Column::Status)
            .column_as(Expr::from(Func::count(Expr::col(jobs::Column::Id))), "n")
            .filter(jobs::Column::ArrayParentId.is_in(chunk.iter().cloned()))
            .group_by(jobs::Column::ArrayParentId)
            .group_by(jobs::Column::Status)
            .into_tuple()
            .all(db)
            .await?;
        for (parent, status, n) in rows {
            let Some(parent) = parent else { continue };
            counts.entry(parent).or_default().push((status.parse().unwrap_or(JobStatus::Running), n));
        }
    }
    Ok(counts)
}

/// Every STARTING or RUNNING job (what reconciliation compares with the engines).
pub(crate) async fn in_flight(db: &impl ConnectionTrait) -> Result<Vec<jobs::Model>, DbErr> {
    jobs::Entity::find().filter(jobs::Column::Status.is_in([JobStatus::Starting.as_str(), JobStatus::Running.as_str()])).all(db).await
}

pub(crate) async fn find(db: &impl ConnectionTrait, job_id: &str) -> Result<Option<jobs::Model>, DbErr> {
    jobs::Entity::find_by_id(job_id).one(db).await
}

/// The job and, for an array parent, its children.
fn family(job_id: &str) -> Condition {
    Condition::any().add(jobs::Column::Id.eq(job_id)).add(jobs::Column::ArrayParentId.eq(job_id))
}

/// The ids of the job and its children (for an array job) that are in one of `statuses`.
pub(crate) async fn family_in(db: &impl ConnectionTrait, job_id: &str, statuses: &[JobStatus]) -> Result<Vec<String>, DbErr> {
    jobs::Entity::find()
        .select_only()
        .column(jobs::Column::Id)
        .filter(family(job_id))
        .filter(jobs::Column::Status.is_in(statuses.iter().map(|s| s.as_str())))
        .into_tuple()
        .all(db)
        .await
}

/// Marks the job's (and its children's) STARTING or RUNNING attempts to be stopped by the
/// scheduler, which then fails them with `reason`.
pub(crate) async fn ask_to_terminate(db: &impl ConnectionTrait, job_id: &str, reason: &str) -> Result<(), DbErr> {
    jobs::Entity::update_many()
        .col_expr(jobs::Column::TerminateReason, Expr::value(reason))
        .col_expr(jobs::Column::Revision, super::next_revision())
        .filter(family(job_id))
        .filter(jobs::Column::Status.is_in([JobStatus::Starting.as_str(), JobStatus::Running.as_str()]))
        .exec(db)
        .await?;
    Ok(())
}

/// What DescribeJobs shows of a set of jobs, summed: their rows and revisions, their attempts'
/// rows and revisions. Every write to a job or an attempt raises its revision in the same
/// statement, revisions only grow, and job ids are never used again, so two readings of the
/// same jobs are equal only when no row a detail is made of changed in between (attempts
/// withdrawn by recovery are followed by their job's release, which raises the job's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Revisions {
    pub jobs: i64,
    pub job_revisions: i64,
    pub attempts: i64,
    pub attempt_revisions: i64,
}

impl std::iter::Sum for Revisions {
    fn sum<I: Iterator<Item = Revisions>>(all: I) -> Revisions {
        all.fold(Revisions::default(), |a, b| Revisions {
            jobs: a.jobs + b.jobs,
            job_revisions: a.job_revisions + b.job_revisions,
            attempts: a.attempts + b.attempts,
            attempt_revisions: a.attempt_revisions + b.attempt_revisions,
        })
    }
}

/// The compute environments there are, as a stamp: their number and the sum of their creation
/// times. An attempt's task ARN is made of its environment's name and creation time; deleting
/// one changes the number, and one made again (even under a reused name or id) is created later.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Environments {
    pub count: i64,
    pub created: i64,
}

impl Environments {
    pub(crate) fn of<'a>(rows: impl Iterator<Item = &'a super::entities::compute_environments::Model>) -> Environments {
        rows.fold(Environments::default(), |seen, row| Environments { count: seen.count + 1, created: seen.created + row.created_at })
    }
}

/// The `Revisions` of the jobs named and of the attempts named (job id, number), and the
/// `Environments`, in one statement of index lookups (and a read of the few environments). Attempts by their full key, like `attempts::of_jobs_counted`:
/// by job id alone, Postgres planned a scan of the whole table from the statistics of a young
/// store and kept the plan while the table grew (polls took 100 ms while a big array ran).
pub(crate) async fn revisions_of(
    db: &impl ConnectionTrait,
    ids: &[&str],
    attempts: &[(&str, i32)],
) -> Result<(Revisions, Environments), DbErr> {
    let mut values: Vec<Value> = ids.iter().map(|id| Value::from(*id)).collect();
    let list = (1..=ids.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
    let mut keys = Vec::with_capacity(attempts.len());
    for (job_id, number) in attempts {
        values.push(Value::from(*job_id));
        values.push(Value::from(*number));
        keys.push(format!("(job_id = ${} AND attempt_number = ${})", values.len() - 1, values.len()));
    }
    // `IN ()` is not SQL on Postgres.
    let jobs_part = if ids.is_empty() { "1 = 0".to_string() } else { format!("id IN ({list})") };
    let attempts_part = Dialect::any_of(&keys);
    let sql = format!(
        "SELECT 0 AS part, count(*) AS n, CAST(COALESCE(sum(revision), 0) AS BIGINT) AS r FROM jobs WHERE {jobs_part} \
         UNION ALL SELECT 1, count(*), CAST(COALESCE(sum(revision), 0) AS BIGINT) FROM job_attempts WHERE {attempts_part} \
         UNION ALL SELECT 2, count(*), CAST(COALESCE(sum(created_at), 0) AS BIGINT) FROM compute_environments \
         ORDER BY part"
    );
    let rows = db.query_all_raw(Dialect::of(db).statement(&sql, values)).await?;
    let read = |part: usize| -> Result<(i64, i64), DbErr> {
        let row = rows.get(part).ok_or_else(|| DbErr::Custom("revisions: a part is missing".into()))?;
        Ok((row.try_get("", "n")?, row.try_get("", "r")?))
    };
    let ((jobs, job_revisions), (attempts, attempt_revisions), (count, created)) = (read(0)?, read(1)?, read(2)?);
    Ok((Revisions { jobs, job_revisions, attempts, attempt_revisions }, Environments { count, created }))
}

pub(crate) async fn find_many(db: &impl ConnectionTrait, ids: &[&str]) -> Result<Vec<jobs::Model>, DbErr> {
    jobs::Entity::find().filter(jobs::Column::Id.is_in(ids.iter().copied())).all(db).await
}

/// A job's whole-job dependencies (array children's are written by `array_children`).
pub(crate) async fn insert_dependencies(db: &impl ConnectionTrait, rows: Vec<deps::ActiveModel>) -> Result<(), DbErr> {
    insert_chunked(db, rows).await
}

/// A lone job submitted, with the audit record of its submission: committed together, so a
/// SubmitJob costs one commit, not one for the job and one for its record.
pub(crate) type Submission = (jobs::ActiveModel, audit_log::ActiveModel);

/// Writes new jobs with their SUBMITTED history rows and their audit records, all or none: the
/// group commit's flush. On Postgres one statement (data-modifying `WITH`s, atomic by
/// themselves), elsewhere one transaction. One statement, not a transaction of the usual
/// inserts, for the round trips a flush holds every waiting request for: SubmitJob over HTTP on
/// Postgres, interleaved A/B, 4,771 / 4,839 / 5,165 requests/s against 4,234 / 3,833 / 4,046.
pub(crate) async fn write_submitted(db: DatabaseConnection, submissions: Vec<Submission>) -> Result<(), DbErr> {
    let (jobs, records): (Vec<_>, Vec<_>) = submissions.into_iter().unzip();
    if Dialect::of(&db) == Dialect::Postgres {
        let (job, mut values) = job_insert(&db, jobs);
        let mut audit_rows = Vec::with_capacity(records.len());
        for record in records {
            let first = values.len() + 1;
            let fields: Vec<Value> = AUDIT_COLUMNS.iter().map(|c| record.get(*c).into_value().unwrap_or(Value::String(None))).collect();
            audit_rows.push(format!("({})", (first..first + fields.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")));
            values.extend(fields);
        }
        let columns: Vec<&str> = AUDIT_COLUMNS.iter().map(|c| c.as_str()).collect();
        let sql = format!(
            "WITH job AS ({job}), history AS ({HISTORY_OF_INSERTED}) INSERT INTO audit_log ({}) VALUES {}",
            columns.join(", "),
            audit_rows.join(", ")
        );
        db.execute_raw(Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values)).await?;
        return Ok(());
    }
    let txn = db.begin().await?;
    insert_submitted(&txn, jobs).await?;
    super::audit_log::insert_many(&txn, records).await?;
    txn.commit().await
}

/// The audit record's columns but its generated id, in the order `write_submitted` binds them.
const AUDIT_COLUMNS: [audit_log::Column; 7] = [
    audit_log::Column::At,
    audit_log::Column::Actor,
    audit_log::Column::Action,
    audit_log::Column::Target,
    audit_log::Column::Outcome,
    audit_log::Column::Detail,
    audit_log::Column::Client,
];

/// Inserts new jobs and their SUBMITTED history rows: on Postgres one statement (a
/// data-modifying `WITH`, atomic by itself), elsewhere two (the caller's transaction).
pub(crate) async fn insert_submitted(db: &impl ConnectionTrait, jobs: Vec<jobs::ActiveModel>) -> Result<(), DbErr> {
    if Dialect::of(db) == Dialect::Sqlite {
        let history: Vec<_> = jobs
            .iter()
            .map(|job| history_row(&Subject::Job(job.id.as_ref().clone()), JobStatus::Submitted.as_str(), None, *job.created_at.as_ref()))
            .collect();
        jobs::Entity::insert_many(jobs).exec_without_returning(db).await?;
        history::Entity::insert_many(history).exec_without_returning(db).await?;
        return Ok(());
    }
    let (job, values) = job_insert(db, jobs);
    let sql = format!("WITH job AS ({job}) {HISTORY_OF_INSERTED}");
    db.execute_raw(Statement::from_sql_and_values(db.get_database_backend(), sql, values)).await?;
    Ok(())
}

/// Postgres: inserts `jobs`, returning what their SUBMITTED history rows need (for a `WITH job`).
fn job_insert(db: &impl ConnectionTrait, jobs: Vec<jobs::ActiveModel>) -> (String, Vec<Value>) {
    let mut insert = jobs::Entity::insert_many(jobs).into_query();
    insert.returning(Query::returning().columns([jobs::Column::Id, jobs::Column::Status, jobs::Column::CreatedAt]));
    let insert = db.get_database_backend().build(&insert);
    (insert.sql, insert.values.map(|v| v.0).unwrap_or_default())
}

/// Postgres: the SUBMITTED history rows of the jobs a `WITH job` inserted.
const HISTORY_OF_INSERTED: &str =
    "INSERT INTO job_status_history (job_id, status, reason, at) SELECT id, status, NULL, created_at FROM job";

/// How many jobs (array children included) the queue holds.
pub(crate) async fn count_in_queue(db: &impl ConnectionTrait, queue_id: i32) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    jobs::Entity::find().filter(jobs::Column::JobQueueId.eq(queue_id)).count(db).await
}

/// The jobs `job_id` waits on, in the order they were recorded.
pub async fn dependencies_of(db: &impl ConnectionTrait, job_id: &str) -> Result<Vec<String>, DbErr> {
    let mut rows: Vec<(String, Option<String>)> = deps::Entity::find()
        .select_only()
        .column(deps::Column::DependsOnJobId)
        .column(deps::Column::Kind)
        .filter(deps::Column::JobId.eq(job_id))
        .into_tuple()
        .all(db)
        .await?;
    // N_TO_N before SEQUENTIAL before whole-job dependencies, for a stable order.
    rows.sort_by_key(|(_, kind)| match kind.as_deref() {
        Some("N_TO_N") => 0,
        Some("SEQUENTIAL") => 1,
        _ => 2,
    });
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}

/// Which jobs a ListJobs page is drawn from.
#[derive(Debug, Clone)]
pub(crate) enum JobScope<'a> {
    /// A queue's jobs, array children left out.
    Queue(i32),
    /// An array job's children, by index.
    ChildrenOf(&'a str),
}

/// One ListJobs page: the scope, its filters and where the previous page ended.
#[derive(Debug, Clone)]
pub(crate) struct JobPage<'a> {
    pub scope: JobScope<'a>,
    pub status: Option<JobStatus>,
    pub name: Option<&'a crate::jobs::NameFilter>,
    /// Only jobs of these definitions (ids), when given.
    pub definition_ids: Option<Vec<i32>>,
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
    /// The last position of the previous page: (created_at, id) for a queue, (index, id) for
    /// children.
    pub after: Option<(i64, String)>,
    pub limit: u64,
}

/// A page of jobs: a queue's newest first, paged by (created_at, id) so a deep page costs what
/// the first does; an array's children by index.
pub(crate) async fn page(db: &impl ConnectionTrait, page: &JobPage<'_>) -> Result<Vec<jobs::Model>, DbErr> {
    use crate::jobs::NameFilter;
    use sea_orm::QueryOrder;
    use sea_orm::sea_query::ExprTrait;
    let mut query = jobs::Entity::find();
    query = match page.scope {
        JobScope::ChildrenOf(parent) => query.filter(jobs::Column::ArrayParentId.eq(parent)),
        JobScope::Queue(queue_id) => query.filter(jobs::Column::JobQueueId.eq(queue_id)).filter(jobs::Column::ArrayParentId.is_null()),
    };
    if let Some(status) = page.status {
        query = query.filter(jobs::Column::Status.eq(status.as_str()));
    }
    match page.name {
        Some(NameFilter::Exact(name)) => query = query.filter(jobs::Column::Name.eq(name)),
        Some(NameFilter::Prefix(prefix)) => query = query.filter(jobs::Column::Name.like(prefix_pattern(prefix))),
        None => {}
    }
    if let Some(ids) = &page.definition_ids {
        query = query.filter(jobs::Column::JobDefinitionId.is_in(ids.iter().copied()));
    }
    if let Some(after) = page.created_after {
        query = query.filter(jobs::Column::CreatedAt.gt(after));
    }
    if let Some(before) = page.created_before {
        query = query.filter(jobs::Column::CreatedAt.lt(before));
    }
    query = match page.scope {
        JobScope::ChildrenOf(_) => {
            if let Some((index, _)) = &page.after {
                query = query.filter(jobs::Column::ArrayIndex.gt(*index));
            }
            query.order_by_asc(jobs::Column::ArrayIndex)
        }
        JobScope::Queue(_) => {
            if let Some((created_at, id)) = &page.after {
                // A row-value comparison, so both backends seek the index to the cursor instead
                // of walking every row before it.
                query = query.filter(
                    Expr::tuple([Expr::col(jobs::Column::CreatedAt), Expr::col(jobs::Column::Id)])
                        .lt(Expr::tuple([Expr::val(*created_at), Expr::val(id.clone())])),
                );
            }
            query.order_by_desc(jobs::Column::CreatedAt).order_by_desc(jobs::Column::Id)
        }
    };
    query.limit(page.limit).all(db).await
}

/// `LIKE 'prefix%'` with the prefix's own `%` and `_` (and the escape) taken literally: `_` is
/// a valid job-name character.
fn prefix_pattern(prefix: &str) -> sea_orm::sea_query::LikeExpr {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')
}

/// The most recent failures across every queue, newest first (an index seek on status +
/// creation time, whatever the number of jobs).
pub(crate) async fn recent_failures(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<jobs::Model>, DbErr> {
    use sea_orm::QueryOrder;
    jobs::Entity::find()
        .filter(jobs::Column::Status.eq(JobStatus::Failed.as_str()))
        .order_by_desc(jobs::Column::CreatedAt)
        .order_by_desc(jobs::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// An array parent's children counted by status (only statuses present).
pub(crate) async fn count_children_by_status(db: &impl ConnectionTrait, parent_id: &str) -> Result<Vec<(String, i64)>, DbErr> {
    jobs::Entity::find()
        .select_only()
        .column(jobs::Column::Status)
        .column_as(Expr::from(Func::count(Expr::col(jobs::Column::Id))), "n")
        .filter(jobs::Column::ArrayParentId.eq(parent_id))
        .group_by(jobs::Column::Status)
        .into_tuple()
        .all(db)
        .await
}

/// How many jobs that run (array children, not their parents) the queue holds in `status`,
/// counting at most `cap + 1`: an exact count of a million rows costs a scan of them all, a
/// capped one at most `cap` index entries.
pub(crate) async fn capped_count(db: &impl ConnectionTrait, queue_id: i32, status: JobStatus, cap: i64) -> Result<i64, DbErr> {
    let sql = format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM jobs WHERE job_queue_id = $1 AND status = $2 \
         AND (array_size IS NULL OR array_index IS NOT NULL) LIMIT {}) AS capped",
        cap + 1
    );
    let row = db.query_one_raw(Dialect::of(db).statement(&sql, vec![queue_id.into(), status.as_str().into()])).await?;
    Ok(row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0))
}

/// The waiting reasons (`status_reason`) of the queue's RUNNABLE jobs that run, each with how
/// many hold it, over at most `cap` of them (an index range, like `capped_count`).
pub(crate) async fn runnable_reasons(db: &impl ConnectionTrait, queue_id: i32, cap: i64) -> Result<Vec<(Option<String>, i64)>, DbErr> {
    let sql = format!(
        "SELECT status_reason, count(*) AS n FROM (SELECT status_reason FROM jobs WHERE job_queue_id = $1 AND status = $2 \
         AND (array_size IS NULL OR array_index IS NOT NULL) LIMIT {cap}) AS capped GROUP BY status_reason"
    );
    let rows = db.query_all_raw(Dialect::of(db).statement(&sql, vec![queue_id.into(), JobStatus::Runnable.as_str().into()])).await?;
    rows.into_iter().map(|r| Ok((r.try_get("", "status_reason")?, r.try_get("", "n")?))).collect()
}

/// The status history of many jobs in the order it happened: each a job id and, for an array
/// child, its array job and index (the runs of its array that cover it are its history too).
/// One query per 100 jobs; a caller picks each job's rows (`jobs::DescribeContext`).
pub(crate) async fn histories_of(db: &impl ConnectionTrait, jobs: &[(&str, Option<(&str, i32)>)]) -> Result<Vec<history::Model>, DbErr> {
    use sea_orm::QueryOrder;
    let mut rows = Vec::new();
    for chunk in jobs.chunks(100) {
        // The jobs' own rows by one IN list, and per array the runs that overlap the span of
        // its children asked for: a poll of 100 children of one array is two index ranges, not
        // 200 OR-ed conditions. Runs that cover none of them are dropped by the reader.
        let own: Vec<&str> = chunk.iter().map(|(job_id, _)| *job_id).collect();
        let mut spans: BTreeMap<&str, (i32, i32)> = BTreeMap::new();
        for (parent, index) in chunk.iter().filter_map(|(_, child)| *child) {
            let span = spans.entry(parent).or_insert((index, index));
            *span = (span.0.min(index), span.1.max(index));
        }
        let any = spans.into_iter().fold(
            Condition::any().add(Condition::all().add(history::Column::JobId.is_in(own)).add(history::Column::FirstIndex.is_null())),
            |any, (parent, (low, high))| {
                any.add(
                    Condition::all()
                        .add(history::Column::JobId.eq(parent))
                        .add(history::Column::FirstIndex.lte(high))
                        .add(history::Column::LastIndex.gte(low)),
                )
            },
        );
        rows.extend(history::Entity::find().filter(any).order_by_asc(history::Column::Id).all(db).await?);
    }
    rows.sort_by_key(|row| row.id);
    rows.dedup_by_key(|row| row.id);
    Ok(rows)
}
