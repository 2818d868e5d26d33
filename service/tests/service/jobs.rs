use crate::fixtures::{submission, with_queue_and_definition};
use domain::JobStatus;
use domain::container::{ContainerOverrides, KeyValuePair};
use domain::submit::{ArrayProperties, JobDependency};
use service::ServiceError;
use service::jobs::{ListJobs, NameFilter};
use service::testing::BACKENDS;
use service::testing::{admin, operator};

fn by_queue(status: Option<JobStatus>) -> ListJobs {
    ListJobs { job_queue: Some("q".into()), status, ..Default::default() }
}

#[tokio::test]
async fn a_submitted_job_is_described_with_its_parameters_substituted() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let mut request = submission("hello");
        request.parameters = [("greeting".to_string(), "bonjour".to_string())].into();
        request.container_overrides = Some(ContainerOverrides {
            environment: vec![KeyValuePair { name: "MODE".into(), value: "fast".into() }],
            ..Default::default()
        });
        let submitted = batch.submit_job(&operator(), request).await.unwrap();
        assert!(submitted.job_arn.ends_with(&format!("job/{}", submitted.job_id)));

        let jobs = batch.describe_jobs(&admin(), std::slice::from_ref(&submitted.job_id)).await.unwrap();
        let job = &jobs[0];
        assert_eq!(job.status, "SUBMITTED", "{backend:?}");
        assert_eq!(job.container.command, ["echo", "bonjour"]);
        assert_eq!(job.container.environment[0].name, "MODE");
        assert_eq!((job.container.vcpus, job.container.memory), (1.0, 64));
        assert_eq!(job.submitted_by, "alice");
        assert_eq!(job.status_history.len(), 1);
        assert!(job.job_queue.ends_with("job-queue/q"));
    }
}

#[tokio::test]
async fn an_array_job_creates_every_child_in_the_same_call() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let mut request = submission("fan-out");
        request.array_properties = Some(ArrayProperties { size: 25 });
        let parent = batch.submit_job(&operator(), request).await.unwrap();
        let described = batch.describe_jobs(&admin(), std::slice::from_ref(&parent.job_id)).await.unwrap();
        let summary = described[0].array_properties.as_ref().unwrap().status_summary.clone().unwrap();
        assert_eq!(summary["SUBMITTED"], 25, "{backend:?}");

        let children = batch
            .list_jobs(&admin(), &ListJobs { array_job_id: Some(parent.job_id.clone()), max_results: Some(10), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(children.items.len(), 10);
        assert_eq!(children.items[0].job_id, format!("{}:0", parent.job_id));
        let rest = batch
            .list_jobs(
                &admin(),
                &ListJobs {
                    array_job_id: Some(parent.job_id.clone()),
                    max_results: Some(100),
                    next_token: children.next_token,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(rest.items.len(), 15);
        assert_eq!(rest.items[0].job_id, format!("{}:10", parent.job_id));
        // The queue's list shows the parent, not its children.
        assert_eq!(batch.list_jobs(&admin(), &by_queue(None)).await.unwrap().items.len(), 1);
    }
}

#[tokio::test]
async fn a_failed_array_submission_leaves_no_children_behind() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let mut request = submission("fan-out");
        request.array_properties = Some(ArrayProperties { size: 50 });
        request.depends_on = vec![JobDependency { job_id: Some("no-such-job".into()), kind: None }];
        let error = batch.submit_job(&operator(), request).await.unwrap_err();
        assert!(matches!(&error, ServiceError::Invalid(e) if e.field == "dependsOn[0].jobId"), "{error}");
        let mut too_big = submission("fan-out");
        too_big.array_properties = Some(ArrayProperties { size: 10_001 });
        assert!(
            matches!(batch.submit_job(&operator(), too_big).await.unwrap_err(), ServiceError::Invalid(e) if e.field == "arrayProperties.size")
        );
        assert!(batch.list_jobs(&admin(), &by_queue(None)).await.unwrap().items.is_empty(), "{backend:?}");
    }
}

