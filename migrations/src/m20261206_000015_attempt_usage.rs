//! What each attempt used (ARCHITECTURE.md §15): peak memory and CPU time from the engine's
//! stats, and a bounded series of readings (JSON of `domain::resource_use::UsageSample`) for
//! the job page's chart. A table of its own, not columns of `job_attempts`: DescribeJobs reads
//! attempts on every poll and must not carry the series.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000015_attempt_usage"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("attempt_usage")
                    .col(string("job_id"))
                    .col(integer("attempt_number"))
                    .col(big_integer_null("peak_memory_bytes"))
                    .col(big_integer_null("cpu_time_ms"))
                    .col(text("samples"))
                    .primary_key(Index::create().col("job_id").col("attempt_number"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("attempt_usage").to_owned()).await
    }
}
