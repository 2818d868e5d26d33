//! SubmitJob: the request and its rules.

use crate::aws_fields::AwsFields;
use crate::container::ContainerOverrides;
use crate::job_definition::JobTimeout;
use crate::limits::{MAX_ARRAY_SIZE, MAX_DEPENDENCIES, MIN_ARRAY_SIZE};
use crate::parameters::Parameters;
use crate::retry::RetryStrategy;
use crate::tags::{Tags, validate_tags};
use crate::validation::{FieldError, Validated, ensure, name};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrayProperties {
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDependency {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// `N_TO_N` or `SEQUENTIAL` (array jobs only); absent for a plain dependency.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DependencyKind {
    /// The whole job must succeed first.
    Whole,
    /// Child i waits for child i of another array job.
    NToN,
    /// Each child waits for the previous one (index order).
    Sequential,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmitJob {
    pub job_name: String,
    pub job_queue: String,
    pub job_definition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub array_properties: Option<ArrayProperties>,
    #[serde(default)]
    pub depends_on: Vec<JobDependency>,
    #[serde(default)]
    pub parameters: Parameters,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_overrides: Option<ContainerOverrides>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_strategy: Option<RetryStrategy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<JobTimeout>,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling_priority_override: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagate_tags: Option<bool>,
    /// Members of the AWS shape this struct does not model, kept and returned as sent.
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

/// Members of SubmitJob with columns of their own (or shown in another form, such as
/// `arrayProperties.size` and the resolved `jobDefinition`); the rest is kept as sent.
pub const OWNED: &[&str] = &[
    "jobName",
    "jobQueue",
    "jobDefinition",
    "arrayProperties",
    "dependsOn",
    "parameters",
    "containerOverrides",
    "retryStrategy",
    "timeout",
    "tags",
    "shareIdentifier",
    "schedulingPriorityOverride",
    "consumableResourcePropertiesOverride",
];

/// A dependency after validation: what it waits on, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDependency {
    pub job_id: Option<String>,
    pub kind: DependencyKind,
}

/// The parts of a submission that are checked without the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSubmission {
    pub name: crate::ResourceName,
    pub array_size: Option<i64>,
    pub dependencies: Vec<ValidDependency>,
    pub timeout_seconds: Option<i64>,
}

impl SubmitJob {
    pub fn validate(&self) -> Validated<ValidSubmission> {
        let name = name("jobName", &self.job_name)?;
        ensure(!self.job_queue.is_empty(), "jobQueue", "is required")?;
        ensure(!self.job_definition.is_empty(), "jobDefinition", "is required")?;
        let array_size = self.array_properties.map(|a| a.size);
        if let Some(size) = array_size {
            ensure(
                (MIN_ARRAY_SIZE..=MAX_ARRAY_SIZE).contains(&size),
                "arrayProperties.size",
                format!("must be between {MIN_ARRAY_SIZE} and {MAX_ARRAY_SIZE} (got {size})"),
            )?;
        }
        ensure(
            self.depends_on.len() <= MAX_DEPENDENCIES,
            "dependsOn",
            format!("at most {MAX_DEPENDENCIES} dependencies (got {})", self.depends_on.len()),
        )?;
        let dependencies = self
            .depends_on
            .iter()
            .enumerate()
            .map(|(i, d)| validate_dependency(i, d, array_size.is_some()))
            .collect::<Validated<Vec<_>>>()?;
        if let Some(overrides) = &self.container_overrides {
            overrides.validate("containerOverrides")?;
        }
        if let Some(strategy) = &self.retry_strategy {
            strategy.validate("retryStrategy")?;
        }
        let timeout_seconds = match &self.timeout {
            Some(timeout) => timeout.validate("timeout")?,
            None => None,
        };
        if let Some(priority) = self.scheduling_priority_override {
            ensure((0..=9999).contains(&priority), "schedulingPriorityOverride", "must be between 0 and 9999")?;
        }
        validate_tags("tags", &self.tags)?;
        Ok(ValidSubmission { name, array_size, dependencies, timeout_seconds })
    }
}

fn validate_dependency(i: usize, dependency: &JobDependency, is_array: bool) -> Validated<ValidDependency> {
    let kind = match dependency.kind.as_deref() {
        None => DependencyKind::Whole,
        Some("N_TO_N") => DependencyKind::NToN,
        Some("SEQUENTIAL") => DependencyKind::Sequential,
        Some(other) => {
            return Err(FieldError::new(format!("dependsOn[{i}].type"), format!("must be N_TO_N or SEQUENTIAL (got {other:?})")));
        }
    };
    if kind != DependencyKind::Whole {
        ensure(
            is_array,
            format!("dependsOn[{i}].type"),
            format!(
                "{} dependencies are only allowed on array jobs (set arrayProperties.size)",
                dependency.kind.as_deref().unwrap_or_default()
            ),
        )?;
    }
    match kind {
        DependencyKind::Sequential => ensure(
            dependency.job_id.is_none(),
            format!("dependsOn[{i}].jobId"),
            "a SEQUENTIAL dependency chains the job's own children and takes no jobId",
        )?,
        _ => ensure(dependency.job_id.as_deref().is_some_and(|id| !id.is_empty()), format!("dependsOn[{i}].jobId"), "is required")?,
    }
    Ok(ValidDependency { job_id: dependency.job_id.clone(), kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission() -> SubmitJob {
        SubmitJob { job_name: "hello".into(), job_queue: "q".into(), job_definition: "d".into(), ..Default::default() }
    }

    fn dependency(id: Option<&str>, kind: Option<&str>) -> JobDependency {
        JobDependency { job_id: id.map(String::from), kind: kind.map(String::from) }
    }

    #[test]
    fn a_plain_submission_passes() {
        let valid = submission().validate().unwrap();
        assert_eq!(valid.name.as_str(), "hello");
        assert_eq!(valid.array_size, None);
    }

    #[test]
    fn array_sizes_outside_2_to_10000_are_refused() {
        for size in [1, 10_001, -5] {
            let job = SubmitJob { array_properties: Some(ArrayProperties { size }), ..submission() };
            assert_eq!(job.validate().unwrap_err().field, "arrayProperties.size", "size {size}");
        }
        for size in [2, 10_000] {
            let job = SubmitJob { array_properties: Some(ArrayProperties { size }), ..submission() };
            assert!(job.validate().is_ok());
        }
    }

    #[test]
    fn at_most_twenty_dependencies() {
        let job = SubmitJob { depends_on: vec![dependency(Some("x"), None); 21], ..submission() };
        let error = job.validate().unwrap_err();
        assert_eq!(error.field, "dependsOn");
        assert!(error.message.contains("at most 20"));
    }

    #[test]
    fn sequential_and_n_to_n_need_an_array_job() {
        let job = SubmitJob { depends_on: vec![dependency(None, Some("SEQUENTIAL"))], ..submission() };
        let error = job.validate().unwrap_err();
        assert_eq!(error.field, "dependsOn[0].type");
        assert!(error.message.contains("only allowed on array jobs"));
        let array = SubmitJob {
            array_properties: Some(ArrayProperties { size: 3 }),
            depends_on: vec![dependency(None, Some("SEQUENTIAL"))],
            ..submission()
        };
        assert_eq!(array.validate().unwrap().dependencies[0].kind, DependencyKind::Sequential);
    }

    #[test]
    fn a_plain_dependency_needs_a_job_id() {
        let job = SubmitJob { depends_on: vec![dependency(None, None)], ..submission() };
        assert_eq!(job.validate().unwrap_err().field, "dependsOn[0].jobId");
        let job = SubmitJob { depends_on: vec![dependency(Some("x"), Some("ALL"))], ..submission() };
        assert_eq!(job.validate().unwrap_err().field, "dependsOn[0].type");
    }

    #[test]
    fn nested_fields_are_named() {
        let job = SubmitJob { timeout: Some(JobTimeout { attempt_duration_seconds: Some(5) }), ..submission() };
        assert_eq!(job.validate().unwrap_err().field, "timeout.attemptDurationSeconds");
        let job = SubmitJob { retry_strategy: Some(RetryStrategy { attempts: Some(11), ..Default::default() }), ..submission() };
        assert_eq!(job.validate().unwrap_err().field, "retryStrategy.attempts");
        let job = SubmitJob { job_name: String::new(), ..submission() };
        assert_eq!(job.validate().unwrap_err().field, "jobName");
    }
}
