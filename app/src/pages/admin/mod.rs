//! The resources a team sets up: compute environments, job queues, job definitions.

mod definition_editor;
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
use crate::pages::Confirm;
use leptos::prelude::*;

/// Enable or disable, and delete: the row actions of an environment or a queue. Disabling and
/// deleting ask first (a disabled queue stops taking jobs; a deleted one is gone).
#[component]
fn ResourceActions(action: ServerAction<ChangeResource>, kind: &'static str, name: String, enabled: bool) -> impl IntoView {
    let (disable_question, delete_question) = (
        format!("Disable the {kind} {name}? It stops taking new work until enabled again."),
        format!("Delete the {kind} {name}? This cannot be undone."),
    );
    // Enabling undoes nothing: it asks neither twice nor why.
    let form = |name: String, change: &'static str, button: &'static str| {
        view! {
            <ActionForm action=action attr:class="inline-form">
                <input type="hidden" name="kind" value=kind />
                <input type="hidden" name="name" value=name />
                <input type="hidden" name="change" value=change />
                {(change != "ENABLED").then(|| view! { <crate::pages::ReasonField /> })}
                <button type="submit" class="danger">
                    {button}
                </button>
            </ActionForm>
        }
    };
    let state_change = if enabled {
        let disable = form(name.clone(), "DISABLED", "Yes, disable");
        let confirm = view! {
            <Confirm label="Disable" question=disable_question>
                {disable}
            </Confirm>
        };
        confirm.into_any()
    } else {
        form(name.clone(), "ENABLED", "Enable").into_any()
    };
    let delete = form(name, "DELETE", "Yes, delete");
    view! {
        {state_change}
        <Confirm label="Delete" question=delete_question>
            {delete}
        </Confirm>
    }
}

/// What an environment's engines offer, and a warning when its maxvCpus is more than that
/// (jobs would wait "for capacity" beside vCPUs that look free).
#[component]
pub(crate) fn HostsOffer(hosts: Vec<domain::compute_environment::DockerHost>, max_vcpus: i64) -> impl IntoView {
    if hosts.is_empty() {
        return view! { <span class="hint">"simulated"</span> }.into_any();
    }
    let (vcpus, memory_mib) = domain::compute_environment::hosts_offer(&hosts);
    let warning = domain::compute_environment::over_capacity_warning(max_vcpus, &hosts);
    view! {
        {format!("{vcpus} vCPUs · {:.1} GiB", memory_mib as f64 / 1024.0)}
        {warning
            .map(|warning| {
                view! {
                    <span class="warning" role="note">
                        {warning}
                    </span>
                }
            })}
    }
    .into_any()
}
