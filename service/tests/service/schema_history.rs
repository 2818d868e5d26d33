//! The schema's history can be walked both ways: every migration's `down` undoes its `up`, on
//! both stores, so a release can be rolled back.

use migrations::{Migrator, MigratorTrait};
use service::testing::{BACKENDS, fresh_database};

#[tokio::test]
async fn every_migration_undoes_and_redoes_on_both_stores() {
    for backend in BACKENDS {
        let (db, _dir) = fresh_database(backend).await;
        let all = Migrator::get_applied_migrations(&db).await.unwrap().len();
        assert!(all >= 4, "{backend:?}: {all} migrations applied");
        Migrator::down(&db, None).await.unwrap_or_else(|e| panic!("{backend:?}: down: {e}"));
        assert!(Migrator::get_applied_migrations(&db).await.unwrap().is_empty(), "{backend:?}");
        Migrator::up(&db, None).await.unwrap_or_else(|e| panic!("{backend:?}: up again: {e}"));
        assert_eq!(Migrator::get_applied_migrations(&db).await.unwrap().len(), all, "{backend:?}");
        assert!(Migrator::get_pending_migrations(&db).await.unwrap().is_empty(), "{backend:?}");
    }
}

/// Rolling back the history of child runs (migration 7) writes every run out as one row per
/// child, so the older code still finds each child's history.
#[tokio::test]
async fn rolling_back_child_runs_writes_one_history_row_per_child() {
    use crate::fixtures::{submission, with_queue_and_definition};
    use domain::submit::ArrayProperties;
    use sea_orm::{ConnectionTrait, Statement};
    use service::testing::{admin, operator};
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let mut array = submission("runs");
        array.array_properties = Some(ArrayProperties { size: 5 });
        let parent = batch.submit_job(&operator(), array).await.unwrap().job_id;
        let db = batch.db();
        let rows_of = |job_id: String| {
            let sql = format!("SELECT count(*) AS n FROM job_status_history WHERE job_id = '{job_id}'");
            async move {
                let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
                row.try_get::<i64>("", "n").unwrap()
            }
        };
        assert_eq!(rows_of(format!("{parent}:3")).await, 0, "{backend:?}: a child's SUBMITTED is in its array's run");

        // Down to and including migration 7: the newer ones go down first.
        let applied = Migrator::get_applied_migrations(db).await.unwrap();
        let seventh = applied.iter().position(|m| m.name() == "m20261126_000007_history_of_child_ranges").expect("migration 7 applied");
        Migrator::down(db, Some((applied.len() - seventh) as u32)).await.unwrap_or_else(|e| panic!("{backend:?}: down: {e}"));
        for index in 0..5 {
            assert_eq!(rows_of(format!("{parent}:{index}")).await, 1, "{backend:?}: child {index}");
        }
        assert_eq!(rows_of(parent.clone()).await, 1, "{backend:?}: the parent's own row, and no run left");

        Migrator::up(db, None).await.unwrap_or_else(|e| panic!("{backend:?}: up again: {e}"));
        let child = batch.describe_jobs(&admin(), &[format!("{parent}:3")]).await.unwrap();
        let states: Vec<&str> = child[0].status_history.iter().map(|s| s.status.as_str()).collect();
        assert_eq!(states, ["SUBMITTED"], "{backend:?}");
    }
}
