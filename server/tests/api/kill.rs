//! `kill -9` of the real server binary at random moments of a 200-job run, again and again
//! (issue 15). Every job appends a line to a file named after it on a mounted folder, so the test
//! counts what really ran: 0 lost, 0 run twice, 0 wrong outcome, 0 containers left behind.

use crate::restart::{ServerProcess, free_port, start_server, wait_until};
use domain::container::{MountPoint, Volume, VolumeHost};
use domain::submit::{ArrayProperties, SubmitJob};
use service::docker::DockerEngine;
use service::testing::{Backend, TempDir, admin, create_postgres_database, definition, environment_on, operator, queue, temp_dir};
use service::{Batch, BatchConfig};
use std::time::{Duration, Instant};

const JOBS: i64 = 200;
const MIN_KILLS: usize = 5;

/// A pause of 0.5 to 4 s, different each time.
fn random_pause() -> Duration {
    Duration::from_millis(500 + (uuid::Uuid::new_v4().as_u128() % 3_500) as u64)
}

/// A bridge network of the run's own, removed when dropped (or, when a failed run left it in use,
/// by `scripts/test.sh` on exit: bridges are few). Each run's containers then share a
/// network with no other test's: Debian 12's engine can deadlock when containers on one network
/// exit at once (ARCHITECTURE.md §5, scripts/engine.sh), and this run makes the most of them.
struct OwnNetwork(String);

impl OwnNetwork {
    fn create() -> Self {
        let name = format!("batch-kill-test-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let made =
            std::process::Command::new("docker").args(["network", "create", "--label", "io.batch.test-network", &name]).output().unwrap();
        assert!(made.status.success(), "docker network create {name}: {}", String::from_utf8_lossy(&made.stderr));
        Self(name)
    }
}

impl Drop for OwnNetwork {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker").args(["network", "rm", &self.0]).output();
    }
}

async fn describe(batch: &Batch, ids: &[String]) -> Vec<domain::views::JobDetail> {
    let mut jobs = Vec::new();
    for chunk in ids.chunks(100) {
        jobs.extend(batch.describe_jobs(&admin(), chunk).await.unwrap());
    }
    jobs
}

async fn all_finished(batch: &Batch, ids: &[String]) -> bool {
    describe(batch, ids).await.iter().all(|j| j.status == "SUCCEEDED" || j.status == "FAILED")
}

