//! The browser entry point: hydrate the page the server rendered.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body().expect("the page has a body");
        // Async: a page's code is a chunk of its own (app/src/routes.rs), fetched before the
        // page can be hydrated.
        let root = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        root.forget();
        // Only now is every handler of the page attached: a marker the browser tests (and
        // people debugging) wait for instead of guessing when the page became interactive.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
