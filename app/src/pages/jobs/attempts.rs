//! A job's attempts: how each ended, where it ran, and what it used next to what it asked for
//! (peak memory with a small chart of memory over the attempt's life, CPU time), so users can
//! right-size their definitions.

use crate::pages::time::{duration, when_opt};
use domain::resource_use::{AttemptUsage, UsageSample, bytes};
use domain::views::AttemptDetail;
use leptos::prelude::*;

const CHART_WIDTH: f64 = 120.0;
const CHART_HEIGHT: f64 = 24.0;

#[component]
pub fn AttemptsTable(attempts: Vec<AttemptDetail>, usage: Vec<AttemptUsage>, asked_memory_mib: i64, asked_vcpus: f64) -> impl IntoView {
    let asked_bytes = (asked_memory_mib.max(0) as u64) << 20;
    view! {
        <table class="grid attempts">
            <thead>
                <tr>
                    <th>"#"</th>
                    <th>"Exit code"</th>
                    <th>"Reason"</th>
                    <th>"Host"</th>
                    <th>"Started"</th>
                    <th>"Stopped"</th>
                    <th>"Peak memory"</th>
                    <th>"CPU time"</th>
                </tr>
            </thead>
            <tbody>
                {attempts
                    .into_iter()
                    .map(|a| {
                        let used = usage.iter().find(|u| i64::from(u.attempt_number) == a.attempt_number).cloned();
                        let ran_ms = a.started_at.zip(a.stopped_at).map(|(start, stop)| stop - start);
                        view! {
                            <tr>
                                <td data-label="#">{a.attempt_number}</td>
                                <td data-label="Exit code">{a.container.exit_code.map(|c| c.to_string()).unwrap_or_default()}</td>
                                <td data-label="Reason">{a.container.reason.clone().or(a.status_reason.clone()).unwrap_or_default()}</td>
                                <td data-label="Host">{a.container.container_instance_arn.clone().unwrap_or_default()}</td>
                                <td data-label="Started">{when_opt(a.started_at)}</td>
                                <td data-label="Stopped">{when_opt(a.stopped_at)}</td>
                                <td data-label="Peak memory" class="peak-memory">
                                    {peak_text(used.as_ref(), asked_bytes)}
                                    {used
                                        .as_ref()
                                        .filter(|u| u.samples.len() > 1)
                                        .map(|u| view! { <MemoryChart samples=u.samples.clone() asked_bytes /> })}
                                </td>
                                <td data-label="CPU time" class="cpu-time">
                                    {cpu_text(used.as_ref(), ran_ms, asked_vcpus)}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

fn peak_text(used: Option<&AttemptUsage>, asked_bytes: u64) -> String {
    match used.and_then(|u| u.peak_memory_bytes) {
        Some(peak) if asked_bytes > 0 => {
            format!("{} of {} ({}%)", bytes(peak), bytes(asked_bytes), (peak * 100).div_ceil(asked_bytes))
        }
        Some(peak) => bytes(peak),
        None => "not measured".into(),
    }
}

/// CPU time and, once the attempt ended, the share of the asked vCPUs it kept busy.
fn cpu_text(used: Option<&AttemptUsage>, ran_ms: Option<i64>, asked_vcpus: f64) -> String {
    let Some(cpu) = used.and_then(|u| u.cpu_time_ms) else { return "not measured".into() };
    match ran_ms.filter(|ms| *ms > 0 && asked_vcpus > 0.0) {
        Some(ms) => format!("{} ({:.0}% of {asked_vcpus} vCPU)", duration(cpu as i64), cpu as f64 * 100.0 / (ms as f64 * asked_vcpus)),
        None => duration(cpu as i64),
    }
}

/// Memory over the attempt's life, scaled to what it asked for (the dashed line), or to its
/// peak when it asked for nothing.
#[component]
fn MemoryChart(samples: Vec<UsageSample>, asked_bytes: u64) -> impl IntoView {
    let last = samples.last().map_or(1, |s| s.at_ms.max(1)) as f64;
    let peak = samples.iter().map(|s| s.memory_bytes).max().unwrap_or(0);
    let top = asked_bytes.max(peak).max(1) as f64;
    let y = |b: u64| CHART_HEIGHT - (b as f64 / top) * (CHART_HEIGHT - 2.0);
    let points = samples
        .iter()
        .map(|s| format!("{:.1},{:.1}", s.at_ms as f64 / last * CHART_WIDTH, y(s.memory_bytes)))
        .collect::<Vec<_>>()
        .join(" ");
    let limit = y(asked_bytes);
    let label = format!("Memory over the attempt: peak {} of {}", bytes(peak), bytes(asked_bytes));
    view! {
        <svg
            class="spark"
            viewBox=format!("0 0 {CHART_WIDTH} {CHART_HEIGHT}")
            width=CHART_WIDTH
            height=CHART_HEIGHT
            role="img"
            aria-label=label
        >
            {(asked_bytes > 0).then(|| view! { <line class="limit" x1="0" x2=CHART_WIDTH y1=limit y2=limit /> })}
            <polyline class="use" points=points />
        </svg>
    }
}
