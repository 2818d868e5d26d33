use super::StatusBadge;
use super::array_map::ArrayHeatMap;
use super::attempts::AttemptsTable;
use super::graph::DependencyGraph;
use super::log_view::{LogChoices, LogView};
use crate::api::console::StopJobs;
use crate::api::fair_share::queue_position;
use crate::api::job_view;
use crate::layout::may;
use crate::pages::time::{When, queued_and_ran};
use domain::JobStatus;
use domain::access::Action;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let stop = ServerAction::<StopJobs>::new();
    let retry = retry_failed_children();
    let view_of = Resource::new(move || (id(), stop.version().get()), |(id, _)| job_view(id));
    // Live: re-read when the job's status or output moves, unless the reader paused following.
    let following = RwSignal::new(true);
    // What the reader chose for the output (which attempt, a term, wrap, timestamps).
    let choices = LogChoices::new();
    let only_attempt = choices.only_attempt;
    // A finished job, as drawn, moves no more: following it again reads nothing (which would
    // also drop the earlier lines the reader loaded).
    let shown_finished = move || view_of.with_untracked(|read| matches!(read, Some(Ok(Some(found))) if found.job.status.is_terminal()));
    // Another job opened on this page (an array's child, a node of the graph) starts with all
    // its attempts and no term, and follows; wrap and timestamps are the reader's taste and
    // stay. Following again on the same job (by the button, or by scrolling back to the end)
    // reads what moved meanwhile; another job is read anyway.
    Effect::new(move |was: Option<(String, bool)>| {
        let (shown, follows) = (id(), following.get());
        match was {
            Some((before, _)) if before != shown => {
                only_attempt.set(None);
                choices.term.set(String::new());
                following.set(true);
                return (shown, true);
            }
            Some((_, false)) if follows && !shown_finished() => view_of.refetch(),
            _ => {}
        }
        (shown, follows)
    });
    crate::live::refetch_on_change(
        move || format!("/events?job={}", id()),
        move || {
            if following.get_untracked() {
                view_of.refetch();
            }
        },
    );
    let operator = may(Action::CancelJob);
    // Kept across the page's re-renders, so the graph and the map never blink while re-read.
    let graph = super::graph::graph_signal(id);
    let children = super::array_map::ChildrenOnPage::new(id, view_of);
    // The job as last read, drawn again when a re-read fails (the server restarting, the
    // network dropping): a reader watching a job keeps it in view, told the page is not current.
    let last_read = StoredValue::new(None::<crate::api::JobWithLog>);
    let kept_for = move |job_id: &str| last_read.with_value(|kept| kept.as_ref().is_some_and(|kept| kept.job.job_id == job_id));
    view! {
        {move || crate::pages::error_line(stop.value().get())}
        {move || crate::pages::error_line(retry.value().get())}
        {move || {
            view_of
                .with(|read| match read {
                    Some(Err(error)) => Some(error.clone()),
                    _ => None,
                })
                .filter(|_| kept_for(&id()))
                .map(|error| {
                    // The error only: not a copy of the whole job and its output on every re-read.
                    view! {
                        <p class="error reread-failed" role="alert">
                            "Could not read the job again ("
                            {crate::pages::clean(&error)}
                            "); this is what was read last. It is read again at the next change."
                        </p>
                    }
                })
        }}
        <Transition fallback=|| {
            view! { <p>"Loading the job…"</p> }
        }>
            {move || {
                view_of
                    .get()
                    .map(|result| match result {
                        Ok(read) => {
                            last_read.set_value(read.clone());
                            Ok(read)
                        }
                        Err(_) if kept_for(&id()) => Ok(last_read.get_value()),
                        Err(error) => Err(error),
                    })
                    .map(|result| match result {
                        Err(error) => view! { <p class="error">"Could not load the job: " {error.to_string()}</p> }.into_any(),
                        Ok(None) => {
                            view! {
                                <h1>"No such job"</h1>
                                <p>
                                    <a href="/jobs">"All jobs"</a>
                                </p>
                            }
                                .into_any()
                        }
                        Ok(Some(found)) => {
                            let job = found.job;
                            let summary = job.array_properties.as_ref().and_then(|a| a.status_summary.clone());
                            let queue_name = job.job_queue.rsplit('/').next().unwrap_or_default().to_string();
                            let headline = domain::headline::headline(&job);
                            let (queued, ran) = queued_and_ran(job.created_at, job.started_at, job.stopped_at);
                            let array_parent = job
                                .array_properties
                                .as_ref()
                                .and_then(|a| a.index.map(|index| (index, a.size)))
                                .and_then(|(index, size)| {
                                    job.job_id.rsplit_once(':').map(|(parent, _)| (parent.to_string(), index, size))
                                });
                            let shell_line = domain::command_line::shell_form(&job.container.command);
                            // An array child: its array job, its index and the array's size.
                            view! {
                                <h1>{job.job_name.clone()} " " <StatusBadge status=job.status /></h1>
                                <p class="job-id">
                                    {job.job_id.clone()} " " <crate::pages::CopyButton text=job.job_id.clone() what="job id" /> " "
                                    <span class="arn">{job.job_arn.clone()}</span> " "
                                    <crate::pages::CopyButton text=job.job_arn.clone() what="job ARN" />
                                </p>
                                {headline.map(|words| view! { <p class="headline">{words}</p> })}
                                <JobActions job_id=job.job_id.clone() status=job.status terminating=job.is_terminated stop operator />
                                {job
                                    .status_reason
                                    .clone()
                                    .map(|reason| {
                                        view! {
                                            <p class="reason">
                                                <strong>"Status reason: "</strong>
                                                {reason}
                                            </p>
                                        }
                                    })}
                                <dl class="facts">
                                    {array_parent
                                        .clone()
                                        .map(|(parent, index, size)| {
                                            view! {
                                                <dt>"Array job"</dt>
                                                <dd class="array-parent">
                                                    "Child " {index} " of " <a href=format!("/jobs/{parent}")>{parent.clone()}</a>
                                                    {(index > 0)
                                                        .then(|| {
                                                            view! {
                                                                " · "
                                                                <a href=format!("/jobs/{parent}:{}", index - 1)>"previous"</a>
                                                            }
                                                        })}
                                                    {(size.is_none_or(|size| index + 1 < size))
                                                        .then(|| {
                                                            view! {
                                                                " · "
                                                                <a href=format!("/jobs/{parent}:{}", index + 1)>"next"</a>
                                                            }
                                                        })}
                                                </dd>
                                            }
                                        })} <RetryLinks tags=job.tags.clone() /> <dt>"Queue"</dt> <dd>
                                        <a href=format!("/queues/{}", queue_name)>{queue_name.clone()}</a>
                                        {(job.status == JobStatus::Runnable)
                                            .then(|| {
                                                view! { <QueuePlace queue=queue_name.clone() job_id=job.job_id.clone() /> }
                                            })}
                                    </dd>
                                    {job
                                        .share_identifier
                                        .clone()
                                        .map(|share| {
                                            view! {
                                                <dt>"Share"</dt>
                                                <dd>{share}</dd>
                                                <dt>"Scheduling priority"</dt>
                                                <dd>{job.scheduling_priority.unwrap_or(0)}</dd>
                                            }
                                        })} <dt>"Definition"</dt>
                                    <dd>{job.job_definition.rsplit('/').next().unwrap_or_default().to_string()}</dd> <dt>"Image"</dt>
                                    <dd>{job.container.image.clone()}</dd> <dt>"Command"</dt> <dd>
                                        <ol class="argv" aria-label="Arguments">
                                            {job
                                                .container
                                                .command
                                                .iter()
                                                .map(|argument| {
                                                    view! {
                                                        <li>
                                                            <code>{argument.clone()}</code>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ol>
                                        <code class="shell-line" title="The same command as one shell line">
                                            {shell_line}
                                        </code>
                                    </dd> <dt>"Resources"</dt>
                                    <dd>{format!("{} vCPU, {} MiB", job.container.vcpus, job.container.memory)}</dd>
                                    <dt>"Retry strategy"</dt> <dd>{retry_text(&job.retry_strategy)}</dd> <dt>"Timeout"</dt>
                                    <dd>
                                        {job
                                            .timeout
                                            .as_ref()
                                            .and_then(|t| t.attempt_duration_seconds)
                                            .map(|s| format!("{s} s"))
                                            .unwrap_or_else(|| "none".into())}
                                    </dd> <dt>"Submitted by"</dt> <dd>{job.submitted_by.clone()}</dd> <dt>"Created"</dt> <dd>
                                        <When ms=job.created_at />
                                    </dd>
                                    {queued
                                        .map(|queued| {
                                            view! {
                                                <dt>"Queued for"</dt>
                                                <dd class="queued-for">{queued}</dd>
                                            }
                                        })}
                                    {ran
                                        .map(|ran| {
                                            view! {
                                                <dt>"Ran for"</dt>
                                                <dd class="ran-for">{ran}</dd>
                                            }
                                        })} <dt>"Parameters"</dt> <dd>{pairs(job.parameters.iter())}</dd> <dt>"Environment"</dt>
                                    <dd>{pairs(job.container.environment.iter().map(|e| (&e.name, &e.value)))}</dd> <dt>"Tags"</dt>
                                    <dd>{pairs(job.tags.iter())}</dd> <dt>"Depends on"</dt>
                                    <dd>
                                        {if job.depends_on.is_empty() { Some("none") } else { None }}
                                        {job
                                            .depends_on
                                            .iter()
                                            .map(|d| {
                                                let id = d.job_id.clone().unwrap_or_default();
                                                view! {
                                                    <a href=format!("/jobs/{id}")>{id.clone()}</a>
                                                    " "
                                                    {d.kind.clone().unwrap_or_default()}
                                                    " "
                                                }
                                            })
                                            .collect_view()}
                                    </dd>
                                </dl>
                                <DependencyGraph graph />
                                {summary
                                    .map(|counts| {
                                        let failed = counts.get("FAILED").copied().unwrap_or(0);
                                        let finished = matches!(job.status, JobStatus::Succeeded | JobStatus::Failed);
                                        // The map re-reads when the counts move (the page
                                        // follows its children's changes).
                                        view! {
                                            <h2>"Array children"</h2>
                                            <p class="summary">
                                                {counts
                                                    .iter()
                                                    .filter(|(_, n)| **n > 0)
                                                    .map(|(s, n)| format!("{s}: {n}"))
                                                    .collect::<Vec<_>>()
                                                    .join(" · ")}
                                            </p>
                                            <ArrayHeatMap parent_id=job.job_id.clone() counts children />
                                            {(failed > 0 && finished && operator.get())
                                                .then(|| view! { <RetryFailedChildren array_job_id=job.job_id.clone() failed retry /> })}
                                        }
                                    })}
                                <h2>"Timeline"</h2>
                                <ol class="timeline">
                                    {job
                                        .status_history
                                        .iter()
                                        .map(|change| {
                                            view! {
                                                <li>
                                                    <StatusBadge status=change.status />
                                                    " "
                                                    <When ms=change.at />
                                                    " "
                                                    {change.reason.clone().unwrap_or_default()}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ol>
                                <h2>"Attempts"</h2>
                                <AttemptsTable
                                    attempts=job.attempts.clone()
                                    usage=found.usage.clone()
                                    asked_memory_mib=job.container.memory
                                    asked_vcpus=job.container.vcpus
                                />
                                <h2>"Output"</h2>
                                <div class="actions">
                                    <button type="button" on:click=move |_| following.update(|f| *f = !*f)>
                                        {move || if following.get() { "Pause following" } else { "Follow" }}
                                    </button>
                                    <a class="button" href=format!("/jobs/{}/log", job.job_id) download="">
                                        "Download the log"
                                    </a>
                                    {(job.attempts.len() > 1)
                                        .then(|| {
                                            view! {
                                                <span class="attempt-picker" role="group" aria-label="Output of">
                                                    <button
                                                        type="button"
                                                        aria-pressed=move || only_attempt.get().is_none().to_string()
                                                        on:click=move |_| only_attempt.set(None)
                                                    >
                                                        "All attempts"
                                                    </button>
                                                    {job
                                                        .attempts
                                                        .iter()
                                                        .map(|a| {
                                                            let n = a.attempt_number;
                                                            view! {
                                                                <button
                                                                    type="button"
                                                                    aria-pressed=move || (only_attempt.get() == Some(n)).to_string()
                                                                    on:click=move |_| only_attempt.set(Some(n))
                                                                >
                                                                    {format!("Attempt {n}")}
                                                                </button>
                                                            }
                                                        })
                                                        .collect_view()}
                                                </span>
                                            }
                                        })}
                                </div>
                                <LogView job_id=job.job_id.clone() page=found.log following choices />
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

/// Cancel (not started yet) or terminate (started), clone and resubmit, copy the link. The
/// buttons show only for roles that may use them; the server checks again.
#[component]
fn JobActions(job_id: String, status: JobStatus, terminating: bool, stop: ServerAction<StopJobs>, operator: Signal<bool>) -> impl IntoView {
    let stop_action = stop;
    // A job not started yet is cancelled; a started one is terminated; a finished one neither.
    let stop = match Some(status) {
        Some(JobStatus::Submitted | JobStatus::Pending | JobStatus::Runnable) => Some((false, "Reason for cancelling", "Cancel job")),
        // Asked to terminate already: the container is being stopped (SIGTERM, then SIGKILL).
        Some(JobStatus::Starting | JobStatus::Running) if terminating => None,
        Some(JobStatus::Starting | JobStatus::Running) => Some((true, "Reason for terminating", "Terminate job")),
        _ => None,
    };
    let clone_href = format!("/submit?from={job_id}");
    let stopping = terminating && matches!(status, JobStatus::Starting | JobStatus::Running);
    view! {
        {stopping
            .then(|| {
                view! {
                    <p class="terminating" role="status">
                        // service::scheduler::STOP_GRACE_SECONDS
                        "Terminating: the container was asked to stop and is given 10 s before it is killed."
                    </p>
                }
            })}
        <div class="actions">
            {stop
                .filter(|_| operator.get())
                .map(|(terminate, reason_label, button)| {
                    let id = job_id.clone();
                    view! {
                        <ActionForm action=stop_action attr:class="inline-form">
                            <input type="hidden" name="ids" value=id />
                            <input type="hidden" name="terminate" value=terminate.to_string() />
                            <input name="reason" placeholder="reason (optional)" aria-label=reason_label />
                            <button type="submit" class="danger">
                                {button}
                            </button>
                        </ActionForm>
                    }
                })}
            {operator
                .get()
                .then(|| {
                    view! {
                        <a class="button" href=clone_href>
                            "Clone and resubmit"
                        </a>
                    }
                })} <a class="button" href=format!("/jobs/{job_id}")>
                "Link to this job"
            </a>
        </div>
    }
}

/// "Retry of" and "Retried as": the jobs a retry of failed children links (their tags).
#[component]
fn RetryLinks(tags: domain::tags::Tags) -> impl IntoView {
    use domain::retry_children::{RETRIED_AS_TAG, RETRY_OF_TAG};
    [("Retry of", RETRY_OF_TAG, "retry-of"), ("Retried as", RETRIED_AS_TAG, "retried-as")]
        .into_iter()
        .filter_map(|(label, tag, class)| {
            let id = tags.get(tag)?.clone();
            Some(view! {
                <dt>{label}</dt>
                <dd class=class>
                    <a href=format!("/jobs/{id}")>{id.clone()}</a>
                </dd>
            })
        })
        .collect_view()
}

/// "Retry the failed children": submits a new job over exactly the array's failed indexes and
/// opens it. Made by the page, not by the form: submitting tags the array, so the page redraws
/// while the request is out, and an action made inside the redrawn part would be gone (with
/// its navigation) when the answer came.
fn retry_failed_children() -> ServerAction<crate::api::console::RetryFailedChildren> {
    let retry = ServerAction::<crate::api::console::RetryFailedChildren>::new();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(job_id)) = retry.value().get() {
            navigate(&format!("/jobs/{job_id}"), Default::default());
        }
    });
    retry
}

#[component]
fn RetryFailedChildren(array_job_id: String, failed: i64, retry: ServerAction<crate::api::console::RetryFailedChildren>) -> impl IntoView {
    view! {
        <ActionForm action=retry attr:class="inline-form retry-failed">
            <input type="hidden" name="array_job_id" value=array_job_id />
            <button type="submit">{format!("Retry the {failed} failed child{}", if failed == 1 { "" } else { "ren" })}</button>
            <span class="hint">
                "A new job over exactly those indexes, with every override; each child gets its original index as "
                <code>"BATCH_ORIGINAL_ARRAY_INDEX"</code> "."
            </span>
        </ActionForm>
    }
}

fn pairs<'a>(items: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    let text: Vec<String> = items.map(|(k, v)| format!("{k}={v}")).collect();
    if text.is_empty() { "none".into() } else { text.join(", ") }
}

fn retry_text(strategy: &domain::retry::RetryStrategy) -> String {
    let attempts = strategy.attempts.unwrap_or(1);
    let rules: Vec<String> = strategy
        .evaluate_on_exit
        .iter()
        .map(|rule| {
            let on: Vec<String> =
                [("exit code", &rule.on_exit_code), ("reason", &rule.on_reason), ("status reason", &rule.on_status_reason)]
                    .into_iter()
                    .filter_map(|(what, pattern)| pattern.as_ref().map(|p| format!("{what} {p}")))
                    .collect();
            format!("{} on {}", rule.action.to_uppercase(), on.join(" and "))
        })
        .collect();
    if rules.is_empty() { format!("{attempts} attempt(s)") } else { format!("{attempts} attempt(s); {}", rules.join("; ")) }
}

/// A RUNNABLE job's place in its queue's dispatch order, kept current as other jobs move.
#[component]
fn QueuePlace(queue: String, job_id: String) -> impl IntoView {
    let place = Resource::new(move || (queue.clone(), job_id.clone()), |(queue, job_id)| queue_position(queue, job_id));
    crate::live::refetch_on_change(|| "/events".to_string(), move || place.refetch());
    view! {
        <Transition>
            {move || {
                place
                    .get()
                    .and_then(Result::ok)
                    .map(|place| {
                        let text = match place {
                            Some(1) => " · next to be offered room".to_string(),
                            Some(n) => format!(" · number {n} in dispatch order"),
                            None => " · behind the jobs the scheduler reads in a pass".to_string(),
                        };
                        view! { <span class="queue-place">{text}</span> }
                    })
            }}
        </Transition>
    }
}
