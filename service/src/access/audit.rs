//! The audit log: every sign-in, failed sign-in and mutation (who, what, when, outcome), and the
//! guard every use case runs behind.

use crate::batch::{Batch, now_ms};
use crate::error::{ServiceError, ServiceResult};
use crate::store::audit_log as audit_store;
use crate::store::entities::audit_log;
use domain::access::{Action, AuditRecord, Caller};
use sea_orm::{DatabaseConnection, DbErr, Set};
use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    /// Why the person acting did it, when they said so (the console's optional reason on a
    /// destructive action): the detail of the audit record of each change made meanwhile.
    static REASON: String;
    /// Set by a use case that committed the record of its success with its change
    /// (`Batch::success_record`): the guard then writes none.
    static RECORDED_WITH_CHANGE: Cell<bool>;
}

/// The most characters of a reason kept.
pub const REASON_CHARS: usize = 500;

/// Runs `work` with `reason` written beside every change it makes into the audit log (trimmed,
/// at most `REASON_CHARS`; an empty reason is none). A scope, not a parameter: every use case
/// takes a reason without one more argument, whatever transport calls it.
pub async fn because<T>(reason: &str, work: impl Future<Output = T>) -> T {
    REASON.scope(reason.trim().chars().take(REASON_CHARS).collect(), work).await
}

/// How an attempt ended, as the audit log spells it: a change that went through says why, if
/// it was said.
pub(crate) fn outcome_of<T>(result: &ServiceResult<T>) -> (&'static str, String) {
    match result {
        Ok(_) => ("ok", REASON.try_with(|r| if r.is_empty() { String::new() } else { format!("reason: {r}") }).unwrap_or_default()),
        Err(ServiceError::Forbidden(message)) => ("forbidden", message.clone()),
        Err(ServiceError::Invalid(error)) => ("invalid", error.to_string()),
        Err(error @ (ServiceError::NotFound { .. } | ServiceError::Conflict(_))) => ("refused", error.to_string()),
        Err(ServiceError::Unauthenticated(message)) => ("failed", message.clone()),
        Err(error @ ServiceError::Store(_)) => ("error", error.to_string()),
    }
}

impl Batch {
    /// Runs a use case for `caller` if its role allows `action`; otherwise refuses with
    /// `Forbidden` before anything is read or written. Mutations are audited with their outcome.
    pub(crate) async fn guarded<T>(
        &self,
        caller: &Caller,
        action: Action,
        target: &str,
        work: impl Future<Output = ServiceResult<T>>,
    ) -> ServiceResult<T> {
        let (result, recorded) = if caller.may(action) {
            RECORDED_WITH_CHANGE.scope(Cell::new(false), async { (work.await, RECORDED_WITH_CHANGE.with(Cell::get)) }).await
        } else {
            (Err(forbidden(caller, action)), false)
        };
        if crate::catalog::changes_catalog(action) {
            self.catalog.forget();
        }
        if action != Action::Read {
            // Some changes write no job history (an environment enabled, a queue's order): a
            // pass must see them at once, not at the quiet scheduler's next full pass.
            if result.is_ok() {
                self.notify_work();
            }
            if !(recorded && result.is_ok()) {
                let (outcome, detail) = outcome_of(&result);
                self.audit(caller.name(), action.name(), target, outcome, &detail, None).await;
            }
        }
        result
    }

    /// The record the guard writes when `action` on `target` succeeds, for a use case that
    /// commits it in the same write as its change (one commit, not two). Call
    /// `recorded_with_change` once that write is committed; until then the guard still writes it.
    pub(crate) fn success_record(caller: &Caller, action: Action, target: &str) -> audit_log::ActiveModel {
        let (_, detail) = outcome_of(&Ok(()));
        record(caller.name(), action.name(), target, "ok", &detail, None)
    }

    /// Writes one audit record. A failure to write it is logged, not returned: the action it
    /// describes has already happened.
    pub(crate) async fn audit(&self, actor: &str, action: &str, target: &str, outcome: &str, detail: &str, client: Option<&str>) {
        if let Err(error) = self.audit_records.write(record(actor, action, target, outcome, detail, client)).await {
            tracing::error!(%error, actor, action, target, outcome, "could not write the audit record");
        }
    }

    /// The newest records first, `limit` at a time, before the record id `before` (paging).
    pub async fn audit_log(&self, caller: &Caller, before: Option<i64>, limit: u64) -> ServiceResult<Vec<AuditRecord>> {
        self.guarded(caller, Action::Read, "", async {
            if !caller.may(Action::ManageUsers) {
                return Err(forbidden(caller, Action::ManageUsers));
            }
            Ok(audit_store::page(&self.db, before, limit.min(500))
                .await?
                .into_iter()
                .map(|row| AuditRecord {
                    id: row.id.into(),
                    at: row.at,
                    actor: row.actor,
                    action: row.action,
                    target: row.target,
                    outcome: row.outcome,
                    detail: row.detail,
                    client: row.client,
                })
                .collect())
        })
        .await
    }
}

/// The guard's change was committed with the record of its success (`Batch::success_record`).
pub(crate) fn recorded_with_change() {
    let _ = RECORDED_WITH_CHANGE.try_with(|recorded| recorded.set(true));
}

fn record(actor: &str, action: &str, target: &str, outcome: &str, detail: &str, client: Option<&str>) -> audit_log::ActiveModel {
    audit_log::ActiveModel {
        at: Set(now_ms()),
        actor: Set(truncate(actor, 64)),
        action: Set(action.into()),
        target: Set(truncate(target, 512)),
        outcome: Set(outcome.into()),
        detail: Set(detail.into()),
        client: Set(client.map(|c| truncate(c, 64))),
        ..Default::default()
    }
}

/// Writes audit records in one statement (the group commit's flush).
pub(crate) async fn insert_audit_records(db: DatabaseConnection, records: Vec<audit_log::ActiveModel>) -> Result<(), DbErr> {
    audit_store::insert_many(&db, records).await
}

pub(crate) fn forbidden(caller: &Caller, action: Action) -> ServiceError {
    match caller {
        Caller::Anonymous => ServiceError::Forbidden("sign in first".into()),
        Caller::User(identity) => ServiceError::Forbidden(format!(
            "{} ({}) may not {}: it needs the {} role",
            identity.username,
            identity.role,
            action.name(),
            action.required_role()
        )),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
