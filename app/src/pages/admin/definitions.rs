//! Job definitions: every revision, newest first; register a revision from the AWS JSON and
//! deregister (operator).

use crate::api::console::{DeregisterDefinition, RegisterDefinition, list_definitions};
use crate::layout::may;
use crate::pages::error_line;
use domain::access::Action;
use domain::views::JobDefinitionDetail;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

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
    let created_form = NodeRef::<leptos::html::Form>::new();
    crate::pages::reset_after_success(move || register.value().get(), created_form);
    let deregister = ServerAction::<DeregisterDefinition>::new();
    let definitions = Resource::new(move || (register.version().get(), deregister.version().get()), |_| list_definitions());
    let operator = may(Action::RegisterJobDefinition);
    let query = use_query_map();
    let compare = move || query.with(|q| q.get("compare")).filter(|n| !n.is_empty());
    view! {
        <h1>"Job definitions"</h1>
        <Transition fallback=|| ()>
            {move || {
                compare()
                    .and_then(|name| {
                        let revisions: Vec<JobDefinitionDetail> = definitions
                            .get()?
                            .ok()?
                            .into_iter()
                            .filter(|d| d.job_definition_name == name)
                            .collect();
                        Some(view! { <Revisions name revisions /> })
                    })
            }}
        </Transition>
        <Show when=move || operator.get()>
            <h2>"Register a revision"</h2>
            <ActionForm action=register node_ref=created_form attr:class="stack">
                <label>
                    "RegisterJobDefinition JSON (as for the AWS API)" <textarea name="json" rows="12" class="json">
                        {EXAMPLE}
                    </textarea>
                </label>
                <button type="submit">"Register"</button>
            </ActionForm>
        </Show>
        {move || {
            crate::pages::created_line(
                "revision",
                register.value().get(),
                |name| format!("/definitions?compare={}", name.split(':').next().unwrap_or_default()),
            )
        }}
        {move || error_line(register.value().get())}
        {move || error_line(deregister.value().get())}
        <Transition fallback=|| {
            view! { <p>"Loading…"</p> }
        }>
            {move || {
                definitions
                    .get()
                    .map(|result| match result {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No job definitions yet."</p> }.into_any(),
                        Ok(list) => {
                            view! {
                                <table class="grid definitions">
                                    <thead>
                                        <tr>
                                            <th>"Name"</th>
                                            <th>"Revision"</th>
                                            <th>"Status"</th>
                                            <th>"Image"</th>
                                            <th>"Command"</th>
                                            <th>"Retry"</th>
                                            <th>"Timeout"</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|d| {
                                                let arn = d.job_definition_arn.clone();
                                                let active = d.status == "ACTIVE";
                                                let submit_href = format!("/submit?definition={}:{}", d.job_definition_name, d.revision);
                                                view! {
                                                    <tr>
                                                        <td>
                                                            <a
                                                                href=format!("/definitions?compare={}", d.job_definition_name)
                                                                title="Compare its revisions side by side"
                                                            >
                                                                {d.job_definition_name.clone()}
                                                            </a>
                                                        </td>
                                                        <td class="count">{d.revision}</td>
                                                        <td>
                                                            <span class=format!(
                                                                "state {}",
                                                                if active { "enabled" } else { "disabled" },
                                                            )>{d.status.as_str()}</span>
                                                        </td>
                                                        <td>{d.container_properties.image.clone()}</td>
                                                        <td>
                                                            <code>{d.container_properties.command.join(" ")}</code>
                                                        </td>
                                                        <td>{d.retry_strategy.as_ref().and_then(|r| r.attempts).unwrap_or(1)}</td>
                                                        <td>
                                                            {d
                                                                .timeout
                                                                .as_ref()
                                                                .and_then(|t| t.attempt_duration_seconds)
                                                                .map(|s| format!("{s} s"))
                                                                .unwrap_or_default()}
                                                        </td>
                                                        <td>
                                                            {(operator.get() && active)
                                                                .then(|| {
                                                                    view! {
                                                                        <a href=submit_href>"Submit"</a>
                                                                        <crate::pages::Confirm
                                                                            label="Deregister"
                                                                            question=format!(
                                                                                "Deregister this revision? Jobs can no longer be submitted with it.",
                                                                            )
                                                                        >
                                                                            <ActionForm action=deregister attr:class="inline-form">
                                                                                <input type="hidden" name="arn" value=arn />
                                                                                <button type="submit" class="danger">
                                                                                    "Yes, deregister"
                                                                                </button>
                                                                            </ActionForm>
                                                                        </crate::pages::Confirm>
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

/// Every revision of one definition side by side, a column each, with what changed from the
/// revision before highlighted.
#[component]
fn Revisions(name: String, mut revisions: Vec<JobDefinitionDetail>) -> impl IntoView {
    revisions.sort_by_key(|d| d.revision);
    let facts: [(&str, fn(&JobDefinitionDetail) -> String); 9] = [
        ("Status", |d| d.status.to_string()),
        ("Image", |d| d.container_properties.image.clone()),
        ("Command", |d| d.container_properties.command.join(" ")),
        ("Resources", |d| {
            let c = &d.container_properties;
            let mut parts: Vec<String> = c.resource_requirements.iter().map(|r| format!("{}={}", r.kind, r.value)).collect();
            parts.extend(c.vcpus.map(|v| format!("vcpus={v}")));
            parts.extend(c.memory.map(|m| format!("memory={m}")));
            parts.join(", ")
        }),
        ("Environment", |d| {
            d.container_properties.environment.iter().map(|e| format!("{}={}", e.name, e.value)).collect::<Vec<_>>().join(", ")
        }),
        ("Parameters", |d| d.parameters.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")),
        ("Retry attempts", |d| d.retry_strategy.as_ref().and_then(|r| r.attempts).unwrap_or(1).to_string()),
        ("Timeout", |d| d.timeout.as_ref().and_then(|t| t.attempt_duration_seconds).map(|s| format!("{s} s")).unwrap_or_default()),
        ("Registered", |d| crate::pages::time::utc(d.created_at)),
    ];
    view! {
        <section class="revisions">
            <h2>{format!("Revisions of {name}")} " " <a href="/definitions">"(close)"</a></h2>
            <table class="grid compare">
                <thead>
                    <tr>
                        <th></th>
                        {revisions.iter().map(|d| view! { <th>{format!("Revision {}", d.revision)}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {facts
                        .iter()
                        .map(|(label, fact)| {
                            let values: Vec<String> = revisions.iter().map(fact).collect();
                            view! {
                                <tr>
                                    <th>{*label}</th>
                                    {values
                                        .iter()
                                        .enumerate()
                                        .map(|(i, v)| {
                                            let differs = i > 0 && values[i - 1] != *v;
                                            view! { <td class:differs=differs>{v.clone()}</td> }
                                        })
                                        .collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
