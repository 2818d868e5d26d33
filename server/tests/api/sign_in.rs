//! Sign-in at the HTTP edge: who reaches what signed out, the cookie, the return-to-link flow,
//! cross-site request forgery, server functions called directly, sign-out, set-up, and the
//! command line that creates users.

use crate::helpers::{ADMIN, BACKENDS, Backend, PASSWORD, TestApp, site_root, temp_dir};
use app::api::access::CreateUser;
use domain::access::Role;
use leptos::server_fn::ServerFn;
use std::process::Command;

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

async fn post_form(app: &TestApp, path: &str, cookie: Option<&str>, origin: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.post(app.url(path)).header("origin", origin).form(form);
    if let Some(token) = cookie {
        request = request.header("cookie", format!("batch_session={token}"));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn signed_out_visitors_see_only_the_sign_in_page_assets_and_health() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.get_signed_out("/jobs?queue=nightly&status=RUNNABLE").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login?next=/jobs%3Fqueue%3Dnightly%26status%3DRUNNABLE");
    for path in ["/", "/jobs/abc", "/users", "/audit", "/access-keys"] {
        assert_eq!(app.get_signed_out(path).await.status(), 303, "{path}");
    }
    let login = app.get_signed_out("/login?next=/jobs/abc").await;
    assert_eq!(login.status(), 200);
    let html = login.text().await.unwrap();
    assert!(html.contains(r#"action="/auth/login""#), "{html}");
    assert!(html.contains("/jobs/abc"), "the return target rides along: {html}");
    assert_eq!(app.get_signed_out("/healthz").await.status(), 200);
    assert_eq!(app.get_signed_out("/pkg/batch.css").await.status(), 200);
    // A server function called signed out is refused before it runs.
    let origin = app.address.clone();
    let refused = post_form(&app, CreateUser::PATH, None, &origin, &[("username", "x"), ("password", PASSWORD), ("role", "admin")]).await;
    assert_eq!(refused.status(), 401);
}

#[tokio::test]
async fn signing_in_sets_a_strict_cookie_and_returns_to_the_link() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let origin = app.address.clone();
        let form = [("username", ADMIN), ("password", PASSWORD), ("next", "/jobs?queue=q&status=FAILED")];
        let response = post_form(&app, "/auth/login", None, &origin, &form).await;
        assert_eq!(response.status(), 303, "{backend:?}");
        assert_eq!(location(&response), "/jobs?queue=q&status=FAILED");
        let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("batch_session="), "{cookie}");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
        }
        let token = cookie.trim_start_matches("batch_session=").split(';').next().unwrap().to_string();
        let page = app.client.get(app.url("/")).header("cookie", format!("batch_session={token}")).send().await.unwrap();
        assert_eq!(page.status(), 200);

        // Only this console's paths are return targets.
        let hostile =
            post_form(&app, "/auth/login", None, &origin, &[("username", ADMIN), ("password", PASSWORD), ("next", "//evil.example/x")])
                .await;
        assert_eq!(location(&hostile), "/");

        // A wrong password goes back to the form with the reason and the same return target.
        let wrong =
            post_form(&app, "/auth/login", None, &origin, &[("username", ADMIN), ("password", "not the password"), ("next", "/jobs")])
                .await;
        assert_eq!(location(&wrong), "/login?error=wrong%20username%20or%20password&next=/jobs");
        assert!(wrong.headers().get("set-cookie").is_none());

        // Signing out ends the session for every holder of the cookie.
        let out = post_form(&app, "/auth/logout", Some(&token), &origin, &[]).await;
        assert_eq!(out.status(), 303);
        assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        let after = app.client.get(app.url("/")).header("cookie", format!("batch_session={token}")).send().await.unwrap();
        assert_eq!(after.status(), 303, "the old cookie no longer works");
    }
}

#[tokio::test]
async fn a_forged_cross_site_request_is_refused_and_writes_nothing() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let admin = app.session.clone().unwrap();
    let form = [("username", "mallory"), ("password", PASSWORD), ("role", "admin")];
    let forged = post_form(&app, CreateUser::PATH, Some(&admin), "http://evil.example", &form).await;
    assert_eq!(forged.status(), 403);
    let cross_site = app
        .client
        .post(app.url(CreateUser::PATH))
        .header("cookie", format!("batch_session={admin}"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let caller = app.batch.session_caller(&admin).await.unwrap();
    let users = app.batch.list_users(&caller).await.unwrap();
    assert!(users.iter().all(|u| u.username != "mallory"), "nothing was written");
    // The same request from the console's own page works.
    let origin = app.address.clone();
    let genuine = post_form(&app, CreateUser::PATH, Some(&admin), &origin, &form).await;
    assert!(genuine.status().is_success() || genuine.status().is_redirection(), "{}", genuine.status());
    assert!(app.batch.list_users(&caller).await.unwrap().iter().any(|u| u.username == "mallory"));
}

#[tokio::test]
async fn a_viewer_calling_a_mutating_server_function_directly_is_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let viewer = app.sign_in_as("vic", Role::Viewer).await;
    let origin = app.address.clone();
    let form = [("username", "sneaky"), ("password", PASSWORD), ("role", "admin")];
    let response = post_form(&app, CreateUser::PATH, Some(&viewer), &origin, &form).await;
    let body = response.text().await.unwrap();
    assert!(body.contains("forbidden"), "{body}");
    let admin = app.batch.session_caller(app.session.as_deref().unwrap()).await.unwrap();
    assert!(app.batch.list_users(&admin).await.unwrap().iter().all(|u| u.username != "sneaky"));
    let log = app.batch.audit_log(&admin, None, 50).await.unwrap();
    assert!(log.iter().any(|r| r.actor == "vic" && r.outcome == "forbidden" && r.target == "sneaky"));
}

