//! A job's output: the newest lines, following while the job runs, earlier ones a page at a
//! time; find with highlights in what is shown and across the whole log; wrap and timestamp
//! toggles.

use crate::api::{LOG_PAGE, LogLineView, LogPage, SEARCH_MATCHES, earlier_log, search_log};
use leptos::prelude::*;

/// `service::jobs::EARLIER_CAP`: beyond it the count says "more than".
const EARLIER_SHOWN_EXACTLY: i64 = 100_000;

/// The output, with the earlier lines a click away a page at a time (loading them pauses
/// following, so the window stays put).
#[component]
pub fn LogView(job_id: String, page: LogPage, following: RwSignal<bool>, only_attempt: RwSignal<Option<i64>>) -> impl IntoView {
    let older = RwSignal::new(Vec::<LogLineView>::new());
    let earlier = RwSignal::new(page.earlier);
    let first_id = StoredValue::new(page.lines.first().map(|l| l.id));
    let load = {
        let job_id = job_id.clone();
        Action::new(move |before: &i64| earlier_log(job_id.clone(), *before))
    };
    Effect::new(move |_| {
        if let Some(Ok(more)) = load.value().get() {
            if let Some(first) = more.lines.first() {
                first_id.set_value(Some(first.id));
            }
            older.update(|shown| {
                let mut lines = more.lines;
                lines.append(shown);
                *shown = lines;
            });
            earlier.set(more.earlier);
        }
    });
    // Opens at the tail: the newest line in view, and kept in view while following.
    let log = NodeRef::<leptos::html::Pre>::new();
    Effect::new(move |_| {
        if let Some(log) = log.get()
            && following.get_untracked()
        {
            log.set_scroll_top(log.scroll_height());
        }
    });
    let term = RwSignal::new(String::new());
    let (wrap, stamps) = (RwSignal::new(false), RwSignal::new(false));
    let newest = StoredValue::new(page.lines.clone());
    let shown_matches = Memo::new(move |_| {
        let needle = term.get().to_lowercase();
        if needle.is_empty() {
            return 0;
        }
        let hits = |lines: &[LogLineView]| lines.iter().filter(|l| l.line.to_lowercase().contains(&needle)).count();
        older.with(|o| hits(o)) + newest.with_value(|n| hits(n))
    });
    let line = move |l: LogLineView| {
        let attempt = i64::from(l.attempt);
        let text = l.line.clone();
        view! {
            <span
                class=format!("line {}", l.stream)
                style:display=move || if only_attempt.get().is_none_or(|n| n == attempt) { "inline" } else { "none" }
            >
                {move || stamps.get().then(|| view! { <span class="stamp">{format!("{} ", crate::pages::time::clock(l.at))}</span> })}
                {format!("[{}] ", l.attempt)}
                {move || highlighted(&text, &term.get())}
                "\n"
            </span>
        }
    };
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
                            {words} " "
                            <button
                                type="button"
                                disabled=move || load.pending().get()
                                on:click=move |_| {
                                    if let Some(before) = first_id.get_value() {
                                        following.set(false);
                                        load.dispatch(before);
                                    }
                                }
                            >
                                {format!("Load {LOG_PAGE} earlier lines")}
                            </button>
                        </p>
                    }
                })
        }}
        <pre class="log" class:wrap=move || wrap.get() node_ref=log tabindex="0" role="log" aria-label="Output">
            {move || older.get().into_iter().map(line).collect_view()}
            {page.lines.into_iter().map(line).collect_view()}
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
