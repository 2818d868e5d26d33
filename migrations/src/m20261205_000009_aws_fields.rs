//! Members of the AWS request shapes that mean nothing on Docker (service roles, instance
//! types, subnets, `platformCapabilities`, `propagateTags`, ...), kept as sent so the Describe
//! operations return them: JSON text of `domain::aws_fields::AwsFields`, `{}` when none.

use sea_orm_migration::prelude::*;

pub struct Migration;

const TABLES: [&str; 4] = ["compute_environments", "job_queues", "job_definitions", "jobs"];

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000009_aws_fields"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One statement per table: SQLite alters one column per statement.
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter().table(table).add_column(ColumnDef::new("aws_fields").text().not_null().default("{}")).to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager.alter_table(Table::alter().table(table).drop_column("aws_fields").to_owned()).await?;
        }
        Ok(())
    }
}
