//! Access rules on real databases: every mutating use case against every role, sign-in,
//! throttling, sessions, access keys and the audit log.

use crate::fixtures::{TestBatch, batch_on, definition, environment, queue, submission};
use domain::access::{Action, Caller, Role};
use domain::compute_environment::UpdateComputeEnvironment;
use domain::consumable_resource::{CreateConsumableResource, UpdateConsumableResource};
use domain::job_queue::UpdateJobQueue;
use domain::scheduling_policy::{CreateSchedulingPolicy, UpdateSchedulingPolicy};
use domain::submit::{ArrayProperties, SubmitJob};
use sea_orm::{ConnectionTrait, Statement};
use service::ServiceError;
use service::access::NewUser;
use service::testing::BACKENDS;

const PASSWORD: &str = "correct horse battery";

/// A first admin, an operator and a viewer, signed in.
struct Team {
    batch: TestBatch,
    admin: Caller,
    operator: Caller,
    viewer: Caller,
}

async fn team(backend: service::testing::Backend) -> Team {
    let batch = batch_on(backend).await;
    batch.create_first_admin("root", PASSWORD, None).await.unwrap();
    let admin = batch.sign_in("root", PASSWORD, None).await.unwrap().caller;
    for (name, role) in [("olga", Role::Operator), ("vic", Role::Viewer)] {
        batch.create_user(&admin, NewUser { username: name.into(), password: PASSWORD.into(), role }).await.unwrap();
    }
    let operator = batch.sign_in("olga", PASSWORD, None).await.unwrap().caller;
    let viewer = batch.sign_in("vic", PASSWORD, None).await.unwrap().caller;
    Team { batch, admin, operator, viewer }
}

/// Everything a refused call could have written, as one comparable text.
async fn fingerprint(batch: &TestBatch) -> String {
    let db = batch.db();
    let mut out = String::new();
    for sql in [
        "SELECT name, state, max_vcpus, updated_at FROM compute_environments ORDER BY name",
        "SELECT name, state, priority, updated_at FROM job_queues ORDER BY name",
        "SELECT name, revision, status FROM job_definitions ORDER BY name, revision",
        "SELECT name, fairshare_policy, updated_at FROM scheduling_policies ORDER BY name",
        "SELECT name, total_quantity FROM consumable_resources ORDER BY name",
        "SELECT id, status, status_reason, terminate_reason FROM jobs ORDER BY id",
        "SELECT username, role, disabled, password_hash FROM users ORDER BY username",
        "SELECT access_key_id, revoked_at FROM access_keys ORDER BY access_key_id",
        "SELECT count(*) FROM sessions",
    ] {
        for row in db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap() {
            out.push_str(&format!("{row:?}\n"));
        }
    }
    out
}

/// What a use case needs to exist before it is attempted (made by the admin); returns the
/// name or id the attempt acts on. `tag` keeps names apart between callers.
async fn prepare(team: &Team, action: Action, tag: &str) -> String {
    let (batch, admin) = (&team.batch, &team.admin);
    match action {
        Action::DeleteComputeEnvironment => {
            let name = format!("gone-{tag}");
            batch.create_compute_environment(admin, environment(&name, 1)).await.unwrap();
            let disable =
                UpdateComputeEnvironment { compute_environment: name.clone(), state: Some("DISABLED".into()), ..Default::default() };
            batch.update_compute_environment(admin, disable).await.unwrap();
            name
        }
        Action::DeleteJobQueue => {
            let name = format!("gone-q-{tag}");
            let mut create = queue(&name, &["ce"]);
            create.state = Some("DISABLED".into());
            batch.create_job_queue(admin, create).await.unwrap();
            name
        }
        Action::UpdateSchedulingPolicy | Action::DeleteSchedulingPolicy => {
            let policy = CreateSchedulingPolicy {
                name: format!("p-{tag}"),
                fairshare_policy: None,
                quota_share_policy: None,
                tags: Default::default(),
            };
            batch.create_scheduling_policy(admin, policy).await.unwrap().arn
        }
        Action::UpdateConsumableResource | Action::DeleteConsumableResource => {
            let resource = CreateConsumableResource {
                consumable_resource_name: format!("r-{tag}"),
                total_quantity: Some(1),
                resource_type: None,
                tags: Default::default(),
            };
            batch.create_consumable_resource(admin, resource).await.unwrap().name
        }
        Action::DeregisterJobDefinition => {
            batch.register_job_definition(admin, definition(&format!("old-{tag}"))).await.unwrap().job_definition_arn
        }
        Action::CancelJob | Action::TerminateJob => batch.submit_job(admin, submission(&format!("victim-{tag}"))).await.unwrap().job_id,
        _ => tag.to_string(),
    }
}

