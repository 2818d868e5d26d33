//! A job's output: the newest lines, following while the job runs, earlier ones a page at a
//! time (by button, or by scrolling to the top); find with highlights in what is shown and
//! across the whole log; wrap and timestamp toggles.
//!
//! Virtualised: every line read stays in memory, but only the rows in view (and a few either
//! side) are in the page, so a reader who loads a hundred thousand lines scrolls as smoothly as
//! one who loaded a thousand; where each line sits is worked out, wrapped or not, by `log_rows`
//! (ARCHITECTURE.md §15).

use super::log_rows::{ROW_PX, Rows, cells, rows_in_view};
use crate::api::{LOG_PAGE, LogLineView, LogPage, LogSearch, SEARCH_MATCHES, earlier_log, search_log};
use leptos::prelude::*;

/// `service::jobs::EARLIER_CAP`: beyond it the count says "more than".
const EARLIER_SHOWN_EXACTLY: i64 = 100_000;
/// Within this many rows of the top, scrolling loads the page before.
const LOAD_WITHIN_ROWS: f64 = 40.0;
/// The view's height before the browser has measured it (70vh of a small screen).
const VIEW_PX_GUESS: f64 = 540.0;
/// The columns a wrapped line breaks at before the browser has measured them.
const COLUMNS_GUESS: usize = 100;
/// The cells a timestamp takes before a line: `HH:MM:SS.mmm `.
const STAMP_CELLS: usize = 13;

/// Whether a line is one of the attempt chosen (every line is when none is).
fn of_attempt(only: Option<i64>, line: &LogLineView) -> bool {
    only.is_none_or(|n| n == i64::from(line.attempt))
}

/// The cells drawn before a line's text: its attempt, `[2] `, and its time when shown.
fn prefix_cells(line: &LogLineView, stamps: bool) -> usize {
    line.attempt.to_string().len() + 3 + if stamps { STAMP_CELLS } else { 0 }
}

/// What the reader chose for the output. The job page keeps them, not the view: while it follows
/// a running job the page draws a new view with each change, and a term typed or a toggle set
/// must outlive that.
#[derive(Clone, Copy)]
pub struct LogChoices {
    /// The attempt whose lines are shown (all of them when none is).
    pub only_attempt: RwSignal<Option<i64>>,
    pub term: RwSignal<String>,
    pub wrap: RwSignal<bool>,
    pub stamps: RwSignal<bool>,
    /// The columns a wrapped line breaks at, measured in the page (`measure_columns`): kept, so
    /// a redrawn view starts from what was measured rather than a guess.
    pub columns: RwSignal<usize>,
    /// What the reader has in hand and where they are in it.
    held: LogHeld,
    /// The last search of the whole log, by (job, term): its answer must outlive the redraws
    /// too, or a search of a running job's output vanishes with its next line.
    search: Action<(String, String), Result<LogSearch, ServerFnError>>,
    /// The (job, term) of that search.
    searched: RwSignal<Option<(String, String)>>,
}

/// The lines read and the place in them, kept by the job page too: a redraw the page asked for
/// while following can land after the reader scrolled away (and so paused it), and must leave
/// them on the lines they were reading rather than throw them to the newest page.
#[derive(Clone, Copy)]
struct LogHeld {
    /// The job whose lines these are.
    job: RwSignal<String>,
    /// Every line read, oldest first: the newest page, with the earlier pages put before it.
    lines: RwSignal<Vec<LogLineView>>,
    /// How many lines come before the first in hand.
    earlier: RwSignal<i64>,
    /// Where the view is scrolled to; `AT_END` until the reader scrolls (also what the server
    /// draws).
    scroll_px: RwSignal<f64>,
}

/// A view at the end of the output, wherever that is once drawn.
const AT_END: f64 = f64::MAX;

impl LogChoices {
    pub fn new() -> LogChoices {
        LogChoices {
            only_attempt: RwSignal::new(None),
            term: RwSignal::new(String::new()),
            wrap: RwSignal::new(false),
            stamps: RwSignal::new(false),
            columns: RwSignal::new(COLUMNS_GUESS),
            held: LogHeld {
                job: RwSignal::new(String::new()),
                lines: RwSignal::new(Vec::new()),
                earlier: RwSignal::new(0),
                scroll_px: RwSignal::new(AT_END),
            },
            search: Action::new(|(job_id, term): &(String, String)| search_log(job_id.clone(), term.clone())),
            searched: RwSignal::new(None),
        }
    }
}

