//! A dockerd of a test's own (its own data root, exec root, socket, bridge and cgroup parent),
//! with the example image loaded from the machine's main engine.

use service::docker::DockerEngine;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A dockerd of the test's own, stopped and cleaned up when dropped. It gets a bridge of its
/// own: with `--bridge=none` dockerd deletes the machine's `docker0`, which the main engine
/// (and every other test) needs.
pub struct SecondEngine {
    pub root: PathBuf,
    bridge: String,
    daemon: Option<Child>,
    /// More `dockerd` arguments (another `-H`, TLS).
    extra_args: Vec<String>,
}

impl SecondEngine {
    pub async fn start() -> SecondEngine {
        Self::start_with(vec![]).await
    }

    pub async fn start_with(extra_args: Vec<String>) -> SecondEngine {
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
        let mut engine = SecondEngine { root, bridge, daemon: None, extra_args };
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

    pub fn endpoint(&self) -> String {
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
            .args(&self.extra_args)
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
    pub async fn restart(&mut self) {
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
