//! A rejected input names the field and the rule it broke, in AWS's field names.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The AWS field path, e.g. `retryStrategy.attempts` or `containerOverrides.environment[2].name`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

pub type Validated<T> = Result<T, FieldError>;

/// Fails with `message` on `field` unless `ok`.
pub fn ensure(ok: bool, field: impl Into<String>, message: impl Into<String>) -> Validated<()> {
    if ok { Ok(()) } else { Err(FieldError::new(field, message)) }
}

/// A name under the AWS naming rule, or the error naming `field`.
pub fn name(field: &str, raw: &str) -> Validated<crate::ResourceName> {
    crate::ResourceName::parse(raw).map_err(|e| FieldError::new(field, e.to_string()))
}
