//! Live pages: subscribe to the server's change stream (`/events`) and re-read when it says
//! something changed. Runs only in the browser; the server-rendered page is the first state.

use leptos::prelude::*;

/// Calls `refetch` whenever the stream at `url` reports a change (and once on every
/// reconnect, so a page that lost its connection catches up). The EventSource reconnects by
/// itself; it is closed when the calling component goes away.
pub fn refetch_on_change(url: impl Fn() -> String + 'static, refetch: impl Fn() + Clone + 'static) {
    Effect::new(move |_| {
        let url = url();
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            use wasm_bindgen::closure::Closure;
            let Ok(source) = web_sys::EventSource::new(&url) else { return };
            let refetch = refetch.clone();
            let on_change = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| refetch());
            let _ = source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
            // The closure lives as long as its source: both go when the URL changes or the
            // component does (the listener is removed before the closure is dropped).
            let live = send_wrapper::SendWrapper::new((source, on_change));
            on_cleanup(move || {
                let (source, on_change) = live.take();
                let _ = source.remove_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
                source.close();
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&url, &refetch);
    });
}
