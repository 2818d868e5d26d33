use super::stored::Stored;
use domain::compute_environment::State;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_queues")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub state: Stored<State>,
    pub status: String,
    pub priority: i32,
    pub job_state_time_limit_actions: String,
    pub tags: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// JSON of `domain::aws_fields::AwsFields`: AWS members kept as sent.
    pub aws_fields: String,
    /// The fair-share policy the queue follows; none: first in, first out.
    pub scheduling_policy_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
