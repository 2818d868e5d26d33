use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_status_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The job that moved; or, with `first_index`/`last_index`, the array job whose children
    /// `first_index..=last_index` moved together.
    pub job_id: String,
    pub first_index: Option<i32>,
    pub last_index: Option<i32>,
    pub status: String,
    pub reason: Option<String>,
    pub at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
