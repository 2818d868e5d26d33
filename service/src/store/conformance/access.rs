//! Users, sessions, access keys, audit records and secrets.

use crate::store::entities::{access_keys, audit_log, secrets, sessions, users};
use crate::store::{
    access_keys as key_store, audit_log as audit_store, retention, secrets as secret_store, sessions as session_store, users as user_store,
};
use sea_orm::{DatabaseConnection, Set};

on_both_stores!(
    the_first_admin_is_inserted_only_while_no_user_exists,
    sessions_are_found_touched_ended_and_pruned,
    a_revoked_access_key_no_longer_counts_as_active,
    sign_in_failures_are_counted_per_account_and_per_client,
    secrets_are_found_by_name_and_deleted_once,
);

async fn user(db: &DatabaseConnection, username: &str, role: &str) -> users::Model {
    let row = users::ActiveModel {
        username: Set(username.into()),
        password_hash: Set("hash".into()),
        role: Set(domain::access::Role::parse(role).expect("a role").into()),
        disabled: Set(false),
        created_at: Set(0),
        updated_at: Set(0),
        ..Default::default()
    };
    user_store::insert(db, row).await.unwrap()
}

async fn the_first_admin_is_inserted_only_while_no_user_exists(db: DatabaseConnection) {
    assert!(!user_store::any_exists(&db).await.unwrap());
    assert!(user_store::insert_first_admin_if_none(&db, "root", "h1", 7).await.unwrap());
    assert!(!user_store::insert_first_admin_if_none(&db, "intruder", "h2", 8).await.unwrap(), "a second set-up inserts nothing");
    assert!(user_store::any_exists(&db).await.unwrap());
    let all = user_store::list(&db).await.unwrap();
    assert_eq!(all.len(), 1);
    let root = &all[0];
    assert_eq!((root.username.as_str(), root.password_hash.as_str(), root.role.as_str()), ("root", "h1", "admin"));
    assert!(!root.disabled);
    assert_eq!((root.created_at, root.updated_at), (7, 7));
    assert!(user_store::find_by_username(&db, "intruder").await.unwrap().is_none());
    assert_eq!(user_store::count_active_admins(&db).await.unwrap(), 1);
    let mut disabled: users::ActiveModel = root.clone().into();
    disabled.disabled = Set(true);
    user_store::update(&db, disabled).await.unwrap();
    assert_eq!(user_store::count_active_admins(&db).await.unwrap(), 0, "a disabled admin manages nothing");
    assert!(!user_store::insert_first_admin_if_none(&db, "intruder", "h2", 9).await.unwrap(), "a disabled user still counts");
}

async fn sessions_are_found_touched_ended_and_pruned(db: DatabaseConnection) {
    let alice = user(&db, "alice", "viewer").await;
    let bob = user(&db, "bob", "viewer").await;
    let session = |hash: &str, user_id: i32, last_seen_at: i64, expires_at: i64| sessions::ActiveModel {
        token_hash: Set(hash.into()),
        user_id: Set(user_id),
        created_at: Set(0),
        last_seen_at: Set(last_seen_at),
        expires_at: Set(expires_at),
    };
    session_store::insert(&db, session("fresh", alice.id, 900, 10_000)).await.unwrap();
    session_store::insert(&db, session("idle", alice.id, 100, 10_000)).await.unwrap();
    session_store::insert(&db, session("expired", alice.id, 900, 1_000)).await.unwrap();
    session_store::insert(&db, session("bobs", bob.id, 900, 10_000)).await.unwrap();

    let fresh = session_store::find_by_token_hash(&db, "fresh").await.unwrap().expect("the session");
    assert_eq!(fresh.user_id, alice.id);
    assert!(session_store::find_by_token_hash(&db, "unknown").await.unwrap().is_none());
    session_store::touch_last_seen(&db, fresh, 1_000).await.unwrap();
    assert_eq!(session_store::find_by_token_hash(&db, "fresh").await.unwrap().unwrap().last_seen_at, 1_000);

    // At 1,000 with sessions idle since 500 or earlier ending: "idle" and "expired" go.
    assert_eq!(retention::delete_expired_sessions(&db, 1_000, 500).await.unwrap(), 2);
    assert!(session_store::find_by_token_hash(&db, "idle").await.unwrap().is_none());
    assert!(session_store::find_by_token_hash(&db, "expired").await.unwrap().is_none());

    assert_eq!(session_store::delete(&db, "bobs").await.unwrap(), 1);
    assert_eq!(session_store::delete(&db, "bobs").await.unwrap(), 0, "an ended session ends once");
    session_store::insert(&db, session("bobs", bob.id, 900, 10_000)).await.unwrap();
    session_store::delete_for_user(&db, alice.id).await.unwrap();
    assert!(session_store::find_by_token_hash(&db, "fresh").await.unwrap().is_none());
    assert!(session_store::find_by_token_hash(&db, "bobs").await.unwrap().is_some(), "another user's session stays");
}