async fn killed_again_and_again(backend: Backend) {
    let data_dir = temp_dir();
    let out = temp_dir();
    let url = match backend {
        Backend::Postgres => Some(create_postgres_database().await),
        Backend::Sqlite => None,
    };
    let port = free_port();
    let ready = format!("http://127.0.0.1:{port}/readyz");
    let client = reqwest::Client::new();
    let start = |dir: &TempDir| start_server(url.as_deref(), dir, port);
    let mut server: ServerProcess = start(&data_dir);
    wait_until("the server to be ready", 120, async || client.get(&ready).send().await.is_ok_and(|r| r.status() == 200)).await;

    // The test drives the service on the same store, as another replica would.
    let store_url = url.clone().unwrap_or_else(|| service::db::sqlite_url_in(data_dir.path()));
    let batch = Batch::new(service::db::connect_and_migrate(&store_url).await.unwrap(), BatchConfig::default());
    let host = DockerEngine::connect(None).await.unwrap().capacity().await.unwrap();
    let network = OwnNetwork::create();
    let mut environment = environment_on("docker", 8, host);
    environment.host_access.network_mode = Some(network.0.clone());
    batch.create_compute_environment(&admin(), environment).await.unwrap();
    batch.create_job_queue(&admin(), queue("q", &["docker"])).await.unwrap();
    let mut record = definition("record");
    let container = record.container_properties.as_mut().unwrap();
    // Three seconds, not one: as many jobs in flight when a kill lands, fewer exits a second
    // (the engine's deadlock needs two at once).
    container.command = vec!["sh".into(), "-c".into(), "echo $AWS_BATCH_JOB_ATTEMPT >> /out/$AWS_BATCH_JOB_ID; sleep 3; echo done".into()];
    container.resource_requirements[0].value = "0.25".into();
    container.volumes = vec![Volume { name: "out".into(), host: Some(VolumeHost { source_path: Some(out.path().display().to_string()) }) }];
    container.mount_points = vec![MountPoint { container_path: "/out".into(), source_volume: "out".into(), read_only: false }];
    batch.register_job_definition(&admin(), record).await.unwrap();
    let request = SubmitJob {
        job_name: "killed".into(),
        job_queue: "q".into(),
        job_definition: "record".into(),
        array_properties: Some(ArrayProperties { size: JOBS }),
        ..Default::default()
    };
    let parent = batch.submit_job(&operator(), request).await.unwrap().job_id;

    // Kill at random moments until the run is over: kills land in every phase of it.
    let children: Vec<String> = (0..JOBS).map(|i| format!("{parent}:{i}")).collect();
    let started = Instant::now();
    let mut kills = 0;
    loop {
        tokio::time::sleep(random_pause()).await;
        if all_finished(&batch, &children).await {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(400), "{backend:?}: the run did not finish in 400 s");
        server.kill();
        kills += 1;
        let ran: usize = children.iter().filter(|id| out.path().join(id).exists()).count();
        println!("{backend:?}: kill {kills} after {:.1} s, {ran} of {JOBS} jobs started so far", started.elapsed().as_secs_f64());
        server = start(&data_dir);
    }
    println!("{backend:?}: {JOBS} jobs through {kills} kills in {:.1} s", started.elapsed().as_secs_f64());
    assert!(kills >= MIN_KILLS, "{backend:?}: only {kills} kills landed during the run");

    let mut wrong = Vec::new();
    for job in describe(&batch, &children).await {
        let runs = std::fs::read_to_string(out.path().join(&job.job_id)).map(|text| text.lines().count()).unwrap_or(0);
        let lines: Vec<String> = batch.job_log(&admin(), &job.job_id, None, 0, 10).await.unwrap().into_iter().map(|l| l.line).collect();
        if job.status != "SUCCEEDED" || runs != 1 || job.attempts.len() != 1 || lines != ["done"] {
            wrong.push(format!(
                "{}: {} {:?}, ran {runs} times, {} attempts, log {lines:?}",
                job.job_id,
                job.status,
                job.status_reason,
                job.attempts.len()
            ));
        }
    }
    if !wrong.is_empty() {
        // What the servers said about the wrong jobs, for the failure message.
        let log = std::fs::read_to_string(data_dir.path().join("server.log")).unwrap_or_default();
        let ids: Vec<&str> = wrong.iter().map(|w| w.split(": ").next().unwrap_or_default()).collect();
        let said: Vec<&str> = log.lines().filter(|line| ids.iter().any(|id| line.contains(id))).collect();
        panic!("{backend:?}: {} wrong of {JOBS}:\n{}\nserver log:\n{}", wrong.len(), wrong.join("\n"), said.join("\n"));
    }
    wait_until("the parent to succeed", 30, async || {
        batch.describe_jobs(&admin(), std::slice::from_ref(&parent)).await.unwrap()[0].status == "SUCCEEDED"
    })
    .await;
    let installation = batch.installation_id().await.unwrap();
    let engine = DockerEngine::connect(None).await.unwrap();
    wait_until("every container to be removed", 30, async || engine.managed_containers(&installation).await.unwrap().is_empty()).await;
    drop(server);
    drop(network);
}

#[tokio::test]
async fn kill_9_at_random_moments_of_a_200_job_run_loses_nothing_and_runs_nothing_twice_on_postgres() {
    killed_again_and_again(Backend::Postgres).await;
}

#[tokio::test]
async fn kill_9_at_random_moments_of_a_200_job_run_loses_nothing_and_runs_nothing_twice_on_sqlite() {
    killed_again_and_again(Backend::Sqlite).await;
}
