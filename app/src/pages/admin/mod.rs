//! The resources a team sets up: compute environments, job queues, job definitions.

mod definitions;
mod environments;
mod policies;
mod queue_page;
mod queues;

pub use definitions::DefinitionsPage;
pub use environments::EnvironmentsPage;
pub use policies::PoliciesPage;
pub use queue_page::QueuePage;
pub use queues::QueuesPage;

use crate::api::console::ChangeResource;
use leptos::prelude::*;

/// Enable or disable, and delete: the row actions of an environment or a queue.
#[component]
fn ResourceActions(action: ServerAction<ChangeResource>, kind: &'static str, name: String, enabled: bool) -> impl IntoView {
    let form = move |change: &'static str, label: &'static str, class: &'static str| {
        let name = name.clone();
        view! {
            <ActionForm action=action attr:class="inline-form">
                <input type="hidden" name="kind" value=kind />
                <input type="hidden" name="name" value=name />
                <input type="hidden" name="change" value=change />
                <button type="submit" class=class>
                    {label}
                </button>
            </ActionForm>
        }
    };
    view! {
        {if enabled { form("DISABLED", "Disable", "") } else { form("ENABLED", "Enable", "") }}
        {form("DELETE", "Delete", "danger")}
    }
}
