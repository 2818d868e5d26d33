//! Job credentials (`jobRoleArn`): an attempt whose definition names one of this service's
//! roles gets short-lived keys for this service's API, valid only while that attempt runs, so a
//! job can submit follow-on jobs or read logs with plain boto3 and no baked-in keys.
//! ARCHITECTURE.md §17.
//!
//! The roles are IAM-shaped ARNs in the installation's account: `role/batch-operator` (submit,
//! cancel, terminate, register definitions) and `role/batch-viewer` (read). A job acts as the
//! user who submitted it with the lesser of that user's role (as it is when the job calls) and
//! the role named; never more than operator, so no job can manage users or environments.

use crate::access::Role;
use serde::{Deserialize, Serialize};

/// The role a `jobRoleArn` names, when it is one of this service's.
pub fn job_role(job_role_arn: &str) -> Option<Role> {
    let (_, name) = job_role_arn.strip_prefix("arn:aws:iam::")?.split_once(":role/")?;
    match name.rsplit('/').next()? {
        "batch-operator" => Some(Role::Operator),
        "batch-viewer" => Some(Role::Viewer),
        _ => None,
    }
}

/// What a job's calls may do: the least of the submitter's role now, the role named, operator.
pub fn acting_role(submitter: Role, named: Role) -> Role {
    submitter.min(named).min(Role::Operator)
}

/// What a session token carries (sealed with the server key, so it cannot be forged or read):
/// whose attempt it is, and the key pair it goes with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    pub job_id: String,
    pub attempt: i32,
    pub submitted_by: String,
    pub role: Role,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// The variables an attempt with credentials gets: the keys, and where this service answers
/// (`AWS_ENDPOINT_URL_BATCH` / `_LOGS`, read by boto3 1.28.57+ and the AWS CLI v2).
pub fn credential_environment(claims: &SessionClaims, session_token: &str, endpoint: &str, region: &str) -> Vec<(String, String)> {
    [
        ("AWS_ACCESS_KEY_ID", claims.access_key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", claims.secret_access_key.as_str()),
        ("AWS_SESSION_TOKEN", session_token),
        ("AWS_ENDPOINT_URL_BATCH", endpoint),
        ("AWS_ENDPOINT_URL_LOGS", endpoint),
        ("AWS_DEFAULT_REGION", region),
        ("AWS_REGION", region),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_services_roles_give_credentials() {
        assert_eq!(job_role("arn:aws:iam::000000000000:role/batch-operator"), Some(Role::Operator));
        assert_eq!(job_role("arn:aws:iam::123456789012:role/teams/batch-viewer"), Some(Role::Viewer));
        assert_eq!(job_role("arn:aws:iam::000000000000:role/ecsTaskRole"), None);
        assert_eq!(job_role("arn:aws:iam::000000000000:role/batch-admin"), None, "no job acts as an admin");
        assert_eq!(job_role("batch-operator"), None);
    }

    #[test]
    fn a_job_never_acts_above_its_submitter_nor_above_operator() {
        assert_eq!(acting_role(Role::Admin, Role::Operator), Role::Operator);
        assert_eq!(acting_role(Role::Viewer, Role::Operator), Role::Viewer);
        assert_eq!(acting_role(Role::Operator, Role::Viewer), Role::Viewer);
        for submitter in Role::ALL {
            for named in [Role::Viewer, Role::Operator] {
                let acting = acting_role(submitter, named);
                assert!(acting <= submitter && acting <= named && acting <= Role::Operator);
            }
        }
    }
}
