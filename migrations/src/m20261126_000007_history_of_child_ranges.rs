//! History rows for runs of array children: a move of children `first_index..=last_index` of
//! the array job `job_id`, written once instead of once per child.
//!
//! The scheduler moves an array's children a thousand at a time, and each move wrote one
//! history row per child and entered state: five rows per child over a lifecycle, each a heap
//! tuple and two index entries, the largest share of the store's work per job after the `jobs`
//! row itself. Children moved together in one statement share status, reason and time, so a
//! run of consecutive indexes is recorded by one row. A job's own moves keep both columns NULL.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000007_history_of_child_ranges"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE job_status_history ADD COLUMN first_index INTEGER NULL").await?;
        db.execute_unprepared("ALTER TABLE job_status_history ADD COLUMN last_index INTEGER NULL").await?;
        Ok(())
    }

    /// Back to one row per child: each run is written out for the children it covers.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO job_status_history (job_id, status, reason, at) \
             SELECT c.id, h.status, h.reason, h.at FROM job_status_history h \
             JOIN jobs c ON c.array_parent_id = h.job_id AND c.array_index BETWEEN h.first_index AND h.last_index \
             WHERE h.first_index IS NOT NULL ORDER BY h.id, c.array_index",
        )
        .await?;
        db.execute_unprepared("DELETE FROM job_status_history WHERE first_index IS NOT NULL").await?;
        db.execute_unprepared("ALTER TABLE job_status_history DROP COLUMN last_index").await?;
        db.execute_unprepared("ALTER TABLE job_status_history DROP COLUMN first_index").await?;
        Ok(())
    }
}
