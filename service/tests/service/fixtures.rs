use domain::compute_environment::State;
use domain::submit::SubmitJob;
use service::testing::admin;
use service::testing::{Backend, TempDir, fresh_database};
pub use service::testing::{definition, environment, environment_on, queue};
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

pub fn submission(name: &str) -> SubmitJob {
    SubmitJob { job_name: name.into(), job_queue: "q".into(), job_definition: "echo".into(), ..Default::default() }
}

/// An environment `ce`, a queue `q` on it, and a definition `echo`.
pub async fn with_queue_and_definition(backend: Backend) -> TestBatch {
    let batch = batch_on(backend).await;
    batch.create_compute_environment(&admin(), environment("ce", 4)).await.unwrap();
    batch.create_job_queue(&admin(), queue("q", &["ce"])).await.unwrap();
    batch.register_job_definition(&admin(), definition("echo")).await.unwrap();
    batch
}

pub fn disabled() -> Option<String> {
    Some(State::Disabled.as_str().to_string())
}
