use crate::helpers::{BACKENDS, TestApp};
use service::testing::{admin, operator};

/// The page's HTML without the empty comments the renderer leaves after text for hydration
/// (type-erased views, `.cargo/config.toml`), so a test can look for markup as written.
fn without_hydration_markers(html: &str) -> String {
    html.replace("<!>", "")
}

#[tokio::test]
async fn the_console_page_is_server_rendered_and_asks_for_the_bundle() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/").await;
        assert_eq!(response.status(), 200, "{backend:?}");
        let html = without_hydration_markers(&response.text().await.unwrap());
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

/// The bundle is a main module and chunks (app/src/routes.rs): every chunk the loader names is
/// served, is of this build (its name carries the build id), and like every file of the bundle
/// is asked for again on each load, so a browser never mixes two builds from its cache.
#[tokio::test]
async fn every_chunk_the_loader_names_is_served_and_of_this_build() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let build_id = app.get("/pkg/build-id").await.text().await.unwrap().trim().to_string();
    assert_eq!(build_id.len(), 12, "run scripts/build-site.sh first");
    let loader = app.get("/pkg/__wasm_split.js").await;
    assert_eq!(loader.headers()["cache-control"], "no-cache");
    let loader = loader.text().await.unwrap();
    let chunks: Vec<&str> = loader.split('"').filter(|part| part.starts_with("./") && part.ends_with(".wasm")).collect();
    assert!(chunks.len() >= 5, "a chunk per group of pages at least: {chunks:?}");
    for chunk in chunks {
        assert!(chunk.ends_with(&format!(".{build_id}.wasm")), "{chunk} is of build {build_id}");
        let response = app.get(&format!("/pkg/{}", &chunk[2..])).await;
        assert_eq!(response.status(), 200, "{chunk}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{chunk}");
        assert_eq!(&response.bytes().await.unwrap()[..4], b"\0asm", "{chunk} is a WebAssembly module");
    }
    assert_eq!(app.get("/pkg/batch_bg.wasm").await.headers()["cache-control"], "no-cache");
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
    use domain::job_queue::CreateJobQueue;
    use service::testing::{environment, queue};
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let empty = app.get("/").await.text().await.unwrap();
        assert!(empty.contains("No job queues yet"), "{backend:?}");
        app.batch.create_compute_environment(&admin(), environment("local-docker", 2)).await.unwrap();
        let nightly = CreateJobQueue { priority: 7, ..queue("nightly-reports", &["local-docker"]) };
        app.batch.create_job_queue(&admin(), nightly).await.unwrap();
        let html = app.get("/").await.text().await.unwrap();
        assert!(html.contains("nightly-reports") && html.contains("local-docker"), "{backend:?}: {html}");
    }
}

