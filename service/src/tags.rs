//! ListTagsForResource, TagResource, UntagResource: tags on compute environments, job queues,
//! job definitions and jobs, addressed by ARN as AWS does.

use crate::batch::{Batch, from_json, to_json};
use crate::db::statement;
use crate::error::{ServiceError, ServiceResult};
use domain::FieldError;
use domain::access::{Action, Caller};
use domain::tags::{Tags, validate_tags};
use sea_orm::{ConnectionTrait, DatabaseBackend, TransactionTrait, Value};

/// Where a resource's tags live: its table and the condition that finds its row.
struct TaggedRow {
    table: &'static str,
    condition: &'static str,
    keys: Vec<Value>,
}

fn locate(arn: &str) -> ServiceResult<TaggedRow> {
    let invalid = || {
        ServiceError::Invalid(FieldError::new(
            "resourceArn",
            format!("{arn} is not the ARN of a compute environment, job queue, job definition or job"),
        ))
    };
    let resource = arn.strip_prefix("arn:").and_then(|rest| rest.splitn(5, ':').nth(4)).ok_or_else(invalid)?;
    let (kind, name) = resource.split_once('/').ok_or_else(invalid)?;
    Ok(match kind {
        "compute-environment" => TaggedRow { table: "compute_environments", condition: "name = $1", keys: vec![name.into()] },
        "job-queue" => TaggedRow { table: "job_queues", condition: "name = $1", keys: vec![name.into()] },
        "job" => TaggedRow { table: "jobs", condition: "id = $1", keys: vec![name.into()] },
        "job-definition" => {
            let (name, revision) = name.rsplit_once(':').ok_or_else(invalid)?;
            let revision: i32 = revision.parse().map_err(|_| invalid())?;
            TaggedRow { table: "job_definitions", condition: "name = $1 AND revision = $2", keys: vec![name.into(), revision.into()] }
        }
        _ => return Err(invalid()),
    })
}

impl Batch {
    pub async fn list_tags_for_resource(&self, caller: &Caller, arn: &str) -> ServiceResult<Tags> {
        self.guarded(caller, Action::Read, arn, async move { self.read_tags(&self.db, arn, &locate(arn)?, false).await }).await
    }

    /// Adds or replaces tags; at most 50 per resource after the change.
    pub async fn tag_resource(&self, caller: &Caller, arn: &str, tags: Tags) -> ServiceResult<()> {
        self.guarded(caller, Action::TagResource, arn, async move {
            validate_tags("tags", &tags)?;
            self.change_tags(arn, |current| current.extend(tags)).await
        })
        .await
    }

    pub async fn untag_resource(&self, caller: &Caller, arn: &str, keys: Vec<String>) -> ServiceResult<()> {
        self.guarded(caller, Action::UntagResource, arn, async move {
            if keys.is_empty() {
                return Err(FieldError::new("tagKeys", "name at least one tag key").into());
            }
            self.change_tags(arn, |current| current.retain(|key, _| !keys.contains(key))).await
        })
        .await
    }

    async fn change_tags(&self, arn: &str, change: impl FnOnce(&mut Tags)) -> ServiceResult<()> {
        let row = locate(arn)?;
        let txn = self.db.begin().await?;
        let mut tags = self.read_tags(&txn, arn, &row, true).await?;
        change(&mut tags);
        validate_tags("tags", &tags)?;
        let mut values = vec![Value::from(to_json(&tags))];
        values.extend(row.keys.iter().cloned());
        // The row's own keys move up one placeholder to make room for the tags.
        let condition = row.condition.replace("$2", "$3").replace("$1", "$2");
        let sql = format!("UPDATE {} SET tags = $1 WHERE {condition}", row.table);
        txn.execute_raw(statement(txn.get_database_backend(), &sql, values)).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn read_tags(&self, db: &impl ConnectionTrait, arn: &str, row: &TaggedRow, for_update: bool) -> ServiceResult<Tags> {
        let backend = db.get_database_backend();
        // SQLite has one writer at a time; Postgres locks the row against a concurrent change.
        let lock = if for_update && backend == DatabaseBackend::Postgres { " FOR UPDATE" } else { "" };
        let sql = format!("SELECT tags FROM {} WHERE {}{lock}", row.table, row.condition);
        let found = db.query_one_raw(statement(backend, &sql, row.keys.clone())).await?;
        let text: String = found.ok_or_else(|| ServiceError::not_found("resource", arn))?.try_get("", "tags")?;
        Ok(from_json("tags", &text)?)
    }
}
