//! Job queues: priority, environments, state; create, enable / disable and delete (admin).

use super::ResourceActions;
use crate::api::console::{ChangeResource, CreateQueue, UpdateQueue, list_queues};
use crate::api::fair_share::list_policies;
use crate::layout::may;
use crate::pages::error_line;
use domain::access::Action;
use leptos::prelude::*;

#[component]
pub fn QueuesPage() -> impl IntoView {
    let create = ServerAction::<CreateQueue>::new();
    let created_form = NodeRef::<leptos::html::Form>::new();
    crate::pages::reset_after_success(move || create.value().get(), created_form);
    let change = ServerAction::<ChangeResource>::new();
    let update = ServerAction::<UpdateQueue>::new();
    let queues = Resource::new(move || (create.version().get(), change.version().get(), update.version().get()), |_| list_queues());
    let admin = may(Action::CreateJobQueue);
    let policies = Resource::new(|| (), |_| list_policies());
    view! {
        <h1>"Job queues"</h1>
        <Show when=move || admin.get()>
            <h2>"New job queue"</h2>
            <ActionForm action=create node_ref=created_form attr:class="inline-form">
                <label>"Name" <input name="name" required /></label>
                <label>"Priority" <input name="priority" type="number" min="0" value="1" required /></label>
                <label>"Compute environments (in order, comma-separated)" <input name="environments" required /></label>
                <label>
                    "Scheduling" <select name="scheduling_policy">
                        <option value="">"First in, first out"</option>
                        <Suspense>
                            {move || {
                                policies
                                    .get()
                                    .and_then(Result::ok)
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|p| {
                                        view! { <option value=p.name.clone()>{format!("Fair share: {}", p.name)}</option> }
                                    })
                                    .collect_view()
                            }}
                        </Suspense>
                    </select>
                </label>
                <button type="submit">"Create queue"</button>
            </ActionForm>
        </Show>
        {move || crate::pages::created_line("job queue", create.value().get(), |name| format!("/queues/{name}"))}
        {move || error_line(create.value().get())}
        {move || error_line(change.value().get())}
        {move || error_line(update.value().get())}
        <Transition fallback=|| {
            view! { <p>"Loading…"</p> }
        }>
            {move || {
                queues
                    .get()
                    .map(|result| match result {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No job queues yet."</p> }.into_any(),
                        Ok(list) => {
                            let policy_names: Vec<String> = policies
                                .get()
                                .and_then(Result::ok)
                                .unwrap_or_default()
                                .into_iter()
                                .map(|p| p.name)
                                .collect();
                            view! {
                                <table class="grid queues">
                                    <thead>
                                        <tr>
                                            <th>"Name"</th>
                                            <th>"State"</th>
                                            <th>"Priority"</th>
                                            <th>"Scheduling"</th>
                                            <th>"Compute environments"</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|queue| {
                                                let name = queue.job_queue_name.clone();
                                                let (edit_name, edit_label) = (name.clone(), format!("Priority of {name}"));
                                                let environments_label = format!("Compute environments of {name}");
                                                let enabled = queue.state == "ENABLED";
                                                let policy_label = format!("Scheduling policy of {name}");
                                                let policy_names = policy_names.clone();
                                                let following = queue
                                                    .scheduling_policy_arn
                                                    .as_deref()
                                                    .map(|arn| arn.rsplit('/').next().unwrap_or(arn).to_string());
                                                let environments = queue
                                                    .compute_environment_order
                                                    .iter()
                                                    .map(|o| o.compute_environment.rsplit('/').next().unwrap_or_default().to_string())
                                                    .collect::<Vec<_>>()
                                                    .join(", ");
                                                // A fair-share queue may swap its policy for another.
                                                view! {
                                                    <tr>
                                                        <td data-label="Name">
                                                            <a href=format!("/queues/{name}")>{name.clone()}</a>
                                                        </td>
                                                        <td data-label="State">
                                                            <span class=format!(
                                                                "state {}",
                                                                queue.state.as_str().to_lowercase(),
                                                            )>{queue.state.as_str()}</span>
                                                        </td>
                                                        <td data-label="Priority" class="count">
                                                            {queue.priority}
                                                        </td>
                                                        <td data-label="Scheduling">
                                                            {queue
                                                                .scheduling_policy_arn
                                                                .as_deref()
                                                                .map(|arn| format!("Fair share: {}", arn.rsplit('/').next().unwrap_or(arn)))
                                                                .unwrap_or_else(|| "FIFO".into())}
                                                        </td>
                                                        <td data-label="Compute environments">{environments.clone()}</td>
                                                        <td data-label="">
                                                            {admin
                                                                .get()
                                                                .then(|| {
                                                                    view! {
                                                                        <ActionForm action=update attr:class="inline-form">
                                                                            <input type="hidden" name="name" value=edit_name />
                                                                            <input
                                                                                name="priority"
                                                                                type="number"
                                                                                min="0"
                                                                                value=queue.priority.to_string()
                                                                                aria-label=edit_label
                                                                            />
                                                                            <input
                                                                                name="environments"
                                                                                value=environments.clone()
                                                                                aria-label=environments_label
                                                                            />
                                                                            {following
                                                                                .clone()
                                                                                .map(|current| {
                                                                                    view! {
                                                                                        <select
                                                                                            name="scheduling_policy"
                                                                                            aria-label=policy_label.clone()
                                                                                        >
                                                                                            {policy_names
                                                                                                .clone()
                                                                                                .into_iter()
                                                                                                .map(|policy| {
                                                                                                    let selected = policy == current;
                                                                                                    view! {
                                                                                                        <option value=policy.clone() selected=selected>
                                                                                                            {policy.clone()}
                                                                                                        </option>
                                                                                                    }
                                                                                                })
                                                                                                .collect_view()}
                                                                                        </select>
                                                                                    }
                                                                                })}
                                                                            <button type="submit">"Save"</button>
                                                                        </ActionForm>
                                                                        <ResourceActions
                                                                            action=change
                                                                            kind="queue"
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
