//! The store's conformance suite: each store function whose statement differs between the
//! dialects, or that a rule of the service rests on, run on Postgres and on SQLite as separate
//! test cases (`postgres::name`, `sqlite::name`), so a failure on one never hides the other.

//!
//! One file per area; each lists its cases in `on_both_stores!`, and each case is an
//! `async fn(DatabaseConnection)` given a fresh, migrated, empty store.

use crate::store::entities::{compute_environments as ce, job_queues as jq};
use crate::testing::{Backend, fresh_database};
use sea_orm::{DatabaseConnection, Set};

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

/// An ENABLED Docker environment row named `name`, with nothing else set.
pub(super) async fn insert_environment(db: &DatabaseConnection, name: &str) -> ce::Model {
    let environment = ce::ActiveModel {
        name: Set(name.into()),
        kind: Set("MANAGED".into()),
        state: Set(domain::compute_environment::State::Enabled.into()),
        status: Set("VALID".into()),
        max_vcpus: Set(4),
        executor: Set(domain::compute_environment::ExecutorKind::Docker.into()),
        allow_privileged: Set(false),
        host_access: Set("{}".into()),
        hosts: Set("[]".into()),
        tags: Set("{}".into()),
        created_at: Set(0),
        updated_at: Set(0),
        ..Default::default()
    };
    crate::store::compute_environments::insert(db, environment).await.unwrap()
}

/// An ENABLED queue row named `name`, on no environment yet.
pub(super) async fn insert_queue(db: &DatabaseConnection, name: &str) -> jq::Model {
    let queue = jq::ActiveModel {
        name: Set(name.into()),
        state: Set(domain::compute_environment::State::Enabled.into()),
        status: Set("VALID".into()),
        priority: Set(1),
        job_state_time_limit_actions: Set("[]".into()),
        tags: Set("{}".into()),
        created_at: Set(0),
        updated_at: Set(0),
        ..Default::default()
    };
    crate::store::job_queues::insert(db, queue).await.unwrap()
}
