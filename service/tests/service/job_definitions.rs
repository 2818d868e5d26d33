use crate::fixtures::{batch_on, definition};
use service::ServiceError;
use service::job_definitions::DefinitionFilter;
use service::testing::BACKENDS;
use service::testing::admin;

#[tokio::test]
async fn revisions_increment_per_name_and_the_latest_is_described_by_default() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let first = batch.register_job_definition(&admin(), definition("echo")).await.unwrap();
        let second = batch.register_job_definition(&admin(), definition("echo")).await.unwrap();
        let other = batch.register_job_definition(&admin(), definition("other")).await.unwrap();
        assert_eq!((first.revision, second.revision, other.revision), (1, 2, 1), "{backend:?}");
        assert!(second.job_definition_arn.ends_with("job-definition/echo:2"));

        let latest = batch
            .describe_job_definitions(&admin(), &DefinitionFilter { job_definitions: vec!["echo".into()], ..Default::default() })
            .await
            .unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].revision, 2);
        let exact = batch
            .describe_job_definitions(&admin(), &DefinitionFilter { job_definitions: vec!["echo:1".into()], ..Default::default() })
            .await
            .unwrap();
        assert_eq!(exact[0].revision, 1);
        let all = batch
            .describe_job_definitions(&admin(), &DefinitionFilter { job_definition_name: Some("echo".into()), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(all.len(), 2);
    }
}

#[tokio::test]
async fn a_deregistered_revision_is_inactive() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        batch.register_job_definition(&admin(), definition("echo")).await.unwrap();
        batch.register_job_definition(&admin(), definition("echo")).await.unwrap();
        batch.deregister_job_definition(&admin(), "echo:2").await.unwrap();
        let active = batch
            .describe_job_definitions(
                &admin(),
                &DefinitionFilter { job_definitions: vec!["echo".into()], status: Some("ACTIVE".into()), ..Default::default() },
            )
            .await
            .unwrap();
        assert_eq!(active[0].revision, 1, "{backend:?}: the latest ACTIVE revision");
        let inactive = batch
            .describe_job_definitions(&admin(), &DefinitionFilter { status: Some("INACTIVE".into()), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(inactive.len(), 1);
        assert_eq!(inactive[0].revision, 2);
    }
}

#[tokio::test]
async fn bad_definitions_name_the_field_and_write_nothing() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        let mut bad = definition("echo");
        bad.container_properties.as_mut().unwrap().resource_requirements[1].value = "2".into();
        let error = batch.register_job_definition(&admin(), bad).await.unwrap_err();
        assert!(matches!(&error, ServiceError::Invalid(e) if e.field == "containerProperties.resourceRequirements[1].value"), "{error}");
        let mut bad = definition("echo");
        bad.timeout = Some(domain::job_definition::JobTimeout { attempt_duration_seconds: Some(30) });
        assert!(
            matches!(batch.register_job_definition(&admin(), bad).await.unwrap_err(), ServiceError::Invalid(e) if e.field == "timeout.attemptDurationSeconds")
        );
        assert!(batch.describe_job_definitions(&admin(), &DefinitionFilter::default()).await.unwrap().is_empty(), "{backend:?}");
    }
}

#[tokio::test]
async fn a_submission_by_name_takes_the_newest_active_revision_at_once() {
    for backend in BACKENDS {
        let batch = crate::fixtures::with_queue_and_definition(backend).await;
        let operator = service::testing::operator();
        let first = batch.submit_job(&operator, crate::fixtures::submission("first")).await.unwrap();
        batch.register_job_definition(&admin(), definition("echo")).await.unwrap();
        let second = batch.submit_job(&operator, crate::fixtures::submission("second")).await.unwrap();
        let jobs = batch.describe_jobs(&admin(), &[first.job_id, second.job_id]).await.unwrap();
        let revisions: Vec<&str> = jobs.iter().map(|job| job.job_definition.rsplit(':').next().unwrap()).collect();
        assert_eq!(revisions, ["1", "2"], "{backend:?}");

        batch.deregister_job_definition(&admin(), "echo:2").await.unwrap();
        let third = batch.submit_job(&operator, crate::fixtures::submission("third")).await.unwrap();
        let job = batch.describe_jobs(&admin(), &[third.job_id]).await.unwrap().remove(0);
        assert!(job.job_definition.ends_with("echo:1"), "{backend:?}: {}", job.job_definition);
        batch.deregister_job_definition(&admin(), "echo:1").await.unwrap();
        let error = batch.submit_job(&operator, crate::fixtures::submission("fourth")).await.unwrap_err();
        assert!(matches!(&error, ServiceError::Invalid(e) if e.field == "jobDefinition"), "{backend:?}: {error}");
    }
}
