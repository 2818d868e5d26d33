//! People and access: users and roles, sessions, access keys, the audit log, and the guard
//! every use case runs behind (`Batch::guarded`).

pub mod audit;
pub mod job_credentials;
pub mod keys;
pub mod passwords;
pub mod secrets;
pub mod sessions;
pub(crate) mod sign_in_gate;
pub mod users;

pub(crate) use audit::insert_audit_records;
pub use domain::access::{AccessKeyView, AuditRecord, NewAccessKey, NewUser, UserView};
pub use keys::KeyCredentials;
pub use secrets::ServerKey;

/// A one-time token for the set-up page (256 random bits).
pub fn new_setup_token() -> String {
    secrets::new_token()
}

/// Whether two tokens are equal, compared as SHA-256 digests so the time taken says nothing
/// about how much of a guess was right.
pub fn same_token(given: &str, expected: &str) -> bool {
    secrets::token_hash(given) == secrets::token_hash(expected)
}
pub use sessions::NewSession;
