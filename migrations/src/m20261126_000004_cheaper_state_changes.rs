//! Indexes shaped for the scheduler's write-heavy path (issue 8's lifecycle benchmark).
//!
//! - Every status change rewrites a job's entry in every index of `jobs` (on Postgres a status
//!   update is never a HOT update, since status is indexed). The capacity accounting's
//!   `(compute_environment_id, status)` index served a query that `(status, created_at, id)`
//!   serves as well (STARTING and RUNNING jobs, grouped by placement): it goes.
//! - Each pass asks which running jobs were asked to terminate, and which array parents are
//!   SUBMITTED or PENDING. Through the status index both read every job in those states (all
//!   100,000 children of a big submit, each pass). Partial indexes over the few rows that can
//!   match answer from a handful of entries, and cost nothing on the writes of other jobs.
//! - An attempt row is written twice: when it starts, and when it ends (no indexed column).
//!   On Postgres that second write can be a HOT update, touching no index, if the page has
//!   room for the new version; with the default fillfactor of 100 it never does. Pages of
//!   `job_attempts` are left 40% free for it.
//! - History rows are only ever appended, in time order: on Postgres a BRIN index on their
//!   time (a summary per range of pages, nearly free to maintain) serves the dashboard's
//!   "last hour" as well as the B-tree did, which every one of a job's ~5 history rows paid for.

use crate::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000004_cheaper_state_changes"
    }
}

/// The same SQL on Postgres and SQLite (sea-query's builder has no partial indexes).
const PARTIAL_INDEXES: &[(&str, &str)] = &[
    ("idx_jobs_terminating", "CREATE INDEX idx_jobs_terminating ON jobs (status) WHERE terminate_reason IS NOT NULL"),
    ("idx_jobs_array_parents", "CREATE INDEX idx_jobs_array_parents ON jobs (status) WHERE array_size IS NOT NULL AND array_index IS NULL"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager.drop_index(Index::drop().name("idx_jobs_environment_status").table("jobs").to_owned()).await?;
        for (_, create) in PARTIAL_INDEXES {
            db.execute_unprepared(create).await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("ALTER TABLE job_attempts SET (fillfactor = 60)").await?;
            db.execute_unprepared("DROP INDEX idx_job_status_history_at").await?;
            db.execute_unprepared("CREATE INDEX idx_job_status_history_at ON job_status_history USING brin (at)").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("DROP INDEX idx_job_status_history_at").await?;
            manager.create_index(index("idx_job_status_history_at", "job_status_history", &["at"])).await?;
            db.execute_unprepared("ALTER TABLE job_attempts RESET (fillfactor)").await?;
        }
        for (name, _) in PARTIAL_INDEXES {
            manager.drop_index(Index::drop().name(*name).table("jobs").to_owned()).await?;
        }
        manager.create_index(index("idx_jobs_environment_status", "jobs", &["compute_environment_id", "status"])).await
    }
}
