//! Use cases of jobs: submit, describe, list, cancel, terminate.

mod array_map;
mod changes;
mod control;
mod describe_context;
pub(crate) mod described;
mod graph;
pub(crate) mod listed;
mod logs;
mod nodes;
mod query;
mod retry_children;
mod submit;
mod usage;

pub use array_map::{ChildState, MAP_CHILDREN};
pub use changes::{BUCKET_MS, ChangeCursor, StateChanges};
pub use control::check_stop_reason;
pub use graph::GraphCursor;
pub use logs::{FilterEvents, FilteredEvents, ListStreams, LogEvent, LogStream, ReadStream, StreamPage};
pub use query::{ListJobs, LogLine, NameFilter, token_after};
pub use submit::SubmittedJob;

/// Read by tests of array dependencies.
pub use crate::store::jobs::dependencies_of;
