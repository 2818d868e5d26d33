//! Users: the first administrator, and the admin's use cases (create, list, change role,
//! disable, reset password).

use super::passwords::{check_password_rules, hash_in_pool};
use crate::batch::{Batch, now_ms};
use crate::error::{ServiceError, ServiceResult, conflict_on_unique};
use crate::store::entities::users;
use crate::store::{sessions as session_store, users as user_store};
use domain::FieldError;
use domain::access::{Action, Caller, NewUser, Role, UserView};
use sea_orm::{Set, TransactionTrait};

pub const MAX_USERNAME_LEN: usize = 64;

pub(crate) fn check_username(username: &str) -> Result<(), FieldError> {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || "_.@-".contains(c);
    if username.is_empty() || username.len() > MAX_USERNAME_LEN {
        return Err(FieldError::new("username", format!("must be 1 to {MAX_USERNAME_LEN} characters long")));
    }
    if !username.chars().all(valid_char) {
        return Err(FieldError::new("username", "may contain only letters, digits, '_', '.', '@' and '-'"));
    }
    Ok(())
}

pub(crate) fn user_view(row: users::Model) -> UserView {
    UserView { id: row.id.into(), role: *row.role, username: row.username, disabled: row.disabled, created_at: row.created_at }
}

impl Batch {
    /// Whether anyone can sign in yet; while not, the set-up page offers to create the first
    /// administrator.
    pub async fn has_users(&self) -> ServiceResult<bool> {
        Ok(user_store::any_exists(&self.db).await?)
    }

    /// Creates the first administrator, only while no user exists: one statement that inserts
    /// nothing when a user appeared meanwhile, so two racing set-ups cannot both succeed.
    pub async fn create_first_admin(&self, username: &str, password: &str, client: Option<&str>) -> ServiceResult<UserView> {
        check_username(username)?;
        check_password_rules("password", password)?;
        // Refused before any hashing once a user exists: the endpoint is public.
        if self.has_users().await? {
            let result = Err(ServiceError::Conflict("the first administrator already exists; sign in instead".into()));
            let (outcome, detail) = super::audit::outcome_of(&result);
            self.audit(username, "CreateFirstAdmin", username, outcome, &detail, client).await;
            return result;
        }
        let hash = hash_in_pool(password).await;
        let now = now_ms();
        let inserted = user_store::insert_first_admin_if_none(&self.db, username, &hash, now).await?;
        let result = if inserted {
            self.user_by_name(username).await.map(user_view)
        } else {
            Err(ServiceError::Conflict("the first administrator already exists; sign in instead".into()))
        };
        let (outcome, detail) = super::audit::outcome_of(&result);
        self.audit(username, "CreateFirstAdmin", username, outcome, &detail, client).await;
        result
    }

    pub async fn create_user(&self, caller: &Caller, input: NewUser) -> ServiceResult<UserView> {
        self.guarded(caller, Action::ManageUsers, &input.username, async {
            check_username(&input.username)?;
            check_password_rules("password", &input.password)?;
            let now = now_ms();
            let row = users::ActiveModel {
                username: Set(input.username.clone()),
                password_hash: Set(hash_in_pool(&input.password).await),
                role: Set(input.role.into()),
                disabled: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            let row = user_store::insert(&self.db, row)
                .await
                .map_err(|e| conflict_on_unique(e, || format!("username: a user named {} already exists", input.username)))?;
            Ok(user_view(row))
        })
        .await
    }

    pub async fn list_users(&self, caller: &Caller) -> ServiceResult<Vec<UserView>> {
        self.guarded(caller, Action::ManageUsers, "", async { Ok(user_store::list(&self.db).await?.into_iter().map(user_view).collect()) })
            .await
    }

    pub async fn set_user_role(&self, caller: &Caller, username: &str, role: Role) -> ServiceResult<UserView> {
        self.guarded(caller, Action::ManageUsers, username, async {
            let user = self.user_by_name(username).await?;
            if role != Role::Admin {
                self.refuse_losing_last_admin(&user).await?;
            }
            self.update_user(user, |row| row.role = Set(role.into()), false).await
        })
        .await
    }

    /// A disabled user's sessions end at once; their access keys stop working because every
    /// key check reads the user's `disabled` flag.
    pub async fn set_user_disabled(&self, caller: &Caller, username: &str, disabled: bool) -> ServiceResult<UserView> {
        self.guarded(caller, Action::ManageUsers, username, async {
            let user = self.user_by_name(username).await?;
            if disabled {
                self.refuse_losing_last_admin(&user).await?;
            }
            self.update_user(user, |row| row.disabled = Set(disabled), disabled).await
        })
        .await
    }

    /// Sets a new password and ends the user's sessions.
    pub async fn reset_password(&self, caller: &Caller, username: &str, new_password: &str) -> ServiceResult<UserView> {
        self.guarded(caller, Action::ManageUsers, username, async {
            check_password_rules("password", new_password)?;
            let user = self.user_by_name(username).await?;
            let hash = hash_in_pool(new_password).await;
            self.update_user(user, |row| row.password_hash = Set(hash), true).await
        })
        .await
    }

    async fn update_user(
        &self,
        user: users::Model,
        change: impl FnOnce(&mut users::ActiveModel),
        end_sessions: bool,
    ) -> ServiceResult<UserView> {
        let txn = self.db.begin().await?;
        let user_id = user.id;
        let mut row: users::ActiveModel = user.into();
        change(&mut row);
        row.updated_at = Set(now_ms());
        let updated = user_store::update(&txn, row).await?;
        if end_sessions {
            session_store::delete_for_user(&txn, user_id).await?;
        }
        txn.commit().await?;
        Ok(user_view(updated))
    }

    /// Nobody could manage users any more: refused.
    async fn refuse_losing_last_admin(&self, user: &users::Model) -> ServiceResult<()> {
        if user.role != Role::Admin || user.disabled {
            return Ok(());
        }
        let active_admins = user_store::count_active_admins(&self.db).await?;
        if active_admins <= 1 {
            return Err(ServiceError::Conflict(format!("{} is the last active admin; make another admin first", user.username)));
        }
        Ok(())
    }

    /// The caller a user is, for a trusted local transport (the server's command line) that
    /// acts as them.
    pub async fn caller_for_user(&self, username: &str) -> ServiceResult<Caller> {
        let user = user_view(self.user_by_name(username).await?);
        Ok(Caller::user(user.id, user.username, user.role))
    }

    pub(crate) async fn user_by_name(&self, username: &str) -> ServiceResult<users::Model> {
        user_store::find_by_username(&self.db, username).await?.ok_or_else(|| ServiceError::not_found("user", username))
    }
}
