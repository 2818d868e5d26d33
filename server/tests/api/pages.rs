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

#[tokio::test]
async fn the_dashboard_lists_queues_with_their_job_counts() {
    use domain::compute_environment::{ComputeResourceInput, CreateComputeEnvironment};
    use domain::job_queue::{ComputeEnvironmentOrder, CreateJobQueue};
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let empty = app.get("/").await.text().await.unwrap();
        assert!(empty.contains("No job queues yet"), "{backend:?}");
        app.batch
            .create_compute_environment(CreateComputeEnvironment {
                compute_environment_name: "local-docker".into(),
                kind: "MANAGED".into(),
                state: None,
                compute_resources: Some(ComputeResourceInput { max_vcpus: Some(2), ..Default::default() }),
                unmanaged_vcpus: None,
                tags: Default::default(),
                docker_hosts: None,
                executor: None,
                allow_privileged: false,
            })
            .await
            .unwrap();
        app.batch
            .create_job_queue(CreateJobQueue {
                job_queue_name: "nightly-reports".into(),
                priority: 7,
                state: None,
                compute_environment_order: vec![ComputeEnvironmentOrder { order: 1, compute_environment: "local-docker".into() }],
                job_state_time_limit_actions: vec![],
                tags: Default::default(),
                scheduling_policy_arn: None,
            })
            .await
            .unwrap();
        let html = app.get("/").await.text().await.unwrap();
        assert!(html.contains("nightly-reports") && html.contains("local-docker"), "{backend:?}: {html}");
    }
}