/// The output, with the earlier lines a page at a time above it. Scrolling away from the end
/// (or loading earlier lines) pauses following, so the view stays on the line the reader was
/// at; scrolling back to the end resumes it.
#[component]
pub fn LogView(job_id: String, page: LogPage, following: RwSignal<bool>, choices: LogChoices) -> impl IntoView {
    let LogChoices { only_attempt, term, wrap, stamps, columns, held, search, searched } = choices;
    let LogHeld { job, lines, earlier, scroll_px } = held;
    // Following, or another job: the page's newest lines, at the end. Paused: what the reader has.
    if following.get_untracked() || job.with_untracked(|held| *held != job_id) {
        job.set(job_id.clone());
        lines.set(page.lines);
        earlier.set(page.earlier);
        scroll_px.set(AT_END);
    }
    let load = {
        let job_id = job_id.clone();
        Action::new(move |before: &i64| earlier_log(job_id.clone(), *before))
    };
    // The lines of the attempt chosen (all of them when none is), as places in `lines`.
    let shown = Memo::new(move |_| {
        let only = only_attempt.get();
        lines.with(|all| all.iter().enumerate().filter(|(_, l)| of_attempt(only, l)).map(|(at, _)| at).collect::<Vec<_>>())
    });
    let log = NodeRef::<leptos::html::Pre>::new();
    // Where the view last scrolled itself to, while that scroll is on its way to `on_scroll`.
    let by_view = StoredValue::new(None::<i32>);
    let view_px = RwSignal::new(VIEW_PX_GUESS);
    let probe = NodeRef::<leptos::html::Span>::new();
    let rows = Memo::new(move |_| {
        if !wrap.get() {
            return Rows::One(shown.with(Vec::len));
        }
        let (stamps, columns) = (stamps.get(), columns.get());
        shown.with(|at| lines.with(|all| Rows::wrapped(at.iter().map(|&i| cells(prefix_cells(&all[i], stamps), &all[i].line)), columns)))
    });
    // Run a frame later: by then the page may have replaced this view (it draws a new one with
    // each change while following) and its signals are gone, hence the `try_`s here and in
    // every frame callback below.
    let measure = move || {
        if let Some(measured) = measure_columns(probe)
            && columns.try_get_untracked().is_some_and(|now| now != measured)
        {
            columns.try_set(measured);
        }
    };
    // The columns change with the window and when a scroll bar comes or goes (after a redraw).
    Effect::new(move |_| {
        rows.track();
        request_animation_frame(measure);
    });
    let resized = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resized.remove());
    let load_earlier = move || {
        let before = lines.with_untracked(|all| all.first().map(|l| l.id));
        if let Some(before) = before
            && !load.pending().get_untracked()
        {
            following.set(false);
            load.dispatch(before);
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(more)) = load.value().get() {
            let only = only_attempt.get_untracked();
            let added = more.lines.iter().filter(|l| of_attempt(only, l)).count();
            lines.update(|shown| {
                let mut all = more.lines;
                all.append(shown);
                *shown = all;
            });
            earlier.set(more.earlier);
            // The rows put above push the view down by as much: keep the line read in place
            // once the page has drawn them.
            request_animation_frame(move || {
                if let Some(log) = log.try_get_untracked().flatten()
                    && let Some(pushed) = rows.try_with_untracked(|rows| rows.start_of(added.min(rows.lines())))
                {
                    scroll_view(&log, log.scroll_top() + (pushed as f64 * ROW_PX) as i32, by_view);
                }
            });
        }
    });
    let near_top = move |log: &leptos::web_sys::HtmlElement| {
        f64::from(log.scroll_top()) < LOAD_WITHIN_ROWS * ROW_PX && log.scroll_height() > log.client_height()
    };
    // Opens at the tail: the newest line in view (kept there while following, as the page
    // redraws with each change); or, when a redraw lands while following is paused, where the
    // reader was, loading the page before when that is near the top (a load the replaced view
    // started is lost with it, and the reader would otherwise have to scroll away and back).
    Effect::new(move |_| {
        if let Some(log) = log.get() {
            view_px.set(f64::from(log.client_height()));
            let place = scroll_px.get_untracked();
            if place == AT_END {
                scroll_view(&log, log.scroll_height(), by_view);
            } else {
                scroll_view(&log, place as i32, by_view);
                if near_top(&log) && earlier.get_untracked() > 0 {
                    load_earlier();
                }
            }
        }
    });
    let on_scroll = move |_| {
        let Some(log) = log.get_untracked() else { return };
        let (from, top) = (scroll_px.get_untracked(), f64::from(log.scroll_top()));
        scroll_px.set(top);
        view_px.set(f64::from(log.client_height()));
        // Up from the end the reader is reading, and a redraw must not take them back to it;
        // down to the end again, they follow. Scrolls the view made (`scroll_view`) and the
        // browser's own (pulling the view up when the output got shorter) do neither.
        // The browser sends one event for the scrolls of a frame: it is the view's only when it
        // ended where the view put it (a reader's scroll in the same frame moved it on).
        let view_made = by_view.try_update_value(Option::take).flatten().is_some_and(|to| (f64::from(to) - top).abs() <= 1.0);
        if !view_made {
            let at_end = at_end(&log);
            if top < from && !at_end && following.get_untracked() {
                following.set(false);
            } else if top > from && at_end && !following.get_untracked() {
                following.set(true);
            }
        }
        if near_top(&log) && earlier.get_untracked() > 0 {
            load_earlier();
        }
    };
    let window = Memo::new(move |_| rows.with(|rows| rows_in_view(rows, scroll_px.get(), view_px.get())));
    // Wrapping or stamping moves every line: keep the one at the top of the view there (or the
    // end in view, when it was).
    let relayout = move |toggle: RwSignal<bool>| {
        let Some(at) = log.get_untracked() else { return toggle.update(|on| *on = !*on) };
        let at_end = at_end(&at);
        let top_line = rows.with_untracked(|rows| top_line(rows, f64::from(at.scroll_top())));
        toggle.update(|on| *on = !*on);
        request_animation_frame(move || {
            let Some(log) = log.try_get_untracked().flatten() else { return };
            let to = match at_end {
                true => Some(log.scroll_height()),
                false => rows.try_with_untracked(|rows| (rows.start_of(top_line) as f64 * ROW_PX) as i32),
            };
            if let Some(to) = to {
                scroll_view(&log, to, by_view);
            }
        });
    };
    let shown_matches = Memo::new(move |_| {
        let needle = term.get().to_lowercase();
        if needle.is_empty() {
            return 0;
        }
        let only = only_attempt.get();
        lines.with(|all| all.iter().filter(|l| of_attempt(only, l) && l.line.to_lowercase().contains(&needle)).count())
    });
    let drawn = move || {
        let (first, end) = window.get();
        shown.with(|at| lines.with(|all| at[first..end].iter().map(|&i| all[i].clone()).collect::<Vec<_>>()))
    };
    let line = move |l: LogLineView| {
        let text = l.line.clone();
        view! {
            <span class=format!(
                "line {}",
                l.stream,
            )>
                {move || stamps.get().then(|| view! { <span class="stamp">{format!("{} ", crate::pages::time::clock(l.at))}</span> })}
                {format!("[{}] ", l.attempt)} {move || highlighted(&text, &term.get())} "\n"
            </span>
        }
    };
    let space = move |rows: usize| format!("{}px", rows as f64 * ROW_PX);
    view! {
        <div class="log-tools" role="group" aria-label="Output tools">
            <label class="find">
                "Find in output "
                <input
                    type="search"
                    placeholder="text to find"
                    prop:value=move || term.get()
                    on:input=move |event| term.set(event_target_value(&event))
                />
            </label>
            <span class="hint" role="status">
                {move || {
                    (!term.get().is_empty())
                        .then(|| {
                            let n = shown_matches.get();
                            format!("{n} matching line{} shown", if n == 1 { "" } else { "s" })
                        })
                }}
            </span>
            <label>
                <input type="checkbox" prop:checked=move || wrap.get() on:change=move |_| relayout(wrap) />
                " Wrap long lines"
            </label>
            <label>
                <input type="checkbox" prop:checked=move || stamps.get() on:change=move |_| relayout(stamps) />
                " Timestamps (UTC)"
            </label>
        </div>
        <WholeLogSearch job_id=job_id.clone() term search searched />
        {move || {
            let count = earlier.get();
            (count > 0)
                .then(|| {
                    let words = if count > EARLIER_SHOWN_EXACTLY {
                        format!("More than {EARLIER_SHOWN_EXACTLY} earlier lines")
                    } else {
                        format!("{count} earlier line{}", if count == 1 { "" } else { "s" })
                    };
                    view! {
                        <p class="earlier">
                            {words} " " <button type="button" disabled=move || load.pending().get() on:click=move |_| load_earlier()>
                                {format!("Load {LOG_PAGE} earlier lines")}
                            </button> " (or scroll to the top)"
                        </p>
                    }
                })
        }}
        <pre
            class="log"
            class:wrap=move || wrap.get()
            node_ref=log
            on:scroll=on_scroll
            tabindex="0"
            role="log"
            aria-label="Output"
            data-loaded=move || shown.with(Vec::len)
        >
            <span class="log-space" style:height=move || space(rows.with(|rows| rows.start_of(window.get().0)))></span>
            <For each=drawn key=|l| l.id let:l>
                {line(l)}
            </For>
            <span class="log-space" style:height=move || space(rows.with(|rows| rows.total() - rows.start_of(window.get().1)))></span>
            <span class="log-probe" aria-hidden="true" node_ref=probe>
                <span>{"0".repeat(PROBE_CELLS)}</span>
            </span>
        </pre>
    }
}

