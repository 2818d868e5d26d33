//! The pure core of the batch service.
//!
//! Everything here is plain data and rules: job states and their transitions, the AWS Batch
//! limits, the request shapes and their validation, retry decisions, parameter substitution.
//! No I/O, no async runtime, no database or Docker types, so that every rule is testable in
//! microseconds and the same code runs in the browser (the console validates forms with it)
//! and on the server.

/// `Display` and comparison with text for an enum with an `as_str` (its AWS text), so a view's
/// `state == "ENABLED"` reads as it did when it was a string.
macro_rules! text_enum {
    ($type:ty) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $type {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<str> for $type {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }
    };
}

pub mod access;
pub mod aws_fields;
pub mod command_line;
pub mod compute_environment;
pub mod consumable_resource;
pub mod container;
pub mod container_spec;
pub mod definition_form;
pub mod dependency_graph;
pub mod form_text;
pub mod headline;
pub mod history;
pub mod host_access;
pub mod job_credentials;
pub mod job_definition;
pub mod job_logs;
pub mod job_queue;
pub mod job_status;
pub mod limits;
pub mod linux;
pub mod multi_node;
pub mod names;
pub mod output;
pub mod parameters;
pub mod policy_form;
pub mod resource_use;
pub mod retry;
pub mod retry_children;
pub mod scheduler;
pub mod scheduling_policy;
pub mod secret;
pub mod share_report;
pub mod sign_in_throttle;
pub mod submit;
pub mod submit_form;
pub mod tags;
pub mod validation;
pub mod views;

pub use job_status::JobStatus;
pub use names::{NameError, ResourceName};
pub use validation::{FieldError, Validated};
