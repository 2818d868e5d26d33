use sea_orm::entity::prelude::*;

/// What one attempt used (`domain::resource_use`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attempt_usage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub job_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub attempt_number: i32,
    pub peak_memory_bytes: Option<i64>,
    pub cpu_time_ms: Option<i64>,
    /// JSON of `[UsageSample]`, at most `MAX_SAMPLES` of them.
    pub samples: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
