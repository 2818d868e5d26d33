//! sea-orm entities, one module per table (schema: the `migrations` crate). Only the store
//! (`crate::store`) builds queries from them; the rest of the crate sees their `Model`s as rows.

pub mod access_keys;
pub mod attempt_logs;
pub mod attempt_usage;
pub mod audit_log;
pub mod compute_environments;
pub mod consumable_resources;
pub mod installation;
pub mod job_attempts;
pub mod job_definitions;
pub mod job_dependencies;
pub mod job_nodes;
pub mod job_queue_compute_environments;
pub mod job_queues;
pub mod job_status_history;
pub mod jobs;
pub mod scheduler_lease;
pub mod scheduling_policies;
pub mod secrets;
pub mod sessions;
pub mod share_usage;
pub mod stored;
pub mod users;
