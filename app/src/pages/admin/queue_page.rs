//! One queue's page: for a fair-share queue, each share's use against its target, now and over
//! the usage window as a chart; for every queue, the front: the next jobs in the order the
//! scheduler offers them room (what GetJobQueueSnapshot returns). Live: re-read on changes.

use crate::api::fair_share::queue_shares;
use crate::pages::time::utc;
use domain::share_report::{QueueSharesView, ShareLine, UsageSeries};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Colours of shares in the table and the chart, in name order (repeating past eight).
const PALETTE: [&str; 8] = ["#2156d9", "#d9822b", "#17843a", "#8e44ad", "#c4262c", "#0f8b8d", "#7a6a00", "#5c6770"];

fn colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

fn percent(part: f64) -> String {
    format!("{:.0}%", part * 100.0)
}

#[component]
pub fn QueuePage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.with(|p| p.get("name").unwrap_or_default());
    let view_of = Resource::new(name, queue_shares);
    crate::live::refetch_on_change(|| "/events".to_string(), move || view_of.refetch());
    view! {
        <Transition fallback=|| {
            view! { <p>"Loading the queue…"</p> }
        }>
            {move || {
                view_of
                    .get()
                    .map(|result| match result {
                        Err(error) => view! { <p class="error">{crate::pages::clean(&error)}</p> }.into_any(),
                        Ok(queue) => view! { <QueueView queue /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn QueueView(queue: QueueSharesView) -> impl IntoView {
    let ordering = match &queue.policy_name {
        Some(policy) => view! {
            "Fair share by policy "
            <a href=format!("/policies?edit={policy}")>{policy.clone()}</a>
            {format!(", use counted over {} s.", queue.window_seconds)}
        }
        .into_any(),
        None => view! { "First in, first out (no scheduling policy)." }.into_any(),
    };
    let fair = queue.policy_name.is_some();
    view! {
        <h1>"Job queue " {queue.queue.clone()}</h1>
        <p class="queue-summary">
            {ordering} " " {format!("{} of {} vCPUs in use.", queue.used_vcpus, queue.capacity_vcpus)} " "
            <a href=format!("/jobs?queue={}", queue.queue)>"All its jobs"</a>
        </p>
        {fair
            .then(|| {
                view! {
                    <h2>"Shares"</h2>
                    <ShareTable queue=queue.queue.clone() shares=queue.shares.clone() />
                    {queue
                        .series
                        .clone()
                        .map(|series| {
                            view! { <ShareChart series window_targets=queue.window_targets.clone() shares=queue.shares.clone() /> }
                        })}
                }
            })}
        <h2>"Front of the queue"</h2>
        <FrontTable queue=queue.clone() />
    }
}

#[component]
fn ShareTable(queue: String, shares: Vec<ShareLine>) -> impl IntoView {
    if shares.is_empty() {
        return view! { <p class="empty">"No share has run or waits yet."</p> }.into_any();
    }
    let held: f64 = shares.iter().map(|s| s.holding_vcpus).sum();
    view! {
        <table class="grid shares">
            <thead>
                <tr>
                    <th>"Share"</th>
                    <th>"Weight"</th>
                    <th>"Target"</th>
                    <th>"Holding now"</th>
                    <th>"Recent use"</th>
                    <th>"Waiting jobs"</th>
                </tr>
            </thead>
            <tbody>
                {shares
                    .into_iter()
                    .enumerate()
                    .map(|(index, line)| {
                        let part = if held > 0.0 { line.holding_vcpus / held } else { 0.0 };
                        let target = line.target.map(percent).unwrap_or_else(|| "idle".into());
                        view! {
                            <tr data-share=line.share.clone()>
                                <td data-label="Share">
                                    <span class="swatch" style=format!("background:{}", colour(index))></span>
                                    {line.share.clone()}
                                </td>
                                <td data-label="Weight" class="count">
                                    {line.weight_factor}
                                </td>
                                <td data-label="Target" class="count target">
                                    {target}
                                </td>
                                <td data-label="Holding now" class="count holding">
                                    {format!("{} vCPUs ({})", line.holding_vcpus, percent(part))}
                                </td>
                                <td
                                    data-label="Recent use"
                                    class="count"
                                    title="vCPUs held on average over the usage window, as the scheduler counts it"
                                >
                                    {format!("{:.2} vCPUs", line.recent_vcpus)}
                                </td>
                                <td data-label="Waiting jobs" class="count">
                                    <a href=format!("/jobs?queue={queue}&status=RUNNABLE")>{line.runnable}</a>
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

/// Each share's part of what the queue's jobs held, per slice of the usage window, with its
/// target as a dashed line: converging shares meet their lines.
#[component]
fn ShareChart(series: UsageSeries, window_targets: Vec<(String, f64)>, shares: Vec<ShareLine>) -> impl IntoView {
    let (width, height) = (720.0, 160.0);
    let parts = series.parts();
    let buckets = parts.first().map_or(0, |(_, values)| values.len()).max(1);
    let step = width / buckets as f64;
    let y = move |part: f64| height - part * height;
    let colour_of = |share: &str| colour(shares.iter().position(|line| line.share == share).unwrap_or(shares.len()));
    let end = series.start_ms + series.bucket_ms * buckets as i64;
    view! {
        <figure class="chart share-chart">
            <svg
                viewBox=format!("0 0 {width} {}", height + 20.0)
                role="img"
                aria-label="Each share's part of the queue's use over the usage window, against its target"
            >
                <line x1="0" y1=y(1.0) x2=width y2=y(1.0) class="grid-line" />
                <line x1="0" y1=y(0.5) x2=width y2=y(0.5) class="grid-line" />
                {window_targets
                    .into_iter()
                    .map(|(share, target)| {
                        view! {
                            <line
                                x1="0"
                                y1=y(target)
                                x2=width
                                y2=y(target)
                                stroke=colour_of(&share)
                                stroke-dasharray="6 4"
                                class="target-line"
                            >
                                <title>{format!("{share}: target {}", percent(target))}</title>
                            </line>
                        }
                    })
                    .collect_view()}
                {parts
                    .iter()
                    .map(|(share, values)| {
                        let mut path = String::new();
                        let mut drawing = false;
                        for (i, part) in values.iter().enumerate() {
                            match part {
                                Some(part) => {
                                    let command = if drawing { 'L' } else { 'M' };
                                    path.push_str(&format!("{command}{:.1},{:.1} ", (i as f64 + 0.5) * step, y(*part)));
                                    drawing = true;
                                }
                                None => drawing = false,
                            }
                        }
                        // A gap where nothing ran: each run of buckets is its own segment.
                        view! {
                            <path d=path fill="none" stroke=colour_of(share) stroke-width="2" data-share=share.clone()>
                                <title>{share.clone()}</title>
                            </path>
                        }
                    })
                    .collect_view()}
                <text x="0" y=height + 14.0 class="tick">
                    {utc(series.start_ms).get(11..19).unwrap_or_default().to_string()}
                </text>
                <text x=width - 50.0 y=height + 14.0 class="tick">
                    {utc(end).get(11..19).unwrap_or_default().to_string()}
                </text>
            </svg>
            <figcaption>
                {shares
                    .iter()
                    .enumerate()
                    .map(|(index, line)| {
                        view! {
                            <span class="legend">
                                <span class="swatch" style=format!("background:{}", colour(index))></span>
                                {line.share.clone()}
                            </span>
                        }
                    })
                    .collect_view()}
                {format!(" Part of the queue's use per {} s (solid) against each share's target (dashed).", series.bucket_ms / 1000)}
            </figcaption>
        </figure>
    }
}

/// An array child goes by its parent's name and its index (`name[3]`).
fn child_name(name: &str, job_id: &str) -> String {
    match job_id.rsplit_once(':') {
        Some((_, index)) => format!("{name}[{index}]"),
        None => name.to_string(),
    }
}

#[component]
fn FrontTable(queue: QueueSharesView) -> impl IntoView {
    if queue.front.is_empty() {
        return view! { <p class="empty">"No job is waiting to run."</p> }.into_any();
    }
    let shown = queue.front.len();
    view! {
        <table class="grid front">
            <thead>
                <tr>
                    <th>"#"</th>
                    <th>"Job"</th>
                    <th>"Share"</th>
                    <th>"Priority"</th>
                    <th>"Runnable since"</th>
                </tr>
            </thead>
            <tbody>
                {queue
                    .front
                    .into_iter()
                    .enumerate()
                    .map(|(index, job)| {
                        view! {
                            <tr>
                                <td data-label="#" class="count">
                                    {index + 1}
                                </td>
                                <td data-label="Job">
                                    <a href=format!("/jobs/{}", job.job_id)>{child_name(&job.name, &job.job_id)}</a>
                                </td>
                                <td data-label="Share">{job.share.clone().unwrap_or_default()}</td>
                                <td data-label="Priority" class="count">
                                    {job.priority}
                                </td>
                                <td data-label="Runnable since">{utc(job.runnable_since)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {(shown == queue.front_limit).then(|| view! { <p class="hint">{format!("The first {shown} are shown.")}</p> })}
    }
    .into_any()
}
