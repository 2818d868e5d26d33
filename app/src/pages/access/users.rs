//! Users (admin only): create, change role, disable or enable, reset password.

use crate::api::access::{ChangeUserDisabled, ChangeUserRole, CreateUser, ResetUserPassword, list_users};
use crate::pages::error_line;
use crate::pages::time::When;
use domain::access::{Role, UserView};
use leptos::prelude::*;

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    // The form clears after a user is made: a password must not linger in the page.
    let created_form = NodeRef::<leptos::html::Form>::new();
    let created = move || create.value().get().map(|outcome| outcome.map(|user| user.username));
    crate::pages::reset_after_success(created, created_form);
    let role = ServerAction::<ChangeUserRole>::new();
    let disabled = ServerAction::<ChangeUserDisabled>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let users = Resource::new(
        move || (create.version().get(), role.version().get(), disabled.version().get(), reset.version().get()),
        |_| list_users(),
    );
    view! {
        <h1>"Users"</h1>
        <h2>"New user"</h2>
        <ActionForm action=create node_ref=created_form attr:class="inline-form">
            <label>"Username" <input name="username" required /></label>
            <label>"Password" <input name="password" type="password" autocomplete="new-password" minlength="10" required /></label>
            <label>"Role" <RoleSelect name="role" selected=Role::Viewer /></label>
            <button type="submit">"Create user"</button>
        </ActionForm>
        {move || crate::pages::created_line("user", created(), |_| "/users".to_string())}
        {move || error_line(create.value().get())}
        {move || error_line(role.value().get())}
        {move || error_line(disabled.value().get())}
        {move || error_line(reset.value().get())}
        <Suspense fallback=|| {
            view! { <p>"Loading users…"</p> }
        }>
            {move || {
                users
                    .get()
                    .map(|result| match result {
                        Ok(list) => view! { <UserTable list role disabled reset /> }.into_any(),
                        Err(error) => view! { <p class="error">{crate::pages::clean(&error)}</p> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn RoleSelect(
    name: &'static str,
    selected: Role,
    /// Its accessible name where no visible label wraps it (a row of the users table).
    #[prop(optional, into)]
    label: Option<String>,
) -> impl IntoView {
    view! {
        <select name=name aria-label=label>
            {Role::ALL
                .iter()
                .map(|r| {
                    view! {
                        <option value=r.as_str() selected=*r == selected>
                            {r.as_str()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

#[component]
fn UserTable(
    list: Vec<UserView>,
    role: ServerAction<ChangeUserRole>,
    disabled: ServerAction<ChangeUserDisabled>,
    reset: ServerAction<ResetUserPassword>,
) -> impl IntoView {
    view! {
        <table class="grid users">
            <thead>
                <tr>
                    <th>"User"</th>
                    <th>"Role"</th>
                    <th>"State"</th>
                    <th>"Created"</th>
                    <th>"Password"</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|user| {
                        let name = user.username.clone();
                        let (name2, name3) = (name.clone(), name.clone());
                        let reset_label = format!("New password for {name}");
                        view! {
                            <tr>
                                <td data-label="User">{user.username.clone()}</td>
                                <td data-label="Role">
                                    <ActionForm action=role attr:class="inline-form">
                                        <input type="hidden" name="username" value=name />
                                        <RoleSelect name="role" selected=user.role label=format!("Role of {}", user.username) />
                                        <button type="submit">"Change role"</button>
                                    </ActionForm>
                                </td>
                                <td data-label="State">
                                    <span class=if user.disabled {
                                        "state disabled"
                                    } else {
                                        "state enabled"
                                    }>{if user.disabled { "DISABLED" } else { "ACTIVE" }}</span>
                                    " "
                                    <DisableOrEnable action=disabled username=name2 disabled=user.disabled />
                                </td>
                                <td data-label="Created">
                                    <When ms=user.created_at />
                                </td>
                                <td data-label="Password">
                                    <ActionForm action=reset attr:class="inline-form">
                                        <input type="hidden" name="username" value=name3 />
                                        <input
                                            name="password"
                                            type="password"
                                            autocomplete="new-password"
                                            minlength="10"
                                            placeholder="new password"
                                            aria-label=reset_label
                                            required
                                        />
                                        <button type="submit">"Reset"</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// Enable at once; disable (the user is signed out and refused from then on) asks first, with
/// an optional reason for the audit log.
#[component]
fn DisableOrEnable(action: ServerAction<ChangeUserDisabled>, username: String, disabled: bool) -> impl IntoView {
    let question = format!("Disable {username}? Their sessions and access keys stop working until enabled again.");
    let form = move |reason: bool| {
        view! {
            <ActionForm action attr:class="inline-form">
                <input type="hidden" name="username" value=username.clone() />
                <input type="hidden" name="disabled" value=(!disabled).to_string() />
                {reason.then(|| view! { <crate::pages::ReasonField /> })}
                <button type="submit" class:danger=reason>
                    {if disabled { "Enable" } else { "Yes, disable" }}
                </button>
            </ActionForm>
        }
    };
    if disabled {
        form(false).into_any()
    } else {
        view! {
            <crate::pages::Confirm label="Disable" question>
                {form(true)}
            </crate::pages::Confirm>
        }
        .into_any()
    }
}
