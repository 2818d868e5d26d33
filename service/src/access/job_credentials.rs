//! Short-lived credentials for a job's attempt (`domain::job_credentials`, ARCHITECTURE.md §17).
//! Nothing is stored: the session token is the claims sealed with the server key, so it cannot
//! be forged or read, and a key is valid exactly while the store says its attempt runs.

use super::keys::{KeyCredentials, new_secret};
use super::secrets::random_bytes;
use crate::batch::Batch;
use crate::error::ServiceResult;
use crate::store::entities::jobs;
use crate::store::{jobs as job_rows, users};
use domain::JobStatus;
use domain::access::Caller;
use domain::container::ContainerProperties;
use domain::job_credentials::{SessionClaims, acting_role, credential_environment, job_role};

/// Temporary keys start `ASIA`, as AWS's do; long-lived ones `AKIA`.
pub const SESSION_KEY_PREFIX: &str = "ASIA";

fn new_session_key_id() -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = random_bytes::<16>().iter().map(|b| ALPHABET[usize::from(b % 32)] as char).collect();
    format!("{SESSION_KEY_PREFIX}{tail}")
}

impl Batch {
    /// The variables giving `job`'s current attempt credentials, when its container's
    /// `jobRoleArn` names one of this service's roles; none otherwise.
    pub(crate) fn job_credentials_environment(&self, job: &jobs::Model, properties: &ContainerProperties) -> Vec<(String, String)> {
        let Some(role) = properties.aws_fields.get("jobRoleArn").and_then(|arn| arn.as_str()).and_then(job_role) else {
            return Vec::new();
        };
        let claims = SessionClaims {
            job_id: job.id.clone(),
            attempt: job.attempt_count,
            submitted_by: job.submitted_by.clone(),
            role,
            access_key_id: new_session_key_id(),
            secret_access_key: new_secret(),
        };
        let token = self.config.server_key.seal(&serde_json::to_string(&claims).expect("claims serialize"));
        credential_environment(&claims, &token, &self.config.job_endpoint, &self.config.region)
    }

    /// Who signs with a session key: `None` unless the token was sealed here for this key, its
    /// attempt is still the job's and still runs, and its submitter is still enabled.
    pub async fn session_credentials(&self, access_key_id: &str, session_token: &str) -> ServiceResult<Option<KeyCredentials>> {
        let Some(claims) = self.config.server_key.open(session_token).and_then(|text| serde_json::from_str::<SessionClaims>(&text).ok())
        else {
            return Ok(None);
        };
        if claims.access_key_id != access_key_id {
            return Ok(None);
        }
        let job = job_rows::find_many(self.db(), &[claims.job_id.as_str()]).await?.into_iter().next();
        let live =
            job.is_some_and(|job| matches!(*job.status, JobStatus::Starting | JobStatus::Running) && job.attempt_count == claims.attempt);
        if !live {
            return Ok(None);
        }
        let Some(user) = users::find_by_username(self.db(), &claims.submitted_by).await?.filter(|user| !user.disabled) else {
            return Ok(None);
        };
        let role = acting_role(*user.role, claims.role);
        Ok(Some(KeyCredentials { secret_access_key: claims.secret_access_key, caller: Caller::user(user.id.into(), user.username, role) }))
    }
}