/// One mutating use case, attempted by `caller` on what `prepare` made.
async fn attempt(team: &Team, action: Action, caller: &Caller, target: &str) -> Result<(), ServiceError> {
    let batch = &team.batch;
    match action {
        Action::CreateComputeEnvironment => {
            batch.create_compute_environment(caller, environment(&format!("ce-{target}"), 2)).await.map(drop)
        }
        Action::UpdateComputeEnvironment => {
            let update = UpdateComputeEnvironment { compute_environment: "ce".into(), state: Some("ENABLED".into()), ..Default::default() };
            batch.update_compute_environment(caller, update).await.map(drop)
        }
        Action::DeleteComputeEnvironment => batch.delete_compute_environment(caller, target).await,
        Action::CreateJobQueue => batch.create_job_queue(caller, queue(&format!("q-{target}"), &["ce"])).await.map(drop),
        Action::UpdateJobQueue => {
            let update = UpdateJobQueue { job_queue: "q".into(), priority: Some(7), ..Default::default() };
            batch.update_job_queue(caller, update).await.map(drop)
        }
        Action::DeleteJobQueue => batch.delete_job_queue(caller, target).await,
        Action::CreateSchedulingPolicy => {
            let policy = CreateSchedulingPolicy {
                name: format!("p-{target}"),
                fairshare_policy: None,
                quota_share_policy: None,
                tags: Default::default(),
            };
            batch.create_scheduling_policy(caller, policy).await.map(drop)
        }
        Action::UpdateSchedulingPolicy => {
            let update =
                UpdateSchedulingPolicy { arn: target.into(), fairshare_policy: Some(Default::default()), quota_share_policy: None };
            batch.update_scheduling_policy(caller, update).await.map(drop)
        }
        Action::DeleteSchedulingPolicy => batch.delete_scheduling_policy(caller, target).await,
        Action::CreateConsumableResource => {
            let resource = CreateConsumableResource {
                consumable_resource_name: format!("r-{target}"),
                total_quantity: Some(1),
                resource_type: None,
                tags: Default::default(),
            };
            batch.create_consumable_resource(caller, resource).await.map(drop)
        }
        Action::UpdateConsumableResource => {
            let update =
                UpdateConsumableResource { consumable_resource: target.into(), operation: None, quantity: Some(2), client_token: None };
            batch.update_consumable_resource(caller, update).await.map(drop)
        }
        Action::DeleteConsumableResource => batch.delete_consumable_resource(caller, target).await,
        Action::RegisterJobDefinition => batch.register_job_definition(caller, definition(&format!("d-{target}"))).await.map(drop),
        Action::DeregisterJobDefinition => batch.deregister_job_definition(caller, target).await,
        Action::SubmitJob => batch.submit_job(caller, submission(&format!("job-{target}"))).await.map(drop),
        Action::CancelJob => batch.cancel_job(caller, target, "not needed").await,
        Action::TerminateJob => batch.terminate_job(caller, target, "not needed").await,
        Action::ManageUsers => batch
            .create_user(caller, NewUser { username: format!("new-{target}"), password: PASSWORD.into(), role: Role::Viewer })
            .await
            .map(drop),
        Action::ManageOwnAccessKeys => batch.create_access_key(caller).await.map(drop),
        Action::ManageSecrets => {
            let secret = domain::secret::CreateSecret { name: format!("s-{target}"), value: "value".into(), description: String::new() };
            batch.create_secret(caller, secret).await.map(drop)
        }
        Action::Read | Action::TagResource | Action::UntagResource => unreachable!("not a mutation of this matrix"),
    }
}

const MUTATIONS: [Action; 20] = [
    Action::CreateComputeEnvironment,
    Action::UpdateComputeEnvironment,
    Action::DeleteComputeEnvironment,
    Action::CreateJobQueue,
    Action::UpdateJobQueue,
    Action::DeleteJobQueue,
    Action::CreateSchedulingPolicy,
    Action::UpdateSchedulingPolicy,
    Action::DeleteSchedulingPolicy,
    Action::CreateConsumableResource,
    Action::UpdateConsumableResource,
    Action::DeleteConsumableResource,
    Action::RegisterJobDefinition,
    Action::DeregisterJobDefinition,
    Action::SubmitJob,
    Action::CancelJob,
    Action::TerminateJob,
    Action::ManageUsers,
    Action::ManageOwnAccessKeys,
    Action::ManageSecrets,
];

