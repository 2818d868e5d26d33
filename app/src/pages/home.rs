use leptos::prelude::*;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <h1>"Dashboard"</h1>
        <p class="lede">
            "Define compute environments, job queues and job definitions, submit jobs, "
            "and watch them run as Docker containers."
        </p>
    }
}
