//! The job page's dependency graph: upstream jobs on the left, the job, the jobs waiting on it
//! on the right (`domain::dependency_graph` decides what is in it and where each job goes).
//! Jobs are links laid over an SVG of the edges, so each is a real, focusable link.

use crate::api::dependency_graph;
use domain::dependency_graph::{GraphNode, JobGraph, Place, layout};
use leptos::prelude::*;
use std::collections::HashMap;

const NODE_WIDTH: usize = 190;
const NODE_HEIGHT: usize = 48;
const COLUMN_GAP: usize = 70;
const ROW_GAP: usize = 14;

fn left(place: Place) -> usize {
    place.column * (NODE_WIDTH + COLUMN_GAP)
}

fn top(place: Place) -> usize {
    place.row * (NODE_HEIGHT + ROW_GAP)
}

/// The graph around the page's job, read again when one of its jobs changes state or a job
/// starts waiting on one (`/events?graph=`: changes elsewhere do not re-read it). The page body
/// is drawn again on every change of its job, so the graph is kept as its last value read: a
/// new drawing never starts empty while a read is under way. Read in the browser only.
pub fn graph_signal(id: impl Fn() -> String + Send + Sync + 'static) -> ReadSignal<Option<JobGraph>> {
    let id = Memo::new(move |_| id());
    let graph = LocalResource::new(move || dependency_graph(id.get()));
    crate::live::refetch_on_change(move || format!("/events?graph={}", id.get()), move || graph.refetch());
    let (last, set_last) = signal(None);
    Effect::new(move |_| {
        if let Some(Ok(read)) = graph.get() {
            set_last.set(Some(read));
        }
    });
    last
}

#[component]
pub fn DependencyGraph(graph: ReadSignal<Option<JobGraph>>) -> impl IntoView {
    move || graph.get().filter(|g| !g.is_alone()).map(|g| view! { <Drawing graph=g /> })
}

#[component]
fn Drawing(graph: JobGraph) -> impl IntoView {
    let places = layout(&graph);
    let columns = places.values().map(|p| p.column + 1).max().unwrap_or(1);
    let rows = places.values().map(|p| p.row + 1).max().unwrap_or(1);
    let width = columns * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP;
    let height = rows * (NODE_HEIGHT + ROW_GAP) - ROW_GAP;
    let edges = edge_paths(&graph, &places);
    let left_out = graph.left_out;
    view! {
        <h2 id="dependencies">"Dependencies"</h2>
        <div class="dag-scroll">
            <div class="dag" style=format!("width:{width}px;height:{height}px")>
                <svg width=width height=height aria-hidden="true">
                    <defs>
                        <marker id="dag-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" orient="auto">
                            <path d="M0,0 L8,4 L0,8 z" class="dag-arrowhead" />
                        </marker>
                    </defs>
                    {edges
                        .into_iter()
                        .map(|(d, label, mid)| {
                            view! {
                                <path class="dag-edge" d=d marker-end="url(#dag-arrow)" />
                                {label
                                    .map(|text| {
                                        view! {
                                            <text class="dag-label" x=mid.0 y=mid.1 text-anchor="middle">
                                                {text}
                                            </text>
                                        }
                                    })}
                            }
                        })
                        .collect_view()}
                </svg>
                {graph
                    .nodes
                    .into_iter()
                    .filter_map(|node| places.get(&node.job_id).map(|place| (node, *place)))
                    .map(|(node, place)| view! { <Node node place focus=graph.focus.clone() /> })
                    .collect_view()}
            </div>
        </div>
        {(left_out > 0).then(|| view! { <p class="empty">{format!("{left_out} more jobs not drawn")}</p> })}
    }
}

#[component]
fn Node(node: GraphNode, place: Place, focus: String) -> impl IntoView {
    let status = node.status.as_str();
    let is_focus = node.job_id == focus;
    let mut detail = vec![status.to_string()];
    if let Some(size) = node.array_size {
        detail.push(format!("array of {size}"));
    }
    if node.sequential {
        detail.push("in sequence".into());
    }
    let detail = detail.join(" · ");
    let class = format!("dag-node status {}{}", status.to_lowercase(), if is_focus { " focus" } else { "" });
    let style = format!("left:{}px;top:{}px;width:{NODE_WIDTH}px;height:{NODE_HEIGHT}px", left(place), top(place));
    let label = format!("{}, {detail}{}", node.job_name, if is_focus { " (this job)" } else { "" });
    view! {
        <a class=class style=style href=format!("/jobs/{}", node.job_id) aria-label=label title=node.job_id.clone()>
            <span class="dag-name">{node.job_name.clone()}</span>
            <span class="dag-detail">{detail}</span>
        </a>
    }
}

/// Each edge as a curve from the right side of the job waited on to the left side of the job
/// waiting, with its kind (N_TO_N, SEQUENTIAL) and where to write it.
fn edge_paths(graph: &JobGraph, places: &HashMap<String, Place>) -> Vec<(String, Option<String>, (usize, usize))> {
    graph
        .edges
        .iter()
        .filter_map(|edge| {
            let (from, to) = (places.get(&edge.from)?, places.get(&edge.to)?);
            let (x1, y1) = (left(*from) + NODE_WIDTH, top(*from) + NODE_HEIGHT / 2);
            let (x2, y2) = (left(*to), top(*to) + NODE_HEIGHT / 2);
            let bend = (x2.saturating_sub(x1)) / 2;
            let d = format!("M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}", x1 + bend, x2 - bend);
            Some((d, edge.kind.clone(), ((x1 + x2) / 2, (y1 + y2) / 2 - 4)))
        })
        .collect()
}
