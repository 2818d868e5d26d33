//! What clients poll, made cheap to read again (ARCHITECTURE.md, "Polled reads"):
//! - a revision on each job and each attempt, raised by every write to the row: a DescribeJobs
//!   answered from memory checks in one statement that the count and the sum of these
//!   revisions over the jobs it asked for are what they were (revisions only grow);
//! - an index of the jobs a queue's ListJobs shows (single jobs and array jobs, not their
//!   children) by state and age: ListJobs of a queue's RUNNING jobs walked past every RUNNING
//!   child of its arrays (thousands while a big array runs) to find the few it shows.

use crate::index;
use sea_orm_migration::prelude::*;

pub struct Migration;

const TABLES: [&str; 2] = ["jobs", "job_attempts"];

/// Jobs a queue lists, by state and age (partial: no array children).
const LISTED: &str = "idx_jobs_listed";

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000016_polled_reads"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One statement per table: SQLite alters one column per statement. A constant default
        // costs no rewrite of existing rows on either store.
        for table in TABLES {
            let revision = ColumnDef::new("revision").big_integer().not_null().default(0).to_owned();
            manager.alter_table(Table::alter().table(table).add_column(revision).to_owned()).await?;
        }
        let mut listed = index(LISTED, "jobs", &["job_queue_id", "status", "created_at", "id"]);
        listed.and_where(Expr::col("array_parent_id").is_null());
        manager.create_index(listed).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(LISTED).table("jobs").to_owned()).await?;
        for table in TABLES {
            manager.alter_table(Table::alter().table(table).drop_column("revision").to_owned()).await?;
        }
        Ok(())
    }
}
