//! Access keys for the AWS-compatible API: an access key id and a secret, the secret shown
//! once and kept sealed with the server key (SigV4 needs it to recompute signatures).

use super::secrets::random_bytes;
use crate::batch::{Batch, now_ms};
use crate::error::{ServiceError, ServiceResult};
use crate::store::access_keys as key_store;
use crate::store::entities::access_keys;
use base64::Engine;
use domain::access::{AccessKeyView, Action, Caller, Identity, NewAccessKey};
use sea_orm::Set;

/// As in IAM: two active keys per user are enough to rotate without downtime.
pub const MAX_ACTIVE_KEYS: u64 = 2;
const TOUCH_EVERY_MS: i64 = 60_000;

/// What a SigV4 check needs: the secret, and who signs with it.
#[derive(Clone)]
pub struct KeyCredentials {
    pub secret_access_key: String,
    pub caller: Caller,
}

/// `AKIA` + 16 characters of base32, the shape AWS tools expect.
fn new_access_key_id() -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let random = random_bytes::<16>();
    let tail: String = random.iter().map(|b| ALPHABET[usize::from(b % 32)] as char).collect();
    format!("AKIA{tail}")
}

/// 40 characters of base64, like an AWS secret access key.
pub(super) fn new_secret() -> String {
    base64::engine::general_purpose::STANDARD.encode(random_bytes::<30>())
}

fn identity(caller: &Caller) -> ServiceResult<&Identity> {
    match caller {
        Caller::User(identity) => Ok(identity),
        Caller::Anonymous => Err(ServiceError::Forbidden("sign in first".into())),
    }
}

fn key_view(row: access_keys::Model) -> AccessKeyView {
    AccessKeyView {
        access_key_id: row.access_key_id,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}

impl Batch {
    pub async fn create_access_key(&self, caller: &Caller) -> ServiceResult<NewAccessKey> {
        self.guarded(caller, Action::ManageOwnAccessKeys, caller.name(), async {
            let user_id = i32::try_from(identity(caller)?.user_id).map_err(|_| ServiceError::not_found("user", caller.name()))?;
            let active = key_store::count_active_for_user(&self.db, user_id).await?;
            if active >= MAX_ACTIVE_KEYS {
                return Err(ServiceError::Conflict(format!(
                    "accessKey: {} already has {MAX_ACTIVE_KEYS} active access keys; revoke one first",
                    caller.name()
                )));
            }
            let key = NewAccessKey { access_key_id: new_access_key_id(), secret_access_key: new_secret(), created_at: now_ms() };
            let row = access_keys::ActiveModel {
                access_key_id: Set(key.access_key_id.clone()),
                user_id: Set(user_id),
                secret_encrypted: Set(self.config.server_key.seal(&key.secret_access_key)),
                created_at: Set(key.created_at),
                last_used_at: Set(None),
                revoked_at: Set(None),
            };
            key_store::insert(&self.db, row).await?;
            Ok(key)
        })
        .await
    }

    /// The caller's own keys, newest first, revoked ones included (with when).
    pub async fn list_access_keys(&self, caller: &Caller) -> ServiceResult<Vec<AccessKeyView>> {
        self.guarded(caller, Action::Read, "", async {
            let user_id = identity(caller)?.user_id;
            Ok(key_store::list_for_user(&self.db, user_id).await?.into_iter().map(key_view).collect())
        })
        .await
    }

    /// Revokes one of the caller's keys (an admin may revoke anyone's). Takes effect at once.
    pub async fn revoke_access_key(&self, caller: &Caller, access_key_id: &str) -> ServiceResult<()> {
        self.guarded(caller, Action::ManageOwnAccessKeys, access_key_id, async {
            let owner = identity(caller)?.user_id;
            let key = key_store::find(&self.db, access_key_id)
                .await?
                .filter(|key| i64::from(key.user_id) == owner || caller.may(Action::ManageUsers))
                .ok_or_else(|| ServiceError::not_found("access key", access_key_id))?;
            if key.revoked_at.is_none() {
                key_store::revoke(&self.db, key, now_ms()).await?;
            }
            Ok(())
        })
        .await
    }

    /// The secret and owner of an active key, for checking a SigV4 signature; None when the key
    /// does not exist, is revoked, or its user is disabled.
    pub async fn access_key_credentials(&self, access_key_id: &str) -> ServiceResult<Option<KeyCredentials>> {
        self.catalog.credentials.get_or_read(access_key_id, self.read_access_key_credentials(access_key_id)).await
    }

    /// A request signed with `access_key_id` verified: stamps the key's last use (once a minute
    /// at most, so a busy key costs no write per request). Never before the signature verifies:
    /// a forger who knows only the key id must not be able to move it.
    pub async fn access_key_used(&self, access_key_id: &str) -> ServiceResult<()> {
        let now = now_ms();
        {
            let mut touched = self.catalog.keys_touched.lock().expect("keys touched");
            let last = touched.entry(access_key_id.to_string()).or_insert(0);
            if now - *last <= TOUCH_EVERY_MS {
                return Ok(());
            }
            *last = now;
        }
        key_store::touch_last_used(&self.db, access_key_id, now).await?;
        Ok(())
    }

    async fn read_access_key_credentials(&self, access_key_id: &str) -> ServiceResult<Option<KeyCredentials>> {
        // Key and owner in one query: every signed request starts here.
        let Some(key_store::KeyWithOwner { secret_encrypted: sealed, last_used_at, revoked_at, user_id, username, role, disabled }) =
            key_store::find_with_owner(&self.db, access_key_id).await?
        else {
            return Ok(None);
        };
        if revoked_at.is_some() || disabled {
            return Ok(None);
        }
        let Some(secret) = self.config.server_key.open(&sealed) else {
            tracing::error!(access_key_id, "an access key's secret does not open with this server key (was secret_key changed?)");
            return Ok(None);
        };
        if let Some(used) = last_used_at {
            self.catalog.keys_touched.lock().expect("keys touched").entry(access_key_id.to_string()).or_insert(used);
        }
        Ok(Some(KeyCredentials { secret_access_key: secret, caller: Caller::user(user_id.into(), username, role) }))
    }
}
