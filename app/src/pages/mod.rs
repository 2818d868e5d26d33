//! One module per console area.

pub mod access;
pub mod admin;
mod command_preview;
mod copy_button;
pub mod find;
mod home;
pub mod jobs;
pub mod time;

pub use command_preview::CommandPreview;
pub use copy_button::CopyButton;
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

/// After a create that took: clears the form for the next one (a refused form keeps what was
/// typed, with the message) and returns the created name, for `created_line`.
pub(crate) fn reset_after_success<T: Clone + Send + Sync + 'static>(
    outcome: impl Fn() -> Option<Result<T, ServerFnError>> + Send + Sync + 'static,
    form: NodeRef<leptos::html::Form>,
) {
    Effect::new(move |_| {
        if let Some(Ok(_)) = outcome()
            && let Some(form) = form.get()
        {
            form.reset();
        }
    });
}

/// "Created environment big-ce", with a link to it, under the form that made it.
pub(crate) fn created_line(
    what: &'static str,
    outcome: Option<Result<String, ServerFnError>>,
    href: impl Fn(&str) -> String,
) -> Option<impl IntoView> {
    match outcome {
        Some(Ok(name)) => Some(view! {
            <p class="success" role="status">
                {format!("Created {what} ")}
                <a href=href(&name)>{name.clone()}</a>
            </p>
        }),
        _ => None,
    }
}

/// The optional reason a destructive action's form asks for: it goes into the audit log beside
/// the change (`service::access::audit::because`).
#[component]
pub(crate) fn ReasonField() -> impl IntoView {
    view! {
        <label class="reason">
            "Reason (optional) " <input name="reason" maxlength="500" placeholder="kept in the audit log" autocomplete="off" />
        </label>
    }
}

/// A destructive action asked twice: the first click opens the question, the form inside (with
/// its "Yes, …" button) does it. No script dialog: works before hydration and in tests alike.
#[component]
pub(crate) fn Confirm(label: &'static str, question: String, children: Children) -> impl IntoView {
    let group_name = question.clone();
    view! {
        <details class="confirm">
            <summary class="danger">{label}</summary>
            <div class="confirm-box" role="group" aria-label=group_name>
                <p>{question}</p>
                {children()}
            </div>
        </details>
    }
}
