//! Reads of queues, definitions and environments by id, for the scheduler and for job views
//! (their use cases' own queries are in `job_queues`, `job_definitions`, `compute_environments`).

use super::entities::{compute_environments as ce, job_definitions as jd, job_queues as jq};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// Every compute environment, by id (a pass reads them once for the claim and the launch).
pub(crate) async fn environments_by_id(db: &impl ConnectionTrait) -> Result<HashMap<i32, ce::Model>, DbErr> {
    Ok(ce::Entity::find().all(db).await?.into_iter().map(|e| (e.id, e)).collect())
}

pub(crate) async fn definitions_by_id(db: &impl ConnectionTrait, ids: Vec<i32>) -> Result<HashMap<i32, jd::Model>, DbErr> {
    Ok(jd::Entity::find().filter(jd::Column::Id.is_in(ids)).all(db).await?.into_iter().map(|d| (d.id, d)).collect())
}

pub(crate) async fn queues_by_id(db: &impl ConnectionTrait) -> Result<HashMap<i32, jq::Model>, DbErr> {
    Ok(jq::Entity::find().all(db).await?.into_iter().map(|q| (q.id, q)).collect())
}

/// The ids of the definitions named `name` (one revision, or all).
pub(crate) async fn definition_ids_named(db: &impl ConnectionTrait, name: &str, revision: Option<i32>) -> Result<Vec<i32>, DbErr> {
    let mut query = jd::Entity::find().select_only().column(jd::Column::Id).filter(jd::Column::Name.eq(name));
    if let Some(revision) = revision {
        query = query.filter(jd::Column::Revision.eq(revision));
    }
    query.into_tuple().all(db).await
}

pub(crate) async fn definition_by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<jd::Model>, DbErr> {
    jd::Entity::find_by_id(id).one(db).await
}
