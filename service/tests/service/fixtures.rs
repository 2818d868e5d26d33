use domain::compute_environment::{ComputeResourceInput, CreateComputeEnvironment, State};
use domain::container::{ContainerProperties, ResourceRequirement};
use domain::job_definition::RegisterJobDefinition;
use domain::job_queue::{ComputeEnvironmentOrder, CreateJobQueue};
use domain::submit::SubmitJob;
use service::testing::{Backend, TempDir, fresh_database};
use service::{Batch, BatchConfig};

pub struct TestBatch {
    pub batch: Batch,
    _dir: Option<TempDir>,
}

impl TestBatch {
    /// A batch whose database someone else keeps.
    pub fn wrap(batch: Batch) -> Self {
        TestBatch { batch, _dir: None }
    }
}

impl std::ops::Deref for TestBatch {
    type Target = Batch;
    fn deref(&self) -> &Batch {
        &self.batch
    }
}

pub async fn batch_on(backend: Backend) -> TestBatch {
    let (db, dir) = fresh_database(backend).await;
    TestBatch { batch: Batch::new(db, BatchConfig::default()), _dir: Some(dir) }
}

pub fn environment(name: &str, max_vcpus: i64) -> CreateComputeEnvironment {
    CreateComputeEnvironment {
        compute_environment_name: name.into(),
        kind: "MANAGED".into(),
        state: None,
        compute_resources: Some(ComputeResourceInput { max_vcpus: Some(max_vcpus), ..Default::default() }),
        unmanaged_vcpus: None,
        tags: Default::default(),
        docker_hosts: None,
        executor: None,
        allow_privileged: false,
    }
}

/// An environment on one given Docker host.
pub fn environment_on(name: &str, max_vcpus: i64, host: domain::compute_environment::DockerHost) -> CreateComputeEnvironment {
    CreateComputeEnvironment { docker_hosts: Some(vec![host]), ..environment(name, max_vcpus) }
}

pub fn queue(name: &str, environments: &[&str]) -> CreateJobQueue {
    CreateJobQueue {
        job_queue_name: name.into(),
        priority: 1,
        state: None,
        compute_environment_order: environments
            .iter()
            .enumerate()
            .map(|(i, ce)| ComputeEnvironmentOrder { order: i as i64 + 1, compute_environment: ce.to_string() })
            .collect(),
        job_state_time_limit_actions: vec![],
        tags: Default::default(),
        scheduling_policy_arn: None,
    }
}

pub fn definition(name: &str) -> RegisterJobDefinition {
    RegisterJobDefinition {
        job_definition_name: name.into(),
        kind: "container".into(),
        parameters: [("greeting".to_string(), "hello".to_string())].into(),
        container_properties: Some(ContainerProperties {
            image: "batch-examples/busybox:latest".into(),
            command: vec!["echo".into(), "Ref::greeting".into()],
            resource_requirements: vec![
                ResourceRequirement { kind: "VCPU".into(), value: "1".into() },
                ResourceRequirement { kind: "MEMORY".into(), value: "64".into() },
            ],
            ..Default::default()
        }),
        retry_strategy: None,
        timeout: None,
        scheduling_priority: None,
        tags: Default::default(),
    }
}

pub fn submission(name: &str) -> SubmitJob {
    SubmitJob { job_name: name.into(), job_queue: "q".into(), job_definition: "echo".into(), ..Default::default() }
}

/// An environment `ce`, a queue `q` on it, and a definition `echo`.
pub async fn with_queue_and_definition(backend: Backend) -> TestBatch {
    let batch = batch_on(backend).await;
    batch.create_compute_environment(environment("ce", 4)).await.unwrap();
    batch.create_job_queue(queue("q", &["ce"])).await.unwrap();
    batch.register_job_definition(definition("echo")).await.unwrap();
    batch
}

pub fn disabled() -> Option<String> {
    Some(State::Disabled.as_str().to_string())
}
