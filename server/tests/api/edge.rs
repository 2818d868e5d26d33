//! The HTTP edge: security headers on every response (with a script nonce the page's own
//! scripts carry), one body limit for every route, and private files in the data directory.

use crate::helpers::{Backend, TestApp};
use service::testing::temp_dir;
use std::os::unix::fs::PermissionsExt;

#[tokio::test]
async fn every_console_response_carries_the_security_headers_and_its_scripts_the_nonce() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let policy = headers["content-security-policy"].to_str().unwrap().to_string();
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("object-src 'none'"), "{policy}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a script nonce").to_string();
    let html = response.text().await.unwrap();
    let scripts = html.matches("<script").count();
    assert!(scripts > 0, "{html}");
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "every script carries this response's nonce: {html}");

    let again = app.get("/").await.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert_ne!(again, policy, "a fresh nonce per response");
    for path in ["/login", "/healthz", "/pkg/batch.css", "/no/such/page"] {
        let response = app.get_signed_out(path).await;
        assert!(response.headers().contains_key("content-security-policy"), "{path}");
        assert_eq!(response.headers()["x-frame-options"], "DENY", "{path}");
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_a_clear_413_on_every_route() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = vec![b'a'; 2 * 1024 * 1024];
    for path in ["/api/whoami", "/auth/login", "/v1/submitjob"] {
        let response = app
            .client
            .post(app.url(path))
            .header("cookie", format!("batch_session={}", app.session.as_deref().unwrap()))
            .header("sec-fetch-site", "same-origin")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413, "{path}");
        let text = response.text().await.unwrap();
        assert!(text.contains("request body too large: the limit is 1024 KiB"), "{path}: {text}");
    }
}

#[tokio::test]
async fn the_data_directory_and_the_embedded_store_are_private_to_the_server() {
    let parent = temp_dir();
    let data_dir = parent.path().join("fresh").join("data");
    let dir = data_dir.clone();
    let _app = TestApp::spawn_with(Backend::Sqlite, move |s| s.data_dir = dir).await;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data_dir), 0o700);
    assert_eq!(mode(&data_dir.join("batch.db")), 0o600);
    assert_eq!(mode(&data_dir.join("secret.key")), 0o600);
}

#[tokio::test]
async fn a_console_reached_under_a_foreign_host_name_refuses_it_but_health_answers() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let port = app.address.rsplit(':').next().unwrap().to_string();
    let cookie = format!("batch_session={}", app.session.as_deref().unwrap());
    let rebound = app.client.get(app.url("/")).header("host", format!("rebind.attacker.example:{port}")).header("cookie", &cookie);
    let response = rebound.send().await.unwrap();
    assert_eq!(response.status(), 421);
    assert!(response.text().await.unwrap().contains("public_url"));
    let health = app.client.get(app.url("/healthz")).header("host", "rebind.attacker.example").send().await.unwrap();
    assert_eq!(health.status(), 200, "probes and the signed API are not cookie-authenticated: no host check");
    let local = app.client.get(app.url("/")).header("host", format!("localhost:{port}")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(local.status(), 200);
}

#[tokio::test]
async fn an_https_public_url_makes_the_cookie_host_prefixed_and_secure_and_adds_hsts() {
    use crate::helpers::{ADMIN, PASSWORD};
    let public_url = server::public_edge::PublicUrl::parse("https://batch.example.com").unwrap();
    let app = TestApp::spawn_with(Backend::Sqlite, move |s| s.edge.public_url = Some(public_url)).await;
    let login = app
        .client
        .post(app.url("/auth/login"))
        .header("host", "batch.example.com")
        .header("origin", "https://batch.example.com")
        .form(&[("username", ADMIN), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-batch_session=") && cookie.contains("; Secure") && cookie.contains("Path=/"), "{cookie}");
    assert_eq!(login.headers()["strict-transport-security"], "max-age=31536000");
    let token = cookie.trim_start_matches("__Host-batch_session=").split(';').next().unwrap().to_string();
    let page = |host: &'static str| {
        app.client.get(app.url("/")).header("host", host).header("cookie", format!("__Host-batch_session={token}")).send()
    };
    assert_eq!(page("batch.example.com").await.unwrap().status(), 200);
    assert_eq!(page("127.0.0.1").await.unwrap().status(), 421, "only the public URL's host");
}

#[tokio::test]
async fn the_client_address_comes_from_forwarded_for_only_through_a_trusted_proxy() {
    use crate::helpers::ADMIN;
    for trusted in [false, true] {
        let app = TestApp::spawn_with(Backend::Sqlite, move |s| {
            if trusted {
                s.edge.trusted_proxies = vec![server::public_edge::parse_proxy("127.0.0.1").unwrap()];
            }
        })
        .await;
        let wrong = app
            .client
            .post(app.url("/auth/login"))
            .header("origin", &app.address)
            .header("x-forwarded-for", "203.0.113.5")
            .form(&[("username", ADMIN), ("password", "not the password")])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 303);
        let admin = app.batch.session_caller(app.session.as_deref().unwrap()).await.unwrap();
        let log = app.batch.audit_log(&admin, None, 50).await.unwrap();
        let failed = log.iter().find(|r| r.action == "SignIn" && r.outcome == "failed").expect("the failure is audited");
        let expected = if trusted { "203.0.113.5" } else { "127.0.0.1" };
        assert_eq!(failed.client.as_deref(), Some(expected), "trusted proxy: {trusted}");
    }
}