#[tokio::test]
async fn submission_rules_name_the_field() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let cases: Vec<(domain::submit::SubmitJob, &str)> = vec![
            (domain::submit::SubmitJob { job_queue: "ghost".into(), ..submission("x") }, "jobQueue"),
            (domain::submit::SubmitJob { job_definition: "ghost".into(), ..submission("x") }, "jobDefinition"),
            (
                domain::submit::SubmitJob {
                    depends_on: vec![JobDependency { job_id: None, kind: Some("SEQUENTIAL".into()) }],
                    ..submission("x")
                },
                "dependsOn[0].type",
            ),
            (
                domain::submit::SubmitJob {
                    container_overrides: Some(ContainerOverrides {
                        environment: vec![KeyValuePair { name: "AWS_BATCH_JOB_ID".into(), value: "x".into() }],
                        ..Default::default()
                    }),
                    ..submission("x")
                },
                "containerOverrides.environment[0].name",
            ),
            (domain::submit::SubmitJob { parameters: [("big".to_string(), "x".repeat(31 * 1024))].into(), ..submission("x") }, "SubmitJob"),
        ];
        for (request, field) in cases {
            let error = batch.submit_job(&operator(), request).await.unwrap_err();
            assert!(matches!(&error, ServiceError::Invalid(e) if e.field == field), "{backend:?} {field}: {error}");
        }
        assert!(batch.list_jobs(&admin(), &by_queue(None)).await.unwrap().items.is_empty());
    }
}

#[tokio::test]
async fn dependencies_are_recorded_for_sequential_and_n_to_n_arrays() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let mut first = submission("first");
        first.array_properties = Some(ArrayProperties { size: 3 });
        let first = batch.submit_job(&operator(), first).await.unwrap();
        let mut second = submission("second");
        second.array_properties = Some(ArrayProperties { size: 3 });
        second.depends_on = vec![
            JobDependency { job_id: Some(first.job_id.clone()), kind: Some("N_TO_N".into()) },
            JobDependency { job_id: None, kind: Some("SEQUENTIAL".into()) },
        ];
        let second = batch.submit_job(&operator(), second).await.unwrap();
        let deps = service::jobs::dependencies_of(batch.db(), &format!("{}:1", second.job_id)).await.unwrap();
        assert_eq!(deps, vec![format!("{}:1", first.job_id), format!("{}:0", second.job_id)], "{backend:?}");

        let mut mismatched = submission("third");
        mismatched.array_properties = Some(ArrayProperties { size: 4 });
        mismatched.depends_on = vec![JobDependency { job_id: Some(first.job_id.clone()), kind: Some("N_TO_N".into()) }];
        let error = batch.submit_job(&operator(), mismatched).await.unwrap_err();
        assert!(error.to_string().contains("same size"), "{error}");
    }
}

#[tokio::test]
async fn lists_filter_by_status_name_and_time_and_page_newest_first() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let mut ids = Vec::new();
        for i in 0..7 {
            let name = if i % 2 == 0 { format!("even-{i}") } else { format!("odd-{i}") };
            ids.push(batch.submit_job(&operator(), submission(&name)).await.unwrap().job_id);
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        let first = batch.list_jobs(&admin(), &ListJobs { max_results: Some(3), ..by_queue(None) }).await.unwrap();
        assert_eq!(first.items.iter().map(|j| &j.job_id).collect::<Vec<_>>(), vec![&ids[6], &ids[5], &ids[4]], "{backend:?}");
        let mut seen = first.items.len();
        let mut token = first.next_token;
        while let Some(next) = token {
            let page =
                batch.list_jobs(&admin(), &ListJobs { max_results: Some(3), next_token: Some(next), ..by_queue(None) }).await.unwrap();
            seen += page.items.len();
            token = page.next_token;
        }
        assert_eq!(seen, 7);

        let even = batch.list_jobs(&admin(), &ListJobs { name: Some(NameFilter::parse("even-*")), ..by_queue(None) }).await.unwrap();
        assert_eq!(even.items.len(), 4);
        let by_definition = batch.list_jobs(&admin(), &ListJobs { job_definition: Some("echo:1".into()), ..by_queue(None) }).await.unwrap();
        assert_eq!(by_definition.items.len(), 7);
        let runnable = batch.list_jobs(&admin(), &by_queue(Some(JobStatus::Runnable))).await.unwrap();
        assert!(runnable.items.is_empty());
        let cutoff = batch.describe_jobs(&admin(), &[ids[3].clone()]).await.unwrap()[0].created_at;
        let after = batch.list_jobs(&admin(), &ListJobs { created_after: Some(cutoff), ..by_queue(None) }).await.unwrap();
        assert_eq!(after.items.len(), 3);
        let bad = batch.list_jobs(&admin(), &ListJobs { next_token: Some("zz".into()), ..by_queue(None) }).await.unwrap_err();
        assert!(matches!(bad, ServiceError::Invalid(e) if e.field == "nextToken"));
    }
}

