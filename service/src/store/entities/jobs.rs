use super::stored::Stored;
use domain::JobStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub job_queue_id: i32,
    pub job_definition_id: i32,
    pub status: Stored<JobStatus>,
    pub status_reason: Option<String>,
    pub created_at: i64,
    pub status_changed_at: i64,
    pub started_at: Option<i64>,
    pub stopped_at: Option<i64>,
    pub array_parent_id: Option<String>,
    pub array_index: Option<i32>,
    pub array_size: Option<i32>,
    pub parameters: String,
    pub container_overrides: String,
    pub retry_attempts: i32,
    pub evaluate_on_exit: String,
    pub timeout_seconds: Option<i32>,
    pub depends_on: String,
    pub tags: String,
    pub share_identifier: Option<String>,
    pub scheduling_priority: Option<i32>,
    pub submitted_by: String,
    pub attempt_count: i32,
    pub terminate_reason: Option<String>,
    pub milli_vcpus: i32,
    pub memory_mib: i32,
    pub compute_environment_id: Option<i32>,
    pub host_index: Option<i32>,
    /// JSON of `domain::aws_fields::AwsFields`: AWS members kept as sent.
    pub aws_fields: String,
    /// JSON of `[[resource name, quantity], ...]`: what the job needs of consumable resources.
    pub consumable_resources: String,
    /// Raised by every write to the row (migration `m20261207_000016_polled_reads`).
    pub revision: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
