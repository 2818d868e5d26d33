use crate::helpers::{BACKENDS, Backend, TestApp, temp_dir};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn healthz_answers_ok_on_both_backends() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/healthz").await;
        assert_eq!(response.status(), 200, "{backend:?}");
        assert_eq!(response.text().await.unwrap(), "ok");
    }
}

#[tokio::test]
async fn readyz_reports_database_and_docker_ok_on_both_backends() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 200, "{backend:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["checks"]["database"]["ok"], true, "{backend:?}: {body}");
        assert_eq!(body["checks"]["docker"]["ok"], true, "{backend:?}: {body}");
    }
}

/// As an anonymous probe sees it.
async fn readiness(app: &TestApp) -> (u16, Value) {
    let response = app.get_signed_out("/readyz").await;
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn readyz_reports_a_lost_postgres_database_and_recovers_when_it_returns() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let url = app.postgres_url.clone().unwrap();
    let name = url.rsplit('/').next().unwrap().to_string();
    let admin = Database::connect(&service::testing::postgres_admin_url()).await.unwrap();

    admin.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await.unwrap();
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["database"]["ok"], false, "{body}");
    assert!(body["checks"]["database"].get("error").is_none(), "an anonymous probe learns which check failed, not why: {body}");
    assert_eq!(body["checks"]["docker"]["ok"], true, "{body}");

    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    let mut recovered = false;
    for _ in 0..20 {
        if readiness(&app).await.0 == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(recovered, "readyz must recover once the database is back");
}

/// A unix-socket relay to the real Docker socket that the test can cut and restore, so the
/// server's engine "goes away" without stopping the engine other tests use.
struct DockerRelay {
    path: std::path::PathBuf,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl DockerRelay {
    fn start(path: std::path::PathBuf) -> Self {
        let _ = std::fs::remove_file(&path);
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::UnixStream::connect("/var/run/docker.sock").await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        DockerRelay { path, task: Some(task) }
    }

    fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

#[tokio::test]
async fn readyz_reports_a_lost_docker_engine_and_recovers_when_it_returns() {
    let dir = temp_dir();
    let socket = dir.path().join("docker.sock");
    let mut relay = DockerRelay::start(socket.clone());
    let endpoint = format!("unix://{}", socket.display());
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.docker_host = Some(endpoint)).await;
    assert_eq!(readiness(&app).await.0, 200);

    relay.cut();
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["docker"]["ok"], false, "{body}");
    assert!(body["checks"]["docker"].get("error").is_none(), "an anonymous probe learns which check failed, not why: {body}");
    assert_eq!(body["checks"]["database"]["ok"], true, "{body}");
    let as_admin: Value = app.get("/readyz").await.json().await.unwrap();
    assert!(as_admin["checks"]["docker"]["error"].as_str().unwrap().contains("Docker engine"), "a signed-in admin sees why: {as_admin}");

    let _relay = DockerRelay::start(socket);
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 200, "readyz must recover once Docker is back: {body}");
}
