use super::StatusBadge;
use crate::api::console::StopJobs;
use crate::api::list_jobs;
use crate::layout::may;
use crate::pages::time::{When, queued_and_ran, when_opt};
use domain::JobStatus;
use domain::access::Action;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeSet;

#[component]
pub fn JobsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name)).filter(|v| !v.is_empty());
    let stop = ServerAction::<StopJobs>::new();
    let page = Resource::new(
        move || {
            let filters = (param("queue"), param("status"), param("name"), param("definition"), param("after"), param("before"));
            (filters, param("token"), stop.version().get())
        },
        |((queue, status, name, definition, after, before), token, _)| list_jobs(queue, status, name, definition, after, before, token),
    );
    // Live: states change under the reader's eyes.
    crate::live::refetch_on_change(|| "/events".into(), move || page.refetch());
    let operator = may(Action::CancelJob);
    let selected = RwSignal::new(BTreeSet::<String>::new());
    Effect::new(move |_| {
        if stop.version().get() > 0 {
            selected.set(BTreeSet::new());
        }
    });
    let selected_ids = move || selected.with(|s| s.iter().cloned().collect::<Vec<_>>().join(","));
    view! {
        <h1>"Jobs"</h1>
        {move || crate::pages::error_line(stop.value().get())}
        <Show when=move || operator.get() && selected.with(|s| !s.is_empty())>
            <div class="bulk actions">
                <span>{move || format!("{} selected", selected.with(|s| s.len()))}</span>
                <ActionForm action=stop attr:class="inline-form">
                    <input type="hidden" name="ids" prop:value=selected_ids />
                    <input type="hidden" name="terminate" value="false" />
                    <input type="hidden" name="reason" value="" />
                    <button type="submit" class="danger">
                        "Cancel selected"
                    </button>
                </ActionForm>
                <ActionForm action=stop attr:class="inline-form">
                    <input type="hidden" name="ids" prop:value=selected_ids />
                    <input type="hidden" name="terminate" value="true" />
                    <input type="hidden" name="reason" value="" />
                    <button type="submit" class="danger">
                        "Terminate selected"
                    </button>
                </ActionForm>
            </div>
        </Show>
        <Transition fallback=|| {
            view! { <p>"Loading jobs…"</p> }
        }>
            {move || {
                page.get()
                    .map(|result| match result {
                        Err(error) => view! { <p class="error">"Could not list jobs: " {error.to_string()}</p> }.into_any(),
                        Ok(page) => {
                            let queue = param("queue").or_else(|| page.queues.first().cloned()).unwrap_or_default();
                            let status = param("status").unwrap_or_default();
                            let name = param("name").unwrap_or_default();
                            let definition = param("definition").unwrap_or_default();
                            let after = param("after").unwrap_or_default();
                            let before = param("before").unwrap_or_default();
                            let next = page
                                .next_token
                                .clone()
                                .map(|token| {
                                    let query = form_urlencoded::Serializer::new(String::new())
                                        .extend_pairs([
                                            ("queue", &queue),
                                            ("status", &status),
                                            ("name", &name),
                                            ("definition", &definition),
                                            ("after", &after),
                                            ("before", &before),
                                            ("token", &token),
                                        ])
                                        .finish();
                                    format!("/jobs?{query}")
                                });
                            // Each value encoded: a name prefix may hold `&`, `#`, `+` or `%`.
                            view! {
                                <form class="filters" method="get" action="/jobs">
                                    <label>
                                        "Queue "
                                        <select name="queue">
                                            {page
                                                .queues
                                                .iter()
                                                .map(|q| {
                                                    view! {
                                                        <option value=q.clone() selected=*q == queue>
                                                            {q.clone()}
                                                        </option>
                                                    }
                                                })
                                                .collect_view()}
                                        </select>
                                    </label>
                                    <label>
                                        "Status " <select name="status">
                                            <option value="" selected=status.is_empty()>
                                                "any"
                                            </option>
                                            {JobStatus::ALL
                                                .iter()
                                                .map(|s| {
                                                    view! {
                                                        <option value=s.as_str() selected=s.as_str() == status>
                                                            {s.as_str()}
                                                        </option>
                                                    }
                                                })
                                                .collect_view()}
                                        </select>
                                    </label>
                                    <label>"Name starts with " <input name="name" value=name.clone() /></label>
                                    <label>
                                        "Definition (name or name:revision) " <input name="definition" value=definition.clone() />
                                    </label>
                                    <label>"Created after (UTC) " <input name="after" type="datetime-local" value=after.clone() /></label>
                                    <label>
                                        "Created before (UTC) " <input name="before" type="datetime-local" value=before.clone() />
                                    </label>
                                    <button type="submit">"Filter"</button>
                                </form>
                                {if page.jobs.is_empty() {
                                    view! { <p class="empty">"No jobs match."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="grid jobs">
                                            <thead>
                                                <tr>
                                                    <th class="select"></th>
                                                    <th>"Name"</th>
                                                    <th>"Status"</th>
                                                    <th>"Reason"</th>
                                                    <th>"Created"</th>
                                                    <th>"Started"</th>
                                                    <th>"Stopped"</th>
                                                    <th>"Queued for"</th>
                                                    <th>"Ran for"</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {page
                                                    .jobs
                                                    .into_iter()
                                                    .map(|job| {
                                                        let id = job.job_id.clone();
                                                        let (queued, ran) = queued_and_ran(job.created_at, job.started_at, job.stopped_at);
                                                        view! {
                                                            <tr>
                                                                <td class="select">
                                                                    {operator
                                                                        .get()
                                                                        .then(|| {
                                                                            let id = id.clone();
                                                                            let label = format!("Select {}", job.job_name);
                                                                            view! {
                                                                                <input
                                                                                    type="checkbox"
                                                                                    aria-label=label
                                                                                    prop:checked={
                                                                                        let id = id.clone();
                                                                                        move || selected.with(|s| s.contains(&id))
                                                                                    }
                                                                                    on:change=move |ev| {
                                                                                        let on = event_target_checked(&ev);
                                                                                        selected
                                                                                            .update(|s| {
                                                                                                if on {
                                                                                                    s.insert(id.clone());
                                                                                                } else {
                                                                                                    s.remove(&id);
                                                                                                }
                                                                                            });
                                                                                    }
                                                                                />
                                                                            }
                                                                        })}
                                                                </td>
                                                                <td data-label="Name">
                                                                    <a href=format!("/jobs/{}", job.job_id)>{job.job_name}</a>
                                                                </td>
                                                                <td data-label="Status">
                                                                    <StatusBadge status=job.status />
                                                                </td>
                                                                <td class="reason" data-label="Reason">
                                                                    {job.status_reason.unwrap_or_default()}
                                                                </td>
                                                                <td data-label="Created">
                                                                    <When ms=job.created_at />
                                                                </td>
                                                                <td data-label="Started">{when_opt(job.started_at)}</td>
                                                                <td data-label="Stopped">{when_opt(job.stopped_at)}</td>
                                                                <td class="count" data-label="Queued for">
                                                                    {queued.unwrap_or_default()}
                                                                </td>
                                                                <td class="count" data-label="Ran for">
                                                                    {ran.unwrap_or_default()}
                                                                </td>
                                                            </tr>
                                                        }
                                                    })
                                                    .collect_view()}
                                            </tbody>
                                        </table>
                                    }
                                        .into_any()
                                }}
                                {next
                                    .map(|href| {
                                        view! {
                                            <p>
                                                <a class="next" href=href>
                                                    "Older jobs →"
                                                </a>
                                            </p>
                                        }
                                    })}
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}
