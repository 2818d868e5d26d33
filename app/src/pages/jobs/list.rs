use super::StatusBadge;
use crate::api::list_jobs;
use crate::pages::time::{utc, utc_opt};
use domain::JobStatus;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn JobsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name)).filter(|v| !v.is_empty());
    let page = Resource::new(
        move || (param("queue"), param("status"), param("name"), param("token")),
        |(queue, status, name, token)| list_jobs(queue, status, name, token),
    );
    view! {
        <h1>"Jobs"</h1>
        <Suspense fallback=|| view! { <p>"Loading jobs…"</p> }>
            {move || page.get().map(|result| match result {
                Err(error) => view! { <p class="error">"Could not list jobs: " {error.to_string()}</p> }.into_any(),
                Ok(page) => {
                    let queue = param("queue").or_else(|| page.queues.first().cloned()).unwrap_or_default();
                    let status = param("status").unwrap_or_default();
                    let name = param("name").unwrap_or_default();
                    let next = page.next_token.clone().map(|token| {
                        format!("/jobs?queue={}&status={}&name={}&token={token}", queue, status, name)
                    });
                    view! {
                        <form class="filters" method="get" action="/jobs">
                            <label>"Queue "
                                <select name="queue">
                                    {page.queues.iter().map(|q| view! { <option value=q.clone() selected=*q == queue>{q.clone()}</option> }).collect_view()}
                                </select>
                            </label>
                            <label>"Status "
                                <select name="status">
                                    <option value="" selected=status.is_empty()>"any"</option>
                                    {JobStatus::ALL.iter().map(|s| view! { <option value=s.as_str() selected=s.as_str() == status>{s.as_str()}</option> }).collect_view()}
                                </select>
                            </label>
                            <label>"Name starts with " <input name="name" value=name.clone()/></label>
                            <button type="submit">"Filter"</button>
                        </form>
                        {if page.jobs.is_empty() {
                            view! { <p class="empty">"No jobs match."</p> }.into_any()
                        } else {
                            view! {
                                <table class="grid jobs">
                                    <thead><tr><th>"Name"</th><th>"Status"</th><th>"Reason"</th><th>"Created"</th><th>"Started"</th><th>"Stopped"</th></tr></thead>
                                    <tbody>
                                        {page.jobs.into_iter().map(|job| view! {
                                            <tr>
                                                <td><a href=format!("/jobs/{}", job.job_id)>{job.job_name}</a></td>
                                                <td><StatusBadge status=job.status/></td>
                                                <td class="reason">{job.status_reason.unwrap_or_default()}</td>
                                                <td>{utc(job.created_at)}</td>
                                                <td>{utc_opt(job.started_at)}</td>
                                                <td>{utc_opt(job.stopped_at)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                        {next.map(|href| view! { <p><a class="next" href=href>"Older jobs →"</a></p> })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
