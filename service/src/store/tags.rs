//! Tags on compute environments, job queues, job definitions, jobs and scheduling policies: each table's `tags`
//! column (a JSON object), read and written as text.

use super::Dialect;
use sea_orm::{ConnectionTrait, DbErr, Value};

/// A resource that carries tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tagged {
    ComputeEnvironment(String),
    JobQueue(String),
    JobDefinition { name: String, revision: i32 },
    Job(String),
    SchedulingPolicy(String),
}

/// Where a resource's tags live: its table and the condition that finds its row.
struct TaggedRow {
    table: &'static str,
    condition: &'static str,
    keys: Vec<Value>,
}

impl Tagged {
    fn row(&self) -> TaggedRow {
        match self {
            Tagged::ComputeEnvironment(name) => {
                TaggedRow { table: "compute_environments", condition: "name = $1", keys: vec![name.as_str().into()] }
            }
            Tagged::JobQueue(name) => TaggedRow { table: "job_queues", condition: "name = $1", keys: vec![name.as_str().into()] },
            Tagged::SchedulingPolicy(name) => {
                TaggedRow { table: "scheduling_policies", condition: "name = $1", keys: vec![name.as_str().into()] }
            }
            Tagged::Job(id) => TaggedRow { table: "jobs", condition: "id = $1", keys: vec![id.as_str().into()] },
            Tagged::JobDefinition { name, revision } => TaggedRow {
                table: "job_definitions",
                condition: "name = $1 AND revision = $2",
                keys: vec![name.as_str().into(), (*revision).into()],
            },
        }
    }
}

/// The resource's tags (JSON text), or `None` when it does not exist.
pub(crate) async fn tags(db: &impl ConnectionTrait, resource: &Tagged) -> Result<Option<String>, DbErr> {
    read(db, resource, false).await
}

/// As `tags`, holding the row until the transaction `db` ends, for a read-modify-write.
pub(crate) async fn tags_for_update(db: &impl ConnectionTrait, resource: &Tagged) -> Result<Option<String>, DbErr> {
    read(db, resource, true).await
}

async fn read(db: &impl ConnectionTrait, resource: &Tagged, for_update: bool) -> Result<Option<String>, DbErr> {
    let dialect = Dialect::of(db);
    let row = resource.row();
    // SQLite has one writer at a time; Postgres locks the row against a concurrent change.
    let lock = if for_update { dialect.for_update() } else { "" };
    let sql = format!("SELECT tags FROM {} WHERE {}{lock}", row.table, row.condition);
    let found = db.query_one_raw(dialect.statement(&sql, row.keys)).await?;
    found.map(|found| found.try_get("", "tags")).transpose()
}

/// Replaces the resource's tags with `tags` (JSON text).
pub(crate) async fn set_tags(db: &impl ConnectionTrait, resource: &Tagged, tags: String) -> Result<(), DbErr> {
    let row = resource.row();
    let mut values = vec![Value::from(tags)];
    values.extend(row.keys);
    // The row's own keys move up one placeholder to make room for the tags.
    let condition = row.condition.replace("$2", "$3").replace("$1", "$2");
    // A job's tags are part of what DescribeJobs shows of it: raise its revision with them.
    let revision = if row.table == "jobs" { ", revision = revision + 1" } else { "" };
    let sql = format!("UPDATE {} SET tags = $1{revision} WHERE {condition}", row.table);
    db.execute_raw(Dialect::of(db).statement(&sql, values)).await?;
    Ok(())
}
