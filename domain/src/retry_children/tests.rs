use super::*;
use proptest::prelude::*;
use serde_json::{Value, json};

/// An array job as DescribeJobs shows it, with `changes` merged in.
fn array(changes: Value) -> JobDetail {
    let mut base = json!({
        "jobArn": "arn:aws:batch:local:000000000000:job/p", "jobId": "p", "jobName": "nightly",
        "jobQueue": "arn:aws:batch:local:000000000000:job-queue/q",
        "jobDefinition": "arn:aws:batch:local:000000000000:job-definition/d:3",
        "status": "FAILED", "createdAt": 0, "dependsOn": [{ "jobId": "up" }], "parameters": { "day": "mon" },
        "container": {
            "image": "busybox", "command": ["sh", "-c", "work $AWS_BATCH_JOB_ARRAY_INDEX"],
            "environment": [{ "name": "MODE", "value": "fast" }, { "name": "AWS_BATCH_JOB_ID", "value": "p" }],
            "vcpus": 0.5, "memory": 64
        },
        "retryStrategy": { "attempts": 2 }, "timeout": { "attemptDurationSeconds": 600 },
        "arrayProperties": { "size": 20, "statusSummary": { "FAILED": 3, "SUCCEEDED": 17 } },
        "attempts": [], "tags": { "team": "data" }, "isCancelled": false, "isTerminated": false,
        "shareIdentifier": "a", "schedulingPriority": 7,
        "submittedBy": "lead", "statusHistory": [],
    });
    for (key, value) in changes.as_object().unwrap() {
        base[key] = value.clone();
    }
    serde_json::from_value(base).unwrap()
}

fn env(request: &SubmitJob, name: &str) -> Option<String> {
    request.container_overrides.as_ref()?.environment.iter().find(|v| v.name == name).map(|v| v.value.clone())
}

#[test]
fn the_failed_indexes_become_a_new_array_with_every_override() {
    let request = retry_request(&array(json!({})), &[12, 3, 7, 8, 9]).unwrap();
    assert_eq!(request.job_name, "nightly-retry");
    assert_eq!((request.job_queue.as_str(), request.job_definition.as_str()), ("q", "d:3"));
    assert_eq!(request.array_properties.as_ref().unwrap().size, 5);
    assert_eq!(env(&request, ORIGINAL_INDEXES).as_deref(), Some("3,7-9,12"));
    assert_eq!(env(&request, "MODE").as_deref(), Some("fast"));
    assert_eq!(env(&request, "AWS_BATCH_JOB_ID"), None, "the service sets its own");
    let overrides = request.container_overrides.as_ref().unwrap();
    assert_eq!(overrides.command.as_ref().unwrap()[2], "work $AWS_BATCH_JOB_ARRAY_INDEX");
    assert_eq!(overrides.resource_requirements[0].value, "0.5");
    assert_eq!(request.retry_strategy.as_ref().unwrap().attempts, Some(2));
    assert_eq!(request.timeout.as_ref().unwrap().attempt_duration_seconds, Some(600));
    assert_eq!((request.share_identifier.as_deref(), request.scheduling_priority_override), (Some("a"), Some(7)));
    assert_eq!(request.tags[RETRY_OF_TAG], "p");
    assert_eq!(request.tags["team"], "data");
    assert!(request.depends_on.is_empty(), "what it waited for has happened");
    assert!(request.validate().is_ok(), "{:?}", request.validate());
}

#[test]
fn one_failed_child_is_retried_as_a_single_job_that_knows_its_index() {
    let request = retry_request(&array(json!({})), &[4]).unwrap();
    assert!(request.array_properties.is_none());
    let environment: Vec<(String, String)> =
        request.container_overrides.unwrap().environment.into_iter().map(|v| (v.name, v.value)).collect();
    assert_eq!(original_index(&environment, None), Some(4));
}

#[test]
fn a_retry_of_a_retry_names_the_first_arrays_indexes() {
    let first = retry_request(&array(json!({})), &[3, 7, 8, 9, 12]).unwrap();
    let retried = array(json!({
        "jobId": "r", "jobName": "nightly-retry",
        "container": {
            "image": "busybox", "command": ["true"], "vcpus": 0.5, "memory": 64,
            "environment": first.container_overrides.unwrap().environment,
        },
        "tags": first.tags,
        "arrayProperties": { "size": 5 },
    }));
    let second = retry_request(&retried, &[1, 4]).unwrap();
    assert_eq!(env(&second, ORIGINAL_INDEXES).as_deref(), Some("7,12"));
    assert_eq!(second.job_name, "nightly-retry", "not nightly-retry-retry");
    assert_eq!(second.tags[RETRY_OF_TAG], "r");
}

#[test]
fn only_an_array_with_failed_children_is_retried() {
    assert_eq!(retry_request(&array(json!({})), &[]).unwrap_err().field, "jobId");
    let single = array(json!({ "arrayProperties": null }));
    assert!(retry_request(&single, &[1]).unwrap_err().message.contains("not an array job"));
    let child = array(json!({ "arrayProperties": { "index": 3 } }));
    assert!(retry_request(&child, &[1]).is_err());
}

#[test]
fn other_jobs_have_no_original_index() {
    assert_eq!(original_index(&[("MODE".into(), "x".into())], Some(2)), None);
    assert_eq!(nth_index("3,7-9,12", 5), None, "past the end");
    assert_eq!(nth_index("oops", 0), None);
}

proptest! {
    /// Child `i` of a retry stands for the `i`-th failed index, whatever the indexes.
    #[test]
    fn each_child_maps_to_its_original_index(indexes in proptest::collection::btree_set(0..10_000i64, 1..300)) {
        let sorted: Vec<i64> = indexes.into_iter().collect();
        let list = encode_indexes(&sorted);
        for (i, index) in sorted.iter().enumerate() {
            prop_assert_eq!(nth_index(&list, i as i64), Some(*index));
        }
        prop_assert_eq!(nth_index(&list, sorted.len() as i64), None);
    }
}
