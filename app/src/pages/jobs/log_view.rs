//! A job's output: the newest lines, following while the job runs, earlier ones a page at a
//! time (by button, or by scrolling to the top); find with highlights in what is shown and
//! across the whole log; wrap and timestamp toggles.
//!
//! Virtualised: every line read stays in memory, but only the rows in view (and a few either
//! side) are in the page, so a reader who loads a hundred thousand lines scrolls as smoothly as
//! one who loaded a thousand (ARCHITECTURE.md §15).

use crate::api::{LOG_PAGE, LogLineView, LogPage, SEARCH_MATCHES, earlier_log, search_log};
use leptos::prelude::*;

/// `service::jobs::EARLIER_CAP`: beyond it the count says "more than".
const EARLIER_SHOWN_EXACTLY: i64 = 100_000;
/// Every row's height in CSS pixels (`.log .line` in style/main.css says the same): rows of one
/// height let a scroll position name a line without measuring any.
pub const ROW_PX: f64 = 18.0;
/// Rows drawn beyond each edge of the view, so a fast scroll does not show a gap.
const OVERSCAN: usize = 30;
/// Within this many rows of the top, scrolling loads the page before.
const LOAD_WITHIN_ROWS: f64 = 40.0;
/// The view's height before the browser has measured it (70vh of a small screen).
const VIEW_PX_GUESS: f64 = 540.0;

/// Which of `shown` rows to draw for a view `view_px` high scrolled to `scroll_px`: a range
/// `first..end` with `OVERSCAN` rows either side, clamped to the rows there are (a position
/// past the end, as before the first scroll, is the end).
pub fn rows_in_view(shown: usize, scroll_px: f64, view_px: f64) -> (usize, usize) {
    let view_rows = (view_px.max(0.0) / ROW_PX).ceil() as usize;
    let top = ((scroll_px.max(0.0) / ROW_PX) as usize).min(shown.saturating_sub(view_rows));
    (top.saturating_sub(OVERSCAN), (top + view_rows + OVERSCAN).min(shown))
}

/// The output, with the earlier lines a page at a time above it (loading them pauses
/// following, so the view stays on the line the reader was at).
#[component]
pub fn LogView(job_id: String, page: LogPage, following: RwSignal<bool>, only_attempt: RwSignal<Option<i64>>) -> impl IntoView {
    // Every line read, oldest first: the newest page, with the earlier pages put before it.
    let lines = RwSignal::new(page.lines);
    let earlier = RwSignal::new(page.earlier);
    let load = {
        let job_id = job_id.clone();
        Action::new(move |before: &i64| earlier_log(job_id.clone(), *before))
    };
    // The lines of the attempt chosen (all of them when none is), as places in `lines`.
    let shown = Memo::new(move |_| {
        let only = only_attempt.get();
        lines.with(|all| {
            all.iter().enumerate().filter(|(_, l)| only.is_none_or(|n| n == i64::from(l.attempt))).map(|(at, _)| at).collect::<Vec<_>>()
        })
    });
    let log = NodeRef::<leptos::html::Pre>::new();
    let (scroll_px, view_px) = (RwSignal::new(f64::MAX), RwSignal::new(VIEW_PX_GUESS));
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
            let added = more.lines.iter().filter(|l| only.is_none_or(|n| n == i64::from(l.attempt))).count();
            lines.update(|shown| {
                let mut all = more.lines;
                all.append(shown);
                *shown = all;
            });
            earlier.set(more.earlier);
            // The rows put above push the view down by as much: keep the line read in place
            // once the page has drawn them.
            request_animation_frame(move || {
                if let Some(log) = log.get_untracked() {
                    log.set_scroll_top(log.scroll_top() + (added as f64 * ROW_PX) as i32);
                }
            });
        }
    });
    // Opens at the tail: the newest line in view (kept there while following, as the page
    // redraws with each change). Also when following is paused: a redraw the page asked for
    // before the pause can land after it, and a new view at the top would load nothing until
    // the reader scrolled away and back (seen in CI on Postgres).
    Effect::new(move |_| {
        if let Some(log) = log.get() {
            log.set_scroll_top(log.scroll_height());
            view_px.set(f64::from(log.client_height()));
        }
    });
    let on_scroll = move |_| {
        let Some(log) = log.get_untracked() else { return };
        let top = f64::from(log.scroll_top());
        scroll_px.set(top);
        view_px.set(f64::from(log.client_height()));
        if top < LOAD_WITHIN_ROWS * ROW_PX && earlier.get_untracked() > 0 && log.scroll_height() > log.client_height() {
            load_earlier();
        }
    };
    // Until the reader scrolls, the view sits at the end (also what the server draws).
    let window = Memo::new(move |_| rows_in_view(shown.with(Vec::len), scroll_px.get(), view_px.get()));
    let term = RwSignal::new(String::new());
    let (wrap, stamps) = (RwSignal::new(false), RwSignal::new(false));
    let shown_matches = Memo::new(move |_| {
        let needle = term.get().to_lowercase();
        if needle.is_empty() {
            return 0;
        }
        let only = only_attempt.get();
        lines.with(|all| {
            all.iter().filter(|l| only.is_none_or(|n| n == i64::from(l.attempt)) && l.line.to_lowercase().contains(&needle)).count()
        })
    });
    let drawn = move || {
        let (first, end) = window.get();
        let at = shown.with(|s| s[first..end].to_vec());
        lines.with(|all| at.into_iter().map(|i| all[i].clone()).collect::<Vec<_>>())
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
                <input type="checkbox" prop:checked=move || wrap.get() on:change=move |_| wrap.update(|w| *w = !*w) />
                " Wrap long lines"
            </label>
            <label>
                <input type="checkbox" prop:checked=move || stamps.get() on:change=move |_| stamps.update(|s| *s = !*s) />
                " Timestamps (UTC)"
            </label>
        </div>
        <WholeLogSearch job_id term />
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
            <span class="log-space" style:height=move || space(window.get().0)></span>
            <For each=drawn key=|l| l.id let:l>
                {line(l)}
            </For>
            <span class="log-space" style:height=move || space(shown.with(Vec::len) - window.get().1)></span>
        </pre>
    }
}

