//! Who may do what: the three roles, the actions they guard, and the caller of a use case.
//!
//! The service layer checks `Caller::may` at the top of every use case, whatever the transport
//! (console, server function, AWS-compatible API, command line); the console uses the same
//! rule to hide the buttons a role may not use.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A team member's role. Each role includes everything the roles below it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read-only.
    Viewer,
    /// Job definitions; submit, cancel, terminate jobs.
    Operator,
    /// Users, compute environments, job queues, everything.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Operator, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a caller can ask of the service. Reads are one action; each mutation is its own,
/// so the audit log names exactly what was attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    CreateComputeEnvironment,
    UpdateComputeEnvironment,
    DeleteComputeEnvironment,
    CreateJobQueue,
    UpdateJobQueue,
    DeleteJobQueue,
    CreateSchedulingPolicy,
    UpdateSchedulingPolicy,
    DeleteSchedulingPolicy,
    CreateConsumableResource,
    UpdateConsumableResource,
    DeleteConsumableResource,
    RegisterJobDefinition,
    DeregisterJobDefinition,
    SubmitJob,
    CancelJob,
    TerminateJob,
    TagResource,
    UntagResource,
    /// Create, change the role of, disable, enable, or reset the password of a user; read the
    /// audit log.
    ManageUsers,
    /// Create, list or revoke one's own access keys.
    ManageOwnAccessKeys,
    /// Create or delete named secrets (their values are never read back).
    ManageSecrets,
}

impl Action {
    /// The least role that may perform this action.
    pub fn required_role(self) -> Role {
        use Action::*;
        match self {
            Read | ManageOwnAccessKeys => Role::Viewer,
            RegisterJobDefinition | DeregisterJobDefinition | SubmitJob | CancelJob | TerminateJob => Role::Operator,
            // Tags live on environments and queues as well as jobs and definitions; tagging is
            // an operator's action, as in AWS's managed BatchOperator-style policies.
            TagResource | UntagResource => Role::Operator,
            CreateComputeEnvironment
            | UpdateComputeEnvironment
            | DeleteComputeEnvironment
            | CreateJobQueue
            | UpdateJobQueue
            | DeleteJobQueue
            | CreateSchedulingPolicy
            | UpdateSchedulingPolicy
            | DeleteSchedulingPolicy
            | CreateConsumableResource
            | UpdateConsumableResource
            | DeleteConsumableResource
            | ManageUsers
            | ManageSecrets => Role::Admin,
        }
    }

    /// The AWS-style operation name, used in the audit log.
    pub fn name(self) -> &'static str {
        use Action::*;
        match self {
            Read => "Read",
            CreateComputeEnvironment => "CreateComputeEnvironment",
            UpdateComputeEnvironment => "UpdateComputeEnvironment",
            DeleteComputeEnvironment => "DeleteComputeEnvironment",
            CreateJobQueue => "CreateJobQueue",
            UpdateJobQueue => "UpdateJobQueue",
            DeleteJobQueue => "DeleteJobQueue",
            CreateSchedulingPolicy => "CreateSchedulingPolicy",
            UpdateSchedulingPolicy => "UpdateSchedulingPolicy",
            DeleteSchedulingPolicy => "DeleteSchedulingPolicy",
            CreateConsumableResource => "CreateConsumableResource",
            UpdateConsumableResource => "UpdateConsumableResource",
            DeleteConsumableResource => "DeleteConsumableResource",
            RegisterJobDefinition => "RegisterJobDefinition",
            DeregisterJobDefinition => "DeregisterJobDefinition",
            SubmitJob => "SubmitJob",
            CancelJob => "CancelJob",
            TerminateJob => "TerminateJob",
            TagResource => "TagResource",
            UntagResource => "UntagResource",
            ManageUsers => "ManageUsers",
            ManageOwnAccessKeys => "ManageOwnAccessKeys",
            ManageSecrets => "ManageSecrets",
        }
    }
}

/// Who is calling a use case. Built by a transport after it has authenticated the request
/// (session cookie, SigV4 signature, or the local command line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Caller {
    Anonymous,
    User(Identity),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
}

impl Caller {
    pub fn user(user_id: i64, username: impl Into<String>, role: Role) -> Caller {
        Caller::User(Identity { user_id, username: username.into(), role })
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Caller::Anonymous => None,
            Caller::User(identity) => Some(identity.role),
        }
    }

    /// The name written into the audit log and into a job's `submittedBy`.
    pub fn name(&self) -> &str {
        match self {
            Caller::Anonymous => "anonymous",
            Caller::User(identity) => &identity.username,
        }
    }

    pub fn may(&self, action: Action) -> bool {
        self.role().is_some_and(|role| role >= action.required_role())
    }
}

// What the console and the service exchange about people and keys.

/// A user as the admin pages show it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
}

/// Never prints the password.
impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser").field("username", &self.username).field("role", &self.role).finish_non_exhaustive()
    }
}

/// A key just created: the only time its secret is shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewAccessKey {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeyView {
    pub access_key_id: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// One audit record, as the admin's audit page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
    pub client: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_may_do_nothing_not_even_read() {
        assert!(!Caller::Anonymous.may(Action::Read));
        assert!(!Caller::Anonymous.may(Action::ManageOwnAccessKeys));
    }

    #[test]
    fn roles_include_the_roles_below_them() {
        let viewer = Caller::user(1, "v", Role::Viewer);
        let operator = Caller::user(2, "o", Role::Operator);
        let admin = Caller::user(3, "a", Role::Admin);
        assert!(viewer.may(Action::Read) && !viewer.may(Action::SubmitJob));
        assert!(operator.may(Action::SubmitJob) && operator.may(Action::RegisterJobDefinition));
        assert!(!operator.may(Action::CreateJobQueue) && !operator.may(Action::ManageUsers));
        assert!(admin.may(Action::CreateComputeEnvironment) && admin.may(Action::SubmitJob));
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
