use crate::fixtures::{batch_on, disabled, environment, queue};
use domain::compute_environment::UpdateComputeEnvironment;
use service::ServiceError;
use service::testing::BACKENDS;
use service::testing::admin;

#[tokio::test]
async fn an_environment_is_created_described_updated_and_deleted() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let created = batch.create_compute_environment(&admin(), environment("local", 4)).await.unwrap();
        assert_eq!(created.compute_environment_arn, "arn:aws:batch:us-east-1:000000000000:compute-environment/local");
        assert_eq!(created.state, "ENABLED");
        assert_eq!(created.compute_resources.max_vcpus, 4);
        assert_eq!(created.docker_hosts.len(), 1, "{backend:?}: the local engine by default");

        let updated = batch
            .update_compute_environment(
                &admin(),
                UpdateComputeEnvironment {
                    compute_environment: created.compute_environment_arn.clone(),
                    state: disabled(),
                    unmanaged_vcpus: Some(8),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!((updated.state.as_str(), updated.compute_resources.max_vcpus), ("DISABLED", 8));

        batch.delete_compute_environment(&admin(), "local").await.unwrap();
        assert!(batch.describe_compute_environments(&admin(), &[]).await.unwrap().is_empty(), "{backend:?}");
    }
}

#[tokio::test]
async fn an_enabled_or_used_environment_cannot_be_deleted() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        batch.create_compute_environment(&admin(), environment("ce", 2)).await.unwrap();
        let error = batch.delete_compute_environment(&admin(), "ce").await.unwrap_err();
        assert!(error.to_string().contains("disable it"), "{backend:?}: {error}");

        batch.create_job_queue(&admin(), queue("q", &["ce"])).await.unwrap();
        let update = UpdateComputeEnvironment { compute_environment: "ce".into(), state: disabled(), ..Default::default() };
        batch.update_compute_environment(&admin(), update).await.unwrap();
        let error = batch.delete_compute_environment(&admin(), "ce").await.unwrap_err();
        assert!(error.to_string().contains("used by 1 job queue"), "{backend:?}: {error}");
        assert_eq!(batch.describe_compute_environments(&admin(), &[]).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let error = batch.create_compute_environment(&admin(), environment("bad name", 2)).await.unwrap_err();
        assert!(matches!(&error, ServiceError::Invalid(e) if e.field == "computeEnvironmentName"), "{error}");
        let error = batch.create_compute_environment(&admin(), environment("zero", 0)).await.unwrap_err();
        assert!(matches!(&error, ServiceError::Invalid(e) if e.field == "computeResources.maxvCpus"), "{error}");
        assert!(batch.describe_compute_environments(&admin(), &[]).await.unwrap().is_empty(), "{backend:?}");

        batch.create_compute_environment(&admin(), environment("dup", 2)).await.unwrap();
        let error = batch.create_compute_environment(&admin(), environment("dup", 2)).await.unwrap_err();
        assert!(matches!(error, ServiceError::Conflict(ref m) if m.contains("already exists")), "{error}");
        let missing = batch.delete_compute_environment(&admin(), "nope").await.unwrap_err();
        assert!(matches!(missing, ServiceError::NotFound { .. }));
    }
}
