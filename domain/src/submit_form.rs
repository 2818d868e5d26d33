//! The console's submit form: every field as the person typed it, turned into a `SubmitJob`
//! request. Errors name the AWS field, and `form_field` says which input shows the message, so
//! the same rules answer the console and the API.

use crate::FieldError;
use crate::container::{ContainerOverrides, KeyValuePair, ResourceRequirement};
use crate::form_text::{number, pairs};
use crate::job_definition::JobTimeout;
use crate::retry::RetryStrategy;
use crate::submit::{ArrayProperties, JobDependency, SubmitJob};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitForm {
    pub job_name: String,
    pub job_queue: String,
    pub job_definition: String,
    /// Shell words (quotes and escapes as in `sh`); empty keeps the definition's command.
    pub command: String,
    /// `NAME=value` lines.
    pub environment: String,
    pub vcpus: String,
    pub memory: String,
    pub array_size: String,
    /// Job ids separated by commas or spaces.
    pub depends_on: String,
    pub retry_attempts: String,
    pub timeout_seconds: String,
    /// `key=value` lines.
    pub tags: String,
    /// `name=value` lines.
    pub parameters: String,
    /// A fair-share queue's share (required there, refused elsewhere, as on AWS).
    #[serde(default)]
    pub share_identifier: String,
    /// Order within the share, 0 to 9999; empty keeps the definition's.
    #[serde(default)]
    pub scheduling_priority: String,
}

