//! The store goes away for a few seconds under load (issue 15) while jobs are submitted 20 times
//! a second and containers print output. No acknowledged job is lost, no output line is lost or
//! doubled, and scheduling resumes by itself. Two outages, each on a store of the test's own so
//! the other tests' connections are untouched:
//! - a network partition: a TCP relay in front of Postgres drops every connection and refuses
//!   new ones;
//! - a real restart: a private Postgres cluster stopped (`pg_ctl stop -m fast`, which ends every
//!   session and checkpoints) and started again.

use crate::fixtures::{TestBatch, environment, queue};
use crate::scheduler::{local_environment, shell_definition, submit_to, wait_for};
use domain::container::KeyValuePair;
use domain::submit::SubmitJob;
use service::scheduler::Scheduler;
use service::testing::{admin, create_postgres_database, operator};
use service::{Batch, BatchConfig};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards 127.0.0.1:<port> to Postgres until cut; `restore` listens again on the same port.
struct StoreRelay {
    port: u16,
    target: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl StoreRelay {
    async fn start(target: String) -> StoreRelay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let relay = StoreRelay { port, target, tasks: Arc::default() };
        relay.serve(listener);
        relay
    }

    fn serve(&self, listener: TcpListener) {
        let (target, tasks) = (self.target.clone(), self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let connection = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(connection);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Drops every connection and stops listening: clients see resets, then refusals.
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => break listener,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        self.serve(listener);
    }
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A Postgres cluster of this test's own (initdb in a temporary folder, owned by the `postgres`
/// user as Postgres requires), so it can be restarted without touching the shared one.
struct PrivatePostgres {
    dir: tempfile::TempDir,
    port: u16,
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        let dir = tempfile::Builder::new().prefix("batch-pg-").tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        run(Command::new("chown").args(["-R", "postgres"]).arg(dir.path()));
        run(as_postgres("initdb").args(["-A", "trust", "-U", "postgres", "-D"]).arg(&data));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = PrivatePostgres { dir, port };
        run(&mut cluster.pg_ctl_start());
        cluster
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn pg_ctl_start(&self) -> Command {
        let options = format!("-p {} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off", self.port);
        let log = self.dir.path().join("log");
        let mut command = as_postgres("pg_ctl");
        command.args(["-w", "-D"]).arg(self.data()).arg("-l").arg(log).args(["-o", &options, "start"]);
        command
    }

    fn pg_ctl_stop(&self, mode: &str) -> Command {
        let mut command = as_postgres("pg_ctl");
        command.args(["-w", "-D"]).arg(self.data()).args(["-m", mode, "stop"]);
        command
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.pg_ctl_stop("immediate").output();
    }
}

/// A Postgres program run as the `postgres` user (the test command runs as root).
fn as_postgres(program: &str) -> Command {
    let mut command = Command::new("runuser");
    command.args(["-u", "postgres", "--"]).arg(format!("{PG_BIN}/{program}"));
    command
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// `run` on the blocking pool, so the scheduler and the submitter keep going meanwhile.
async fn run_aside(mut command: Command) {
    tokio::task::spawn_blocking(move || run(&mut command)).await.unwrap();
}

/// How the store goes away and comes back.
enum Outage {
    Partition(StoreRelay),
    Restart(PrivatePostgres),
}

impl Outage {
    async fn begin(&self) {
        match self {
            Outage::Partition(relay) => relay.cut(),
            Outage::Restart(cluster) => run_aside(cluster.pg_ctl_stop("fast")).await,
        }
    }

    async fn end(&self) {
        match self {
            Outage::Partition(relay) => relay.restore().await,
            Outage::Restart(cluster) => run_aside(cluster.pg_ctl_start()).await,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Outage::Partition(_) => "network partition",
            Outage::Restart(_) => "Postgres restart",
        }
    }
}

#[tokio::test]
async fn a_store_partition_under_submissions_loses_no_acknowledged_job_and_no_output_line() {
    let url = create_postgres_database().await;
    let (prefix, rest) = url.split_once('@').unwrap();
    let (host_port, database) = rest.split_once('/').unwrap();
    let relay = StoreRelay::start(host_port.to_string()).await;
    let relayed = format!("{prefix}@127.0.0.1:{}/{database}", relay.port);
    through_an_outage(&relayed, Outage::Partition(relay)).await;
}

#[tokio::test]
async fn a_postgres_restart_under_submissions_loses_no_acknowledged_job_and_no_output_line() {
    let cluster = tokio::task::spawn_blocking(PrivatePostgres::start).await.unwrap();
    through_an_outage(&cluster.url(), Outage::Restart(cluster)).await;
}

async fn through_an_outage(url: &str, outage: Outage) {
    let batch = TestBatch::wrap(Batch::new(service::db::connect_and_migrate(url).await.unwrap(), BatchConfig::default()));

    local_environment(&batch, "docker", 8).await;
    let mut simulated = environment("sim", 1000);
    simulated.executor = Some(domain::compute_environment::ExecutorKind::Simulated);
    batch.create_compute_environment(&admin(), simulated).await.unwrap();
    batch.create_job_queue(&admin(), queue("q", &["docker"])).await.unwrap();
    batch.create_job_queue(&admin(), queue("sim", &["sim"])).await.unwrap();
    let mut talker = shell_definition("talker", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line-$i; sleep 0.5; done");
    talker.container_properties.as_mut().unwrap().resource_requirements[0].value = "0.25".into();
    batch.register_job_definition(&admin(), talker).await.unwrap();
    let mut quick = shell_definition("quick", "ignored");
    quick.container_properties.as_mut().unwrap().environment =
        vec![KeyValuePair { name: "SIMULATED_DURATION_MS".into(), value: "100".into() }];
    batch.register_job_definition(&admin(), quick).await.unwrap();
    tokio::spawn(Scheduler::new(batch.batch.clone(), "through-the-outage").run(std::future::pending()));

    // Containers printing a line every 0.5 s across the outage.
    let mut talkers = Vec::new();
    for i in 0..3 {
        talkers.push(batch.submit_job(&operator(), submit_to("talker", &format!("talker-{i}"))).await.unwrap().job_id);
    }
    for id in &talkers {
        wait_for(&batch, id, |j| j.status == "RUNNING", 60).await;
    }
    // 20 submissions a second for 8 s; the store is away from the 2nd to the 5th second.
    let submitter = {
        let batch = batch.batch.clone();
        tokio::spawn(async move {
            // (started, finished, acknowledged) per submission.
            let mut submissions: Vec<(Instant, Instant, Option<String>)> = Vec::new();
            let started = Instant::now();
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            while started.elapsed() < Duration::from_secs(8) {
                tick.tick().await;
                let request = SubmitJob { job_queue: "sim".into(), ..submit_to("quick", "steady") };
                let at = Instant::now();
                let submit = tokio::time::timeout(Duration::from_secs(2), batch.submit_job(&operator(), request)).await;
                submissions.push((at, Instant::now(), submit.ok().and_then(Result::ok).map(|job| job.job_id)));
            }
            submissions
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cut_at = Instant::now();
    outage.begin().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    outage.end().await;
    let restored_at = Instant::now();
    let submissions = submitter.await.unwrap();
    let acknowledged: Vec<String> = submissions.iter().filter_map(|(_, _, id)| id.clone()).collect();
    let refused = submissions.len() - acknowledged.len();
    // Felt: a submission made during the outage was refused or waited for the store.
    let felt =
        submissions.iter().filter(|(at, done, id)| *at >= cut_at && *at < restored_at && (id.is_none() || *done >= restored_at)).count();
    assert!(felt > 0, "the outage was felt by the submissions made during it");
    let back =
        submissions.iter().filter(|(_, done, id)| id.is_some() && *done >= restored_at).map(|(_, done, _)| *done - restored_at).min();
    let back = back.expect("submissions were acknowledged after the store returned");
    println!(
        "store outage ({}, 3 s): {} submissions acknowledged, {refused} refused after waiting 2 s; the first acknowledged {} ms after the store returned",
        outage.name(),
        acknowledged.len(),
        back.as_millis()
    );

    for chunk in acknowledged.chunks(100) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let jobs = batch.describe_jobs(&admin(), chunk).await.unwrap();
            assert_eq!(jobs.len(), chunk.len(), "every acknowledged job is stored");
            if jobs.iter().all(|j| j.status == "SUCCEEDED") {
                break;
            }
            let stuck: Vec<_> = jobs.iter().filter(|j| j.status != "SUCCEEDED").map(|j| (&j.status, &j.status_reason)).collect();
            assert!(Instant::now() < deadline, "acknowledged jobs did not all succeed: {stuck:?}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    let expected: Vec<String> = (1..=12).map(|i| format!("line-{i}")).collect();
    for id in &talkers {
        let job = wait_for(&batch, id, |j| j.status == "SUCCEEDED" || j.status == "FAILED", 120).await;
        assert_eq!((job.status.as_str(), job.attempts.len()), ("SUCCEEDED", 1), "{id}: {:?}", job.status_reason);
        let lines: Vec<String> = batch.job_log(&admin(), id, None, 0, 100).await.unwrap().into_iter().map(|l| l.line).collect();
        assert_eq!(lines, expected, "{id}: every line, once, in order");
    }
}