#[tokio::test]
async fn every_mutation_is_allowed_or_refused_by_role_and_a_refusal_writes_nothing() {
    for backend in BACKENDS {
        let team = team(backend).await;
        team.batch.create_compute_environment(&team.admin, environment("ce", 4)).await.unwrap();
        team.batch.create_job_queue(&team.admin, queue("q", &["ce"])).await.unwrap();
        team.batch.register_job_definition(&team.admin, definition("echo")).await.unwrap();
        let callers = [
            ("anonymous", Caller::Anonymous),
            ("viewer", team.viewer.clone()),
            ("operator", team.operator.clone()),
            ("admin", team.admin.clone()),
        ];
        for (index, action) in MUTATIONS.into_iter().enumerate() {
            for (who, caller) in &callers {
                let target = prepare(&team, action, &format!("{who}-{index}")).await;
                let before = fingerprint(&team.batch).await;
                let result = attempt(&team, action, caller, &target).await;
                let allowed = caller.may(action);
                match (&result, allowed) {
                    (Ok(()), true) => {}
                    (Err(ServiceError::Forbidden(message)), false) => {
                        assert!(!message.is_empty());
                        assert_eq!(before, fingerprint(&team.batch).await, "{backend:?}: {who} {action:?} wrote something");
                    }
                    _ => panic!("{backend:?}: {who} {action:?}: expected allowed={allowed}, got {result:?}"),
                }
            }
        }
        // Every refused attempt is in the audit log with who and what.
        let log = team.batch.audit_log(&team.admin, None, 500).await.unwrap();
        let refused = log.iter().filter(|r| r.outcome == "forbidden").count();
        let expected = callers.iter().map(|(_, c)| MUTATIONS.iter().filter(|a| !c.may(**a)).count()).sum::<usize>();
        assert_eq!(refused, expected, "{backend:?}: one forbidden record per refusal");
        assert!(log.iter().any(|r| r.actor == "vic" && r.action == "SubmitJob" && r.outcome == "forbidden"));
        assert!(log.iter().any(|r| r.actor == "olga" && r.action == "SubmitJob" && r.outcome == "ok"));
    }
}

/// A reason given for a change (the console asks for one on each destructive action) is the
/// detail of that change's audit record, trimmed and bounded; changes without one, and changes
/// made outside its scope, have none.
#[tokio::test]
async fn a_reason_given_for_a_change_is_written_beside_it_in_the_audit_log() {
    use service::access::audit::{REASON_CHARS, because};
    for backend in BACKENDS {
        let team = team(backend).await;
        team.batch.create_compute_environment(&team.admin, environment("ce", 4)).await.unwrap();
        team.batch.create_job_queue(&team.admin, queue("q", &["ce"])).await.unwrap();
        let disable = UpdateJobQueue { job_queue: "q".into(), state: Some("DISABLED".into()), ..Default::default() };
        because("  maintenance window  ", team.batch.update_job_queue(&team.admin, disable)).await.unwrap();
        let reorder = UpdateJobQueue { job_queue: "q".into(), priority: Some(5), ..Default::default() };
        team.batch.update_job_queue(&team.admin, reorder).await.unwrap();
        because(&"x".repeat(2 * REASON_CHARS), team.batch.delete_job_queue(&team.admin, "q")).await.unwrap_or_else(|e| {
            panic!("{backend:?}: {e}");
        });
        // Refused: the record says why it was refused, not the reason given.
        let refused = because("no right to", team.batch.delete_compute_environment(&team.viewer, "ce")).await;
        assert!(matches!(refused, Err(ServiceError::Forbidden(_))), "{backend:?}");

        let log = team.batch.audit_log(&team.admin, None, 500).await.unwrap();
        let detail = |action: &str, actor: &str| {
            log.iter().filter(|r| r.action == action && r.actor == actor).map(|r| r.detail.clone()).collect::<Vec<_>>()
        };
        // Newest first: the priority (no reason), then the disabling (with it).
        assert_eq!(detail("UpdateJobQueue", "root"), ["", "reason: maintenance window"], "{backend:?}");
        assert_eq!(detail("DeleteJobQueue", "root"), [format!("reason: {}", "x".repeat(REASON_CHARS))], "{backend:?}");
        let refusal = detail("DeleteComputeEnvironment", "vic");
        assert!(refusal.len() == 1 && !refusal[0].contains("no right to"), "{backend:?}: {refusal:?}");
    }
}

