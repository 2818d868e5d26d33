//! Every status change rewrites a job's entry in every index of `jobs` (on Postgres a status
//! update is never a HOT update, since status is indexed). The capacity accounting's
//! `(compute_environment_id, status)` index served a query that the `(status, created_at, id)`
//! index serves as well (STARTING and RUNNING jobs, grouped by placement), so it goes: one
//! index fewer to write on each of a job's state changes.
//!
//! Every scheduler pass asks which STARTING / RUNNING jobs were asked to terminate; without an
//! index that reads every running job (~45 ms a pass with 10,000 running). A partial index on
//! the few rows with a terminate reason answers it from a handful of entries, and costs
//! nothing on the writes of the other jobs.
//!
//! An attempt row is written twice: when it starts, and when it ends (stopped_at, exit code,
//! reasons: no indexed column). On Postgres that second write can be a HOT update, touching
//! no index, if the page has room for the new version; with the default fillfactor of 100 a
//! freshly filled page never does. Pages of `job_attempts` are left 40% free for it.

use crate::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000004_fewer_job_indexes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_jobs_environment_status").table("jobs").to_owned()).await?;
        // The same SQL on Postgres and SQLite (sea-query's builder has no partial indexes).
        manager
            .get_connection()
            .execute_unprepared("CREATE INDEX idx_jobs_terminating ON jobs (status) WHERE terminate_reason IS NOT NULL")
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared("ALTER TABLE job_attempts SET (fillfactor = 60)").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared("ALTER TABLE job_attempts RESET (fillfactor)").await?;
        }
        manager.drop_index(Index::drop().name("idx_jobs_terminating").table("jobs").to_owned()).await?;
        manager.create_index(index("idx_jobs_environment_status", "jobs", &["compute_environment_id", "status"])).await
    }
}
