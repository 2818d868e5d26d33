//! Named secrets: created and deleted by administrators, listed by anyone signed in (names and
//! descriptions only), opened only to start a container. A value is sealed with the server key
//! before it reaches the store and is never returned by any call.

use crate::batch::{Batch, now_ms};
use crate::error::{ServiceError, ServiceResult, conflict_on_unique};
use crate::store::entities::secrets;
use crate::store::secrets as secret_store;
use domain::access::{Action, Caller};
use domain::secret::{CreateSecret, SecretReference, SecretValue, SecretView, secret_name};
use sea_orm::Set;

impl Batch {
    pub async fn create_secret(&self, caller: &Caller, input: CreateSecret) -> ServiceResult<SecretView> {
        self.guarded(caller, Action::ManageSecrets, &input.name, async {
            input.validate()?;
            let now = now_ms();
            let row = secrets::ActiveModel {
                name: Set(input.name.clone()),
                sealed_value: Set(self.config.server_key.seal(&input.value)),
                description: Set(input.description.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            let row = secret_store::insert(&self.db, row)
                .await
                .map_err(|e| conflict_on_unique(e, || format!("a secret named {} already exists; delete it first", input.name)))?;
            Ok(self.secret_view(row))
        })
        .await
    }

    pub async fn delete_secret(&self, caller: &Caller, name: &str) -> ServiceResult<()> {
        self.guarded(caller, Action::ManageSecrets, name, async {
            let deleted = secret_store::delete_by_name(&self.db, name).await?;
            if deleted == 0 {
                return Err(ServiceError::not_found("secret", name));
            }
            Ok(())
        })
        .await
    }

    pub async fn list_secrets(&self, caller: &Caller) -> ServiceResult<Vec<SecretView>> {
        self.guarded(caller, Action::Read, "", async {
            let rows = secret_store::list(self.reader()).await?;
            Ok(rows.into_iter().map(|row| self.secret_view(row)).collect())
        })
        .await
    }

    /// SubmitJob: every secret `references` names exists (values stay sealed: they are opened
    /// only to start the container).
    pub(crate) async fn check_secrets_exist(&self, field: &str, references: &[SecretReference]) -> ServiceResult<()> {
        if references.is_empty() {
            return Ok(());
        }
        let existing = secret_store::existing_names(self.reader(), referenced_names(references)).await?;
        for (i, reference) in references.iter().enumerate() {
            let name = secret_name(&reference.value_from);
            if !existing.iter().any(|e| e == name) {
                return Err(
                    domain::FieldError::new(format!("{field}.secrets[{i}].valueFrom"), format!("no secret named {name} exists")).into()
                );
            }
        }
        Ok(())
    }

    /// The rows of the secrets `references` name (the scheduler reads them once per launch pass).
    pub(crate) async fn secrets_named(&self, references: &[SecretReference]) -> Result<Vec<secrets::Model>, sea_orm::DbErr> {
        if references.is_empty() {
            return Ok(Vec::new());
        }
        secret_store::find_named(self.reader(), referenced_names(references)).await
    }

    /// The values `references` name, as environment variables, from rows already read; an
    /// error names the first that does not exist (or does not open with this server's key).
    pub(crate) fn open_from(
        &self,
        field: &str,
        references: &[SecretReference],
        rows: &[secrets::Model],
    ) -> Result<Vec<(String, SecretValue)>, domain::FieldError> {
        let mut opened = Vec::with_capacity(references.len());
        for (i, reference) in references.iter().enumerate() {
            let at = format!("{field}.secrets[{i}].valueFrom");
            let name = secret_name(&reference.value_from);
            let row = rows
                .iter()
                .find(|row| row.name == name)
                .ok_or_else(|| domain::FieldError::new(&at, format!("no secret named {name} exists")))?;
            let value = self.config.server_key.open(&row.sealed_value).ok_or_else(|| {
                tracing::error!(secret = %name, "a secret does not open with this server key (was secret_key changed?)");
                domain::FieldError::new(&at, format!("the secret {name} cannot be opened by this server"))
            })?;
            opened.push((reference.name.clone(), SecretValue(value)));
        }
        Ok(opened)
    }

    fn secret_view(&self, row: secrets::Model) -> SecretView {
        let arn = format!("arn:aws:secretsmanager:{}:{}:secret:{}", self.config.region, self.config.account_id, row.name);
        SecretView { arn, name: row.name, description: row.description, created_at: row.created_at, updated_at: row.updated_at }
    }
}

fn referenced_names(references: &[SecretReference]) -> Vec<String> {
    references.iter().map(|r| secret_name(&r.value_from).to_string()).collect()
}
