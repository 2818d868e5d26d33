use sea_orm::entity::prelude::*;

/// A queue's compute environments, in `position` order (0 first).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_queue_compute_environments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub job_queue_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub compute_environment_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
