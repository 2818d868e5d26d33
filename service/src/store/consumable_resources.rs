//! Consumable resources, and what jobs hold or have used up of them.

use super::entities::{consumable_resources as cr, jobs};
use crate::batch::from_json;
use domain::JobStatus;
use domain::consumable_resource::{ResourceType, ResourceUse};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

pub(crate) async fn find_by_name(db: &impl ConnectionTrait, name: &str) -> Result<Option<cr::Model>, DbErr> {
    cr::Entity::find().filter(cr::Column::Name.eq(name)).one(db).await
}

/// The resources named (all when `names` is empty), by name.
pub(crate) async fn named(db: &impl ConnectionTrait, names: &[&str]) -> Result<Vec<cr::Model>, DbErr> {
    let mut query = cr::Entity::find().order_by_asc(cr::Column::Name);
    if !names.is_empty() {
        query = query.filter(cr::Column::Name.is_in(names.iter().copied()));
    }
    query.all(db).await
}

/// Up to `limit` resources after the name `after`, by name, whose names start with `prefix`.
pub(crate) async fn page(
    db: &impl ConnectionTrait,
    prefix: Option<&str>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<cr::Model>, DbErr> {
    let mut query = cr::Entity::find().order_by_asc(cr::Column::Name).limit(limit);
    if let Some(after) = after {
        query = query.filter(cr::Column::Name.gt(after));
    }
    if let Some(prefix) = prefix {
        query = query.filter(cr::Column::Name.starts_with(prefix));
    }
    query.all(db).await
}

pub(crate) async fn insert(db: &impl ConnectionTrait, resource: cr::ActiveModel) -> Result<cr::Model, DbErr> {
    resource.insert(db).await
}

pub(crate) async fn set_total(db: &impl ConnectionTrait, id: i32, total: i64) -> Result<(), DbErr> {
    cr::Entity::update_many().col_expr(cr::Column::TotalQuantity, Expr::value(total)).filter(cr::Column::Id.eq(id)).exec(db).await?;
    Ok(())
}

pub(crate) async fn delete(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    cr::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Every resource with what jobs hold of it now and what it has left: (row, in use, available).
/// One read of the jobs that need any resource (a partial index holds only those), and none
/// at all when no resource exists.
pub(crate) async fn availability(db: &impl ConnectionTrait) -> Result<Vec<(cr::Model, i64, i64)>, DbErr> {
    let resources = named(db, &[]).await?;
    if resources.is_empty() {
        return Ok(Vec::new());
    }
    let uses = uses(db).await?;
    Ok(resources
        .into_iter()
        .map(|resource| {
            let used = uses.get(&resource.name).copied().unwrap_or_default();
            let kind = ResourceType::parse("resource_type", &resource.resource_type).unwrap_or_default();
            let (in_use, available) = used.availability(kind, resource.total_quantity);
            (resource, in_use, available)
        })
        .collect())
}

/// What the jobs that need resources hold now (STARTING or RUNNING) and have ever used (a job
/// that ran), per resource name.
async fn uses(db: &impl ConnectionTrait) -> Result<HashMap<String, ResourceUse>, DbErr> {
    let holding = [JobStatus::Starting.as_str(), JobStatus::Running.as_str()];
    let rows: Vec<(String, String, Option<i64>)> = jobs::Entity::find()
        .select_only()
        .columns([jobs::Column::ConsumableResources, jobs::Column::Status, jobs::Column::StartedAt])
        .filter(jobs::Column::ConsumableResources.ne("[]"))
        .filter(Condition::any().add(jobs::Column::Status.is_in(holding)).add(jobs::Column::StartedAt.is_not_null()))
        .into_tuple()
        .all(db)
        .await?;
    let mut uses: HashMap<String, ResourceUse> = HashMap::new();
    for (needs, status, started_at) in rows {
        let holds_now = holding.contains(&status.as_str());
        let needs: Vec<(String, i64)> = from_json("consumable_resources", &needs)?;
        for (name, quantity) in needs {
            uses.entry(name).or_default().add(quantity, holds_now, holds_now || started_at.is_some());
        }
    }
    Ok(uses)
}

/// Up to `limit` jobs that need resources, after the job id `after`, by id, with their needs.
pub(crate) async fn jobs_needing(db: &impl ConnectionTrait, after: Option<&str>, limit: u64) -> Result<Vec<jobs::Model>, DbErr> {
    let mut query = jobs::Entity::find().filter(jobs::Column::ConsumableResources.ne("[]")).order_by_asc(jobs::Column::Id).limit(limit);
    if let Some(after) = after {
        query = query.filter(jobs::Column::Id.gt(after));
    }
    query.all(db).await
}
