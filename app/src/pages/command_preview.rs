//! A typed command shown as the argument list it becomes.

use leptos::prelude::*;

/// The argument list a typed command becomes, shown as it is typed: one box per argument, so
/// `sh -c 'echo a; exit 3'` is visibly three.
#[component]
pub fn CommandPreview(#[prop(into)] text: Signal<String>, empty: &'static str) -> impl IntoView {
    move || {
        let text = text.get();
        if text.trim().is_empty() {
            return view! { <span class="hint">{empty}</span> }.into_any();
        }
        match domain::command_line::parse("command", &text) {
            Ok(arguments) => view! {
                <ol class="argv" aria-label="Arguments the container gets">
                    {arguments
                        .into_iter()
                        .map(|argument| {
                            view! {
                                <li>
                                    <code>{argument}</code>
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            }
            .into_any(),
            Err(error) => view! { <span class="field-error">{error.message}</span> }.into_any(),
        }
    }
}