/// A lone job's audit record is committed in the same write as the job (one commit for many
/// concurrent submissions): each submitted job has exactly one "ok" record, with the reason
/// given; a refused submission has its refusal and no job; an array job still has its record.
#[tokio::test]
async fn each_submitted_job_has_exactly_one_audit_record_written_with_it() {
    use service::access::audit::because;
    for backend in BACKENDS {
        let team = team(backend).await;
        team.batch.create_compute_environment(&team.admin, environment("ce", 4)).await.unwrap();
        team.batch.create_job_queue(&team.admin, queue("q", &["ce"])).await.unwrap();
        team.batch.register_job_definition(&team.admin, definition("echo")).await.unwrap();
        let submits = (0..40).map(|n| {
            let batch = team.batch.clone();
            let operator = team.operator.clone();
            tokio::spawn(async move { because(&format!("run {n}"), batch.submit_job(&operator, submission(&format!("lone-{n}")))).await })
        });
        let submitted: Vec<_> = futures_util::future::join_all(submits).await.into_iter().map(|joined| joined.unwrap().unwrap()).collect();
        let bad = team.batch.submit_job(&team.operator, SubmitJob { job_queue: "nowhere".into(), ..submission("bad") }).await;
        assert!(matches!(bad, Err(ServiceError::Invalid(_))), "{backend:?}: {bad:?}");
        let array = SubmitJob { array_properties: Some(ArrayProperties { size: 2 }), ..submission("array") };
        team.batch.submit_job(&team.operator, array).await.unwrap();

        let log = team.batch.audit_log(&team.admin, None, 500).await.unwrap();
        let records = |target: &str| log.iter().filter(|r| r.action == "SubmitJob" && r.target == target).collect::<Vec<_>>();
        for (n, job) in submitted.iter().enumerate() {
            let target = format!("lone-{n} on q");
            let found = records(&target);
            assert_eq!(found.len(), 1, "{backend:?}: {target}: {found:?}");
            assert_eq!((found[0].outcome.as_str(), found[0].detail.clone()), ("ok", format!("reason: run {n}")), "{backend:?}");
            assert_eq!(found[0].actor, "olga", "{backend:?}");
            assert_eq!(team.batch.describe_jobs(&team.admin, std::slice::from_ref(&job.job_id)).await.unwrap().len(), 1);
        }
        let refused = records("bad on nowhere");
        assert!(refused.len() == 1 && refused[0].outcome == "invalid", "{backend:?}: {refused:?}");
        assert!(records("array on q").iter().map(|r| r.outcome.as_str()).eq(["ok"]), "{backend:?}");
        let listed = team
            .batch
            .list_jobs(&team.admin, &service::jobs::ListJobs { job_queue: Some("q".into()), ..Default::default() })
            .await
            .unwrap();
        assert!(!listed.items.iter().any(|j| j.job_name == "bad"), "{backend:?}");
    }
}

#[tokio::test]
async fn reads_need_a_signed_in_caller_and_the_audit_log_needs_an_admin() {
    for backend in BACKENDS {
        let team = team(backend).await;
        assert!(matches!(team.batch.describe_job_queues(&Caller::Anonymous, &[]).await, Err(ServiceError::Forbidden(_))));
        assert!(team.batch.describe_job_queues(&team.viewer, &[]).await.is_ok());
        assert!(matches!(team.batch.audit_log(&team.operator, None, 10).await, Err(ServiceError::Forbidden(_))));
        assert!(matches!(team.batch.list_users(&team.viewer).await, Err(ServiceError::Forbidden(_))));
    }
}

/// Fifty wrong guesses at once: the throttle is decided before any is verified, so no more
/// than the free tries reach the password check; the rest are told to wait.
#[tokio::test]
async fn fifty_parallel_wrong_passwords_get_at_most_the_free_tries_verified() {
    for backend in BACKENDS {
        let team = team(backend).await;
        let guesses = (0..50).map(|n| {
            let batch = team.batch.batch.clone();
            tokio::spawn(async move { batch.sign_in("olga", &format!("wrong password {n}"), Some("10.1.1.1")).await })
        });
        let answers: Vec<String> =
            futures_util::future::join_all(guesses).await.into_iter().map(|r| r.unwrap().unwrap_err().to_string()).collect();
        let wrong = answers.iter().filter(|a| a.as_str() == "wrong username or password").count();
        let waited = answers.iter().filter(|a| a.starts_with("too many failed sign-ins; try again in ")).count();
        assert_eq!((wrong, waited), (5, 45), "{backend:?}: {answers:?}");
        let log = team.batch.audit_log(&team.admin, None, 500).await.unwrap();
        assert_eq!(log.iter().filter(|r| r.action == "SignIn" && r.outcome == "failed").count(), 5, "{backend:?}");
        // A delay, not a lock: after the wait (4 s after the fifth failure) olga signs in.
        tokio::time::sleep(std::time::Duration::from_millis(4_100)).await;
        team.batch.sign_in("olga", PASSWORD, Some("10.2.2.2")).await.unwrap_or_else(|e| panic!("{backend:?}: {e}"));
    }
}

