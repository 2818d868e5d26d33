//! Fair-share scheduling policies (`domain::scheduling_policy`), and the policy a job queue
//! follows (none: first in, first out).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000011_scheduling_policies"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("scheduling_policies")
                    .col(pk_auto("id"))
                    .col(string_uniq("name"))
                    // JSON of `FairsharePolicy`; `null` when the policy was created without one.
                    .col(text("fairshare_policy"))
                    .col(text("tags"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table("job_queues").add_column(ColumnDef::new("scheduling_policy_id").integer().null()).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("job_queues").drop_column("scheduling_policy_id").to_owned()).await?;
        manager.drop_table(Table::drop().table("scheduling_policies").to_owned()).await
    }
}
