//! The store goes away for a few seconds under load (issue 15): every connection to Postgres is
//! cut and new ones refused, as a Postgres restart or a network partition does, while jobs are
//! submitted 20 times a second and containers print output. No acknowledged job is lost, no
//! output line is lost or doubled, and scheduling resumes by itself. The outage is made by a TCP
//! relay in front of the test's Postgres, so the other tests' connections are untouched.

use crate::fixtures::{TestBatch, environment, queue};
use crate::scheduler::{local_environment, shell_definition, submit_to, wait_for};
use domain::container::KeyValuePair;
use domain::submit::SubmitJob;
use service::scheduler::Scheduler;
use service::testing::{admin, create_postgres_database, operator};
use service::{Batch, BatchConfig};
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

#[tokio::test]
async fn a_store_outage_under_submissions_loses_no_acknowledged_job_and_no_output_line() {
    let url = create_postgres_database().await;
    let (prefix, rest) = url.split_once('@').unwrap();
    let (host_port, database) = rest.split_once('/').unwrap();
    let relay = StoreRelay::start(host_port.to_string()).await;
    let relayed = format!("{prefix}@127.0.0.1:{}/{database}", relay.port);
    let batch = TestBatch::wrap(Batch::new(service::db::connect_and_migrate(&relayed).await.unwrap(), BatchConfig::default()));

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
    relay.cut();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let restored_at = Instant::now();
    relay.restore().await;
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
        "store outage (3 s): {} submissions acknowledged, {refused} refused after waiting 2 s; the first acknowledged {} ms after the store returned",
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
