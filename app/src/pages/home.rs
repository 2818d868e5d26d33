use crate::api::{QueueOverview, dashboard_overview};
use domain::JobStatus;
use leptos::prelude::*;

#[component]
pub fn Home() -> impl IntoView {
    let overview = Resource::new(|| (), |_| dashboard_overview());
    let environments = Resource::new(|| (), |_| crate::api::console::list_environments());
    let failures = Resource::new(|| (), |_| crate::api::recent_failures());
    let chart = Resource::new(|| (), |_| crate::api::state_chart());
    crate::live::refetch_on_change(
        || "/events".into(),
        move || {
            overview.refetch();
            environments.refetch();
            failures.refetch();
            chart.refetch();
        },
    );
    view! {
        <h1>"Dashboard"</h1>
        <p class="lede">
            "Define compute environments, job queues and job definitions, submit jobs, " "and watch them run as Docker containers."
        </p>
        <h2>"Job queues"</h2>
        <Transition fallback=|| {
            view! { <p>"Loading queues…"</p> }
        }>
            {move || {
                overview
                    .get()
                    .map(|result| match result {
                        Ok(queues) if queues.is_empty() => {
                            view! { <p class="empty">"No job queues yet. Create a compute environment, then a queue on it."</p> }.into_any()
                        }
                        Ok(queues) => view! { <QueueTable queues /> }.into_any(),
                        Err(error) => view! { <p class="error">"Could not load the queues: " {error.to_string()}</p> }.into_any(),
                    })
            }}
        </Transition>
        <h2>"Compute environments"</h2>
        <Transition fallback=|| {
            view! { <p>"Loading environments…"</p> }
        }>
            {move || {
                environments
                    .get()
                    .and_then(Result::ok)
                    .map(|rows| {
                        view! {
                            <table class="grid usage">
                                <thead>
                                    <tr>
                                        <th>"Environment"</th>
                                        <th>"State"</th>
                                        <th>"Hosts offer"</th>
                                        <th>"vCPUs in use"</th>
                                        <th>"Memory in use"</th>
                                        <th>"Running jobs"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {rows
                                        .into_iter()
                                        .map(|row| {
                                            let max = row.detail.compute_resources.max_vcpus.max(1);
                                            let used = row.used_milli_vcpus as f64 / 1000.0;
                                            let percent = (used / max as f64 * 100.0).min(100.0);
                                            view! {
                                                <tr>
                                                    <td data-label="Environment">{row.detail.compute_environment_name.clone()}</td>
                                                    <td data-label="State">
                                                        <span class=format!(
                                                            "state {}",
                                                            row.detail.state.as_str().to_lowercase(),
                                                        )>{row.detail.state.as_str()}</span>
                                                    </td>
                                                    <td class="hosts-offer" data-label="Hosts offer">
                                                        <crate::pages::admin::HostsOffer
                                                            hosts=row.detail.docker_hosts.clone()
                                                            max_vcpus=row.detail.compute_resources.max_vcpus
                                                        />
                                                    </td>
                                                    <td data-label="vCPUs in use">
                                                        <meter
                                                            min="0"
                                                            max=max.to_string()
                                                            value=used.to_string()
                                                            title=format!("{percent:.0}%")
                                                        ></meter>
                                                        " "
                                                        {format!("{used} / {max}")}
                                                    </td>
                                                    <td class="count" data-label="Memory in use">
                                                        {format!("{} MiB", row.used_memory_mib)}
                                                    </td>
                                                    <td class="count" data-label="Running jobs">
                                                        {row.running_jobs}
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                    })
            }}
        </Transition>
        <h2>"Jobs by state, last hour"</h2>
        <Transition fallback=|| {
            view! { <p>"Loading…"</p> }
        }>{move || chart.get().and_then(Result::ok).map(|data| view! { <StateChart data /> })}</Transition>
        <h2>"Recent failures"</h2>
        <Transition fallback=|| {
            view! { <p>"Loading…"</p> }
        }>
            {move || {
                failures
                    .get()
                    .and_then(Result::ok)
                    .map(|jobs| {
                        if jobs.is_empty() {
                            view! { <p class="empty">"No failed jobs."</p> }.into_any()
                        } else {
                            view! {
                                <table class="grid failures">
                                    <thead>
                                        <tr>
                                            <th>"Job"</th>
                                            <th>"Reason"</th>
                                            <th>"Stopped"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {jobs
                                            .into_iter()
                                            .map(|job| {
                                                view! {
                                                    <tr>
                                                        <td data-label="Job">
                                                            <a href=format!("/jobs/{}", job.job_id)>{job.job_name}</a>
                                                        </td>
                                                        <td data-label="Reason" class="reason">
                                                            {job.status_reason.unwrap_or_default()}
                                                        </td>
                                                        <td data-label="Stopped">{crate::pages::time::when_opt(job.stopped_at)}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn QueueTable(queues: Vec<QueueOverview>) -> impl IntoView {
    let waiting: Vec<(String, Vec<(String, i64)>)> =
        queues.iter().filter(|q| !q.waiting.is_empty()).map(|q| (q.name.clone(), q.waiting.clone())).collect();
    view! {
        <table class="grid queues">
            <thead>
                <tr>
                    <th>"Queue"</th>
                    <th>"State"</th>
                    <th>"Priority"</th>
                    <th>"Compute environments"</th>
                    {JobStatus::ALL.iter().map(|s| view! { <th class="count">{s.as_str()}</th> }).collect_view()}
                </tr>
            </thead>
            <tbody>
                {queues
                    .into_iter()
                    .map(|queue| {
                        let counts = queue.counts.clone();
                        let name = queue.name.clone();
                        view! {
                            <tr>
                                <td data-label="Queue">
                                    <a href=format!("/jobs?queue={}", queue.name)>{queue.name.clone()}</a>
                                </td>
                                <td data-label="State">
                                    <span class=format!("state {}", queue.state.to_lowercase())>{queue.state.clone()}</span>
                                </td>
                                <td data-label="Priority">{queue.priority}</td>
                                <td data-label="Compute environments">{queue.compute_environments.join(", ")}</td>
                                {JobStatus::ALL
                                    .iter()
                                    .map(|s| {
                                        let n = counts.get(s.as_str()).copied().unwrap_or(0);
                                        let href = format!("/jobs?queue={name}&status={}", s.as_str());
                                        view! {
                                            <td class="count" data-label=s.as_str()>
                                                {if n > 0 {
                                                    view! {
                                                        <a href=href title=format!("The {} jobs of {name}", s.as_str())>
                                                            {shown_count(n)}
                                                        </a>
                                                    }
                                                        .into_any()
                                                } else {
                                                    "0".into_any()
                                                }}
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
        {(!waiting.is_empty()).then(|| view! { <WaitingReasons waiting /> })}
    }
}

fn shown_count(n: i64) -> String {
    if n > domain::limits::COUNT_CAP { format!("{}+", domain::limits::COUNT_CAP) } else { n.to_string() }
}

/// Per queue with waiting jobs, the top reasons they wait and how many jobs each; each count
/// opens the queue's RUNNABLE jobs, whose list shows every job's reason.
#[component]
fn WaitingReasons(waiting: Vec<(String, Vec<(String, i64)>)>) -> impl IntoView {
    const SHOWN: usize = 3;
    view! {
        <section class="waiting" aria-labelledby="why-waiting">
            <h3 id="why-waiting">"Why jobs wait"</h3>
            {waiting
                .into_iter()
                .map(|(queue, reasons)| {
                    let href = format!("/jobs?queue={queue}&status=RUNNABLE");
                    let more = reasons.len().saturating_sub(SHOWN);
                    view! {
                        <div class="waiting-queue">
                            <h4>{queue.clone()}</h4>
                            <ul>
                                {reasons
                                    .into_iter()
                                    .take(SHOWN)
                                    .map(|(reason, n)| {
                                        view! {
                                            <li>
                                                <a class="count" href=href.clone()>
                                                    {format!("{} job{}", shown_count(n), if n == 1 { "" } else { "s" })}
                                                </a>
                                                " "
                                                <span class="reason">{reason}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                                {(more > 0)
                                    .then(|| {
                                        view! {
                                            <li class="hint">
                                                <a href=href.clone()>{format!("and {more} other reason(s)")}</a>
                                            </li>
                                        }
                                    })}
                            </ul>
                        </div>
                    }
                })
                .collect_view()}
        </section>
    }
}

/// Per five minutes over the last hour, how many jobs were submitted, started running,
/// succeeded and failed: grouped bars, drawn as SVG on the server (no script needed).
#[component]
fn StateChart(data: crate::api::ChartData) -> impl IntoView {
    const SERIES: [(&str, &str); 4] = [("SUBMITTED", "#8a94a3"), ("RUNNING", "#2156d9"), ("SUCCEEDED", "#17843a"), ("FAILED", "#c4262c")];
    const BUCKET_MS: i64 = 5 * 60_000;
    let (newest, buckets) = (data.newest, data.buckets);
    let starts: Vec<i64> = (0..12).rev().map(|i| newest - i * BUCKET_MS).collect();
    let count = |at: i64, status: &str| buckets.iter().find(|b| b.at == at && b.status == status).map_or(0, |b| b.count);
    let max = starts.iter().flat_map(|at| SERIES.iter().map(move |(s, _)| (at, s))).map(|(at, s)| count(*at, s)).max().unwrap_or(0).max(1);
    let (width, height, group) = (720.0, 160.0, 60.0);
    let bar = group / 5.0;
    view! {
        <figure class="chart">
            <svg
                viewBox=format!("0 0 {width} {}", height + 20.0)
                role="img"
                aria-label="Jobs entering each state per five minutes over the last hour"
            >
                {starts
                    .iter()
                    .enumerate()
                    .map(|(i, at)| {
                        let x0 = i as f64 * group;
                        view! {
                            <g>
                                {SERIES
                                    .iter()
                                    .enumerate()
                                    .map(|(j, (status, colour))| {
                                        let n = count(*at, status);
                                        let h = n as f64 / max as f64 * height;
                                        view! {
                                            <rect x=x0 + 4.0 + j as f64 * bar y=height - h width=bar - 2.0 height=h fill=*colour>
                                                <title>{format!("{status}: {n}")}</title>
                                            </rect>
                                        }
                                    })
                                    .collect_view()} <text x=x0 + 4.0 y=height + 14.0 class="tick">
                                    {crate::pages::time::utc(*at).get(11..16).unwrap_or_default().to_string()}
                                </text>
                            </g>
                        }
                    })
                    .collect_view()}
            </svg>
            <figcaption>
                {SERIES
                    .iter()
                    .map(|(status, colour)| {
                        view! {
                            <span class="legend">
                                <span class="swatch" style=format!("background:{colour}")></span>
                                {*status}
                            </span>
                        }
                    })
                    .collect_view()} {format!(" (tallest bar: {max})")}
            </figcaption>
        </figure>
    }
}
