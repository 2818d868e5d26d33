//! One module per console area.

pub mod access;
pub mod admin;
mod home;
pub mod jobs;
pub mod time;

pub use home::Home;

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Page not found"</h1>
        <p>
            <a href="/">"Back to the dashboard"</a>
        </p>
    }
}

/// A server function's error as one line under the form that caused it.
pub(crate) fn error_line(error: Option<Result<impl Sized, ServerFnError>>) -> Option<impl IntoView> {
    match error {
        Some(Err(error)) => Some(view! {
            <p class="error" role="alert">
                {clean(&error)}
            </p>
        }),
        _ => None,
    }
}

/// `ServerFnError`'s display adds a prefix a person does not need.
pub(crate) fn clean(error: &ServerFnError) -> String {
    let text = error.to_string();
    text.strip_prefix("error running server function: ").unwrap_or(&text).to_string()
}
