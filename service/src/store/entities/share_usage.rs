use sea_orm::entity::prelude::*;

/// What a share of a fair-share queue used recently, decayed to `updated_at`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "share_usage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub job_queue_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub share_identifier: String,
    /// Milli-vCPUs × milliseconds.
    pub vcpu_ms: f64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
