//! Jobs: the list (filters in the query string, so a filtered list is a shareable link) and a
//! job's page (`/jobs/{id}`).

mod array_map;
mod attempts;
mod detail;
mod graph;
mod list;
mod log_rows;
mod log_view;
mod submit;

pub use detail::JobPage;
pub use list::JobsPage;
pub use submit::SubmitPage;

use leptos::prelude::*;

/// A status as a coloured badge.
#[component]
pub fn StatusBadge(status: domain::JobStatus) -> impl IntoView {
    let class = format!("status {}", status.as_str().to_lowercase());
    view! { <span class=class>{status.as_str()}</span> }
}
