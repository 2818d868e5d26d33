//! The sign-in page and the one-time set-up page. Both are plain HTML forms posted to the
//! server's `/auth/*` handlers, so they work before the WASM loads and without it.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    let error = move || query.read().get("error");
    view! {
        <section class="sign-in">
            <h1>"Sign in"</h1>
            {move || {
                error()
                    .map(|e| {
                        view! {
                            <p class="error" role="alert">
                                {e}
                            </p>
                        }
                    })
            }}
            <form method="post" action="/auth/login" class="stack">
                <input type="hidden" name="next" value=next />
                <label>"Username" <input name="username" autocomplete="username" required autofocus /></label>
                <label>"Password" <input name="password" type="password" autocomplete="current-password" required /></label>
                <button type="submit">"Sign in"</button>
            </form>
            <p class="hint">"No account yet? Ask an admin of this console to create one."</p>
        </section>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error");
    view! {
        <section class="sign-in">
            <h1>"Set up this console"</h1>
            <p>"Nobody can sign in yet. Create the first administrator; this page closes once a user exists."</p>
            {move || {
                error()
                    .map(|e| {
                        view! {
                            <p class="error" role="alert">
                                {e}
                            </p>
                        }
                    })
            }}
            <form method="post" action="/auth/setup" class="stack">
                <label>
                    "Set-up token (printed in the server's log at start)"
                    <input name="token" autocomplete="off" spellcheck="false" required autofocus />
                </label>
                <label>"Username" <input name="username" autocomplete="username" required /></label>
                <label>
                    "Password (10 characters or more)"
                    <input name="password" type="password" autocomplete="new-password" minlength="10" required />
                </label>
                <label>"Password again" <input name="confirm" type="password" autocomplete="new-password" required /></label>
                <button type="submit">"Create the administrator"</button>
            </form>
        </section>
    }
}
