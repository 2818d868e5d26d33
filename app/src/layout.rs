//! The frame every console page sits in: header, navigation, content.

use leptos::prelude::*;

#[component]
pub fn ConsoleLayout(children: Children) -> impl IntoView {
    // On a phone the navigation folds behind a menu button; the button only works once the
    // page has hydrated, which the browser tests use as their proof of hydration.
    let (menu_open, set_menu_open) = signal(false);
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Batch"</a>
            <button
                class="menu-toggle"
                type="button"
                aria-controls="main-nav"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| set_menu_open.update(|open| *open = !*open)
            >
                {move || if menu_open.get() { "Close menu" } else { "Menu" }}
            </button>
        </header>
        <div class="frame">
            <nav id="main-nav" class="sidebar" class:open=move || menu_open.get()>
                <a href="/">"Dashboard"</a>
                <a href="/jobs">"Jobs"</a>
            </nav>
            <main class="content">{children()}</main>
        </div>
    }
}
