//! A Docker engine restart with jobs running is not the jobs' failure (issue 15). The test runs
//! a second engine of its own (its own data root, exec root, socket and cgroup parent, with
//! `--live-restore` so containers outlive the daemon, as production hosts are set up), restarts
//! it while jobs run, and checks that every job ends SUCCEEDED with its whole output, read once,
//! and that no container is left on that engine.

use crate::fixtures::{TestBatch, batch_on, environment_on, queue};
use crate::scheduler::{shell_definition, submit_to, wait_for};
use crate::second_engine::SecondEngine;
use service::docker::DockerEngine;
use service::scheduler::Scheduler;
use service::testing::{BACKENDS, admin, operator};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

async fn finished(batch: &TestBatch, job_id: &str) -> domain::views::JobDetail {
    wait_for(batch, job_id, |j| j.status == "SUCCEEDED" || j.status == "FAILED", 180).await
}

#[tokio::test]
async fn jobs_running_through_an_engine_restart_finish_succeeded_with_their_whole_output() {
    let mut engine = SecondEngine::start().await;
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let host = DockerEngine::connect(Some(&engine.endpoint())).await.unwrap().capacity().await.unwrap();
        batch.create_compute_environment(&admin(), environment_on("restarting", 8, host)).await.unwrap();
        batch.create_job_queue(&admin(), queue("q", &["restarting"])).await.unwrap();
        let mut d = shell_definition("through", "echo begin; sleep 6; echo end");
        d.container_properties.as_mut().unwrap().resource_requirements[0].value = "0.25".into();
        batch.register_job_definition(&admin(), d).await.unwrap();
        let (_stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(Scheduler::new(batch.batch.clone(), format!("engine-restart-{backend:?}")).run(async {
            let _ = stopped.await;
        }));
        let mut ids = Vec::new();
        for i in 0..4 {
            ids.push(batch.submit_job(&operator(), submit_to("through", &format!("job-{i}"))).await.unwrap().job_id);
        }
        for id in &ids {
            wait_for(&batch, id, |j| j.status == "RUNNING", 60).await;
        }
        let restarted = Instant::now();
        engine.restart().await;
        println!("{backend:?}: the engine was away for {} ms", restarted.elapsed().as_millis());
        for id in &ids {
            let job = finished(&batch, id).await;
            assert_eq!(job.status, "SUCCEEDED", "{backend:?} {id}: {:?}", job.status_reason);
            assert_eq!((job.attempts.len(), job.attempts[0].container.exit_code), (1, Some(0)), "{backend:?}");
            let lines: Vec<String> = batch.job_log(&admin(), id, None, 0, 10).await.unwrap().into_iter().map(|l| l.line).collect();
            assert_eq!(lines, ["begin", "end"], "{backend:?} {id}: the output whole, each line once");
        }
        let installation = batch.installation_id().await.unwrap();
        let second = DockerEngine::connect(Some(&engine.endpoint())).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !second.managed_containers(&installation).await.unwrap().is_empty() {
            assert!(Instant::now() < deadline, "{backend:?}: containers left on the restarted engine");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}
