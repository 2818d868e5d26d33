//! Server functions of fair share in the console: scheduling policies (a form with the weights
//! as a table), a queue's shares and front, a waiting job's place in its queue.

#[cfg(feature = "ssr")]
use super::{caller, fail};
use domain::policy_form::PolicyForm;
use domain::share_report::QueueSharesView;
use domain::views::SchedulingPolicyDetail;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
fn batch() -> service::Batch {
    expect_context::<service::Batch>()
}

#[server]
pub async fn list_policies() -> Result<Vec<SchedulingPolicyDetail>, ServerFnError> {
    let caller = caller();
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = batch().list_scheduling_policies(&caller, None, token).await.map_err(fail)?;
        arns.extend(page.items);
        match page.next_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    let mut policies = Vec::new();
    for chunk in arns.chunks(100) {
        policies.extend(batch().describe_scheduling_policies(&caller, chunk).await.map_err(fail)?);
    }
    Ok(policies)
}

/// What saving the policy form did: the policy saved, or the input to mark and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyOutcome {
    Saved { name: String, created: bool },
    Rejected { field: String, message: String },
}

/// Creates the policy, or with `arn` updates that one (AWS does not rename a policy).
#[server]
pub async fn save_policy(form: PolicyForm, arn: Option<String>) -> Result<PolicyOutcome, ServerFnError> {
    let rejected =
        |error: domain::FieldError| PolicyOutcome::Rejected { field: PolicyForm::form_field(&error.field), message: error.to_string() };
    let arn = arn.filter(|arn| !arn.is_empty());
    let result = match &arn {
        Some(arn) => match form.to_update(arn) {
            Ok(request) => batch().update_scheduling_policy(&caller(), request).await,
            Err(error) => return Ok(rejected(error)),
        },
        None => match form.to_create() {
            Ok(request) => batch().create_scheduling_policy(&caller(), request).await,
            Err(error) => return Ok(rejected(error)),
        },
    };
    match result {
        Ok(saved) => Ok(PolicyOutcome::Saved { name: saved.name, created: arn.is_none() }),
        Err(service::ServiceError::Invalid(error)) => Ok(rejected(error)),
        Err(error) => Err(fail(error)),
    }
}

#[server]
pub async fn delete_policy(arn: String, reason: Option<String>) -> Result<(), ServerFnError> {
    service::access::audit::because(reason.as_deref().unwrap_or_default(), batch().delete_scheduling_policy(&caller(), &arn))
        .await
        .map_err(fail)
}

#[server]
pub async fn queue_shares(queue: String) -> Result<QueueSharesView, ServerFnError> {
    batch().queue_shares(&caller(), &queue).await.map_err(fail)
}

#[server]
pub async fn queue_position(queue: String, job_id: String) -> Result<Option<usize>, ServerFnError> {
    batch().queue_position(&caller(), &queue, &job_id).await.map_err(fail)
}
