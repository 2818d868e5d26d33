//! A remote engine over TLS: a dockerd of the test's own listening on `tcp://127.0.0.1:PORT`
//! with `--tlsverify` and certificates made by `openssl` here. An environment naming the CA and
//! a client certificate runs a job there; one naming the plain `tcp://` endpoint without TLS is
//! refused unless it says `insecure: true`.

use crate::fixtures::{batch_on, environment_on, queue};
use crate::scheduler::{finished, run_scheduler, shell_definition, submit_to};
use crate::second_engine::SecondEngine;
use domain::compute_environment::{DockerHost, DockerTls};
use service::testing::{BACKENDS, admin, operator, temp_dir};
use service::{ServiceError, docker::DockerEngine};
use std::path::Path;
use std::process::Command;

/// A CA, a server certificate for 127.0.0.1 and a client certificate, as `dockerd --tlsverify`
/// and its clients use them.
fn make_certificates(dir: &Path) {
    let script = r#"
set -e
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 1 -subj /CN=batch-test-ca
openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj /CN=127.0.0.1
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server-cert.pem -days 1 -extfile server.ext
openssl req -newkey rsa:2048 -nodes -keyout client-key.pem -out client.csr -subj /CN=batch-server
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out client-cert.pem -days 1 -extfile client.ext
"#;
    let made = Command::new("sh").args(["-c", script]).current_dir(dir).output().unwrap();
    assert!(made.status.success(), "openssl: {}", String::from_utf8_lossy(&made.stderr));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn a_tls_engine_runs_jobs_and_a_plain_tcp_one_must_say_insecure() {
    let certificates = temp_dir();
    make_certificates(certificates.path());
    let file = |name: &str| certificates.path().join(name).display().to_string();
    let tcp = format!("tcp://127.0.0.1:{}", free_port());
    let listen = vec![
        "-H".into(),
        tcp.clone(),
        "--tlsverify".into(),
        "--tlscacert".into(),
        file("ca.pem"),
        "--tlscert".into(),
        file("server-cert.pem"),
        "--tlskey".into(),
        file("server-key.pem"),
    ];
    let engine = SecondEngine::start_with(listen).await;
    let tls = DockerTls { ca_cert: file("ca.pem"), client_cert: file("client-cert.pem"), client_key: file("client-key.pem") };
    let host = DockerHost { endpoint: tcp.clone(), vcpus: 1, memory_mib: 512, tls: Some(tls), insecure: false };
    let reached = DockerEngine::connect_host(&host).await.expect("the engine answers over TLS with the client certificate");
    reached.ping().await.unwrap();
    assert!(DockerEngine::connect(Some(&tcp)).await.is_err(), "without the certificates the engine does not answer");

    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let plain = DockerHost { tls: None, ..host.clone() };
        match batch.create_compute_environment(&admin(), environment_on("plain", 1, plain.clone())).await {
            Err(ServiceError::Invalid(error)) => assert_eq!(error.field, "dockerHosts[0].tls", "{backend:?}"),
            other => panic!("{backend:?}: plain tcp:// accepted: {other:?}"),
        }
        let said = DockerHost { insecure: true, ..plain };
        batch.create_compute_environment(&admin(), environment_on("said-insecure", 1, said)).await.unwrap();

        batch.create_compute_environment(&admin(), environment_on("remote", 1, host.clone())).await.unwrap();
        batch.create_job_queue(&admin(), queue("q", &["remote"])).await.unwrap();
        batch.register_job_definition(&admin(), shell_definition("where", "echo ran on $AWS_BATCH_CE_NAME")).await.unwrap();
        let job = batch.submit_job(&operator(), submit_to("where", "where")).await.unwrap();
        let h = run_scheduler(batch);
        let done = finished(&h.batch, &job.job_id).await;
        assert_eq!(done.status, "SUCCEEDED", "{backend:?}: {:?}", done.status_reason);
        let output = h.batch.job_log(&admin(), &job.job_id, None, 0, 10).await.unwrap();
        assert_eq!(output.iter().map(|l| l.line.as_str()).collect::<Vec<_>>(), ["ran on remote"], "{backend:?}");
    }
    drop(engine);
}
