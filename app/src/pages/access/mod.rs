//! Sign-in and set-up (reachable signed out), and the people-and-access pages.

mod audit;
mod keys;
mod secrets;
mod sign_in;
mod users;

pub use audit::AuditPage;
pub use keys::AccessKeysPage;
pub use secrets::SecretsPage;
pub use sign_in::{SetupPage, SignInPage};
pub use users::UsersPage;
