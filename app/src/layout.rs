//! The frame every console page sits in: header, navigation, content.

use crate::api::access::whoami;
use domain::access::{Action, Caller, Identity};
use leptos::prelude::*;

#[component]
pub fn ConsoleLayout(children: Children) -> impl IntoView {
    // On a phone the navigation folds behind a menu button; the button only works once the
    // page has hydrated, which the browser tests use as their proof of hydration.
    let (menu_open, set_menu_open) = signal(false);
    let me = Resource::new(|| (), |_| whoami());
    provide_context(SignedInAs(me));
    crate::pages::time::provide_clock();
    let connections = crate::live::LiveConnections::provide();
    let signed_in = move || me.get().and_then(Result::ok).flatten();
    view! {
        <a class="skip-link" href="#content" on:click=crate::keyboard::skip_to_content>
            "Skip to content"
        </a>
        <crate::keyboard::KeyboardShortcuts />
        <header class="topbar">
            <a class="brand" href="/">
                "Batch"
            </a>
            <button
                class="menu-toggle"
                type="button"
                aria-controls="main-nav"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| set_menu_open.update(|open| *open = !*open)
            >
                {move || if menu_open.get() { "Close menu" } else { "Menu" }}
            </button>
            <Suspense>{move || signed_in().map(|who| view! { <SignedIn who /> })}</Suspense>
        </header>
        <div class="frame">
            <nav id="main-nav" class="sidebar" class:open=move || menu_open.get()>
                <a href="/">"Dashboard"</a>
                <a href="/jobs">"Jobs"</a>
                <Suspense>
                    {move || {
                        signed_in()
                            .filter(|who| Caller::User(who.clone()).may(Action::SubmitJob))
                            .map(|_| view! { <a href="/submit">"Submit job"</a> })
                    }}
                </Suspense>
                <a href="/definitions">"Job definitions"</a>
                <a href="/queues">"Job queues"</a>
                <a href="/policies">"Scheduling policies"</a>
                <a href="/environments">"Compute environments"</a>
                <Suspense>
                    {move || {
                        signed_in()
                            .map(|who| {
                                let admin = Caller::User(who).may(Action::ManageUsers);
                                view! {
                                    <a href="/access-keys">"Access keys"</a>
                                    <a href="/secrets">"Secrets"</a>
                                    {admin
                                        .then(|| {
                                            view! {
                                                <a href="/users">"Users"</a>
                                                <a href="/audit">"Audit log"</a>
                                            }
                                        })}
                                }
                            })
                    }}
                </Suspense>
            </nav>
            <main class="content" id="content" tabindex="-1">
                <crate::live::ConnectionLost connections />
                {children()}
            </main>
        </div>
    }
}

/// The signed-in user, for pages that show an action only to the roles that may take it.
#[derive(Clone, Copy)]
pub struct SignedInAs(Resource<Result<Option<Identity>, ServerFnError>>);

/// Whether the signed-in user's role allows `action` (false while unknown). The server checks
/// again on every call; this only decides which buttons to show.
pub fn may(action: Action) -> Signal<bool> {
    let me = use_context::<SignedInAs>();
    Signal::derive(move || {
        me.and_then(|SignedInAs(me)| me.get()).and_then(Result::ok).flatten().is_some_and(|who| Caller::User(who).may(action))
    })
}

/// Who is signed in, with their role, and the sign-out button (a form: works without WASM).
#[component]
fn SignedIn(who: Identity) -> impl IntoView {
    view! {
        <div class="who">
            <span class="username">{who.username}</span>
            <span class="role">{who.role.as_str()}</span>
            <form method="post" action="/auth/logout">
                <button type="submit">"Sign out"</button>
            </form>
        </div>
    }
}
