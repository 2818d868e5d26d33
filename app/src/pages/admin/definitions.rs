//! Job definitions: every revision, newest first; register one by form or as JSON, edit a
//! revision into the next, deregister (operator).

use crate::api::console::{DeregisterDefinition, RegisterDefinition, RegisterDefinitionForm, definition_memory_use, list_definitions};
use crate::layout::may;
use crate::pages::admin::definition_editor::DefinitionEditor;
use crate::pages::error_line;
use domain::access::Action;
use domain::views::JobDefinitionDetail;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn DefinitionsPage() -> impl IntoView {
    let register_form = ServerAction::<RegisterDefinitionForm>::new();
    let register_json = ServerAction::<RegisterDefinition>::new();
    let created = RwSignal::new(None::<String>);
    let deregister = ServerAction::<DeregisterDefinition>::new();
    let definitions = Resource::new(
        move || (register_form.version().get(), register_json.version().get(), deregister.version().get()),
        |_| list_definitions(),
    );
    let memory_use = Resource::new(|| (), |_| definition_memory_use());
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
                                            <th>"Memory used"</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|d| {
                                                let arn = d.job_definition_arn.clone();
                                                let asked = d
                                                    .container_properties
                                                    .validate("containerProperties")
                                                    .ok()
                                                    .map(|r| r.memory_mib);
                                                let used = memory_use
                                                    .get()
                                                    .and_then(Result::ok)
                                                    .and_then(|spreads| spreads.get(&arn).copied());
                                                let active = d.status == "ACTIVE";
                                                let submit_href = format!("/submit?definition={}:{}", d.job_definition_name, d.revision);
                                                let edit_href = format!(
                                                    "/definitions?edit={}:{}#register",
                                                    d.job_definition_name,
                                                    d.revision,
                                                );
                                                view! {
                                                    <tr>
                                                        <td data-label="Name">
                                                            <a
                                                                href=format!("/definitions?compare={}", d.job_definition_name)
                                                                title="Compare its revisions side by side"
                                                            >
                                                                {d.job_definition_name.clone()}
                                                            </a>
                                                            " "
                                                            <crate::pages::CopyButton
                                                                text=d.job_definition_arn.clone()
                                                                what="definition ARN"
                                                            />
                                                        </td>
                                                        <td data-label="Revision" class="count">
                                                            {d.revision}
                                                        </td>
                                                        <td data-label="Status">
                                                            <span class=format!(
                                                                "state {}",
                                                                if active { "enabled" } else { "disabled" },
                                                            )>{d.status.as_str()}</span>
                                                        </td>
                                                        <td data-label="Image">{d.container_properties.image.clone()}</td>
                                                        <td data-label="Command">
                                                            <code>{domain::command_line::shell_form(&d.container_properties.command)}</code>
                                                        </td>
                                                        <td data-label="Retry">
                                                            {d.retry_strategy.as_ref().and_then(|r| r.attempts).unwrap_or(1)}
                                                        </td>
                                                        <td data-label="Timeout">
                                                            {d
                                                                .timeout
                                                                .as_ref()
                                                                .and_then(|t| t.attempt_duration_seconds)
                                                                .map(|s| format!("{s} s"))
                                                                .unwrap_or_default()}
                                                        </td>
                                                        <td data-label="Memory used" class="memory-used">
                                                            {memory_used(used, asked)}
                                                        </td>
                                                        <td data-label="">
                                                            {(operator.get() && active)
                                                                .then(|| {
                                                                    view! {
                                                                        <a href=submit_href>"Submit"</a>
                                                                        <a
                                                                            href=edit_href
                                                                            title="Register the next revision, starting from this one"
                                                                        >
                                                                            "Edit"
                                                                        </a>
                                                                        <crate::pages::Confirm
                                                                            label="Deregister"
                                                                            question=format!(
                                                                                "Deregister this revision? Jobs can no longer be submitted with it.",
                                                                            )
                                                                        >
                                                                            <ActionForm action=deregister attr:class="inline-form">
                                                                                <input type="hidden" name="arn" value=arn />
                                                                                <crate::pages::ReasonField />
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
        <Show when=move || operator.get()>
            <DefinitionEditor register_form register_json definitions created />
        </Show>
        {move || {
            crate::pages::created_line(
                "revision",
                created.get().map(Ok),
                |name| format!("/definitions?compare={}", name.split(':').next().unwrap_or_default()),
            )
        }}
        {move || error_line(register_form.value().get())}
        {move || error_line(register_json.value().get())}
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
        ("Command", |d| domain::command_line::shell_form(&d.container_properties.command)),
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
                                            view! {
                                                <td data-label="" class:differs=differs>
                                                    {v.clone()}
                                                </td>
                                            }
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

/// "p95 26 MiB of 64 MiB asked (12 attempts)": what a revision's recent attempts used at
/// their peaks, against what it asks for.
fn memory_used(used: Option<domain::resource_use::MemorySpread>, asked_mib: Option<i64>) -> String {
    use domain::resource_use::bytes;
    let Some(used) = used else { return String::new() };
    let attempts = if used.measured == 1 { "1 attempt".to_string() } else { format!("{} attempts", used.measured) };
    match asked_mib {
        Some(mib) => format!("p95 {} of {} asked ({attempts})", bytes(used.p95), bytes((mib.max(0) as u64) << 20)),
        None => format!("p95 {} ({attempts})", bytes(used.p95)),
    }
}
