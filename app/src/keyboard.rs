//! Keyboard use, the same on every page: "/" goes to the page's search or first field, "g" then
//! a letter opens a page, "?" lists the shortcuts, Escape closes the list. Keys typed into a
//! field are the field's; keys with Ctrl, Alt or Meta are the browser's.

use leptos::prelude::*;

/// "g" then the letter: the page it opens.
pub const GO_TO: &[(char, &str, &str)] = &[
    ('d', "/", "Dashboard"),
    ('j', "/jobs", "Jobs"),
    ('s', "/submit", "Submit job"),
    ('f', "/definitions", "Job definitions"),
    ('q', "/queues", "Job queues"),
    ('e', "/environments", "Compute environments"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    /// The page's search (or first) field.
    Find,
    GoTo(&'static str),
    Help,
    Close,
    /// The first key of a two-key shortcut: wait for the next.
    Chord,
}

/// What `key` (a `KeyboardEvent.key`) means when the key before it was `previous`.
pub fn shortcut(previous: Option<&str>, key: &str) -> Option<Shortcut> {
    match (previous, key) {
        (Some("g"), key) => GO_TO.iter().find(|(letter, ..)| key.chars().eq([*letter])).map(|(_, path, _)| Shortcut::GoTo(path)),
        (_, "g") => Some(Shortcut::Chord),
        (_, "/") => Some(Shortcut::Find),
        (_, "?") => Some(Shortcut::Help),
        (_, "Escape") => Some(Shortcut::Close),
        _ => None,
    }
}

/// Listens for the shortcuts on the whole page (in the browser) and draws their list on "?".
#[component]
pub fn KeyboardShortcuts() -> impl IntoView {
    let help = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    listen(help);
    view! {
        <Show when=move || help.get()>
            <section class="shortcuts" role="dialog" aria-label="Keyboard shortcuts">
                <h2>"Keyboard shortcuts"</h2>
                <dl>
                    <dt>
                        <kbd>"/"</kbd>
                    </dt>
                    <dd>"Search or filter this page"</dd>
                    {GO_TO
                        .iter()
                        .map(|(letter, _, page)| {
                            view! {
                                <dt>
                                    <kbd>"g"</kbd>
                                    " "
                                    <kbd>{letter.to_string()}</kbd>
                                </dt>
                                <dd>{*page}</dd>
                            }
                        })
                        .collect_view()}
                    <dt>
                        <kbd>"?"</kbd>
                    </dt>
                    <dd>"This list"</dd>
                    <dt>
                        <kbd>"Esc"</kbd>
                    </dt>
                    <dd>"Close it"</dd>
                </dl>
                <button type="button" on:click=move |_| help.set(false)>
                    "Close"
                </button>
            </section>
        </Show>
    }
}

/// The skip link: the content takes the focus, so the next Tab is inside it. (The router
/// takes over links once the page is live; before that the browser follows `#content`.)
pub fn skip_to_content(event: leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(content) = document().get_element_by_id("content").and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok()) {
            event.prevent_default();
            let _ = content.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = event;
}

#[cfg(feature = "hydrate")]
fn listen(help: RwSignal<bool>) {
    use wasm_bindgen::JsCast;
    let navigate = leptos_router::hooks::use_navigate();
    let previous = StoredValue::new(None::<String>);
    let handle = window_event_listener(leptos::ev::keydown, move |event| {
        if event.ctrl_key() || event.alt_key() || event.meta_key() || typing_into(event.target()) {
            return;
        }
        let key = event.key();
        let meant = shortcut(previous.get_value().as_deref(), &key);
        previous.set_value(matches!(meant, Some(Shortcut::Chord)).then_some(key));
        match meant {
            Some(Shortcut::Find) => {
                let field = document()
                    .query_selector("main input[type=search], main input:not([type=hidden]):not([type=checkbox]), main textarea")
                    .ok()
                    .flatten()
                    .and_then(|field| field.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(field) = field {
                    event.prevent_default();
                    let _ = field.focus();
                }
            }
            Some(Shortcut::GoTo(path)) => navigate(path, Default::default()),
            Some(Shortcut::Help) => help.update(|open| *open = !*open),
            Some(Shortcut::Close) => help.set(false),
            Some(Shortcut::Chord) | None => {}
        }
    });
    on_cleanup(move || handle.remove());
}

/// A key pressed in a field (or anything editable) is typing, not a shortcut.
#[cfg(feature = "hydrate")]
fn typing_into(target: Option<web_sys::EventTarget>) -> bool {
    use wasm_bindgen::JsCast;
    target
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|element| matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || element.is_content_editable())
}

#[cfg(test)]
mod tests {
    use super::{Shortcut, shortcut};

    #[test]
    fn keys_mean_shortcuts_alone_or_after_g() {
        let cases = [
            (None, "/", Some(Shortcut::Find)),
            (None, "?", Some(Shortcut::Help)),
            (None, "Escape", Some(Shortcut::Close)),
            (None, "g", Some(Shortcut::Chord)),
            (Some("g"), "j", Some(Shortcut::GoTo("/jobs"))),
            (Some("g"), "d", Some(Shortcut::GoTo("/"))),
            (Some("g"), "e", Some(Shortcut::GoTo("/environments"))),
            // An unknown second key ends the chord; a letter alone means nothing.
            (Some("g"), "x", None),
            (Some("g"), "jj", None),
            (None, "j", None),
            (None, "Enter", None),
        ];
        for (previous, key, expected) in cases {
            assert_eq!(shortcut(previous, key), expected, "{previous:?} then {key:?}");
        }
    }
}
