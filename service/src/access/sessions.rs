//! Sign-in, sessions and sign-out. Sessions live in the database so that any replica serves
//! them and signing out (or disabling the user) ends them everywhere at once.

use super::passwords::{DECOY_HASH, MAX_PASSWORD_LEN, verify_password};
use super::secrets::{new_token, token_hash};
use super::users::user_view;
use crate::batch::{Batch, now_ms};
use crate::error::{ServiceError, ServiceResult};
use crate::store::{audit_log, sessions, users};
use domain::access::{Caller, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

/// A session ends after this long without a request...
pub const SESSION_IDLE_MS: i64 = 12 * 3_600_000;
/// ...and after this long whatever happens.
pub const SESSION_ABSOLUTE_MS: i64 = 7 * 24 * 3_600_000;
/// `last_seen_at` is written at most this often, so reading pages does not mean a write each.
const TOUCH_EVERY_MS: i64 = 60_000;

/// Sign-in throttling: failures counted over this window...
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60_000;
/// ...per account name (existing or not, so throttling reveals nothing)...
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
/// ...and per client address (one address guessing many accounts).
pub const MAX_FAILURES_PER_CLIENT: u64 = 20;

const SIGN_IN: &str = "SignIn";
const WRONG_CREDENTIALS: &str = "wrong username or password";

/// A new session: the token goes into the cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub caller: Caller,
    pub expires_at: i64,
}

impl Batch {
    /// Checks the password and opens a session. An unknown user and a wrong password get the
    /// same answer after the same work (a decoy hash is verified). While an account or a client
    /// address has too many recent failures, even the right password is refused.
    pub async fn sign_in(&self, username: &str, password: &str, client: Option<&str>) -> ServiceResult<NewSession> {
        let username = username.trim();
        if let Some(wait) = self.sign_in_throttled(username, client).await? {
            let message = format!("too many failed sign-ins; try again in {} minute(s)", (wait + 59_999) / 60_000);
            self.audit(username, SIGN_IN, username, "throttled", &message, client).await;
            return Err(ServiceError::Unauthenticated(message));
        }
        let user = users::Entity::find().filter(users::Column::Username.eq(username)).one(&self.db).await?;
        let hash = user.as_ref().map_or_else(|| DECOY_HASH.clone(), |u| u.password_hash.clone());
        let password = password.chars().take(MAX_PASSWORD_LEN + 1).collect::<String>();
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false);
        let user = match user {
            Some(user) if matches => user,
            _ => {
                self.audit(username, SIGN_IN, username, "failed", WRONG_CREDENTIALS, client).await;
                return Err(ServiceError::Unauthenticated(WRONG_CREDENTIALS.into()));
            }
        };
        if user.disabled {
            self.audit(username, SIGN_IN, username, "failed", "the account is disabled", client).await;
            return Err(ServiceError::Unauthenticated("this account is disabled; ask an admin".into()));
        }
        let token = new_token();
        let now = now_ms();
        let expires_at = now + SESSION_ABSOLUTE_MS;
        sessions::ActiveModel {
            token_hash: Set(token_hash(&token)),
            user_id: Set(user.id),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(expires_at),
        }
        .insert(&self.db)
        .await?;
        self.audit(username, SIGN_IN, username, "ok", "", client).await;
        let view = user_view(user);
        Ok(NewSession { token, caller: Caller::user(view.id, view.username, view.role), expires_at })
    }

    /// Milliseconds until sign-in is allowed again, or None when it is allowed now.
    async fn sign_in_throttled(&self, username: &str, client: Option<&str>) -> ServiceResult<Option<i64>> {
        let since = now_ms() - THROTTLE_WINDOW_MS;
        let recent_failures = || {
            audit_log::Entity::find()
                .filter(audit_log::Column::Action.eq(SIGN_IN))
                .filter(audit_log::Column::Outcome.eq("failed"))
                .filter(audit_log::Column::At.gt(since))
        };
        let per_account = recent_failures().filter(audit_log::Column::Target.eq(username)).count(&self.db).await?;
        let per_client = match client {
            Some(client) => recent_failures().filter(audit_log::Column::Client.eq(client)).count(&self.db).await?,
            None => 0,
        };
        if per_account < MAX_FAILURES_PER_ACCOUNT && per_client < MAX_FAILURES_PER_CLIENT {
            return Ok(None);
        }
        // Conservative: wait a whole window from now rather than computing when the oldest
        // counted failure ages out.
        Ok(Some(THROTTLE_WINDOW_MS))
    }

    /// The signed-in caller for a session token, or Anonymous when the session does not exist,
    /// has expired (idle or absolute), or its user is disabled.
    pub async fn session_caller(&self, token: &str) -> ServiceResult<Caller> {
        let now = now_ms();
        let Some(session) = sessions::Entity::find_by_id(token_hash(token)).one(&self.db).await? else {
            return Ok(Caller::Anonymous);
        };
        if session.expires_at <= now || session.last_seen_at + SESSION_IDLE_MS <= now {
            sessions::Entity::delete_by_id(session.token_hash).exec(&self.db).await?;
            return Ok(Caller::Anonymous);
        }
        let Some(user) = users::Entity::find_by_id(session.user_id).one(&self.db).await? else {
            return Ok(Caller::Anonymous);
        };
        if user.disabled {
            return Ok(Caller::Anonymous);
        }
        if now - session.last_seen_at > TOUCH_EVERY_MS {
            let mut row: sessions::ActiveModel = session.into();
            row.last_seen_at = Set(now);
            row.update(&self.db).await?;
        }
        let role = Role::parse(&user.role).unwrap_or(Role::Viewer);
        Ok(Caller::user(user.id.into(), user.username, role))
    }

    /// Ends the session server-side: every browser holding its cookie is signed out.
    pub async fn sign_out(&self, caller: &Caller, token: &str) -> ServiceResult<()> {
        let ended = sessions::Entity::delete_by_id(token_hash(token)).exec(&self.db).await?;
        if ended.rows_affected > 0 {
            self.audit(caller.name(), "SignOut", caller.name(), "ok", "", None).await;
        }
        Ok(())
    }
}
