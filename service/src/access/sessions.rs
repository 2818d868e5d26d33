//! Sign-in, sessions and sign-out. Sessions live in the database so that any replica serves
//! them and signing out (or disabling the user) ends them everywhere at once.

use super::passwords::{DECOY_HASH, MAX_PASSWORD_LEN, verify_in_pool};
use super::secrets::{new_token, token_hash};
use super::sign_in_gate::Attempt;
use super::users::user_view;
use crate::batch::{Batch, now_ms};
use crate::error::{ServiceError, ServiceResult};
use crate::store::entities::sessions;
use crate::store::{audit_log as audit_store, sessions as session_store, users as user_store};
use domain::access::Caller;
use domain::sign_in_throttle::{PER_ACCOUNT, PER_CLIENT, Throttle, WINDOW_MS};
use sea_orm::Set;

/// A session ends after this long without a request...
pub const SESSION_IDLE_MS: i64 = 12 * 3_600_000;
/// ...and after this long whatever happens.
pub const SESSION_ABSOLUTE_MS: i64 = 7 * 24 * 3_600_000;
/// `last_seen_at` is written at most this often, so reading pages does not mean a write each.
const TOUCH_EVERY_MS: i64 = 60_000;

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
        // Decided under the gate, with the attempts still being checked counted as failures:
        // fifty parallel guesses cannot all pass the check before the first failure is stored.
        let attempt = {
            let _turn = self.catalog.sign_ins.turn().await;
            if let Some(wait) = self.sign_in_wait(username, client).await? {
                let message = format!("too many failed sign-ins; try again in {} second(s)", (wait + 999) / 1000);
                self.audit(username, SIGN_IN, username, "throttled", &message, client).await;
                return Err(ServiceError::Unauthenticated(message));
            }
            Attempt::begin(&self.catalog.sign_ins, username, client)
        };
        let user = user_store::find_by_username(&self.db, username).await?;
        let hash = user.as_ref().map_or_else(|| DECOY_HASH.clone(), |u| u.password_hash.clone());
        let password = password.chars().take(MAX_PASSWORD_LEN + 1).collect::<String>();
        let matches = verify_in_pool(&password, hash).await;
        let user = match user {
            Some(user) if matches => user,
            _ => {
                // Stored before the attempt stops counting as in flight.
                self.audit(username, SIGN_IN, username, "failed", WRONG_CREDENTIALS, client).await;
                drop(attempt);
                return Err(ServiceError::Unauthenticated(WRONG_CREDENTIALS.into()));
            }
        };
        drop(attempt);
        if user.disabled {
            self.audit(username, SIGN_IN, username, "failed", "the account is disabled", client).await;
            return Err(ServiceError::Unauthenticated("this account is disabled; ask an admin".into()));
        }
        let token = new_token();
        let now = now_ms();
        let expires_at = now + SESSION_ABSOLUTE_MS;
        let session = sessions::ActiveModel {
            token_hash: Set(token_hash(&token)),
            user_id: Set(user.id),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(expires_at),
        };
        session_store::insert(&self.db, session).await?;
        self.audit(username, SIGN_IN, username, "ok", "", client).await;
        let view = user_view(user);
        Ok(NewSession { token, caller: Caller::user(view.id, view.username, view.role), expires_at })
    }

    /// Milliseconds until sign-in is allowed again, or None when it is allowed now: the
    /// failures in the window (stored, and in flight in this process) per account and per client.
    async fn sign_in_wait(&self, username: &str, client: Option<&str>) -> ServiceResult<Option<i64>> {
        let now = now_ms();
        let wait = |throttle: Throttle, times: Vec<i64>, in_flight: u64| {
            let since_last = if in_flight > 0 { 0 } else { times.first().map_or(i64::MAX, |at| now - at) };
            throttle.wait_ms(times.len() as u64 + in_flight, since_last)
        };
        let (account_flight, client_flight) = self.catalog.sign_ins.in_flight(username, client);
        let per_account = audit_store::failure_times_by_target(&self.db, SIGN_IN, username, now - WINDOW_MS).await?;
        let mut longest = wait(PER_ACCOUNT, per_account, account_flight);
        if let Some(client) = client {
            let per_client = audit_store::failure_times_by_client(&self.db, SIGN_IN, client, now - WINDOW_MS).await?;
            longest = longest.max(wait(PER_CLIENT, per_client, client_flight));
        }
        Ok(longest)
    }

    /// The signed-in caller for a session token, or Anonymous when the session does not exist,
    /// has expired (idle or absolute), or its user is disabled.
    pub async fn session_caller(&self, token: &str) -> ServiceResult<Caller> {
        let now = now_ms();
        let Some(session) = session_store::find_by_token_hash(&self.db, &token_hash(token)).await? else {
            return Ok(Caller::Anonymous);
        };
        if session.expires_at <= now || session.last_seen_at + SESSION_IDLE_MS <= now {
            session_store::delete(&self.db, &session.token_hash).await?;
            return Ok(Caller::Anonymous);
        }
        let Some(user) = user_store::find_by_id(&self.db, session.user_id).await? else {
            return Ok(Caller::Anonymous);
        };
        if user.disabled {
            return Ok(Caller::Anonymous);
        }
        if now - session.last_seen_at > TOUCH_EVERY_MS {
            session_store::touch_last_seen(&self.db, session, now).await?;
        }
        let role = *user.role;
        Ok(Caller::user(user.id.into(), user.username, role))
    }

    /// Ends the session server-side: every browser holding its cookie is signed out.
    pub async fn sign_out(&self, caller: &Caller, token: &str) -> ServiceResult<()> {
        let ended = session_store::delete(&self.db, &token_hash(token)).await?;
        if ended > 0 {
            self.audit(caller.name(), "SignOut", caller.name(), "ok", "", None).await;
        }
        Ok(())
    }
}