#[tokio::test]
async fn sign_in_gives_one_answer_for_unknown_users_and_wrong_passwords_and_throttles() {
    for backend in BACKENDS {
        let team = team(backend).await;
        let batch = &team.batch;
        let unknown = batch.sign_in("nobody", PASSWORD, Some("10.0.0.1")).await.unwrap_err().to_string();
        let wrong = batch.sign_in("olga", "wrong password!", Some("10.0.0.1")).await.unwrap_err().to_string();
        assert_eq!(unknown, wrong);
        assert_eq!(wrong, "wrong username or password");
        for _ in 0..4 {
            batch.sign_in("olga", "wrong password!", Some("10.0.0.2")).await.unwrap_err();
        }
        // Five failures for olga: now even her right password is refused for a while.
        let throttled = batch.sign_in("olga", PASSWORD, Some("10.0.0.3")).await.unwrap_err().to_string();
        assert!(throttled.contains("too many failed sign-ins"), "{throttled}");
        // Others can still sign in.
        batch.sign_in("vic", PASSWORD, Some("10.0.0.3")).await.unwrap();
        // One address guessing many accounts is throttled too.
        for n in 0..20 {
            batch.sign_in(&format!("guess{n}"), "wrong password!", Some("10.9.9.9")).await.unwrap_err();
        }
        let by_address = batch.sign_in("vic", PASSWORD, Some("10.9.9.9")).await.unwrap_err().to_string();
        assert!(by_address.contains("too many failed sign-ins"), "{by_address}");
        let log = batch.audit_log(&team.admin, None, 500).await.unwrap();
        assert!(log.iter().any(|r| r.action == "SignIn" && r.outcome == "failed" && r.client.as_deref() == Some("10.0.0.1")));
        assert!(log.iter().any(|r| r.action == "SignIn" && r.outcome == "throttled"));
        assert!(log.iter().any(|r| r.action == "SignIn" && r.outcome == "ok" && r.actor == "vic"));
    }
}

#[tokio::test]
async fn sessions_end_on_sign_out_on_disable_on_password_reset_and_on_expiry() {
    for backend in BACKENDS {
        let team = team(backend).await;
        let batch = &team.batch;
        let session = batch.sign_in("olga", PASSWORD, None).await.unwrap();
        assert_eq!(batch.session_caller(&session.token).await.unwrap(), team.operator);
        batch.sign_out(&team.operator, &session.token).await.unwrap();
        assert_eq!(batch.session_caller(&session.token).await.unwrap(), Caller::Anonymous);

        let session = batch.sign_in("olga", PASSWORD, None).await.unwrap();
        batch.set_user_disabled(&team.admin, "olga", true).await.unwrap();
        assert_eq!(batch.session_caller(&session.token).await.unwrap(), Caller::Anonymous);
        assert!(batch.sign_in("olga", PASSWORD, None).await.unwrap_err().to_string().contains("disabled"));
        batch.set_user_disabled(&team.admin, "olga", false).await.unwrap();

        let session = batch.sign_in("olga", PASSWORD, None).await.unwrap();
        batch.reset_password(&team.admin, "olga", "a brand new password").await.unwrap();
        assert_eq!(batch.session_caller(&session.token).await.unwrap(), Caller::Anonymous);
        let session = batch.sign_in("olga", "a brand new password", None).await.unwrap();

        let db = batch.db();
        let idle = service::access::sessions::SESSION_IDLE_MS + 1_000;
        db.execute_unprepared(&format!("UPDATE sessions SET last_seen_at = last_seen_at - {idle}")).await.unwrap();
        assert_eq!(batch.session_caller(&session.token).await.unwrap(), Caller::Anonymous, "idle expiry");
        let session = batch.sign_in("olga", "a brand new password", None).await.unwrap();
        db.execute_unprepared("UPDATE sessions SET expires_at = 1").await.unwrap();
        assert_eq!(batch.session_caller(&session.token).await.unwrap(), Caller::Anonymous, "absolute expiry");
    }
}

