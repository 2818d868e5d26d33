//! Named secrets: a job gets its secret in its environment (read from a file the job writes on
//! a mounted folder); the value appears nowhere else: not in DescribeJobs, the job's output, the
//! audit log, the secrets list, nor unsealed in the store.

use crate::fixtures::{TestBatch, queue};
use crate::scheduler::{finished, local_environment, run_scheduler, shell_definition, submit_to};
use domain::container::{MountPoint, Volume, VolumeHost};
use domain::secret::{CreateSecret, SecretReference};
use sea_orm::{ConnectionTrait, Statement};
use service::testing::{BACKENDS, TempDir, admin, operator, temp_dir};
use service::{Batch, BatchConfig, ServiceError};

const VALUE: &str = "s3cr3t-value-that-must-not-leak";

fn secret_definition(name: &str, value_from: &str, out: &TempDir) -> domain::job_definition::RegisterJobDefinition {
    let mut definition = shell_definition(name, "printf %s \"$DB_PASSWORD\" > /out/seen; echo done");
    let container = definition.container_properties.as_mut().unwrap();
    container.secrets = vec![SecretReference { name: "DB_PASSWORD".into(), value_from: value_from.into() }];
    container.volumes = vec![Volume { name: "out".into(), host: Some(VolumeHost { source_path: Some(out.path().display().to_string()) }) }];
    container.mount_points = vec![MountPoint { container_path: "/out".into(), source_volume: "out".into(), read_only: false }];
    definition
}

#[tokio::test]
async fn a_job_sees_its_secret_and_nothing_else_ever_shows_the_value() {
    for backend in BACKENDS {
        let (db, _dir) = service::testing::fresh_database(backend).await;
        let batch = TestBatch::wrap(Batch::new(db, BatchConfig::default()));
        local_environment(&batch, "docker", 2).await;
        batch.create_job_queue(&admin(), queue("q", &["docker"])).await.unwrap();
        let new_secret = || CreateSecret { name: "team/db-password".into(), value: VALUE.into(), description: "the database".into() };
        assert!(matches!(batch.create_secret(&operator(), new_secret()).await, Err(ServiceError::Forbidden(_))), "{backend:?}");
        let created = batch.create_secret(&admin(), new_secret()).await.unwrap();
        assert_eq!(created.arn, "arn:aws:secretsmanager:us-east-1:000000000000:secret:team/db-password");

        let out = temp_dir();
        batch.register_job_definition(&admin(), secret_definition("by-arn", &created.arn, &out)).await.unwrap();
        batch.register_job_definition(&admin(), secret_definition("missing", "no-such-secret", &out)).await.unwrap();
        let refused = batch.submit_job(&operator(), submit_to("missing", "missing")).await.unwrap_err().to_string();
        assert!(
            refused.contains("containerProperties.secrets[0].valueFrom") && refused.contains("no-such-secret"),
            "{backend:?}: {refused}"
        );

        let job = batch.submit_job(&operator(), submit_to("by-arn", "by-arn")).await.unwrap();
        // A second secret, deleted after its job was submitted and before it starts.
        let doomed = CreateSecret { name: "doomed".into(), ..new_secret() };
        batch.create_secret(&admin(), doomed).await.unwrap();
        let doomed_out = temp_dir();
        batch.register_job_definition(&admin(), secret_definition("doomed", "doomed", &doomed_out)).await.unwrap();
        let doomed_job = batch.submit_job(&operator(), submit_to("doomed", "doomed")).await.unwrap();
        batch.delete_secret(&admin(), "doomed").await.unwrap();
        let h = run_scheduler(batch);
        let done = finished(&h.batch, &job.job_id).await;
        assert_eq!(done.status, "SUCCEEDED", "{backend:?}: {:?}", done.status_reason);
        assert_eq!(std::fs::read_to_string(out.path().join("seen")).unwrap(), VALUE, "{backend:?}: the job saw its secret");

        let described = serde_json::to_string(&h.batch.describe_jobs(&admin(), std::slice::from_ref(&job.job_id)).await.unwrap()).unwrap();
        assert!(described.contains("DB_PASSWORD") && !described.contains(VALUE), "{backend:?}: {described}");
        let output = h.batch.job_log(&admin(), &job.job_id, None, 0, 1000).await.unwrap();
        assert!(output.iter().all(|l| !l.line.contains(VALUE)), "{backend:?}");
        let audit = format!("{:?}", h.batch.audit_log(&admin(), None, 500).await.unwrap());
        assert!(audit.contains("team/db-password") && !audit.contains(VALUE), "{backend:?}: {audit}");
        assert!(!format!("{:?}", h.batch.list_secrets(&operator()).await.unwrap()).contains(VALUE), "{backend:?}");
        let db = h.batch.db();
        let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), "SELECT sealed_value FROM secrets")).await.unwrap();
        let sealed: String = rows[0].try_get("", "sealed_value").unwrap();
        assert!(!sealed.contains(VALUE), "{backend:?}: sealed at rest");

        // Deleted after submit: the job fails at start, saying why, and never runs.
        let done = finished(&h.batch, &doomed_job.job_id).await;
        assert_eq!(done.status, "FAILED", "{backend:?}");
        let reason = done.status_reason.unwrap_or_default();
        assert!(reason.starts_with("ResourceInitializationError: unable to pull secrets"), "{backend:?}: {reason}");
        assert!(!doomed_out.path().join("seen").exists(), "{backend:?}");
    }
}