/// Whether the output's last row is in view (a pixel short counts: scroll positions round).
fn at_end(log: &leptos::web_sys::HtmlElement) -> bool {
    log.scroll_top() + log.client_height() >= log.scroll_height() - 1
}

/// Scrolls the output to `to` (as far as it goes) on the view's own account, not the reader's:
/// `on_scroll` then leaves following as it is, if the view is still there when the event comes.
/// Nothing is marked when the view is there already (no scroll event would come to clear it).
fn scroll_view(log: &leptos::web_sys::HtmlElement, to: i32, by_view: StoredValue<Option<i32>>) {
    let reachable = to.clamp(0, (log.scroll_height() - log.client_height()).max(0));
    if reachable != log.scroll_top() {
        by_view.try_set_value(Some(reachable));
        log.set_scroll_top(reachable);
    }
}

/// The cells of the probe's sample: enough that the width of one is exact to a hundredth.
const PROBE_CELLS: usize = 100;

/// The columns of the output's text box: the probe is a line as wide as that box, holding a sample
/// of `PROBE_CELLS` cells that never wraps. `None` on the server and before the page is drawn.
fn measure_columns(probe: NodeRef<leptos::html::Span>) -> Option<usize> {
    #[cfg(feature = "hydrate")]
    {
        let probe = probe.try_get_untracked().flatten()?;
        let sample = probe.first_element_child()?.get_bounding_client_rect().width();
        let cell = sample / PROBE_CELLS as f64;
        // A hair over the box's width: a line that fits exactly must not count as one more row.
        (cell > 0.0).then(|| ((probe.get_bounding_client_rect().width() + 0.01) / cell) as usize)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = probe;
        None
    }
}

