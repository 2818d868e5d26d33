//! The shell around the pure `domain` core: the store (sea-orm over Postgres or SQLite), the
//! use cases, and the Docker engine. Nothing here knows about HTTP or Leptos.

/// mimalloc instead of glibc's malloc for every binary built on this crate (the server, its
/// tests and benches): the scheduler and the API allocate many short-lived rows and strings, and
/// `perf` of the lifecycle bench found glibc's malloc / free / consolidate in ~40% of the
/// server's own samples.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod catalog;
pub mod docker;
pub mod docker_attempts;
pub mod docker_networks;
pub mod docker_usage;
mod group_commit;
pub mod store;
pub use store::db;
#[cfg(feature = "testing")]
pub mod testing;

pub mod access;
pub mod batch;
pub mod compute_environments;
pub mod consumable_resources;
pub mod error;
mod host_access;
pub mod host_paths;
pub mod job_definitions;
pub mod job_queues;
pub mod jobs;
pub mod queue_shares;
pub mod queue_snapshot;
pub mod retention;
pub mod scheduler;
pub mod scheduling_policies;
pub mod secrets;
pub mod tags;

pub use batch::{Batch, BatchConfig};
pub use error::{ServiceError, ServiceResult};
