use crate::helpers::{BACKENDS, TestApp};

#[tokio::test]
async fn the_console_page_is_server_rendered_and_asks_for_the_bundle() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/").await;
        assert_eq!(response.status(), 200, "{backend:?}");
        let html = response.text().await.unwrap();
        assert!(html.contains("<h1>Dashboard</h1>"), "server-rendered content: {html}");
        assert!(html.contains("/pkg/batch.js"), "hydration script: {html}");
        assert!(html.contains("/pkg/batch.css"), "stylesheet: {html}");
    }
}

#[tokio::test]
async fn the_wasm_bundle_and_stylesheet_are_served() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let wasm = app.get("/pkg/batch_bg.wasm").await;
    assert_eq!(wasm.status(), 200, "run scripts/build-site.sh first");
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    let bytes = wasm.bytes().await.unwrap();
    assert_eq!(&bytes[..4], b"\0asm", "a WebAssembly module");
    let css = app.get("/pkg/batch.css").await;
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
}

#[tokio::test]
async fn an_unknown_page_is_a_404_with_a_way_back() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Back to the dashboard"));
}