#[tokio::test]
async fn a_name_prefix_takes_underscore_and_percent_literally() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        for name in ["run_1", "runX1", "run-1"] {
            batch.submit_job(&operator(), submission(name)).await.unwrap();
        }
        let names = |prefix: &str| {
            let request = ListJobs { name: Some(NameFilter::parse(prefix)), job_queue: Some("q".into()), ..Default::default() };
            let batch = &batch;
            async move {
                let mut names: Vec<String> = Vec::new();
                for status in JobStatus::ALL {
                    let request = ListJobs { status: Some(status), ..request.clone() };
                    names.extend(batch.list_jobs(&admin(), &request).await.unwrap().items.into_iter().map(|j| j.job_name));
                }
                names
            }
        };
        assert_eq!(names("run_*").await, ["run_1"], "{backend:?}");
        assert!(names("%*").await.is_empty(), "{backend:?}");
        assert_eq!(names("run*").await.len(), 3, "{backend:?}");
    }
}

#[tokio::test]
async fn cancel_fails_unstarted_jobs_and_their_children() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let mut request = submission("fan-out");
        request.array_properties = Some(ArrayProperties { size: 5 });
        let parent = batch.submit_job(&operator(), request).await.unwrap();
        batch.cancel_job(&operator(), &parent.job_id, "no longer needed").await.unwrap();
        let job = &batch.describe_jobs(&admin(), std::slice::from_ref(&parent.job_id)).await.unwrap()[0];
        assert_eq!(job.status, "FAILED", "{backend:?}");
        assert_eq!(job.status_reason.as_deref(), Some("no longer needed"));
        assert!(job.stopped_at.is_some());
        assert_eq!(job.array_properties.as_ref().unwrap().status_summary.as_ref().unwrap()["FAILED"], 5);
        assert_eq!(job.status_history.last().unwrap().status, "FAILED");

        let error = batch.cancel_job(&operator(), &parent.job_id, " ").await.unwrap_err();
        assert!(matches!(error, ServiceError::Invalid(e) if e.field == "reason"));
    }
}

#[tokio::test]
async fn terminate_fails_an_unstarted_job_at_once() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let job = batch.submit_job(&operator(), submission("t")).await.unwrap();
        batch.terminate_job(&operator(), &job.job_arn, "stop").await.unwrap();
        let described = &batch.describe_jobs(&admin(), std::slice::from_ref(&job.job_id)).await.unwrap()[0];
        assert_eq!((described.status.as_str(), described.status_reason.as_deref()), ("FAILED", Some("stop")), "{backend:?}");
        let missing = batch.terminate_job(&operator(), "nope", "stop").await.unwrap_err();
        assert!(matches!(missing, ServiceError::Invalid(e) if e.field == "jobId"));
    }
}

#[tokio::test]
async fn the_change_cursor_moves_with_status_changes_and_output_only() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let empty = batch.change_cursor(&admin(), None).await.unwrap();
        let job = batch.submit_job(&operator(), submission("watched")).await.unwrap().job_id;
        let submitted = batch.change_cursor(&admin(), None).await.unwrap();
        assert!(submitted.last_status_change > empty.last_status_change, "{backend:?}: a submit is a change");
        let one = batch.change_cursor(&admin(), Some(&job)).await.unwrap();
        assert_eq!(one, batch.change_cursor(&admin(), Some(&job)).await.unwrap(), "nothing happened: same cursor");
        batch.cancel_job(&operator(), &job, "no longer needed").await.unwrap();
        let cancelled = batch.change_cursor(&admin(), Some(&job)).await.unwrap();
        assert!(cancelled.last_status_change > one.last_status_change);
        assert!(matches!(batch.change_cursor(&domain::access::Caller::Anonymous, None).await, Err(ServiceError::Forbidden(_))));
    }
}

