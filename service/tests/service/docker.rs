use service::docker::DockerEngine;

/// Built by scripts/setup.sh from Debian's busybox-static (no registry is reachable here).
pub const EXAMPLE_IMAGE: &str = "batch-examples/busybox:latest";

#[tokio::test]
async fn the_example_image_runs_and_its_exit_code_and_output_are_read() {
    let docker = DockerEngine::connect(std::env::var("DOCKER_HOST").ok().as_deref())
        .await
        .expect("a Docker engine answers: run the tests through scripts/test.sh");
    let outcome = docker
        .run_to_completion(EXAMPLE_IMAGE, &["sh", "-c", "echo hello from busybox; echo to stderr >&2; exit 3"])
        .await
        .expect("the container runs");
    assert_eq!(outcome.exit_code, 3);
    assert_eq!(outcome.stdout, "hello from busybox\n");
    assert_eq!(outcome.stderr, "to stderr\n");
}

#[tokio::test]
async fn a_successful_command_exits_zero() {
    let docker = DockerEngine::connect(None).await.unwrap();
    let outcome = docker.run_to_completion(EXAMPLE_IMAGE, &["true"]).await.unwrap();
    assert_eq!(outcome.exit_code, 0);
    assert!(outcome.stdout.is_empty());
}
