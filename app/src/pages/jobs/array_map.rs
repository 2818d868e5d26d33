//! An array job's children: a progress bar by state and a heat map of up to 10,000 children,
//! one cell per index coloured by state, each a link whose title gives its index, state and
//! exit code; "failed children only" hides the rest. Live: re-read when the counts move.
//!
//! The cells are written as one HTML string in the browser, not as 10,000 view nodes: the
//! browser parses that in milliseconds, where building (or hydrating) as many nodes one by one
//! from WebAssembly takes far longer, and the server's page stays small.

use crate::api::{ArrayMap, JobWithLog, array_children};
use domain::JobStatus;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Up to this many children, cells are big enough to carry their index.
const NUMBERED_UP_TO: usize = 100;

/// The page's array children and filter, kept across its re-renders: read again (in the
/// browser only; the server's page carries the progress bar, not the cells) when the job's
/// counts move.
#[derive(Clone, Copy)]
pub struct ChildrenOnPage {
    /// The last map read: a redraw of the page never starts from an empty one.
    map: ReadSignal<ArrayMap>,
    failed_only: RwSignal<bool>,
    /// The child whose cell is the grid's stop in the tab order (the one focused last).
    stop: StoredValue<Option<usize>>,
    /// Whether the keyboard focus is in the grid: a redraw replaces every cell, and the focus
    /// goes back to the same child rather than to the top of the page.
    had_focus: StoredValue<bool>,
}

impl ChildrenOnPage {
    pub fn new(id: impl Fn() -> String + Send + Sync + 'static, view_of: Resource<Result<Option<JobWithLog>, ServerFnError>>) -> Self {
        let counts =
            Memo::new(move |_| view_of.get().and_then(Result::ok).flatten().and_then(|found| found.job.array_properties?.status_summary));
        let map = LocalResource::new(move || {
            let (id, counts) = (id(), counts.get());
            async move { if counts.is_some() { array_children(id).await } else { Ok(ArrayMap::default()) } }
        });
        let (last, set_last) = signal(ArrayMap::default());
        Effect::new(move |_| {
            if let Some(Ok(read)) = map.get() {
                set_last.set(read);
            }
        });
        ChildrenOnPage { map: last, failed_only: RwSignal::new(false), stop: StoredValue::new(None), had_focus: StoredValue::new(false) }
    }
}

#[component]
pub fn ArrayHeatMap(parent_id: String, counts: BTreeMap<String, i64>, children: ChildrenOnPage) -> impl IntoView {
    let total: i64 = counts.values().sum();
    let failed = counts.get(JobStatus::Failed.as_str()).copied().unwrap_or(0);
    let finished = failed + counts.get(JobStatus::Succeeded.as_str()).copied().unwrap_or(0);
    let ChildrenOnPage { map, failed_only, stop, had_focus } = children;
    // Read only in the browser (the focus handlers and `focus_again`).
    #[cfg(not(feature = "hydrate"))]
    let _ = had_focus;
    let cells = move || map.with(|map| cells_html(&parent_id, map, failed_only.get(), stop.get_value()));
    let grid = NodeRef::<leptos::html::Div>::new();
    // After every drawing of the cells (this view is new with each redraw of the page).
    Effect::new(move |_| {
        map.track();
        failed_only.track();
        #[cfg(feature = "hydrate")]
        if let Some(grid) = grid.get() {
            focus_again(&grid, stop, had_focus);
        }
    });
    let grid_class = if total as usize > NUMBERED_UP_TO { "children-grid heat" } else { "children-grid" };
    let percent = |n: i64| if total == 0 { 0.0 } else { n as f64 * 100.0 / total as f64 };
    view! {
        <div class="progress" role="img" aria-label=format!("{finished} of {total} children finished, {failed} failed")>
            {JobStatus::ALL
                .iter()
                .filter_map(|s| counts.get(s.as_str()).filter(|n| **n > 0).map(|n| (*s, *n)))
                .map(|(status, n)| {
                    view! {
                        <span
                            class=format!("segment status {}", status.as_str().to_lowercase())
                            style=format!("width:{:.3}%", percent(n))
                            title=format!("{}: {n}", status.as_str())
                        ></span>
                    }
                })
                .collect_view()}
        </div>
        <p class="progress-text">
            {format!("{finished} of {total} finished ({:.0}%)", percent(finished))} {(failed > 0).then(|| format!(" · {failed} failed"))}
        </p>
        {(failed > 0)
            .then(|| {
                view! {
                    <label class="failed-only">
                        <input type="checkbox" prop:checked=failed_only on:change=move |ev| failed_only.set(event_target_checked(&ev)) />
                        " Failed children only"
                    </label>
                }
            })}
        // One stop in the tab order for all the cells; the arrow keys move between them.
        <div
            class=grid_class
            inner_html=cells
            node_ref=grid
            aria-label="Children: arrow keys move between them, Enter opens one"
            on:keydown=move |event| {
                #[cfg(feature = "hydrate")] roving_focus(&event);
                #[cfg(not(feature = "hydrate"))]
                let _ = event;
            }
            on:focusin=move |event| {
                #[cfg(feature = "hydrate")] focused(&event, stop, had_focus);
                #[cfg(not(feature = "hydrate"))]
                let _ = event;
            }
            on:focusout=move |event| {
                #[cfg(feature = "hydrate")] unfocused(&event, had_focus);
                #[cfg(not(feature = "hydrate"))]
                let _ = event;
            }
        ></div>
    }
}