#[tokio::test]
async fn the_jobs_list_and_a_job_page_show_states_reasons_and_output() {
    use domain::submit::SubmitJob;
    use service::testing::{definition, environment, queue};
    let app = TestApp::spawn(crate::helpers::Backend::Postgres).await;
    let batch = &app.batch;
    batch.create_compute_environment(&admin(), environment("docker", 2)).await.unwrap();
    batch.create_job_queue(&admin(), queue("reports", &["docker"])).await.unwrap();
    let mut greet = definition("greet");
    greet.container_properties.as_mut().unwrap().command = vec!["echo".into(), "hello from the console".into()];
    batch.register_job_definition(&admin(), greet).await.unwrap();
    let job = batch
        .submit_job(
            &operator(),
            SubmitJob {
                job_name: "nightly-greeting".into(),
                job_queue: "reports".into(),
                job_definition: "greet".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while batch.describe_jobs(&admin(), std::slice::from_ref(&job.job_id)).await.unwrap()[0].status != "SUCCEEDED" {
        assert!(std::time::Instant::now() < deadline, "the job did not succeed");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let list = app.get("/jobs?queue=reports&status=SUCCEEDED").await.text().await.unwrap();
    assert!(list.contains(&format!("/jobs/{}", job.job_id)) && list.contains("nightly-greeting"), "{list}");
    let none = app.get("/jobs?queue=reports&status=FAILED").await.text().await.unwrap();
    assert!(none.contains("No jobs match."), "{none}");

    let page = without_hydration_markers(&app.get(&format!("/jobs/{}", job.job_id)).await.text().await.unwrap());
    // The command as its arguments, one box each (a space inside an argument stays visible).
    for expected in ["nightly-greeting", "SUCCEEDED", "hello from the console", "RUNNABLE", "<li><code>hello from the console</code></li>"]
    {
        assert!(page.contains(expected), "{expected} missing from the job page: {page}");
    }
    let missing = app.get("/jobs/no-such-job").await.text().await.unwrap();
    assert!(missing.contains("No such job"));
}

type LiveSocket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the live stream at `path` as a browser page of the console would (its origin, and the
/// admin's session unless `signed_out`); the refusal's status when there is one.
async fn live(app: &TestApp, path: &str, signed_out: bool) -> Result<LiveSocket, u16> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("{}{path}", app.address.replacen("http://", "ws://", 1)).into_client_request().unwrap();
    request.headers_mut().insert("origin", app.address.parse().unwrap());
    if let (Some(token), false) = (&app.session, signed_out) {
        request.headers_mut().insert("cookie", format!("batch_session={token}").parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(refused)) => Err(refused.status().as_u16()),
        Err(other) => panic!("the live stream: {other}"),
    }
}

/// The next position the stream says (`A:B`), within `seconds`.
async fn next_position(socket: &mut LiveSocket, seconds: u64) -> String {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let said = tokio::time::timeout(std::time::Duration::from_secs(seconds), socket.next()).await.expect("a position in time");
    match said {
        Some(Ok(Message::Text(text))) => text.to_string(),
        other => panic!("expected a position, got {other:?}"),
    }
}

#[tokio::test]
async fn the_live_stream_says_where_things_stand_at_once_and_refuses_the_signed_out_and_other_sites() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let mut socket = live(&app, "/events", false).await.expect("a live stream");
    let first = next_position(&mut socket, 5).await;
    assert!(first.split_once(':').is_some_and(|(a, b)| a.parse::<i64>().is_ok() && b.parse::<i64>().is_ok()), "{first}");
    assert_eq!(live(&app, "/events", true).await.err(), Some(303));
    // A page of another site opening it with the reader's cookies.
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("{}/events", app.address.replacen("http://", "ws://", 1)).into_client_request().unwrap();
    request.headers_mut().insert("origin", "http://evil.example".parse().unwrap());
    request.headers_mut().insert("cookie", format!("batch_session={}", app.session.as_deref().unwrap()).parse().unwrap());
    let refused = tokio_tungstenite::connect_async(request).await.unwrap_err();
    assert!(matches!(refused, tokio_tungstenite::tungstenite::Error::Http(ref r) if r.status() == 403), "{refused:?}");
    // A plain GET is not a stream.
    assert_eq!(app.get("/events").await.status().as_u16() / 100, 4);
}

/// A session holds a bounded number of live streams, a change reaches an open stream from the
/// process's one poller, a closed stream frees its place at once, and signing out ends the
/// session's streams.
#[tokio::test]
async fn live_streams_are_capped_per_session_woken_by_changes_and_end_with_the_session() {
    use server::live::MAX_STREAMS_PER_SESSION;
    use std::time::Duration;
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let mut open = Vec::new();
    for _ in 0..MAX_STREAMS_PER_SESSION {
        let mut socket = live(&app, "/events", false).await.expect("a live stream");
        next_position(&mut socket, 10).await;
        open.push(socket);
    }
    assert_eq!(live(&app, "/events", false).await.err(), Some(429));
    let refused = app.get("/events").await;
    assert!(refused.status().is_client_error());
    open.pop().unwrap().close(None).await.unwrap();
    // The server hears the close: the place is free (within moments, not at its next write).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut reopened = loop {
        match live(&app, "/events", false).await {
            Ok(socket) => break socket,
            Err(status) => assert_eq!(status, 429),
        }
        assert!(std::time::Instant::now() < deadline, "the closed stream's place was never freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let before = next_position(&mut reopened, 10).await;

    // A change wakes the stream: a new environment + queue + submitted job writes a status change.
    let admin = app.batch.session_caller(app.session.as_deref().unwrap()).await.unwrap();
    app.batch.create_compute_environment(&admin, service::testing::environment("ce", 1)).await.unwrap();
    app.batch.create_job_queue(&admin, service::testing::queue("q", &["ce"])).await.unwrap();
    app.batch.register_job_definition(&admin, service::testing::definition("echo")).await.unwrap();
    let job =
        domain::submit::SubmitJob { job_name: "j".into(), job_queue: "q".into(), job_definition: "echo".into(), ..Default::default() };
    app.batch.submit_job(&admin, job).await.unwrap();
    let woken = next_position(&mut reopened, 20).await;
    assert_ne!(woken, before, "a change moves the position");

    // Signing out ends the session's streams.
    let signed_out = app
        .client
        .post(app.url("/auth/logout"))
        .header("origin", &app.address)
        .header("cookie", format!("batch_session={}", app.session.as_deref().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 303);
    let ended = tokio::time::timeout(Duration::from_secs(30), async {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        loop {
            match reopened.next().await {
                Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_))) => continue,
                _ => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived its session");
}