async fn a_revoked_access_key_no_longer_counts_as_active(db: DatabaseConnection) {
    let alice = user(&db, "alice", "operator").await;
    let key = |id: &str, created_at: i64| access_keys::ActiveModel {
        access_key_id: Set(id.into()),
        user_id: Set(alice.id),
        secret_encrypted: Set(format!("sealed-{id}")),
        created_at: Set(created_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
    };
    key_store::insert(&db, key("AKIAOLD", 1)).await.unwrap();
    key_store::insert(&db, key("AKIANEW", 2)).await.unwrap();
    assert_eq!(key_store::count_active_for_user(&db, alice.id).await.unwrap(), 2);
    let listed: Vec<String> =
        key_store::list_for_user(&db, i64::from(alice.id)).await.unwrap().into_iter().map(|k| k.access_key_id).collect();
    assert_eq!(listed, ["AKIANEW", "AKIAOLD"], "newest first");

    let owned = key_store::find_with_owner(&db, "AKIAOLD").await.unwrap().expect("key and owner");
    assert_eq!(
        owned,
        key_store::KeyWithOwner {
            secret_encrypted: "sealed-AKIAOLD".into(),
            last_used_at: None,
            revoked_at: None,
            user_id: alice.id,
            username: "alice".into(),
            role: domain::access::Role::Operator,
            disabled: false,
        }
    );
    assert!(key_store::find_with_owner(&db, "AKIANONE").await.unwrap().is_none());

    let old = key_store::find(&db, "AKIAOLD").await.unwrap().expect("the key");
    key_store::revoke(&db, old, 50).await.unwrap();
    assert_eq!(key_store::find(&db, "AKIAOLD").await.unwrap().unwrap().revoked_at, Some(50));
    assert_eq!(key_store::find_with_owner(&db, "AKIAOLD").await.unwrap().unwrap().revoked_at, Some(50));
    assert_eq!(key_store::count_active_for_user(&db, alice.id).await.unwrap(), 1);

    key_store::touch_last_used(&db, "AKIANEW", 60).await.unwrap();
    assert_eq!(key_store::find(&db, "AKIANEW").await.unwrap().unwrap().last_used_at, Some(60));
    assert_eq!(key_store::find(&db, "AKIAOLD").await.unwrap().unwrap().last_used_at, None, "only the named key is stamped");
}

async fn sign_in_failures_are_counted_per_account_and_per_client(db: DatabaseConnection) {
    let record = |at: i64, action: &str, target: &str, outcome: &str, client: Option<&str>| audit_log::ActiveModel {
        at: Set(at),
        actor: Set(target.into()),
        action: Set(action.into()),
        target: Set(target.into()),
        outcome: Set(outcome.into()),
        detail: Set(String::new()),
        client: Set(client.map(Into::into)),
        ..Default::default()
    };
    audit_store::insert_many(
        &db,
        vec![
            record(100, "SignIn", "alice", "failed", Some("10.0.0.1")),
            record(300, "SignIn", "alice", "failed", Some("10.0.0.2")),
            record(200, "SignIn", "alice", "failed", None),
            record(400, "SignIn", "alice", "ok", Some("10.0.0.1")),
            record(500, "SignIn", "bob", "failed", Some("10.0.0.1")),
            record(600, "CreateUser", "alice", "failed", Some("10.0.0.1")),
        ],
    )
    .await
    .unwrap();
    assert_eq!(audit_store::failure_times_by_target(&db, "SignIn", "alice", 0).await.unwrap(), [300, 200, 100]);
    assert_eq!(audit_store::failure_times_by_target(&db, "SignIn", "alice", 100).await.unwrap(), [300, 200], "the window is exclusive");
    assert_eq!(audit_store::failure_times_by_client(&db, "SignIn", "10.0.0.1", 0).await.unwrap(), [500, 100]);
    assert!(audit_store::failure_times_by_client(&db, "SignIn", "10.0.0.9", 0).await.unwrap().is_empty());

    let page: Vec<i64> = audit_store::page(&db, None, 4).await.unwrap().into_iter().map(|r| r.at).collect();
    assert_eq!(page, [600, 500, 400, 200], "newest id first");
    let last_id = audit_store::page(&db, None, 4).await.unwrap()[3].id;
    let next: Vec<i64> = audit_store::page(&db, Some(i64::from(last_id)), 4).await.unwrap().into_iter().map(|r| r.at).collect();
    assert_eq!(next, [300, 100]);
}

async fn secrets_are_found_by_name_and_deleted_once(db: DatabaseConnection) {
    for name in ["b", "a"] {
        let row = secrets::ActiveModel {
            name: Set(name.into()),
            sealed_value: Set(format!("sealed-{name}")),
            description: Set(String::new()),
            created_at: Set(0),
            updated_at: Set(0),
            ..Default::default()
        };
        secret_store::insert(&db, row).await.unwrap();
    }
    let names: Vec<String> = secret_store::list(&db).await.unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["a", "b"]);
    let mut existing = secret_store::existing_names(&db, vec!["a".into(), "missing".into()]).await.unwrap();
    existing.sort();
    assert_eq!(existing, ["a"]);
    let named = secret_store::find_named(&db, vec!["b".into(), "missing".into()]).await.unwrap();
    assert_eq!(named.len(), 1);
    assert_eq!(named[0].sealed_value, "sealed-b");
    assert_eq!(secret_store::delete_by_name(&db, "a").await.unwrap(), 1);
    assert_eq!(secret_store::delete_by_name(&db, "a").await.unwrap(), 0);
}
