//! The resources a team sets up: compute environments, job queues, job definitions.

mod definitions;
mod environments;
mod queues;

pub use definitions::DefinitionsPage;
pub use environments::EnvironmentsPage;
pub use queues::QueuesPage;
