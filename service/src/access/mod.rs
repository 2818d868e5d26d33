//! People and access: users and roles, sessions, access keys, the audit log, and the guard
//! every use case runs behind (`Batch::guarded`).

pub mod audit;
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
pub use sessions::NewSession;
