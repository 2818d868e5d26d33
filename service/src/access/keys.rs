//! Access keys for the AWS-compatible API: an access key id and a secret, the secret shown
//! once and kept sealed with the server key (SigV4 needs it to recompute signatures).

use super::secrets::random_bytes;
use crate::batch::{Batch, now_ms};
use crate::error::{ServiceError, ServiceResult};
use crate::store::entities::{access_keys, users};
use base64::Engine;
use domain::access::{AccessKeyView, Action, Caller, Identity, NewAccessKey, Role};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};

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
fn new_secret() -> String {
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
            let active = access_keys::Entity::find()
                .filter(access_keys::Column::UserId.eq(user_id))
                .filter(access_keys::Column::RevokedAt.is_null())
                .count(&self.db)
                .await?;
            if active >= MAX_ACTIVE_KEYS {
                return Err(ServiceError::Conflict(format!(
                    "accessKey: {} already has {MAX_ACTIVE_KEYS} active access keys; revoke one first",
                    caller.name()
                )));
            }
            let key = NewAccessKey { access_key_id: new_access_key_id(), secret_access_key: new_secret(), created_at: now_ms() };
            access_keys::ActiveModel {
                access_key_id: Set(key.access_key_id.clone()),
                user_id: Set(user_id),
                secret_encrypted: Set(self.config.server_key.seal(&key.secret_access_key)),
                created_at: Set(key.created_at),
                last_used_at: Set(None),
                revoked_at: Set(None),
            }
            .insert(&self.db)
            .await?;
            Ok(key)
        })
        .await
    }

    /// The caller's own keys, newest first, revoked ones included (with when).
    pub async fn list_access_keys(&self, caller: &Caller) -> ServiceResult<Vec<AccessKeyView>> {
        self.guarded(caller, Action::Read, "", async {
            let user_id = identity(caller)?.user_id;
            Ok(access_keys::Entity::find()
                .filter(access_keys::Column::UserId.eq(user_id))
                .order_by_desc(access_keys::Column::CreatedAt)
                .all(&self.db)
                .await?
                .into_iter()
                .map(key_view)
                .collect())
        })
        .await
    }

    /// Revokes one of the caller's keys (an admin may revoke anyone's). Takes effect at once.
    pub async fn revoke_access_key(&self, caller: &Caller, access_key_id: &str) -> ServiceResult<()> {
        self.guarded(caller, Action::ManageOwnAccessKeys, access_key_id, async {
            let owner = identity(caller)?.user_id;
            let key = access_keys::Entity::find_by_id(access_key_id)
                .one(&self.db)
                .await?
                .filter(|key| i64::from(key.user_id) == owner || caller.may(Action::ManageUsers))
                .ok_or_else(|| ServiceError::not_found("access key", access_key_id))?;
            if key.revoked_at.is_none() {
                let mut row: access_keys::ActiveModel = key.into();
                row.revoked_at = Set(Some(now_ms()));
                row.update(&self.db).await?;
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
        access_keys::Entity::update_many()
            .col_expr(access_keys::Column::LastUsedAt, Expr::value(now))
            .filter(access_keys::Column::AccessKeyId.eq(access_key_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn read_access_key_credentials(&self, access_key_id: &str) -> ServiceResult<Option<KeyCredentials>> {
        // Key and owner in one query: every signed request starts here.
        let owner = access_keys::Entity::belongs_to(users::Entity).from(access_keys::Column::UserId).to(users::Column::Id).into();
        let row: Option<(String, Option<i64>, Option<i64>, i32, String, String, bool)> = access_keys::Entity::find_by_id(access_key_id)
            .select_only()
            .columns([access_keys::Column::SecretEncrypted, access_keys::Column::LastUsedAt, access_keys::Column::RevokedAt])
            .column_as(users::Column::Id, "owner_id")
            .column(users::Column::Username)
            .column(users::Column::Role)
            .column(users::Column::Disabled)
            .join(JoinType::InnerJoin, owner)
            .into_tuple()
            .one(&self.db)
            .await?;
        let Some((sealed, last_used_at, revoked_at, user_id, username, role, disabled)) = row else {
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
        let role = Role::parse(&role).unwrap_or(Role::Viewer);
        Ok(Some(KeyCredentials { secret_access_key: secret, caller: Caller::user(user_id.into(), username, role) }))
    }
}
