//! What a compute environment's jobs may touch on the host (JSON of `HostAccess`, without the
//! privileged flag, which keeps its own column), and named secrets sealed with the server key.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000008_host_access_and_secrets"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("compute_environments")
                    .add_column(ColumnDef::new("host_access").text().not_null().default("{}"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("secrets")
                    .col(pk_auto("id"))
                    .col(string_uniq("name"))
                    .col(text("sealed_value"))
                    .col(text("description"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("secrets").to_owned()).await?;
        manager.alter_table(Table::alter().table("compute_environments").drop_column("host_access").to_owned()).await
    }
}
