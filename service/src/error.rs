//! The one error type of the use cases. Its messages are safe to show a caller: store details
//! stay in the logs.

use domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A field broke a rule; nothing was written.
    #[error("{0}")]
    Invalid(#[from] FieldError),
    #[error("{what} {name} does not exist")]
    NotFound { what: &'static str, name: String },
    /// The request is well-formed but the current state refuses it (e.g. deleting an
    /// ENABLED queue, or a name already taken).
    #[error("{0}")]
    Conflict(String),
    /// The caller is not signed in, or its role does not allow the action; nothing was written.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Sign-in refused: wrong credentials (one answer for an unknown user and a wrong
    /// password), a disabled account, or too many recent failures.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("internal error: the store failed")]
    Store(#[from] sea_orm::DbErr),
}

impl ServiceError {
    pub fn not_found(what: &'static str, name: impl Into<String>) -> Self {
        ServiceError::NotFound { what, name: name.into() }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// A unique-constraint violation (a race lost to a concurrent create) becomes `Conflict`.
pub(crate) fn conflict_on_unique(error: sea_orm::DbErr, message: impl FnOnce() -> String) -> ServiceError {
    match error.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ServiceError::Conflict(message()),
        _ => ServiceError::Store(error),
    }
}
