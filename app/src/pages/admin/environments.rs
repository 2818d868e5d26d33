//! Compute environments: capacity in use against the maximum; create, enable / disable and
//! delete (admin), with the service's reason when an action is refused.

use super::ResourceActions;
use crate::api::console::{ChangeResource, CreateEnvironment, UpdateEnvironment, list_environments};
use crate::layout::may;
use crate::pages::error_line;
use domain::access::Action;
use leptos::prelude::*;

#[component]
pub fn EnvironmentsPage() -> impl IntoView {
    let create = ServerAction::<CreateEnvironment>::new();
    let change = ServerAction::<ChangeResource>::new();
    let update = ServerAction::<UpdateEnvironment>::new();
    let rows = Resource::new(move || (create.version().get(), change.version().get(), update.version().get()), |_| list_environments());
    crate::live::refetch_on_change(|| "/events".into(), move || rows.refetch());
    let admin = may(Action::CreateComputeEnvironment);
    view! {
        <h1>"Compute environments"</h1>
        <Show when=move || admin.get()>
            <h2>"New compute environment"</h2>
            <ActionForm action=create attr:class="inline-form">
                <label>"Name" <input name="name" required/></label>
                <label>"Max vCPUs" <input name="max_vcpus" type="number" min="1" value="4" required/></label>
                <label>"Executor"
                    <select name="executor">
                        <option value="docker" selected>"Docker"</option>
                        <option value="simulated">"Simulated"</option>
                    </select>
                </label>
                <button type="submit">"Create environment"</button>
            </ActionForm>
        </Show>
        {move || error_line(create.value().get())}
        {move || error_line(change.value().get())}
        {move || error_line(update.value().get())}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || rows.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! { <p class="empty">"No compute environments yet."</p> }.into_any(),
                Ok(list) => view! {
                    <table class="grid environments">
                        <thead><tr><th>"Name"</th><th>"State"</th><th>"Executor"</th><th>"vCPUs in use"</th><th>"Memory in use"</th><th>"Running jobs"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|row| {
                                let name = row.detail.compute_environment_name.clone();
                                let (edit_name, edit_label) = (name.clone(), format!("Max vCPUs of {name}"));
                                let enabled = row.detail.state == "ENABLED";
                                let max = row.detail.compute_resources.max_vcpus;
                                view! {
                                    <tr>
                                        <td>{name.clone()}</td>
                                        <td><span class=format!("state {}", row.detail.state.to_lowercase())>{row.detail.state.clone()}</span></td>
                                        <td>{row.detail.executor.clone()}</td>
                                        <td class="count">{format!("{} / {max}", row.used_milli_vcpus as f64 / 1000.0)}</td>
                                        <td class="count">{format!("{} MiB", row.used_memory_mib)}</td>
                                        <td class="count">{row.running_jobs}</td>
                                        <td>
                                            {admin.get().then(|| view! {
                                                <ActionForm action=update attr:class="inline-form">
                                                    <input type="hidden" name="name" value=edit_name/>
                                                    <input name="max_vcpus" type="number" min="1" value=max.to_string() aria-label=edit_label/>
                                                    <button type="submit">"Save"</button>
                                                </ActionForm>
                                                <ResourceActions action=change kind="environment" name=name.clone() enabled/>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(error) => view! { <p class="error">{crate::pages::clean(&error)}</p> }.into_any(),
            })}
        </Transition>
    }
}
