//! Server functions of people and access: who is signed in, users (admin), the caller's own
//! access keys, and the audit log (admin). The service layer decides who may call what.

#[cfg(feature = "ssr")]
use super::{bad_input, caller, fail};
use domain::access::{AccessKeyView, AuditRecord, Identity, NewAccessKey, UserView};
use leptos::prelude::*;

/// Who is signed in (None on the sign-in page). Reachable signed out, so that page can ask.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Identity>, ServerFnError> {
    Ok(match caller() {
        domain::access::Caller::User(identity) => Some(identity),
        domain::access::Caller::Anonymous => None,
    })
}

#[server]
pub async fn list_users() -> Result<Vec<UserView>, ServerFnError> {
    expect_context::<service::Batch>().list_users(&caller()).await.map_err(fail)
}

#[cfg(feature = "ssr")]
fn parse_role(role: &str) -> Result<domain::access::Role, ServerFnError> {
    domain::access::Role::parse(role).ok_or_else(|| bad_input(format!("role: must be admin, operator or viewer (got {role:?})")))
}

#[server]
pub async fn create_user(username: String, password: String, role: String) -> Result<UserView, ServerFnError> {
    let new_user = domain::access::NewUser { username, password, role: parse_role(&role)? };
    expect_context::<service::Batch>().create_user(&caller(), new_user).await.map_err(fail)
}

#[server]
pub async fn change_user_role(username: String, role: String) -> Result<UserView, ServerFnError> {
    expect_context::<service::Batch>().set_user_role(&caller(), &username, parse_role(&role)?).await.map_err(fail)
}

/// `disabled` is "true" or "false" (a form's hidden field).
#[server]
pub async fn change_user_disabled(username: String, disabled: String, reason: Option<String>) -> Result<UserView, ServerFnError> {
    let batch = expect_context::<service::Batch>();
    service::access::audit::because(
        reason.as_deref().unwrap_or_default(),
        batch.set_user_disabled(&caller(), &username, disabled == "true"),
    )
    .await
    .map_err(fail)
}

#[server]
pub async fn reset_user_password(username: String, password: String) -> Result<UserView, ServerFnError> {
    expect_context::<service::Batch>().reset_password(&caller(), &username, &password).await.map_err(fail)
}

#[server]
pub async fn list_access_keys() -> Result<Vec<AccessKeyView>, ServerFnError> {
    expect_context::<service::Batch>().list_access_keys(&caller()).await.map_err(fail)
}

#[server]
pub async fn create_access_key() -> Result<NewAccessKey, ServerFnError> {
    expect_context::<service::Batch>().create_access_key(&caller()).await.map_err(fail)
}

#[server]
pub async fn revoke_access_key(access_key_id: String, reason: Option<String>) -> Result<(), ServerFnError> {
    let batch = expect_context::<service::Batch>();
    service::access::audit::because(reason.as_deref().unwrap_or_default(), batch.revoke_access_key(&caller(), &access_key_id))
        .await
        .map_err(fail)
}

#[server]
pub async fn audit_log(before: Option<i64>) -> Result<Vec<AuditRecord>, ServerFnError> {
    expect_context::<service::Batch>().audit_log(&caller(), before, 100).await.map_err(fail)
}

/// Named secrets: names and descriptions only; values go in and never come back.
#[server]
pub async fn list_secrets() -> Result<Vec<domain::secret::SecretView>, ServerFnError> {
    expect_context::<service::Batch>().list_secrets(&caller()).await.map_err(fail)
}

#[server]
pub async fn create_secret(name: String, value: String, description: String) -> Result<domain::secret::SecretView, ServerFnError> {
    let secret = domain::secret::CreateSecret { name, value, description };
    expect_context::<service::Batch>().create_secret(&caller(), secret).await.map_err(fail)
}

#[server]
pub async fn delete_secret(name: String, reason: Option<String>) -> Result<(), ServerFnError> {
    let batch = expect_context::<service::Batch>();
    service::access::audit::because(reason.as_deref().unwrap_or_default(), batch.delete_secret(&caller(), &name)).await.map_err(fail)
}