#[tokio::test]
async fn tags_are_listed_added_and_removed_by_arn() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let queue = batch.describe_job_queues(&admin(), &["q".into()]).await.unwrap().remove(0).job_queue_arn;
        batch.tag_resource(&operator(), &queue, [("team".to_string(), "data".to_string())].into()).await.unwrap();
        batch.tag_resource(&operator(), &queue, [("tier".to_string(), "gold".to_string())].into()).await.unwrap();
        assert_eq!(batch.list_tags_for_resource(&admin(), &queue).await.unwrap().len(), 2, "{backend:?}");
        batch.untag_resource(&operator(), &queue, vec!["team".into()]).await.unwrap();
        assert_eq!(batch.list_tags_for_resource(&admin(), &queue).await.unwrap().keys().collect::<Vec<_>>(), ["tier"]);
        let job = batch.submit_job(&operator(), submission("tagged")).await.unwrap();
        batch.tag_resource(&operator(), &job.job_arn, [("run".to_string(), "7".to_string())].into()).await.unwrap();
        assert_eq!(batch.list_tags_for_resource(&admin(), &job.job_arn).await.unwrap()["run"], "7");
        let bad = batch.tag_resource(&operator(), "arn:aws:batch:us-east-1:0:thing/x", Default::default()).await.unwrap_err();
        assert!(matches!(bad, ServiceError::Invalid(ref e) if e.field == "resourceArn"), "{bad:?}");
        let reserved = batch.tag_resource(&operator(), &queue, [("aws:x".to_string(), "1".to_string())].into()).await.unwrap_err();
        assert!(matches!(reserved, ServiceError::Invalid(_)));
        let missing = batch.list_tags_for_resource(&admin(), "arn:aws:batch:us-east-1:0:job-queue/nope").await.unwrap_err();
        assert!(matches!(missing, ServiceError::NotFound { .. }));
    }
}

#[tokio::test]
async fn recent_failures_are_the_newest_failed_jobs_of_every_queue() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        assert!(batch.recent_failures(&admin(), 10).await.unwrap().is_empty());
        let first = batch.submit_job(&operator(), submission("first")).await.unwrap().job_id;
        let second = batch.submit_job(&operator(), submission("second")).await.unwrap().job_id;
        batch.submit_job(&operator(), submission("still-waiting")).await.unwrap();
        for id in [&first, &second] {
            batch.cancel_job(&operator(), id, "stopped by a test").await.unwrap();
            // Newest first is by the millisecond the job stopped: two in one millisecond tie.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let failures = batch.recent_failures(&admin(), 10).await.unwrap();
        assert_eq!(failures.iter().map(|j| j.job_name.as_str()).collect::<Vec<_>>(), ["second", "first"], "{backend:?}");
        assert_eq!(failures[0].status_reason.as_deref(), Some("stopped by a test"));
    }
}

#[tokio::test]
async fn the_last_hour_of_state_changes_is_counted_per_five_minutes() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        for name in ["a", "b", "c"] {
            batch.submit_job(&operator(), submission(name)).await.unwrap();
        }
        let changes = batch.state_changes_last_hour(&admin()).await.unwrap();
        let submitted: i64 = changes.iter().filter(|c| c.status == "SUBMITTED").map(|c| c.count).sum();
        assert_eq!(submitted, 3, "{backend:?}: {changes:?}");
        assert!(changes.iter().all(|c| c.at % service::jobs::BUCKET_MS == 0));
    }
}

#[tokio::test]
async fn concurrent_submissions_are_each_written_once_with_history_and_audit() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        // Spawned, so they reach the group commit while earlier flushes are running.
        let submissions: Vec<_> = (0..300)
            .map(|n| {
                let batch = batch.batch.clone();
                let mut request = submission(&format!("many-{n}"));
                if n % 50 == 7 {
                    request.job_queue = "no-such-queue".into();
                }
                tokio::spawn(async move { batch.submit_job(&operator(), request).await })
            })
            .collect();
        let mut ids = Vec::new();
        let mut refused = 0;
        for submission in submissions {
            match submission.await.unwrap() {
                Ok(submitted) => ids.push(submitted.job_id),
                Err(ServiceError::Invalid(error)) => {
                    assert_eq!(error.field, "jobQueue", "{backend:?}");
                    refused += 1;
                }
                Err(other) => panic!("{backend:?}: {other}"),
            }
        }
        assert_eq!((ids.len(), refused), (294, 6), "{backend:?}");

        for some in ids.chunks(100) {
            let described = batch.describe_jobs(&admin(), some).await.unwrap();
            assert_eq!(described.len(), some.len(), "{backend:?}");
            assert!(described.iter().all(|job| job.status == "SUBMITTED" && job.status_history.len() == 1), "{backend:?}");
        }

        let audit = batch.audit_log(&admin(), None, 500).await.unwrap();
        let submits: Vec<_> = audit.iter().filter(|record| record.action == "SubmitJob").collect();
        assert_eq!(submits.iter().filter(|r| r.outcome == "ok").count(), 294, "{backend:?}");
        assert_eq!(submits.iter().filter(|r| r.outcome == "invalid").count(), 6, "{backend:?}");
    }
}
