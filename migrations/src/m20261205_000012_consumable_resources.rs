//! Consumable resources (`domain::consumable_resource`), and what each job needs of them: JSON
//! of `[[name, quantity], ...]`, `[]` for the jobs that need none (nearly all). The scheduler
//! reads the started jobs that need some every pass, so a partial index holds only those.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000012_consumable_resources"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("consumable_resources")
                    .col(pk_auto("id"))
                    .col(string_uniq("name"))
                    .col(big_integer("total_quantity"))
                    .col(string("resource_type"))
                    .col(text("tags"))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table("jobs").add_column(ColumnDef::new("consumable_resources").text().not_null().default("[]")).to_owned(),
            )
            .await?;
        // The same statement on Postgres and SQLite, both of which index a subset of rows.
        manager
            .get_connection()
            .execute_unprepared("CREATE INDEX idx_jobs_needing_resources ON jobs (status) WHERE consumable_resources <> '[]'")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX idx_jobs_needing_resources").await?;
        manager.alter_table(Table::alter().table("jobs").drop_column("consumable_resources").to_owned()).await?;
        manager.drop_table(Table::drop().table("consumable_resources").to_owned()).await
    }
}
