//! The nodes of multi-node parallel jobs' attempts: each node's container, when it started and
//! how it ended. The job's own row and attempt follow the main node (ARCHITECTURE.md §16).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000014_job_nodes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("job_nodes")
                    .col(string("job_id"))
                    .col(integer("attempt_number"))
                    .col(integer("node_index"))
                    .col(string_null("container_id"))
                    .col(string_null("address"))
                    .col(big_integer_null("started_at"))
                    .col(big_integer_null("stopped_at"))
                    .col(integer_null("exit_code"))
                    .col(string_null("reason"))
                    .primary_key(Index::create().col("job_id").col("attempt_number").col("node_index"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("job_nodes").to_owned()).await
    }
}
