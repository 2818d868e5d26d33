//! Sign-in and set-up (reachable signed out), and the people-and-access pages.

mod audit;
mod keys;
mod sign_in;
mod users;

pub use audit::AuditPage;
pub use keys::AccessKeysPage;
pub use sign_in::{SetupPage, SignInPage};
pub use users::UsersPage;

use leptos::prelude::*;

/// A server function's error as one line under the form that caused it.
fn error_line(error: Option<Result<impl Sized, ServerFnError>>) -> Option<impl IntoView> {
    match error {
        Some(Err(error)) => Some(view! { <p class="error" role="alert">{clean(&error)}</p> }),
        _ => None,
    }
}

/// `ServerFnError`'s display adds a prefix a person does not need.
fn clean(error: &ServerFnError) -> String {
    let text = error.to_string();
    text.strip_prefix("error running server function: ").unwrap_or(&text).to_string()
}
