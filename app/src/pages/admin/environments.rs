//! Compute environments: capacity in use against the maximum; create, enable / disable and
//! delete (admin), what their jobs may touch on the host (admin), with the service's reason
//! when an action is refused.

use super::ResourceActions;
use crate::api::console::{ChangeResource, CreateEnvironment, UpdateEnvironment, UpdateHostAccess, list_environments};
use crate::layout::may;
use crate::pages::error_line;
use domain::access::Action;
use domain::host_access::HostAccess;
use leptos::prelude::*;

#[component]
pub fn EnvironmentsPage() -> impl IntoView {
    let create = ServerAction::<CreateEnvironment>::new();
    let created_form = NodeRef::<leptos::html::Form>::new();
    crate::pages::reset_after_success(move || create.value().get(), created_form);
    let change = ServerAction::<ChangeResource>::new();
    let update = ServerAction::<UpdateEnvironment>::new();
    let host = ServerAction::<UpdateHostAccess>::new();
    let rows = Resource::new(
        move || (create.version().get(), change.version().get(), update.version().get(), host.version().get()),
        |_| list_environments(),
    );
    crate::live::refetch_on_change(|| "/events".into(), move || rows.refetch());
    let admin = may(Action::CreateComputeEnvironment);
    view! {
        <h1>"Compute environments"</h1>
        <Show when=move || admin.get()>
            <h2>"New compute environment"</h2>
            <ActionForm action=create node_ref=created_form attr:class="inline-form">
                <label>"Name" <input name="name" required /></label>
                <label>"Max vCPUs" <input name="max_vcpus" type="number" min="1" value="4" required /></label>
                <label>
                    "Executor" <select name="executor">
                        <option value="docker" selected>
                            "Docker"
                        </option>
                        <option value="simulated">"Simulated"</option>
                    </select>
                </label>
                <button type="submit">"Create environment"</button>
            </ActionForm>
        </Show>
        {move || crate::pages::created_line("compute environment", create.value().get(), |_| "/environments".to_string())}
        {move || error_line(create.value().get())}
        {move || error_line(change.value().get())}
        {move || error_line(update.value().get())}
        {move || error_line(host.value().get())}
        <Transition fallback=|| {
            view! { <p>"Loading…"</p> }
        }>
            {move || {
                rows.get()
                    .map(|result| match result {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No compute environments yet."</p> }.into_any(),
                        Ok(list) => {
                            view! {
                                <table class="grid environments">
                                    <thead>
                                        <tr>
                                            <th>"Name"</th>
                                            <th>"State"</th>
                                            <th>"Executor"</th>
                                            <th>"Hosts offer"</th>
                                            <th>"vCPUs in use"</th>
                                            <th>"Memory in use"</th>
                                            <th>"Running jobs"</th>
                                            <th>"Host access"</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|row| {
                                                let name = row.detail.compute_environment_name.clone();
                                                let (edit_name, edit_label) = (name.clone(), format!("Max vCPUs of {name}"));
                                                let enabled = row.detail.state == "ENABLED";
                                                let max = row.detail.compute_resources.max_vcpus;
                                                view! {
                                                    <tr>
                                                        <td data-label="Name">{name.clone()}</td>
                                                        <td data-label="State">
                                                            <span class=format!(
                                                                "state {}",
                                                                row.detail.state.as_str().to_lowercase(),
                                                            )>{row.detail.state.as_str()}</span>
                                                        </td>
                                                        <td data-label="Executor">{row.detail.executor.as_str()}</td>
                                                        <td data-label="Hosts offer" class="hosts-offer">
                                                            <super::HostsOffer hosts=row.detail.docker_hosts.clone() max_vcpus=max />
                                                        </td>
                                                        <td data-label="vCPUs in use" class="count">
                                                            {format!("{} / {max}", row.used_milli_vcpus as f64 / 1000.0)}
                                                        </td>
                                                        <td data-label="Memory in use" class="count">
                                                            {format!("{} MiB", row.used_memory_mib)}
                                                        </td>
                                                        <td data-label="Running jobs" class="count">
                                                            {row.running_jobs}
                                                        </td>
                                                        <td data-label="Host access" class="host-access">
                                                            {host_access_summary(&row.detail.host_access)}
                                                            {admin
                                                                .get()
                                                                .then(|| {
                                                                    view! {
                                                                        <HostAccessForm
                                                                            action=host
                                                                            name=name.clone()
                                                                            access=row.detail.host_access.clone()
                                                                        />
                                                                    }
                                                                })}
                                                        </td>
                                                        <td data-label="">
                                                            {admin
                                                                .get()
                                                                .then(|| {
                                                                    view! {
                                                                        <ActionForm action=update attr:class="inline-form">
                                                                            <input type="hidden" name="name" value=edit_name />
                                                                            <input
                                                                                name="max_vcpus"
                                                                                type="number"
                                                                                min="1"
                                                                                value=max.to_string()
                                                                                aria-label=edit_label
                                                                            />
                                                                            <button type="submit">"Save"</button>
                                                                        </ActionForm>
                                                                        <ResourceActions
                                                                            action=change
                                                                            kind="environment"
                                                                            name=name.clone()
                                                                            enabled
                                                                        />
                                                                    }
                                                                })}
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="error">{crate::pages::clean(&error)}</p> }.into_any(),
                    })
            }}
        </Transition>
    }
}

/// One line: what the environment's jobs may touch on the host ("none" when nothing).
fn host_access_summary(access: &HostAccess) -> String {
    let mut parts = Vec::new();
    if !access.allowed_host_paths.is_empty() {
        parts.push(format!("paths {}", access.allowed_host_paths.join(", ")));
    }
    if access.allow_privileged {
        parts.push("privileged".into());
    }
    if access.allow_devices {
        parts.push("devices".into());
    }
    if !access.allowed_capabilities.is_empty() {
        parts.push(format!("capabilities {}", access.allowed_capabilities.join(", ")));
    }
    parts.push(format!("network {}", access.network()));
    parts.join("; ")
}

/// The administrator's decision of what the environment's jobs may touch on the host.
#[component]
fn HostAccessForm(action: ServerAction<UpdateHostAccess>, name: String, access: HostAccess) -> impl IntoView {
    // The accessible name starts with the visible word, as speech-input users say it.
    let label = format!("Edit host access of {name}");
    view! {
        <details>
            <summary aria-label=label>"Edit"</summary>
            <ActionForm action attr:class="stacked-form">
                <input type="hidden" name="name" value=name />
                <label>
                    "Allowed host paths (one per line)" <textarea name="allowed_host_paths" rows="2">
                        {access.allowed_host_paths.join("\n")}
                    </textarea>
                </label>
                <label>
                    "Allowed capabilities (comma-separated)"
                    <input name="allowed_capabilities" value=access.allowed_capabilities.join(", ") />
                </label>
                <label>"Network (bridge, none or a Docker network)" <input name="network_mode" value=access.network().to_string() /></label>
                <label class="check">
                    <input type="checkbox" name="allow_privileged" value="on" checked=access.allow_privileged />
                    " Privileged containers"
                </label>
                <label class="check">
                    <input type="checkbox" name="allow_devices" value="on" checked=access.allow_devices />
                    " Host devices"
                </label>
                <button type="submit">"Save host access"</button>
            </ActionForm>
        </details>
    }
}
