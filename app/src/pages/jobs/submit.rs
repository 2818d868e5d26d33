//! Submit a job from a definition, with overrides. Every field is checked by the same rules as
//! the API; a refused field gets its message next to it. `?definition=name:rev` preselects a
//! definition; `?from=JOB_ID` clones a job (clone-and-resubmit).

use crate::api::console::{SubmitForm as SubmitFormAction, SubmitOutcome, list_definitions, list_queues};
use crate::api::job_view;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn SubmitPage() -> impl IntoView {
    let query = use_query_map();
    let submit = ServerAction::<SubmitFormAction>::new();
    let may_submit = crate::layout::may(domain::access::Action::SubmitJob);
    let queues = Resource::new(|| (), |_| list_queues());
    let definitions = Resource::new(|| (), |_| list_definitions());
    let from = Resource::new(
        move || query.with(|q| q.get("from")),
        |from| async move {
            match from {
                Some(id) => job_view(id).await.ok().flatten(),
                None => None,
            }
        },
    );
    // Submitted: go to the job's page.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(SubmitOutcome::Submitted { job_id })) = submit.value().get() {
            navigate(&format!("/jobs/{job_id}"), Default::default());
        }
    });
    let error_for = move |field: &'static str| {
        move || match submit.value().get() {
            Some(Ok(SubmitOutcome::Rejected { field: f, message })) if f == field => Some(view! {
                <span class="field-error" role="alert">
                    {message}
                </span>
            }),
            _ => None,
        }
    };
    let form_error = move || match submit.value().get() {
        Some(Err(error)) => Some(view! {
            <p class="error" role="alert">
                {crate::pages::clean(&error)}
            </p>
        }),
        Some(Ok(SubmitOutcome::Rejected { field, message })) if field == "form" => Some(view! {
            <p class="error" role="alert">
                {message}
            </p>
        }),
        _ => None,
    };
    view! {
        <h1>"Submit a job"</h1>
        {form_error}
        <Suspense fallback=|| {
            view! { <p>"Loading…"</p> }
        }>
            {move || {
                if !may_submit.get() {
                    return view! {
                        <p class="empty">"Your role may look but not submit jobs. Ask an administrator for the operator role."</p>
                    }
                        .into_any();
                }
                let queues = queues.get().and_then(Result::ok).unwrap_or_default();
                let definitions: Vec<_> = definitions
                    .get()
                    .and_then(Result::ok)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|d| d.status == "ACTIVE")
                    .collect();
                let cloned = from.get().flatten().map(|found| found.job);
                let chosen_definition = query
                    .with(|q| q.get("definition"))
                    .or_else(|| cloned.as_ref().map(|j| j.job_definition.rsplit('/').next().unwrap_or_default().to_string()))
                    .unwrap_or_default();
                let chosen_queue = cloned
                    .as_ref()
                    .map(|j| j.job_queue.rsplit('/').next().unwrap_or_default().to_string())
                    .unwrap_or_default();
                let name = cloned.as_ref().map(|j| j.job_name.clone()).unwrap_or_default();
                let command = cloned.as_ref().map(|j| domain::command_line::shell_form(&j.container.command)).unwrap_or_default();
                let typed_command = RwSignal::new(command.clone());
                let copied = |value: Option<String>| value.unwrap_or_default();
                let vcpus = copied(cloned.as_ref().map(|j| j.container.vcpus.to_string()));
                let memory = copied(cloned.as_ref().map(|j| j.container.memory.to_string()));
                let array_size = copied(
                    cloned
                        .as_ref()
                        .and_then(|j| j.array_properties.as_ref())
                        .filter(|a| a.index.is_none())
                        .and_then(|a| a.size)
                        .map(|size| size.to_string()),
                );
                let depends_on = copied(
                    cloned.as_ref().map(|j| j.depends_on.iter().filter_map(|d| d.job_id.clone()).collect::<Vec<_>>().join(", ")),
                );
                let retry_attempts = copied(cloned.as_ref().and_then(|j| j.retry_strategy.attempts).map(|n| n.to_string()));
                let timeout_seconds = copied(
                    cloned.as_ref().and_then(|j| j.timeout.as_ref()).and_then(|t| t.attempt_duration_seconds).map(|s| s.to_string()),
                );
                let lines = |pairs: Option<&std::collections::BTreeMap<String, String>>| {
                    pairs.map(|p| p.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("\n")).unwrap_or_default()
                };
                let tags = lines(cloned.as_ref().map(|j| &j.tags));
                let parameters = lines(cloned.as_ref().map(|j| &j.parameters));
                let share = copied(cloned.as_ref().and_then(|j| j.share_identifier.clone()));
                let priority = copied(cloned.as_ref().and_then(|j| j.scheduling_priority).map(|p| p.to_string()));
                let environment = cloned
                    .as_ref()
                    .map(|j| {
                        j.container
                            .environment
                            .iter()
                            .filter(|e| !e.name.starts_with("AWS_BATCH"))
                            .map(|e| format!("{}={}", e.name, e.value))
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default();
                // Clone and resubmit copies every override the job ran with.
                view! {
                    <ActionForm action=submit attr:class="submit-form">
                        <label>"Job name" <input name="form[job_name]" value=name required /> {error_for("job_name")}</label>
                        <label>
                            "Job queue" <select name="form[job_queue]" required>
                                {queues
                                    .into_iter()
                                    .map(|q| {
                                        let n = q.job_queue_name;
                                        view! {
                                            <option value=n.clone() selected=n == chosen_queue>
                                                {n.clone()}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select> {error_for("job_queue")}
                        </label>
                        <label>
                            "Job definition" <select name="form[job_definition]" required>
                                {definitions
                                    .into_iter()
                                    .map(|d| {
                                        let value = format!("{}:{}", d.job_definition_name, d.revision);
                                        let selected = value == chosen_definition || d.job_definition_name == chosen_definition;
                                        view! {
                                            <option value=value.clone() selected=selected>
                                                {value.clone()}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select> {error_for("job_definition")}
                        </label>
                        <fieldset>
                            <legend>"Overrides (empty keeps the definition's)"</legend>
                            <label>
                                "Command (as in a shell: quotes and backslashes work)"
                                <input
                                    name="form[command]"
                                    value=command
                                    on:input=move |event| typed_command.set(event_target_value(&event))
                                /> <crate::pages::CommandPreview text=typed_command empty="Empty: the definition's command runs." />
                                {error_for("command")}
                            </label>
                            <label>
                                "Environment (NAME=value per line)" <textarea name="form[environment]" rows="3">
                                    {environment}
                                </textarea> {error_for("environment")}
                            </label>
                            <label>"vCPUs" <input name="form[vcpus]" inputmode="decimal" value=vcpus /> {error_for("vcpus")}</label>
                            <label>
                                "Memory (MiB)" <input name="form[memory]" inputmode="numeric" value=memory /> {error_for("memory")}
                            </label>
                            <label>
                                "Parameters (name=value per line)" <textarea name="form[parameters]" rows="2">
                                    {parameters}
                                </textarea> {error_for("parameters")}
                            </label>
                        </fieldset>
                        <fieldset>
                            <legend>"Scheduling"</legend>
                            <label>
                                "Array size (2 to 10,000; empty for a single job)"
                                <input name="form[array_size]" inputmode="numeric" value=array_size /> {error_for("array_size")}
                            </label>
                            <label>
                                "Depends on (job ids, comma-separated)" <input name="form[depends_on]" value=depends_on />
                                {error_for("depends_on")}
                            </label>
                            <label>
                                "Retry attempts (1 to 10)" <input name="form[retry_attempts]" inputmode="numeric" value=retry_attempts />
                                {error_for("retry_attempts")}
                            </label>
                            <label>
                                "Timeout (seconds, 60 or more)"
                                <input name="form[timeout_seconds]" inputmode="numeric" value=timeout_seconds />
                                {error_for("timeout_seconds")}
                            </label>
                            <label>
                                "Tags (key=value per line)" <textarea name="form[tags]" rows="2">
                                    {tags}
                                </textarea> {error_for("tags")}
                            </label>
                            <label>
                                "Share identifier (fair-share queues only)" <input name="form[share_identifier]" value=share />
                                {error_for("share_identifier")}
                            </label>
                            <label>
                                "Scheduling priority within the share (0 to 9999)"
                                <input name="form[scheduling_priority]" inputmode="numeric" value=priority />
                                {error_for("scheduling_priority")}
                            </label>
                        </fieldset>
                        <button type="submit">"Submit job"</button>
                    </ActionForm>
                }
                    .into_any()
            }}
        </Suspense>
    }
}