impl SubmitForm {
    pub fn to_request(&self) -> Result<SubmitJob, FieldError> {
        let environment: Vec<KeyValuePair> = pairs("containerOverrides.environment", &self.environment)?
            .into_iter()
            .map(|(name, value)| KeyValuePair { name, value })
            .collect();
        let mut resource_requirements = Vec::new();
        let vcpus = self.vcpus.trim();
        if !vcpus.is_empty() {
            if !vcpus.parse::<f64>().is_ok_and(|v| v > 0.0) {
                return Err(FieldError::new(
                    "containerOverrides.resourceRequirements.VCPU",
                    format!("must be a number above 0 (got {vcpus:?})"),
                ));
            }
            resource_requirements.push(ResourceRequirement { kind: "VCPU".into(), value: vcpus.into() });
        }
        if let Some(memory) = number("containerOverrides.resourceRequirements.MEMORY", &self.memory)? {
            resource_requirements.push(ResourceRequirement { kind: "MEMORY".into(), value: memory.to_string() });
        }
        let command = crate::command_line::parse("containerOverrides.command", &self.command)?;
        let overrides = ContainerOverrides {
            command: (!command.is_empty()).then_some(command),
            environment,
            resource_requirements,
            ..Default::default()
        };
        let has_overrides = overrides != ContainerOverrides::default();
        Ok(SubmitJob {
            job_name: self.job_name.trim().into(),
            job_queue: self.job_queue.trim().into(),
            job_definition: self.job_definition.trim().into(),
            array_properties: number("arrayProperties.size", &self.array_size)?.map(|size| ArrayProperties { size }),
            depends_on: self
                .depends_on
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|id| !id.is_empty())
                .map(|id| JobDependency { job_id: Some(id.into()), kind: None })
                .collect(),
            parameters: pairs("parameters", &self.parameters)?,
            container_overrides: has_overrides.then_some(overrides),
            retry_strategy: number("retryStrategy.attempts", &self.retry_attempts)?
                .map(|attempts| RetryStrategy { attempts: Some(attempts), evaluate_on_exit: vec![] }),
            timeout: number("timeout.attemptDurationSeconds", &self.timeout_seconds)?
                .map(|seconds| JobTimeout { attempt_duration_seconds: Some(seconds) }),
            tags: pairs("tags", &self.tags)?,
            share_identifier: Some(self.share_identifier.trim().to_string()).filter(|share| !share.is_empty()),
            scheduling_priority_override: number("schedulingPriorityOverride", &self.scheduling_priority)?,
            ..Default::default()
        })
    }

    /// The form input that shows an error about the AWS field `path`.
    pub fn form_field(path: &str) -> &'static str {
        const BY_PREFIX: &[(&str, &str)] = &[
            ("jobName", "job_name"),
            ("jobQueue", "job_queue"),
            ("jobDefinition", "job_definition"),
            ("containerOverrides.command", "command"),
            ("containerOverrides.environment", "environment"),
            ("containerOverrides.resourceRequirements.VCPU", "vcpus"),
            ("containerOverrides.vcpus", "vcpus"),
            ("containerOverrides.resourceRequirements.MEMORY", "memory"),
            ("containerOverrides.memory", "memory"),
            ("containerOverrides.resourceRequirements", "vcpus"),
            ("arrayProperties", "array_size"),
            ("dependsOn", "depends_on"),
            ("retryStrategy", "retry_attempts"),
            ("timeout", "timeout_seconds"),
            ("tags", "tags"),
            ("parameters", "parameters"),
            ("shareIdentifier", "share_identifier"),
            ("schedulingPriorityOverride", "scheduling_priority"),
        ];
        BY_PREFIX.iter().find(|(prefix, _)| path.starts_with(prefix)).map_or("form", |(_, field)| field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_form_becomes_the_aws_request() {
        let form = SubmitForm {
            job_name: " nightly ".into(),
            job_queue: "q".into(),
            job_definition: "d:2".into(),
            command: "echo  'hello world'".into(),
            environment: "A=1\n\nB = two\n".into(),
            vcpus: "0.5".into(),
            memory: "64".into(),
            array_size: "3".into(),
            depends_on: "a, b c".into(),
            retry_attempts: "2".into(),
            timeout_seconds: "120".into(),
            tags: "team=data".into(),
            parameters: "day=mon".into(),
            share_identifier: String::new(),
            scheduling_priority: String::new(),
        };
        let request = form.to_request().unwrap();
        assert_eq!(request.job_name, "nightly");
        let overrides = request.container_overrides.unwrap();
        assert_eq!(overrides.command.unwrap(), ["echo", "hello world"], "quoted as in a shell");
        assert_eq!(overrides.environment[1], KeyValuePair { name: "B".into(), value: "two".into() });
        assert_eq!(overrides.resource_requirements.len(), 2);
        assert_eq!(request.array_properties.unwrap().size, 3);
        assert_eq!(request.depends_on.len(), 3);
        assert_eq!(request.retry_strategy.unwrap().attempts, Some(2));
        assert_eq!(request.timeout.unwrap().attempt_duration_seconds, Some(120));
        assert_eq!(request.tags["team"], "data");
        assert_eq!(request.parameters["day"], "mon");
    }

    #[test]
    fn an_empty_form_overrides_nothing() {
        let request = SubmitForm { job_name: "n".into(), ..Default::default() }.to_request().unwrap();
        assert!(request.container_overrides.is_none() && request.array_properties.is_none() && request.retry_strategy.is_none());
    }

    #[test]
    fn errors_name_the_aws_field_and_the_input_that_shows_them() {
        let bad = SubmitForm { array_size: "three".into(), ..Default::default() }.to_request().unwrap_err();
        assert_eq!((bad.field.as_str(), SubmitForm::form_field(&bad.field)), ("arrayProperties.size", "array_size"));
        let bad = SubmitForm { environment: "NOEQUALS".into(), ..Default::default() }.to_request().unwrap_err();
        assert_eq!(SubmitForm::form_field(&bad.field), "environment");
        let bad = SubmitForm { vcpus: "-1".into(), ..Default::default() }.to_request().unwrap_err();
        assert_eq!(SubmitForm::form_field(&bad.field), "vcpus");
        assert_eq!(SubmitForm::form_field("containerOverrides.environment[0].name"), "environment");
        assert_eq!(SubmitForm::form_field("somethingElse"), "form");
        let bad = SubmitForm { scheduling_priority: "high".into(), ..Default::default() }.to_request().unwrap_err();
        assert_eq!(SubmitForm::form_field(&bad.field), "scheduling_priority");
        assert_eq!(SubmitForm::form_field("shareIdentifier"), "share_identifier");
    }

    #[test]
    fn a_share_and_its_priority_are_given_only_when_typed() {
        let form = SubmitForm { share_identifier: " teama ".into(), scheduling_priority: "7".into(), ..Default::default() };
        let request = form.to_request().unwrap();
        assert_eq!((request.share_identifier.as_deref(), request.scheduling_priority_override), (Some("teama"), Some(7)));
        let request = SubmitForm::default().to_request().unwrap();
        assert_eq!((request.share_identifier, request.scheduling_priority_override), (None, None));
    }
}
