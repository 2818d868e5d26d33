//! The audit log (admin only): every sign-in, failed sign-in and mutation, newest first.

use crate::api::access::audit_log;
use crate::pages::time::When;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let before = move || query.read().get("before").and_then(|b| b.parse::<i64>().ok());
    let records = Resource::new(before, audit_log);
    view! {
        <h1>"Audit log"</h1>
        <Suspense fallback=|| {
            view! { <p>"Loading…"</p> }
        }>
            {move || {
                records
                    .get()
                    .map(|result| match result {
                        Ok(list) => {
                            let older = list.last().filter(|_| list.len() == 100).map(|r| format!("/audit?before={}", r.id));
                            view! {
                                <table class="grid audit">
                                    <thead>
                                        <tr>
                                            <th>"When"</th>
                                            <th>"Who"</th>
                                            <th>"What"</th>
                                            <th>"Target"</th>
                                            <th>"Outcome"</th>
                                            <th>"Detail"</th>
                                            <th>"Client"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|r| {
                                                view! {
                                                    <tr>
                                                        <td data-label="When">
                                                            <When ms=r.at />
                                                        </td>
                                                        <td data-label="Who">{r.actor}</td>
                                                        <td data-label="What">{r.action}</td>
                                                        <td data-label="Target">{r.target}</td>
                                                        <td data-label="Outcome">
                                                            <span class=format!("outcome {}", r.outcome)>{r.outcome.clone()}</span>
                                                        </td>
                                                        <td data-label="Detail">{r.detail}</td>
                                                        <td data-label="Client">{r.client.unwrap_or_default()}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                                {older
                                    .map(|href| {
                                        view! {
                                            <p>
                                                <a href=href>"Older records"</a>
                                            </p>
                                        }
                                    })}
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="error">{crate::pages::clean(&error)}</p> }.into_any(),
                    })
            }}
        </Suspense>
    }
}
