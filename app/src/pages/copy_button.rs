//! A button that puts a text (an id, an ARN, a link) on the clipboard and says so.

use leptos::prelude::*;

#[component]
pub fn CopyButton(text: String, #[prop(into)] what: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let label = format!("Copy {what}");
    let copy = move |_| {
        if write_clipboard(&text) {
            copied.set(true);
            set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
        }
    };
    view! {
        <button type="button" class="copy" aria-label=label.clone() title=label on:click=copy>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}

/// `navigator.clipboard.writeText(text)`; false where there is no clipboard (the server, or a
/// page served over plain HTTP to another host).
fn write_clipboard(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, JsValue};
        use web_sys::js_sys::{Function, Reflect, global};
        let call = || -> Option<()> {
            let clipboard = Reflect::get(&Reflect::get(&global(), &"navigator".into()).ok()?, &"clipboard".into()).ok()?;
            let write: Function = Reflect::get(&clipboard, &"writeText".into()).ok()?.dyn_into().ok()?;
            write.call1(&clipboard, &JsValue::from_str(text)).ok().map(|_| ())
        };
        call().is_some()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}