#[tokio::test]
async fn the_set_up_page_exists_only_until_the_first_admin() {
    let app = TestApp::spawn_without_users(Backend::Sqlite).await;
    assert_eq!(location(&app.get_signed_out("/jobs").await), "/setup", "the way in before anyone can sign in");
    assert_eq!(app.get_signed_out("/setup").await.status(), 200);
    let origin = app.address.clone();
    let token = app.setup_token.clone();
    let no_token =
        post_form(&app, "/auth/setup", None, &origin, &[("username", "first"), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert!(location(&no_token).starts_with("/setup?error=token"), "{}", location(&no_token));
    let wrong = [("username", "first"), ("password", PASSWORD), ("confirm", PASSWORD), ("token", "guess")];
    assert!(location(&post_form(&app, "/auth/setup", None, &origin, &wrong).await).starts_with("/setup?error=token"));
    assert!(!app.batch.has_users().await.unwrap(), "nothing created without the token");
    let mismatch = post_form(
        &app,
        "/auth/setup",
        None,
        &origin,
        &[("username", "first"), ("password", PASSWORD), ("confirm", "other"), ("token", &token)],
    )
    .await;
    assert!(location(&mismatch).starts_with("/setup?error=confirm"), "{}", location(&mismatch));
    let created = post_form(
        &app,
        "/auth/setup",
        None,
        &origin,
        &[("username", "first"), ("password", PASSWORD), ("confirm", PASSWORD), ("token", &token)],
    )
    .await;
    assert_eq!(location(&created), "/");
    assert!(created.headers()["set-cookie"].to_str().unwrap().starts_with("batch_session="));
    let again = post_form(
        &app,
        "/auth/setup",
        None,
        &origin,
        &[("username", "second"), ("password", PASSWORD), ("confirm", PASSWORD), ("token", &token)],
    )
    .await;
    assert!(location(&again).contains("already%20exists"), "{}", location(&again));
    assert!(app.batch.sign_in("second", PASSWORD, None).await.is_err());
    assert_eq!(location(&app.get_signed_out("/setup").await), "/login", "the set-up page is gone");
}

#[test]
fn the_command_line_creates_the_first_admin_with_the_password_from_the_environment() {
    let data = temp_dir();
    let run = |args: &[&str], password: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("BATCH_DATA_DIR", data.path())
            .env("BATCH_SITE_ROOT", site_root())
            .env("BATCH_PASSWORD", password)
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr))
    };
    let (code, out) = run(&["users", "create", "--username", "ops", "--role", "admin"], PASSWORD);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("created ops with the admin role"), "{out}");
    let (code, out) = run(&["users", "create", "--username", "weak", "--role", "viewer"], "short");
    assert_eq!(code, Some(1));
    assert!(out.contains("password") && out.contains("at least 10"), "{out}");
    let (code, out) = run(&["users", "create", "--username", "x", "--role", "root"], PASSWORD);
    assert_eq!(code, Some(1));
    assert!(out.contains("--role must be admin, operator or viewer"), "{out}");
}

/// A refused field is the caller's to fix: the console's server functions answer 400 with the
/// field named, not 500, and nothing is written.
#[tokio::test]
async fn a_refused_field_is_a_400_naming_the_field() {
    use app::api::console::CreateQueue;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let admin = app.session.clone().unwrap();
    let send = |form: Vec<(&'static str, &'static str)>| {
        app.client
            .post(app.url(CreateQueue::PATH))
            .header("cookie", format!("batch_session={admin}"))
            .header("origin", app.address.clone())
            .header("accept", "application/json")
            .form(&form)
            .send()
    };
    let not_a_number = send(vec![("name", "q"), ("priority", "high"), ("environments", "none")]).await.unwrap();
    assert_eq!(not_a_number.status(), 400);
    assert!(not_a_number.text().await.unwrap().contains("priority: must be a whole number"));
    let no_such_environment = send(vec![("name", "q"), ("priority", "1"), ("environments", "none")]).await.unwrap();
    assert_eq!(no_such_environment.status(), 400);
    assert!(no_such_environment.text().await.unwrap().contains("computeEnvironmentOrder[0].computeEnvironment"));
    let caller = app.batch.session_caller(&admin).await.unwrap();
    assert!(app.batch.describe_job_queues(&caller, &[]).await.unwrap().is_empty(), "nothing was written");
}
