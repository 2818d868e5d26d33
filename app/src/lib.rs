//! The console: Leptos components (rendered on the server, hydrated in the browser) and the
//! server functions they call. Server functions are thin calls into the `service` crate.

#![recursion_limit = "256"]

pub mod api;
pub mod keyboard;
pub mod layout;
pub mod live;
pub mod pages;
pub mod routes;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use routes::*;

/// The name wasm-bindgen gives the browser bundle: `/pkg/batch.js`, `/pkg/batch_bg.wasm`,
/// and the stylesheet `/pkg/batch.css`.
pub const BUNDLE_NAME: &str = "batch";

/// The console's icon: a stack of three job bars, inline so it needs no request.
const FAVICON: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%232156d9'/%3E%3Crect x='3' y='3' width='10' height='2' fill='white'/%3E%3Crect x='3' y='7' width='7' height='2' fill='white'/%3E%3Crect x='3' y='11' width='4' height='2' fill='white'/%3E%3C/svg%3E";

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href=FAVICON />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="console-style" href=format!("/pkg/{BUNDLE_NAME}.css") />
        <Title text="Batch console" />
        <Router>
            <layout::ConsoleLayout>
                <Routes fallback=pages::NotFound>
                    <Route path=path!("") view=HomeRoute::lazy() />
                    <Route path=path!("/jobs") view=JobsRoute::lazy() />
                    <Route path=path!("/jobs/:id") view=JobRoute::lazy() />
                    <Route path=path!("/submit") view=SubmitRoute::lazy() />
                    <Route path=path!("/environments") view=EnvironmentsRoute::lazy() />
                    <Route path=path!("/queues") view=QueuesRoute::lazy() />
                    <Route path=path!("/queues/:name") view=QueueRoute::lazy() />
                    <Route path=path!("/policies") view=PoliciesRoute::lazy() />
                    <Route path=path!("/definitions") view=DefinitionsRoute::lazy() />
                    <Route path=path!("/login") view=SignInRoute::lazy() />
                    <Route path=path!("/setup") view=SetupRoute::lazy() />
                    <Route path=path!("/users") view=UsersRoute::lazy() />
                    <Route path=path!("/access-keys") view=AccessKeysRoute::lazy() />
                    <Route path=path!("/secrets") view=SecretsRoute::lazy() />
                    <Route path=path!("/audit") view=AuditRoute::lazy() />
                </Routes>
            </layout::ConsoleLayout>
        </Router>
    }
}
