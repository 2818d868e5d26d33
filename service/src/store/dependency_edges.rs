//! The dependency rows the job page's graph follows (`domain::dependency_graph`).

use super::entities::job_dependencies as deps;
use domain::dependency_graph::{Direction, GraphEdge};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

/// At most this many rows per read: a job thousands of others wait on is drawn with the first
/// of them (the graph keeps `MAX_NODES` anyway).
const ROW_CAP: u64 = 500;

/// The rows where `ids` wait on others (upstream) or others wait on `ids` (downstream), as edges
/// from the job waited on to the job waiting.
pub(crate) async fn edges_touching(db: &impl ConnectionTrait, ids: &[String], direction: Direction) -> Result<Vec<GraphEdge>, DbErr> {
    let column = match direction {
        Direction::Upstream => deps::Column::JobId,
        Direction::Downstream => deps::Column::DependsOnJobId,
    };
    let rows: Vec<(String, String, Option<String>)> = deps::Entity::find()
        .select_only()
        .column(deps::Column::DependsOnJobId)
        .column(deps::Column::JobId)
        .column(deps::Column::Kind)
        .filter(column.is_in(ids.iter().cloned()))
        .order_by_asc(deps::Column::JobId)
        .limit(ROW_CAP)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(from, to, kind)| GraphEdge { from, to, kind }).collect())
}

/// How many dependency rows touch `ids`, either way: a job submitted to wait on one of them
/// adds one (two index lookups per id).
pub(crate) async fn count_touching(db: &impl ConnectionTrait, ids: &[String]) -> Result<u64, DbErr> {
    if ids.is_empty() {
        return Ok(0);
    }
    let either =
        Condition::any().add(deps::Column::JobId.is_in(ids.iter().cloned())).add(deps::Column::DependsOnJobId.is_in(ids.iter().cloned()));
    deps::Entity::find().filter(either).count(db).await
}
