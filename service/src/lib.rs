//! The shell around the pure `domain` core: the store (sea-orm over Postgres or SQLite), the
//! use cases, and the Docker engine. Nothing here knows about HTTP or Leptos.

pub mod db;
pub mod docker;
