//! Job queues: priority, environments, state; create, enable / disable and delete (admin).

use crate::api::console::{CreateQueue, DeleteQueue, SetQueueState, list_queues};
use crate::layout::may;
use crate::pages::error_line;
use domain::access::Action;
use leptos::prelude::*;

#[component]
pub fn QueuesPage() -> impl IntoView {
    let create = ServerAction::<CreateQueue>::new();
    let state = ServerAction::<SetQueueState>::new();
    let delete = ServerAction::<DeleteQueue>::new();
    let queues = Resource::new(move || (create.version().get(), state.version().get(), delete.version().get()), |_| list_queues());
    let admin = may(Action::CreateJobQueue);
    view! {
        <h1>"Job queues"</h1>
        <Show when=move || admin.get()>
            <h2>"New job queue"</h2>
            <ActionForm action=create attr:class="inline-form">
                <label>"Name" <input name="name" required/></label>
                <label>"Priority" <input name="priority" type="number" min="0" value="1" required/></label>
                <label>"Compute environments (in order, comma-separated)" <input name="environments" required/></label>
                <button type="submit">"Create queue"</button>
            </ActionForm>
        </Show>
        {move || error_line(create.value().get())}
        {move || error_line(state.value().get())}
        {move || error_line(delete.value().get())}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || queues.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! { <p class="empty">"No job queues yet."</p> }.into_any(),
                Ok(list) => view! {
                    <table class="grid queues">
                        <thead><tr><th>"Name"</th><th>"State"</th><th>"Priority"</th><th>"Compute environments"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|queue| {
                                let name = queue.job_queue_name.clone();
                                let enabled = queue.state == "ENABLED";
                                let (n1, n2) = (name.clone(), name.clone());
                                let environments = queue.compute_environment_order.iter()
                                    .map(|o| o.compute_environment.rsplit('/').next().unwrap_or_default().to_string())
                                    .collect::<Vec<_>>().join(", ");
                                view! {
                                    <tr>
                                        <td><a href=format!("/jobs?queue={name}")>{name.clone()}</a></td>
                                        <td><span class=format!("state {}", queue.state.to_lowercase())>{queue.state.clone()}</span></td>
                                        <td class="count">{queue.priority}</td>
                                        <td>{environments}</td>
                                        <td>
                                            {(admin.get()).then(|| view! {
                                                <ActionForm action=state attr:class="inline-form">
                                                    <input type="hidden" name="name" value=n1/>
                                                    <input type="hidden" name="state" value=if enabled { "DISABLED" } else { "ENABLED" }/>
                                                    <button type="submit">{if enabled { "Disable" } else { "Enable" }}</button>
                                                </ActionForm>
                                                <ActionForm action=delete attr:class="inline-form">
                                                    <input type="hidden" name="name" value=n2/>
                                                    <button type="submit" class="danger">"Delete"</button>
                                                </ActionForm>
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
