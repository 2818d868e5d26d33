//! The caller's own access keys for the AWS-compatible API: create (the secret is shown once),
//! list, revoke.

use crate::api::access::{CreateAccessKey, RevokeAccessKey, list_access_keys};
use crate::pages::error_line;
use crate::pages::time::{When, utc, when_opt};
use leptos::prelude::*;

#[component]
pub fn AccessKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateAccessKey>::new();
    let revoke = ServerAction::<RevokeAccessKey>::new();
    let keys = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_access_keys());
    view! {
        <h1>"Access keys"</h1>
        <p class="lede">
            "Keys for boto3 and the AWS CLI (SigV4). They act with your role. " "The secret is shown once, when the key is created."
        </p>
        <ActionForm action=create>
            <button type="submit">"Create access key"</button>
        </ActionForm>
        {move || error_line(create.value().get())}
        {move || {
            create
                .value()
                .get()
                .and_then(Result::ok)
                .map(|key| {
                    view! {
                        <div class="new-key" role="status">
                            <p>"Copy the secret now; it is not shown again."</p>
                            <dl>
                                <dt>"Access key id"</dt>
                                <dd>
                                    <code class="access-key-id">{key.access_key_id}</code>
                                </dd>
                                <dt>"Secret access key"</dt>
                                <dd>
                                    <code class="secret-access-key">{key.secret_access_key}</code>
                                </dd>
                            </dl>
                        </div>
                    }
                })
        }}
        {move || error_line(revoke.value().get())}
        <Suspense fallback=|| {
            view! { <p>"Loading keys…"</p> }
        }>
            {move || {
                keys.get()
                    .map(|result| match result {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No access keys yet."</p> }.into_any(),
                        Ok(list) => {
                            view! {
                                <table class="grid keys">
                                    <thead>
                                        <tr>
                                            <th>"Access key id"</th>
                                            <th>"Created"</th>
                                            <th>"Last used"</th>
                                            <th>"State"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|key| {
                                                view! {
                                                    <tr>
                                                        <td data-label="Access key id">
                                                            <code>{key.access_key_id.clone()}</code>
                                                            " "
                                                            <crate::pages::CopyButton text=key.access_key_id.clone() what="access key id" />
                                                        </td>
                                                        <td data-label="Created">
                                                            <When ms=key.created_at />
                                                        </td>
                                                        <td data-label="Last used">{when_opt(key.last_used_at)}</td>
                                                        <td data-label="State">
                                                            {match key.revoked_at {
                                                                Some(at) => {
                                                                    view! { <span class="state disabled">"revoked " {utc(at)}</span> }
                                                                        .into_any()
                                                                }
                                                                None => {
                                                                    view! {
                                                                        <crate::pages::Confirm
                                                                            label="Revoke"
                                                                            question=format!(
                                                                                "Revoke {}? Clients signing with it are refused from now on.",
                                                                                key.access_key_id,
                                                                            )
                                                                        >
                                                                            <ActionForm action=revoke attr:class="inline-form">
                                                                                <input
                                                                                    type="hidden"
                                                                                    name="access_key_id"
                                                                                    value=key.access_key_id.clone()
                                                                                />
                                                                                <crate::pages::ReasonField />
                                                                                <button type="submit" class="danger">
                                                                                    "Yes, revoke"
                                                                                </button>
                                                                            </ActionForm>
                                                                        </crate::pages::Confirm>
                                                                    }
                                                                        .into_any()
                                                                }
                                                            }}
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
