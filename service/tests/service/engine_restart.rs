//! A Docker engine restart with jobs running is not the jobs' failure (issue 15). The test runs
//! a second engine of its own (its own data root, exec root, socket and cgroup parent, with
//! `--live-restore` so containers outlive the daemon, as production hosts are set up), restarts
//! it while jobs run, and checks that every job ends SUCCEEDED with its whole output, read once,
//! and that no container is left on that engine.

use crate::fixtures::{TestBatch, batch_on, environment_on, queue};
use crate::scheduler::{shell_definition, submit_to, wait_for};
use service::docker::DockerEngine;
use service::scheduler::Scheduler;
use service::testing::{BACKENDS, admin, operator};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// A dockerd of the test's own, stopped and cleaned up when dropped. It gets a bridge of its
/// own: with `--bridge=none` dockerd deletes the machine's `docker0`, which the main engine
/// (and every other test) needs.
struct SecondEngine {
    root: PathBuf,
    bridge: String,
    daemon: Option<Child>,
}

impl SecondEngine {
    async fn start() -> SecondEngine {
        let id = uuid::Uuid::new_v4();
        let root = PathBuf::from(format!("/tmp/batch-engine-{}", &id.simple().to_string()[..8]));
        std::fs::create_dir_all(&root).unwrap();
        let bridge = format!("bt{}", &id.simple().to_string()[..8]);
        let subnet = format!("10.213.{}.1/24", id.as_bytes()[15]);
        for args in [
            vec!["link", "add", &bridge, "type", "bridge"],
            vec!["addr", "add", &subnet, "dev", &bridge],
            vec!["link", "set", &bridge, "up"],
        ] {
            let done = Command::new("ip").args(&args).output().unwrap();
            assert!(done.status.success(), "ip {args:?}: {}", String::from_utf8_lossy(&done.stderr));
        }
        let mut engine = SecondEngine { root, bridge, daemon: None };
        engine.run_daemon().await;
        // No registry is reachable: the example image comes from the machine's main engine.
        let saved = Command::new("docker").args(["save", "batch-examples/busybox:latest"]).output().unwrap();
        assert!(saved.status.success(), "docker save: {}", String::from_utf8_lossy(&saved.stderr));
        let mut load =
            Command::new("docker").args(["-H", &engine.endpoint(), "load"]).stdin(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
        use std::io::Write;
        load.stdin.take().unwrap().write_all(&saved.stdout).unwrap();
        assert!(load.wait().unwrap().success(), "docker load into the second engine");
        engine
    }

    fn endpoint(&self) -> String {
        format!("unix://{}/docker.sock", self.root.display())
    }

    async fn run_daemon(&mut self) {
        let root = self.root.display().to_string();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.root.join("dockerd.log")).unwrap();
        let daemon = Command::new("dockerd")
            .args([
                "--data-root",
                &format!("{root}/data"),
                "--exec-root",
                &format!("{root}/exec"),
                "--pidfile",
                &format!("{root}/docker.pid"),
            ])
            .args(["-H", &self.endpoint(), "--bridge", &self.bridge, "--iptables=false", "--ip6tables=false", "--live-restore"])
            .args(["--cgroup-parent", &format!("batch-test-{}", self.root.file_name().unwrap().to_string_lossy())])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("dockerd starts");
        self.daemon = Some(daemon);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(engine) = DockerEngine::connect(Some(&self.endpoint())).await
                && engine.ping().await.is_ok()
            {
                return;
            }
            assert!(Instant::now() < deadline, "the second dockerd did not answer within 60 s");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// SIGTERM and wait, as `systemctl restart docker` does, then start it again.
    async fn restart(&mut self) {
        self.stop_daemon();
        self.run_daemon().await;
    }

    fn stop_daemon(&mut self) {
        if let Some(mut daemon) = self.daemon.take() {
            let _ = Command::new("kill").args(["-TERM", &daemon.id().to_string()]).status();
            let _ = daemon.wait();
        }
    }
}

impl Drop for SecondEngine {
    fn drop(&mut self) {
        let endpoint = self.endpoint();
        let _ = Command::new("sh").args(["-c", &format!("docker -H {endpoint} ps -aq | xargs -r docker -H {endpoint} rm -f")]).output();
        self.stop_daemon();
        // dockerd bind-mounts its data root onto itself.
        let _ = Command::new("umount").arg(self.root.join("data")).output();
        let _ = std::fs::remove_dir_all(&self.root);
        let _ = Command::new("ip").args(["link", "del", &self.bridge]).output();
    }
}

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