/// The term, when typed, searched across every line of the job's output on the server (what is
/// shown may be only the newest thousand).
#[component]
fn WholeLogSearch(job_id: String, term: RwSignal<String>) -> impl IntoView {
    let search = Action::new(move |term: &String| search_log(job_id.clone(), term.clone()));
    let searched = RwSignal::new(String::new());
    view! {
        <Show when=move || !term.get().trim().is_empty()>
            <button
                type="button"
                disabled=move || search.pending().get()
                on:click=move |_| {
                    let wanted = term.get_untracked();
                    searched.set(wanted.clone());
                    search.dispatch(wanted);
                }
            >
                "Search the whole log"
            </button>
        </Show>
        {move || {
            search
                .value()
                .get()
                .map(|found| match found {
                    Ok(found) => {
                        let needle = searched.get_untracked();
                        let n = found.matches.len();
                        let summary = match (found.complete, n >= SEARCH_MATCHES) {
                            (_, true) => format!("The first {n} matching lines (of {} read):", found.scanned),
                            (true, _) => format!("{n} matching line{} in all {} lines:", if n == 1 { "" } else { "s" }, found.scanned),
                            (false, _) => format!("{n} matching lines in the first {} lines (the search stops there):", found.scanned),
                        };
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

#[cfg(test)]
mod tests {
    use super::{OVERSCAN, ROW_PX, rows_in_view};

    #[test]
    fn draws_the_rows_in_view_and_a_margin_either_side_within_the_rows_there_are() {
        let view = 10.0 * ROW_PX;
        // (rows, scrolled to row) -> rows drawn
        let cases = [
            (0, 0.0, (0, 0)),
            (5, 0.0, (0, 5)),
            (1_000_000, 0.0, (0, 10 + OVERSCAN)),
            (1_000_000, 500_000.0, (500_000 - OVERSCAN, 500_000 + 10 + OVERSCAN)),
            (1_000_000, 999_990.0, (999_990 - OVERSCAN, 1_000_000)),
            (1_000_000, f64::MAX, (999_990 - OVERSCAN, 1_000_000)),
            // A stale scroll position past the end (rows filtered away) draws the last rows.
            (100, 5_000.0, (90 - OVERSCAN, 100)),
        ];
        for (rows, at_row, expected) in cases {
            assert_eq!(rows_in_view(rows, at_row * ROW_PX, view), expected, "{rows} rows at row {at_row}");
        }
    }
}
