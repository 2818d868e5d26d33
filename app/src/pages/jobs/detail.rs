use super::StatusBadge;
use crate::api::job_view;
use crate::pages::time::{utc, utc_opt};
use leptos::prelude::*;
use crate::api::console::StopJobs;
use crate::layout::may;
use domain::JobStatus;
use domain::access::Action;
use leptos_router::hooks::use_params_map;

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let stop = ServerAction::<StopJobs>::new();
    let view_of = Resource::new(move || (id(), stop.version().get()), |(id, _)| job_view(id));
    // Live: re-read when the job's status or output moves.
    crate::live::refetch_on_change(move || format!("/events?job={}", id()), move || view_of.refetch());
    let operator = may(Action::CancelJob);
    view! {
        {move || crate::pages::error_line(stop.value().get())}
        <Transition fallback=|| view! { <p>"Loading the job…"</p> }>
            {move || view_of.get().map(|result| match result {
                Err(error) => view! { <p class="error">"Could not load the job: " {error.to_string()}</p> }.into_any(),
                Ok(None) => view! { <h1>"No such job"</h1><p><a href="/jobs">"All jobs"</a></p> }.into_any(),
                Ok(Some(found)) => {
                    let job = found.job;
                    let summary = job.array_properties.as_ref().and_then(|a| a.status_summary.clone());
                    view! {
                        <h1>{job.job_name.clone()} " " <StatusBadge status=job.status.clone()/></h1>
                        <p class="job-id">{job.job_id.clone()}</p>
                        <JobActions job_id=job.job_id.clone() status=job.status.clone() stop operator/>
                        {job.status_reason.clone().map(|reason| view! { <p class="reason"><strong>"Reason: "</strong>{reason}</p> })}
                        <dl class="facts">
                            <dt>"Queue"</dt><dd>{job.job_queue.rsplit('/').next().unwrap_or_default().to_string()}</dd>
                            <dt>"Definition"</dt><dd>{job.job_definition.rsplit('/').next().unwrap_or_default().to_string()}</dd>
                            <dt>"Image"</dt><dd>{job.container.image.clone()}</dd>
                            <dt>"Command"</dt><dd><code>{job.container.command.join(" ")}</code></dd>
                            <dt>"Resources"</dt><dd>{format!("{} vCPU, {} MiB", job.container.vcpus, job.container.memory)}</dd>
                            <dt>"Retry attempts"</dt><dd>{job.retry_strategy.attempts.unwrap_or(1)}</dd>
                            <dt>"Timeout"</dt><dd>{job.timeout.as_ref().and_then(|t| t.attempt_duration_seconds).map(|s| format!("{s} s")).unwrap_or_else(|| "none".into())}</dd>
                            <dt>"Submitted by"</dt><dd>{job.submitted_by.clone()}</dd>
                            <dt>"Created"</dt><dd>{utc(job.created_at)}</dd>
                        </dl>
                        {summary.map(|counts| view! {
                            <h2>"Array children"</h2>
                            <p class="summary">{counts.into_iter().filter(|(_, n)| *n > 0).map(|(s, n)| format!("{s}: {n}")).collect::<Vec<_>>().join(" · ")}</p>
                            <p><a href=format!("/jobs?queue={}", job.job_queue.rsplit('/').next().unwrap_or_default())>"Jobs of this queue"</a></p>
                        })}
                        <h2>"Timeline"</h2>
                        <ol class="timeline">
                            {job.status_history.iter().map(|change| view! {
                                <li><StatusBadge status=change.status.clone()/> " " {utc(change.at)} " " {change.reason.clone().unwrap_or_default()}</li>
                            }).collect_view()}
                        </ol>
                        <h2>"Attempts"</h2>
                        <table class="grid attempts">
                            <thead><tr><th>"#"</th><th>"Exit code"</th><th>"Reason"</th><th>"Host"</th><th>"Started"</th><th>"Stopped"</th></tr></thead>
                            <tbody>
                                {job.attempts.iter().map(|a| view! {
                                    <tr>
                                        <td>{a.attempt_number}</td>
                                        <td>{a.container.exit_code.map(|c| c.to_string()).unwrap_or_default()}</td>
                                        <td>{a.container.reason.clone().or(a.status_reason.clone()).unwrap_or_default()}</td>
                                        <td>{a.container.container_instance_arn.clone().unwrap_or_default()}</td>
                                        <td>{utc_opt(a.started_at)}</td>
                                        <td>{utc_opt(a.stopped_at)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <h2>"Output"</h2>
                        <pre class="log">
                            {found.log.into_iter().map(|l| view! {
                                <span class=format!("line {}", l.stream)>{format!("[{}] {}\n", l.attempt, l.line)}</span>
                            }).collect_view()}
                        </pre>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// Cancel (not started yet) or terminate (started), clone and resubmit, copy the link. The
/// buttons show only for roles that may use them; the server checks again.
#[component]
fn JobActions(job_id: String, status: String, stop: ServerAction<StopJobs>, operator: Signal<bool>) -> impl IntoView {
    let status: Option<JobStatus> = status.parse().ok();
    let not_started = status.is_some_and(|s| matches!(s, JobStatus::Submitted | JobStatus::Pending | JobStatus::Runnable));
    let started = status.is_some_and(|s| matches!(s, JobStatus::Starting | JobStatus::Running));
    let clone_href = format!("/submit?from={job_id}");
    view! {
        <div class="actions">
            {(operator.get() && not_started).then(|| { let id = job_id.clone(); view! {
                <ActionForm action=stop attr:class="inline-form">
                    <input type="hidden" name="ids" value=id/>
                    <input type="hidden" name="terminate" value="false"/>
                    <input name="reason" placeholder="reason (optional)" aria-label="Reason for cancelling"/>
                    <button type="submit" class="danger">"Cancel job"</button>
                </ActionForm>
            }})}
            {(operator.get() && started).then(|| { let id = job_id.clone(); view! {
                <ActionForm action=stop attr:class="inline-form">
                    <input type="hidden" name="ids" value=id/>
                    <input type="hidden" name="terminate" value="true"/>
                    <input name="reason" placeholder="reason (optional)" aria-label="Reason for terminating"/>
                    <button type="submit" class="danger">"Terminate job"</button>
                </ActionForm>
            }})}
            {operator.get().then(|| view! { <a class="button" href=clone_href>"Clone and resubmit"</a> })}
            <a class="button" href=format!("/jobs/{job_id}")>"Link to this job"</a>
        </div>
    }
}
