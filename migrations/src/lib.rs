//! Schema migrations, run at start-up on Postgres and SQLite alike. Everything is built with
//! sea-query so both backends get the same tables, constraints and indexes.
//!
//! Conventions: times are epoch milliseconds (BIGINT), which is what the AWS API speaks and
//! indexes well on both backends; enums are stored as their AWS strings; structured AWS fields
//! (environment, retry strategy, ...) are JSON text.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_core_schema;
mod m20261125_000002_access;
mod m20261125_000003_history_time;
mod m20261126_000004_cheaper_state_changes;
mod m20261126_000005_fewer_index_entries;
mod m20261126_000006_attempts_end_in_place;
mod m20261126_000007_history_of_child_ranges;
mod m20261202_000008_host_access_and_secrets;
mod m20261205_000009_aws_fields;
mod m20261205_000010_log_stream_names;
mod m20261205_000011_scheduling_policies;
mod m20261205_000012_consumable_resources;
mod m20261205_000013_share_usage;
mod m20261205_000014_job_nodes;
mod m20261206_000015_attempt_usage;
mod m20261207_000016_polled_reads;

/// An index on `columns` of `table`, named `name`.
pub(crate) fn index(name: &str, table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(*column);
    }
    index.to_owned()
}

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_core_schema::Migration),
            Box::new(m20261125_000002_access::Migration),
            Box::new(m20261125_000003_history_time::Migration),
            Box::new(m20261126_000004_cheaper_state_changes::Migration),
            Box::new(m20261126_000005_fewer_index_entries::Migration),
            Box::new(m20261126_000006_attempts_end_in_place::Migration),
            Box::new(m20261126_000007_history_of_child_ranges::Migration),
            Box::new(m20261202_000008_host_access_and_secrets::Migration),
            Box::new(m20261205_000009_aws_fields::Migration),
            Box::new(m20261205_000010_log_stream_names::Migration),
            Box::new(m20261205_000011_scheduling_policies::Migration),
            Box::new(m20261205_000012_consumable_resources::Migration),
            Box::new(m20261205_000013_share_usage::Migration),
            Box::new(m20261205_000014_job_nodes::Migration),
            Box::new(m20261206_000015_attempt_usage::Migration),
            Box::new(m20261207_000016_polled_reads::Migration),
        ]
    }
}
