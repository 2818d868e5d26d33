//! "Retry failed children": a new array job over exactly the indexes of an array that failed,
//! with every override the array ran with. Its child `i` stands for the original index listed
//! `i`-th in `BATCH_ORIGINAL_ARRAY_INDEXES` (runs written `a-b`), and gets that index as
//! `BATCH_ORIGINAL_ARRAY_INDEX`, so a script reads
//! `${BATCH_ORIGINAL_ARRAY_INDEX:-$AWS_BATCH_JOB_ARRAY_INDEX}` and does the same work either
//! way. A retry of a retry maps back to the first array's indexes. The two jobs link through tags.

use crate::FieldError;
use crate::container::{ContainerOverrides, KeyValuePair, ResourceRequirement};
use crate::submit::{ArrayProperties, SubmitJob};
use crate::views::JobDetail;

/// The original indexes, in the order of the new array's children.
pub const ORIGINAL_INDEXES: &str = "BATCH_ORIGINAL_ARRAY_INDEXES";
/// The original index of this child, set on each container.
pub const ORIGINAL_INDEX: &str = "BATCH_ORIGINAL_ARRAY_INDEX";
/// On the new job: the array it retries.
pub const RETRY_OF_TAG: &str = "batch:retryOf";
/// On the array retried: its latest retry.
pub const RETRIED_AS_TAG: &str = "batch:retriedAs";

const MAX_NAME: usize = 128;

/// The SubmitJob that retries `failed` (child indexes of `parent`, any order).
pub fn retry_request(parent: &JobDetail, failed: &[i64]) -> Result<SubmitJob, FieldError> {
    let size = parent.array_properties.as_ref().filter(|a| a.index.is_none()).and_then(|a| a.size);
    if size.is_none() {
        return Err(FieldError::new("jobId", format!("{} is not an array job", parent.job_id)));
    }
    let mut failed = failed.to_vec();
    failed.sort_unstable();
    failed.dedup();
    if failed.is_empty() {
        return Err(FieldError::new("jobId", "no child of this array failed: there is nothing to retry"));
    }
    // A retry of a retry names the first array's indexes.
    let inherited = parent.container.environment.iter().find(|v| v.name == ORIGINAL_INDEXES).map(|v| v.value.as_str());
    let originals: Vec<i64> = match inherited {
        Some(list) => failed.iter().map(|i| nth_index(list, *i).unwrap_or(*i)).collect(),
        None => failed.clone(),
    };
    let mut environment: Vec<KeyValuePair> = parent
        .container
        .environment
        .iter()
        .filter(|v| !v.name.starts_with("AWS_BATCH") && v.name != ORIGINAL_INDEXES && v.name != ORIGINAL_INDEX)
        .cloned()
        .collect();
    environment.push(KeyValuePair { name: ORIGINAL_INDEXES.into(), value: encode_indexes(&originals) });
    let mut tags = parent.tags.clone();
    tags.remove(RETRIED_AS_TAG);
    tags.insert(RETRY_OF_TAG.into(), parent.job_id.clone());
    let mut name = format!("{}-retry", parent.job_name.trim_end_matches("-retry"));
    name.truncate(MAX_NAME);
    let last_segment = |arn: &str| arn.rsplit('/').next().unwrap_or_default().to_string();
    Ok(SubmitJob {
        job_name: name,
        job_queue: last_segment(&parent.job_queue),
        job_definition: last_segment(&parent.job_definition),
        // One failed child makes a single job (an array has 2 or more).
        array_properties: (failed.len() > 1).then_some(ArrayProperties { size: failed.len() as i64 }),
        parameters: parent.parameters.clone(),
        container_overrides: Some(ContainerOverrides {
            command: Some(parent.container.command.clone()),
            environment,
            resource_requirements: vec![
                ResourceRequirement { kind: "VCPU".into(), value: parent.container.vcpus.to_string() },
                ResourceRequirement { kind: "MEMORY".into(), value: parent.container.memory.to_string() },
            ],
            ..Default::default()
        }),
        retry_strategy: Some(parent.retry_strategy.clone()),
        timeout: parent.timeout.clone(),
        tags,
        share_identifier: parent.share_identifier.clone(),
        scheduling_priority_override: parent.scheduling_priority,
        ..Default::default()
    })
}

/// Indexes as a short list: runs of consecutive indexes as `a-b` (`3,7-9,12`).
pub fn encode_indexes(sorted: &[i64]) -> String {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &index in sorted {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == index => *end = index,
            _ => runs.push((index, index)),
        }
    }
    runs.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect::<Vec<_>>().join(",")
}

/// The `n`-th index (from 0) of a list `encode_indexes` wrote.
pub fn nth_index(list: &str, n: i64) -> Option<i64> {
    let mut left = n;
    for run in list.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        let (a, b) = match run.split_once('-') {
            Some((a, b)) => (a.parse::<i64>().ok()?, b.parse::<i64>().ok()?),
            None => {
                let a = run.parse::<i64>().ok()?;
                (a, a)
            }
        };
        let len = b - a + 1;
        if left < len {
            return Some(a + left);
        }
        left -= len;
    }
    None
}

/// The original index a container of a retry stands for: its place in `ORIGINAL_INDEXES` (the
/// only one when the retry is a single job). `None` for any other job.
pub fn original_index(environment: &[(String, String)], array_index: Option<i32>) -> Option<i64> {
    let list = environment.iter().find(|(name, _)| name == ORIGINAL_INDEXES).map(|(_, value)| value)?;
    nth_index(list, i64::from(array_index.unwrap_or(0)))
}

#[cfg(test)]
mod tests;
