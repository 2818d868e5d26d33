use sea_orm::entity::prelude::*;

/// One node of a multi-node parallel job's attempt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_nodes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub job_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub attempt_number: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub node_index: i32,
    pub container_id: Option<String>,
    /// The node's IPv4 address on the job's network.
    pub address: Option<String>,
    pub started_at: Option<i64>,
    pub stopped_at: Option<i64>,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
