//! Job output read as CloudWatch Logs streams (ARCHITECTURE.md §12): DescribeLogStreams lists
//! attempts by stream name and prefix, so the name is indexed.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000010_log_stream_names"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(Index::create().name("idx_job_attempts_log_stream_name").table("job_attempts").col("log_stream_name").to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_job_attempts_log_stream_name").table("job_attempts").to_owned()).await
    }
}
