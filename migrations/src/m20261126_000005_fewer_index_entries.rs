//! Fewer index entries per job on the lifecycle's write path (issue 8).
//!
//! Every version of a `jobs` row on Postgres gets an entry in each index whose predicate it
//! meets, and an array child is written three times (submitted, claimed, finished). Measured in
//! psql on 30,000 children, a status update cost ~30 µs a row with the five indexes, ~9 µs with
//! the primary key alone: each B-tree entry is a few microseconds.
//!
//! - `idx_jobs_queue_created` serves ListJobs by queue, which lists single jobs and array
//!   parents, never children (as AWS does): it leaves children out.
//! - Postgres: `idx_jobs_status_created` serves the scheduler, which reads only unfinished
//!   states; finished rows leave it, and the console's "recent failures" gets a small index of
//!   its own. (SQLite rewrites only the index entries whose columns change, and its planner uses
//!   a partial index only when a query repeats the index's condition word for word, so it keeps
//!   the full index.)
//! - Postgres: the foreign keys from `job_attempts` and `attempt_logs` to `jobs` go, as the one
//!   from `job_status_history` never existed: those rows are written only by the scheduler, for
//!   a job it has just read or moved, and jobs are never deleted; the check was a locking lookup
//!   (`SELECT ... FOR KEY SHARE`) per attempt and per log line. SQLite cannot drop a constraint
//!   without rebuilding the table, and its check is an in-process B-tree lookup.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000005_fewer_index_entries"
    }
}

const UNFINISHED: &str = "status IN ('SUBMITTED','PENDING','RUNNABLE','STARTING','RUNNING')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_jobs_queue_created").await?;
        db.execute_unprepared("CREATE INDEX idx_jobs_queue_created ON jobs (job_queue_id, created_at, id) WHERE array_parent_id IS NULL")
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("DROP INDEX idx_jobs_status_created").await?;
            db.execute_unprepared(&format!("CREATE INDEX idx_jobs_status_created ON jobs (status, created_at, id) WHERE {UNFINISHED}"))
                .await?;
            db.execute_unprepared("CREATE INDEX idx_jobs_failed ON jobs (created_at, id) WHERE status = 'FAILED'").await?;
            db.execute_unprepared("ALTER TABLE job_attempts DROP CONSTRAINT fk_job_attempts_job_id").await?;
            db.execute_unprepared("ALTER TABLE attempt_logs DROP CONSTRAINT fk_attempt_logs_job_id").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("ALTER TABLE attempt_logs ADD CONSTRAINT fk_attempt_logs_job_id FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE RESTRICT")
                .await?;
            db.execute_unprepared("ALTER TABLE job_attempts ADD CONSTRAINT fk_job_attempts_job_id FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE RESTRICT")
                .await?;
            db.execute_unprepared("DROP INDEX idx_jobs_failed").await?;
            db.execute_unprepared("DROP INDEX idx_jobs_status_created").await?;
            db.execute_unprepared("CREATE INDEX idx_jobs_status_created ON jobs (status, created_at, id)").await?;
        }
        db.execute_unprepared("DROP INDEX idx_jobs_queue_created").await?;
        db.execute_unprepared("CREATE INDEX idx_jobs_queue_created ON jobs (job_queue_id, created_at, id)").await?;
        Ok(())
    }
}