/// Arrow keys (and Home/End) move the focus from cell to cell, as a grid: up and down go to the
/// cell in the same column. The focused cell is the grid's one stop in the tab order.
#[cfg(feature = "hydrate")]
fn roving_focus(event: &leptos::ev::KeyboardEvent) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{Element, HtmlElement};
    let Some(cell) = event.target().and_then(|t| t.dyn_into::<HtmlElement>().ok()) else { return };
    let grid = cell.parent_element();
    let same_column = |next: fn(&Element) -> Option<Element>| {
        let mut at: Option<Element> = next(&cell);
        // A row holds at most a few hundred cells: look no further than that.
        for _ in 0..1000 {
            let candidate = at?.dyn_into::<HtmlElement>().ok()?;
            if candidate.offset_left() == cell.offset_left() && candidate.offset_top() != cell.offset_top() {
                return Some(candidate.into());
            }
            at = next(&candidate);
        }
        None
    };
    let target = match event.key().as_str() {
        "ArrowRight" => cell.next_element_sibling(),
        "ArrowLeft" => cell.previous_element_sibling(),
        "ArrowDown" => same_column(Element::next_element_sibling),
        "ArrowUp" => same_column(Element::previous_element_sibling),
        "Home" => grid.and_then(|g| g.first_element_child()),
        "End" => grid.and_then(|g| g.last_element_child()),
        _ => return,
    };
    if let Some(target) = target.and_then(|t| t.dyn_into::<HtmlElement>().ok()) {
        event.prevent_default();
        let _ = cell.set_attribute("tabindex", "-1");
        let _ = target.set_attribute("tabindex", "0");
        let _ = target.focus();
    }
}

/// The child a cell stands for (its link ends in `:index`).
#[cfg(feature = "hydrate")]
fn index_of(cell: &leptos::web_sys::Element) -> Option<usize> {
    cell.get_attribute("href")?.rsplit(':').next()?.parse().ok()
}

/// A cell took the focus (by the keyboard or a click): it is the grid's stop from now on.
#[cfg(feature = "hydrate")]
fn focused(event: &leptos::ev::FocusEvent, stop: StoredValue<Option<usize>>, had_focus: StoredValue<bool>) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(index) = event.target().and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok()).and_then(|c| index_of(&c)) {
        stop.set_value(Some(index));
        had_focus.set_value(true);
    }
}

/// A cell lost the focus. Still in the page a frame later with the focus outside the grid: the
/// reader moved on. Gone: the page redrew the grid, and the focus is to come back to it.
#[cfg(feature = "hydrate")]
fn unfocused(event: &leptos::ev::FocusEvent, had_focus: StoredValue<bool>) {
    use leptos::wasm_bindgen::JsCast;
    let Some(cell) = event.target().and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok()) else { return };
    request_animation_frame(move || {
        let in_grid = document().active_element().and_then(|active| active.closest(".children-grid").ok().flatten()).is_some();
        if cell.is_connected() && !in_grid {
            had_focus.try_update_value(|had| *had = false);
        }
    });
}

/// Puts the focus back on the grid's stop after a redraw took it away with the old cells (and
/// left it nowhere: focus the reader put elsewhere stays there).
#[cfg(feature = "hydrate")]
fn focus_again(grid: &leptos::web_sys::HtmlDivElement, stop: StoredValue<Option<usize>>, had_focus: StoredValue<bool>) {
    use leptos::wasm_bindgen::JsCast;
    let Some(index) = stop.get_value().filter(|_| had_focus.get_value()) else { return };
    let active = document().active_element();
    let body: Option<leptos::web_sys::Element> = document().body().map(Into::into);
    if active.is_some() && active != body {
        return;
    }
    let cell = grid.query_selector(&format!(r#"a.cell[href$=":{index}"]"#)).ok().flatten();
    if let Some(cell) = cell.and_then(|c| c.dyn_into::<leptos::web_sys::HtmlElement>().ok()) {
        let options = leptos::web_sys::FocusOptions::new();
        options.set_prevent_scroll(true);
        let _ = cell.focus_with_options(&options);
    }
}

/// The cells as HTML: `<a>` per child, linking to it, titled with its index, state and exit
/// code. The cell of `stop` (or the first, when it is not shown) is the grid's tab stop.
fn cells_html(parent_id: &str, map: &ArrayMap, failed_only: bool, stop: Option<usize>) -> String {
    let parent = html_escape::encode_double_quoted_attribute(parent_id);
    let numbered = map.states.len() <= NUMBERED_UP_TO;
    let mut html = String::with_capacity(map.states.len() * 90);
    for index in 0..map.states.len() {
        let status = map.status(index);
        if failed_only && status != JobStatus::Failed {
            continue;
        }
        let code = match (map.exit_codes.get(&(index as i64)), status) {
            (Some(code), _) => format!(" · exit code {code}"),
            (None, JobStatus::Succeeded) => " · exit code 0".to_string(),
            (None, _) => String::new(),
        };
        let label = if numbered { index.to_string() } else { String::new() };
        let tabindex = if Some(index) == stop { 0 } else { -1 };
        let state = status.as_str();
        let class = state.to_lowercase();
        html.push_str(&format!(
            r#"<a class="cell status {class}" href="/jobs/{parent}:{index}" title="index {index} · {state}{code}" tabindex="{tabindex}">{label}</a>"#
        ));
    }
    if !html.contains(r#"tabindex="0""#) {
        html = html.replacen(r#"tabindex="-1""#, r#"tabindex="0""#, 1);
    }
    html
}
