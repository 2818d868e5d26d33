//! The HTTP edge: security headers on every response (with a script nonce the page's own
//! scripts carry), one body limit for every route, and private files in the data directory.

use crate::helpers::{Backend, TestApp};
use service::testing::TempDir;
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
    let parent = TempDir::new();
    let data_dir = parent.0.join("fresh").join("data");
    let dir = data_dir.clone();
    let _app = TestApp::spawn_with(Backend::Sqlite, move |s| s.data_dir = dir).await;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data_dir), 0o700);
    assert_eq!(mode(&data_dir.join("batch.db")), 0o600);
    assert_eq!(mode(&data_dir.join("secret.key")), 0o600);
}
