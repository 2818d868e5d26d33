//! The store's conformance suite: each store function whose statement differs between the
//! dialects, or that a rule of the service rests on, run on Postgres and on SQLite as separate
//! test cases (`postgres::name`, `sqlite::name`), so a failure on one never hides the other.

//!
//! One file per area; each lists its cases in `on_both_stores!`, and each case is an
//! `async fn(DatabaseConnection)` given a fresh, migrated, empty store.

use crate::testing::{Backend, fresh_database};
use sea_orm::DatabaseConnection;

/// Generates `postgres::$name` and `sqlite::$name` test cases calling `$name(db)`.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(#[tokio::test] async fn $name() { $crate::store::conformance::run($crate::testing::Backend::Postgres, super::$name).await })*
        }
        mod sqlite {
            $(#[tokio::test] async fn $name() { $crate::store::conformance::run($crate::testing::Backend::Sqlite, super::$name).await })*
        }
    };
}

mod access;
mod catalog;
mod definitions;
mod jobs;

pub(super) async fn run<F: std::future::Future<Output = ()>>(backend: Backend, test: impl FnOnce(DatabaseConnection) -> F) {
    let (db, _dir) = fresh_database(backend).await;
    test(db).await;
}
