use crate::fixtures::{batch_on, disabled, environment, queue};
use domain::job_queue::UpdateJobQueue;
use service::ServiceError;
use service::testing::BACKENDS;
use service::testing::admin;

#[tokio::test]
async fn a_queue_keeps_its_environments_in_order_and_can_be_reordered() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        for name in ["a", "b", "c"] {
            batch.create_compute_environment(&admin(), environment(name, 2)).await.unwrap();
        }
        let created = batch.create_job_queue(&admin(), queue("q", &["b", "a"])).await.unwrap();
        let order: Vec<_> =
            created.compute_environment_order.iter().map(|o| o.compute_environment.rsplit('/').next().unwrap().to_string()).collect();
        assert_eq!(order, ["b", "a"], "{backend:?}");

        let update = UpdateJobQueue {
            job_queue: created.job_queue_arn.clone(),
            priority: Some(50),
            compute_environment_order: Some(vec![domain::job_queue::ComputeEnvironmentOrder { order: 1, compute_environment: "c".into() }]),
            ..Default::default()
        };
        let updated = batch.update_job_queue(&admin(), update).await.unwrap();
        assert_eq!(updated.priority, 50);
        assert_eq!(updated.compute_environment_order.len(), 1);
        assert!(updated.compute_environment_order[0].compute_environment.ends_with("/c"));
    }
}

#[tokio::test]
async fn only_a_disabled_queue_can_be_deleted() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        batch.create_compute_environment(&admin(), environment("ce", 2)).await.unwrap();
        batch.create_job_queue(&admin(), queue("q", &["ce"])).await.unwrap();
        let error = batch.delete_job_queue(&admin(), "q").await.unwrap_err();
        assert!(matches!(error, ServiceError::Conflict(ref m) if m.contains("disable it")), "{backend:?}: {error}");
        batch.update_job_queue(&admin(), UpdateJobQueue { job_queue: "q".into(), state: disabled(), ..Default::default() }).await.unwrap();
        batch.delete_job_queue(&admin(), "q").await.unwrap();
        assert!(batch.describe_job_queues(&admin(), &[]).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_queue_naming_an_unknown_environment_is_refused_and_not_written() {
    for backend in BACKENDS {
        let batch = batch_on(backend).await;
        batch.create_compute_environment(&admin(), environment("ce", 2)).await.unwrap();
        let error = batch.create_job_queue(&admin(), queue("q", &["ce", "ghost"])).await.unwrap_err();
        assert!(matches!(&error, ServiceError::Invalid(e) if e.field == "computeEnvironmentOrder[1].computeEnvironment"), "{error}");
        let mut four = queue("q", &["ce"]);
        four.compute_environment_order =
            (0..4).map(|i| domain::job_queue::ComputeEnvironmentOrder { order: i, compute_environment: format!("ce{i}") }).collect();
        assert!(matches!(batch.create_job_queue(&admin(), four).await.unwrap_err(), ServiceError::Invalid(_)));
        assert!(batch.describe_job_queues(&admin(), &[]).await.unwrap().is_empty(), "{backend:?}");
    }
}

#[tokio::test]
async fn a_disabled_queue_takes_no_new_jobs_until_enabled_again() {
    for backend in BACKENDS {
        let batch = crate::fixtures::with_queue_and_definition(backend).await;
        let update = |state: Option<String>| UpdateJobQueue { job_queue: "q".into(), state, ..Default::default() };
        batch.submit_job(&service::testing::operator(), crate::fixtures::submission("early")).await.unwrap();
        batch.update_job_queue(&admin(), update(disabled())).await.unwrap();
        let error = batch.submit_job(&service::testing::operator(), crate::fixtures::submission("late")).await.unwrap_err();
        assert!(
            matches!(&error, ServiceError::Invalid(e) if e.field == "jobQueue" && e.message.contains("DISABLED")),
            "{backend:?}: {error}"
        );

        batch.update_job_queue(&admin(), update(Some("ENABLED".into()))).await.unwrap();
        batch.submit_job(&service::testing::operator(), crate::fixtures::submission("on-time")).await.unwrap();
    }
}

#[tokio::test]
async fn a_queue_disabled_by_another_server_refuses_jobs_within_a_second() {
    for backend in BACKENDS {
        let here = crate::fixtures::with_queue_and_definition(backend).await;
        let elsewhere = service::Batch::new(here.db().clone(), service::BatchConfig::default());
        here.submit_job(&service::testing::operator(), crate::fixtures::submission("before")).await.unwrap();
        let update = UpdateJobQueue { job_queue: "q".into(), state: disabled(), ..Default::default() };
        elsewhere.update_job_queue(&admin(), update).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let error = here.submit_job(&service::testing::operator(), crate::fixtures::submission("after")).await.unwrap_err();
        assert!(matches!(&error, ServiceError::Invalid(e) if e.field == "jobQueue"), "{backend:?}: {error}");
    }
}
