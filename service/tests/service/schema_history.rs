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
