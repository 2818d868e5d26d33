use super::stored::Stored;
use domain::job_definition::DefinitionStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_definitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub revision: i32,
    pub status: Stored<DefinitionStatus>,
    #[sea_orm(column_name = "type")]
    pub kind: String,
    pub container_properties: String,
    pub parameters: String,
    pub retry_strategy: Option<String>,
    pub timeout_seconds: Option<i32>,
    pub scheduling_priority: Option<i32>,
    pub tags: String,
    pub created_at: i64,
    /// JSON of `domain::aws_fields::AwsFields`: AWS members kept as sent.
    pub aws_fields: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
