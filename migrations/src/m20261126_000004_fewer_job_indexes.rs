//! Every status change rewrites a job's entry in every index of `jobs` (on Postgres a status
//! update is never a HOT update, since status is indexed). The capacity accounting's
//! `(compute_environment_id, status)` index served a query that the `(status, created_at, id)`
//! index serves as well (STARTING and RUNNING jobs, grouped by placement), so it goes: one
//! index fewer to write on each of a job's state changes.

use crate::index;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000004_fewer_job_indexes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_jobs_environment_status").table("jobs").to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index("idx_jobs_environment_status", "jobs", &["compute_environment_id", "status"])).await
    }
}
