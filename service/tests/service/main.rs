//! Integration tests of the service crate against real Postgres, SQLite and Docker. Every use
//! case runs on both backends.

mod access;
mod compute_environments;
mod dependency_graph;
mod docker;
mod docker_tls;
mod engine_restart;
mod faults;
mod fixtures;
mod host_access;
mod job_definitions;
mod job_queues;
mod jobs;
mod output_bomb;
mod polled_reads;
mod resource_use;
mod retention;
mod scheduler;
mod schema_history;
mod second_engine;
mod secrets;
mod store_outage;