/// The line at the top of a view scrolled to `scroll_px`.
fn top_line(rows: &Rows, scroll_px: f64) -> usize {
    match rows.total() {
        0 => 0,
        total => rows.line_at(((scroll_px.max(0.0) / ROW_PX) as usize).min(total - 1)),
    }
}

/// The term, when typed, searched across every line of the job's output on the server (what is
/// shown may be only the newest thousand).
#[component]
fn WholeLogSearch(
    job_id: String,
    term: RwSignal<String>,
    search: Action<(String, String), Result<LogSearch, ServerFnError>>,
    searched: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let asked = job_id.clone();
    view! {
        <Show when=move || !term.get().trim().is_empty()>
            <button
                type="button"
                disabled=move || search.pending().get()
                on:click={
                    let asked = asked.clone();
                    move |_| {
                        let asking = (asked.clone(), term.get_untracked());
                        searched.set(Some(asking.clone()));
                        search.value().set(None);
                        search.dispatch(asking);
                    }
                }
            >
                "Search the whole log"
            </button>
        </Show>
        {move || {
            let needle = searched.get().filter(|(job, _)| *job == job_id).map(|(_, term)| term)?;
            search
                .value()
                .get()
                .map(|found| match found {
                    Ok(found) => {
                        let n = found.matches.len();
                        let summary = match (found.complete, n >= SEARCH_MATCHES) {
                            (_, true) => format!("The first {n} matching lines (of {} read):", found.scanned),
                            (true, _) => format!("{n} matching line{} in all {} lines:", if n == 1 { "" } else { "s" }, found.scanned),
                            (false, _) => format!("{n} matching lines in the first {} lines (the search stops there):", found.scanned),
                        };
                        // The answer of the last search, when it was of this job (another job opened on
                        // the page starts without one).
                        view! {
                            <section class="log-search" aria-label="Matches in the whole log">
                                <p class="hint">{summary}</p>
                                <pre class="log matches" tabindex="0">
                                    {found
                                        .matches
                                        .into_iter()
                                        .map(|l| {
                                            view! {
                                                <span class=format!(
                                                    "line {}",
                                                    l.stream,
                                                )>
                                                    {format!("{} [{}] ", crate::pages::time::clock(l.at), l.attempt)}
                                                    {highlighted(&l.line, &needle)} "\n"
                                                </span>
                                            }
                                        })
                                        .collect_view()}
                                </pre>
                            </section>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error">{crate::pages::clean(&error)}</p> }.into_any(),
                })
        }}
    }
}

/// `text` with each occurrence of `term` (any case) marked.
fn highlighted(text: &str, term: &str) -> impl IntoView + use<> {
    crate::pages::find::pieces(text, term)
        .into_iter()
        .map(|(piece, hit)| if hit { view! { <mark>{piece}</mark> }.into_any() } else { piece.into_any() })
        .collect_view()
}
