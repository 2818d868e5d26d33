use super::stored::Stored;
use domain::compute_environment::{ExecutorKind, State};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "compute_environments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub state: Stored<State>,
    pub status: String,
    #[sea_orm(column_name = "type")]
    pub kind: String,
    pub max_vcpus: i32,
    pub executor: Stored<ExecutorKind>,
    pub allow_privileged: bool,
    /// JSON of `HostAccess` (its `allowPrivileged` is the column above).
    pub host_access: String,
    /// JSON list of `DockerHost`.
    pub hosts: String,
    pub tags: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// JSON of `domain::aws_fields::AwsFields`: AWS members kept as sent.
    pub aws_fields: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
