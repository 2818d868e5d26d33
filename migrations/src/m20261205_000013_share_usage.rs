//! What each share of a fair-share queue used recently: vCPU-milliseconds (milli-vCPUs × ms)
//! decayed to `updated_at` (`domain::scheduler::decayed`), added to as its jobs finish.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000013_share_usage"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("share_usage")
                    .col(integer("job_queue_id"))
                    .col(string("share_identifier"))
                    .col(double("vcpu_ms"))
                    .col(big_integer("updated_at"))
                    .primary_key(Index::create().col("job_queue_id").col("share_identifier"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("share_usage").to_owned()).await
    }
}
