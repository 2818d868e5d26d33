//! Named secrets for job definitions' `containerProperties.secrets`: everyone signed in sees
//! their names (to reference them); administrators create and delete them. A value goes in once
//! and is never shown again, here or anywhere.

use crate::api::access::{CreateSecret, DeleteSecret, list_secrets};
use crate::layout::may;
use crate::pages::error_line;
use crate::pages::time::When;
use domain::access::Action;
use leptos::prelude::*;

#[component]
pub fn SecretsPage() -> impl IntoView {
    let create = ServerAction::<CreateSecret>::new();
    let delete = ServerAction::<DeleteSecret>::new();
    let secrets = Resource::new(move || (create.version().get(), delete.version().get()), |_| list_secrets());
    let admin = may(Action::ManageSecrets);
    view! {
        <h1>"Secrets"</h1>
        <p class="lede">
            "A job definition names a secret in " <code>"containerProperties.secrets"</code> " ("
            <code>"{\"name\": \"DB_PASSWORD\", \"valueFrom\": \"NAME\"}"</code>
            "); the job gets its value in that environment variable. Values are sealed at rest and never shown."
        </p>
        <Show when=move || admin.get()>
            <h2>"New secret"</h2>
            <ActionForm action=create attr:class="inline-form">
                <label>"Name" <input name="name" required /></label>
                <label>"Value" <input name="value" type="password" autocomplete="off" required /></label>
                <label>"Description" <input name="description" /></label>
                <button type="submit">"Create secret"</button>
            </ActionForm>
        </Show>
        {move || error_line(create.value().get())}
        {move || error_line(delete.value().get())}
        <Suspense fallback=|| {
            view! { <p>"Loading secrets…"</p> }
        }>
            {move || {
                secrets
                    .get()
                    .map(|result| match result {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No secrets yet."</p> }.into_any(),
                        Ok(list) => {
                            view! {
                                <table class="grid secrets">
                                    <thead>
                                        <tr>
                                            <th>"Name"</th>
                                            <th>"ARN"</th>
                                            <th>"Description"</th>
                                            <th>"Created"</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|secret| {
                                                view! {
                                                    <tr>
                                                        <td data-label="Name">{secret.name.clone()}</td>
                                                        <td data-label="ARN">
                                                            <code>{secret.arn.clone()}</code>
                                                            " "
                                                            <crate::pages::CopyButton text=secret.arn.clone() what="secret ARN" />
                                                        </td>
                                                        <td data-label="Description">{secret.description.clone()}</td>
                                                        <td data-label="Created">
                                                            <When ms=secret.created_at />
                                                        </td>
                                                        <td data-label="">
                                                            {admin
                                                                .get()
                                                                .then(|| {
                                                                    view! {
                                                                        <crate::pages::Confirm
                                                                            label="Delete"
                                                                            question=format!(
                                                                                "Delete the secret {}? Jobs that name it can no longer start.",
                                                                                secret.name,
                                                                            )
                                                                        >
                                                                            <ActionForm action=delete attr:class="inline-form">
                                                                                <input
                                                                                    type="hidden"
                                                                                    name="name"
                                                                                    value=secret.name.clone()
                                                                                />
                                                                                <crate::pages::ReasonField />
                                                                                <button type="submit" class="danger">
                                                                                    "Yes, delete"
                                                                                </button>
                                                                            </ActionForm>
                                                                        </crate::pages::Confirm>
                                                                    }
                                                                })}
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="error">{crate::pages::clean(&error)}</p> }.into_any(),
                    })
            }}
        </Suspense>
    }
}