#[tokio::test]
async fn the_first_admin_is_created_once_and_the_last_admin_cannot_be_lost() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        assert!(!batch.has_users().await.unwrap());
        let error = batch.create_first_admin("root", "short", None).await.unwrap_err();
        assert!(matches!(error, ServiceError::Invalid(ref e) if e.field == "password"), "{error:?}");
        batch.create_first_admin("root", PASSWORD, None).await.unwrap();
        assert!(matches!(batch.create_first_admin("mallory", PASSWORD, None).await, Err(ServiceError::Conflict(_))));
        assert!(batch.sign_in("mallory", PASSWORD, None).await.is_err());
        let root = batch.sign_in("root", PASSWORD, None).await.unwrap().caller;
        assert!(matches!(batch.set_user_role(&root, "root", Role::Viewer).await, Err(ServiceError::Conflict(_))));
        assert!(matches!(batch.set_user_disabled(&root, "root", true).await, Err(ServiceError::Conflict(_))));
        let bad = NewUser { username: "has space".into(), password: PASSWORD.into(), role: Role::Viewer };
        assert!(matches!(batch.create_user(&root, bad).await, Err(ServiceError::Invalid(ref e)) if e.field == "username"));
        let hash: String = batch
            .db()
            .query_one_raw(Statement::from_string(batch.db().get_database_backend(), "SELECT password_hash FROM users"))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "password_hash")
            .unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
    }
}

#[tokio::test]
async fn access_keys_are_sealed_at_rest_and_stop_working_when_revoked_or_disabled() {
    for backend in BACKENDS {
        let team = team(backend).await;
        let batch = &team.batch;
        let key = batch.create_access_key(&team.viewer).await.unwrap();
        assert!(key.access_key_id.starts_with("AKIA") && key.access_key_id.len() == 20);
        assert_eq!(key.secret_access_key.len(), 40);
        let stored = fingerprint(batch).await
            + &format!(
                "{:?}",
                batch
                    .db()
                    .query_all_raw(Statement::from_string(batch.db().get_database_backend(), "SELECT * FROM access_keys"))
                    .await
                    .unwrap()
            );
        assert!(!stored.contains(&key.secret_access_key), "the secret is stored in the clear");

        let credentials = batch.access_key_credentials(&key.access_key_id).await.unwrap().unwrap();
        assert_eq!(credentials.secret_access_key, key.secret_access_key);
        assert_eq!(credentials.caller, team.viewer);

        batch.create_access_key(&team.viewer).await.unwrap();
        assert!(matches!(batch.create_access_key(&team.viewer).await, Err(ServiceError::Conflict(_))), "two active keys at most");
        // Someone else's key cannot be revoked by a non-admin.
        assert!(matches!(batch.revoke_access_key(&team.operator, &key.access_key_id).await, Err(ServiceError::NotFound { .. })));
        batch.revoke_access_key(&team.viewer, &key.access_key_id).await.unwrap();
        assert!(batch.access_key_credentials(&key.access_key_id).await.unwrap().is_none());
        let listed = batch.list_access_keys(&team.viewer).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().any(|k| k.access_key_id == key.access_key_id && k.revoked_at.is_some()));

        let other = batch.create_access_key(&team.operator).await.unwrap();
        assert!(batch.access_key_credentials(&other.access_key_id).await.unwrap().is_some());
        batch.set_user_disabled(&team.admin, "olga", true).await.unwrap();
        assert!(batch.access_key_credentials(&other.access_key_id).await.unwrap().is_none());
        assert!(batch.access_key_credentials("AKIANOSUCHKEY0000000").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_key_revoked_through_another_server_stops_working_here_within_a_second() {
    for backend in BACKENDS {
        let team = team(backend).await;
        let elsewhere = service::Batch::new(team.batch.db().clone(), service::BatchConfig::default());
        let key = team.batch.create_access_key(&team.operator).await.unwrap();
        assert!(team.batch.access_key_credentials(&key.access_key_id).await.unwrap().is_some());
        elsewhere.revoke_access_key(&team.operator, &key.access_key_id).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert!(team.batch.access_key_credentials(&key.access_key_id).await.unwrap().is_none(), "{backend:?}");
    }
}
