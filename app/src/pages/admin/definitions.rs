//! Job definitions: every revision, newest first; register a revision from the AWS JSON and
//! deregister (operator).

use crate::api::console::{DeregisterDefinition, RegisterDefinition, list_definitions};
use crate::layout::may;
use crate::pages::error_line;
use domain::access::Action;
use leptos::prelude::*;

const EXAMPLE: &str = r#"{
  "jobDefinitionName": "hello",
  "type": "container",
  "containerProperties": {
    "image": "batch-examples/busybox:latest",
    "command": ["echo", "hello"],
    "resourceRequirements": [{"type": "VCPU", "value": "0.5"}, {"type": "MEMORY", "value": "64"}]
  },
  "retryStrategy": {"attempts": 1}
}"#;

#[component]
pub fn DefinitionsPage() -> impl IntoView {
    let register = ServerAction::<RegisterDefinition>::new();
    let deregister = ServerAction::<DeregisterDefinition>::new();
    let definitions = Resource::new(move || (register.version().get(), deregister.version().get()), |_| list_definitions());
    let operator = may(Action::RegisterJobDefinition);
    view! {
        <h1>"Job definitions"</h1>
        <Show when=move || operator.get()>
            <h2>"Register a revision"</h2>
            <ActionForm action=register attr:class="stack">
                <label>"RegisterJobDefinition JSON (as for the AWS API)"
                    <textarea name="json" rows="12" class="json">{EXAMPLE}</textarea>
                </label>
                <button type="submit">"Register"</button>
            </ActionForm>
        </Show>
        {move || error_line(register.value().get())}
        {move || error_line(deregister.value().get())}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || definitions.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! { <p class="empty">"No job definitions yet."</p> }.into_any(),
                Ok(list) => view! {
                    <table class="grid definitions">
                        <thead><tr><th>"Name"</th><th>"Revision"</th><th>"Status"</th><th>"Image"</th><th>"Command"</th><th>"Retry"</th><th>"Timeout"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|d| {
                                let arn = d.job_definition_arn.clone();
                                let active = d.status == "ACTIVE";
                                let submit_href = format!("/submit?definition={}:{}", d.job_definition_name, d.revision);
                                view! {
                                    <tr>
                                        <td>{d.job_definition_name.clone()}</td>
                                        <td class="count">{d.revision}</td>
                                        <td><span class=format!("state {}", if active { "enabled" } else { "disabled" })>{d.status.clone()}</span></td>
                                        <td>{d.container_properties.image.clone()}</td>
                                        <td><code>{d.container_properties.command.join(" ")}</code></td>
                                        <td>{d.retry_strategy.as_ref().and_then(|r| r.attempts).unwrap_or(1)}</td>
                                        <td>{d.timeout.as_ref().and_then(|t| t.attempt_duration_seconds).map(|s| format!("{s} s")).unwrap_or_default()}</td>
                                        <td>
                                            {(operator.get() && active).then(|| view! {
                                                <a href=submit_href>"Submit"</a>
                                                <ActionForm action=deregister attr:class="inline-form">
                                                    <input type="hidden" name="arn" value=arn/>
                                                    <button type="submit" class="danger">"Deregister"</button>
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
