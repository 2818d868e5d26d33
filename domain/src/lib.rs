//! The pure core of the batch service.
//!
//! Everything here is plain data and rules: job states and their transitions, the AWS Batch
//! limits, validation of names and resources. No I/O, no async runtime, no database or Docker
//! types, so that every rule is testable in microseconds and the same code runs in the browser
//! (the console validates forms with it) and on the server.

pub mod job_status;
pub mod names;

pub use job_status::JobStatus;
pub use names::{NameError, ResourceName};
