//! People and access: users, their sign-in sessions, their API access keys, and the audit log.

use crate::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000002_access"
    }
}

/// Sessions and keys go with their user.
fn owned_by_user(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_user_id"))
        .from(table, "user_id")
        .to("users", "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("username", 64))
                    // An argon2id PHC string: algorithm, parameters, salt and hash together.
                    .col(text("password_hash"))
                    .col(string_len("role", 16))
                    .col(boolean("disabled"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .check(Expr::cust("role IN ('viewer', 'operator', 'admin')"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    // SHA-256 of the cookie's token: a leaked table does not leak sessions.
                    .col(string_len("token_hash", 64).primary_key())
                    .col(integer("user_id"))
                    .col(big_integer("created_at"))
                    .col(big_integer("last_seen_at"))
                    .col(big_integer("expires_at"))
                    .foreign_key(&mut owned_by_user("sessions"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_sessions_user", "sessions", &["user_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("access_keys")
                    .col(string_len("access_key_id", 32).primary_key())
                    .col(integer("user_id"))
                    // The secret, encrypted with the server key (SigV4 needs the secret itself,
                    // so it cannot be hashed): base64 of nonce || ciphertext.
                    .col(text("secret_encrypted"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("last_used_at"))
                    .col(big_integer_null("revoked_at"))
                    .foreign_key(&mut owned_by_user("access_keys"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_access_keys_user", "access_keys", &["user_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(pk_auto("id"))
                    .col(big_integer("at"))
                    .col(string_len("actor", 64))
                    .col(string_len("action", 64))
                    .col(string_len("target", 512))
                    // ok | forbidden | invalid | refused | failed | throttled
                    .col(string_len("outcome", 16))
                    .col(text("detail"))
                    .col(string_len_null("client", 64))
                    .to_owned(),
            )
            .await?;
        // Sign-in throttling counts recent failures per account and per client address.
        manager.create_index(index("idx_audit_action_target_at", "audit_log", &["action", "target", "at"])).await?;
        manager.create_index(index("idx_audit_action_client_at", "audit_log", &["action", "client", "at"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["audit_log", "access_keys", "sessions", "users"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
