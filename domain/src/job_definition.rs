//! Job definitions: versioned container templates (name + revision, ACTIVE / INACTIVE).

use crate::aws_fields::AwsFields;
use crate::container::{ContainerProperties, Resources};
use crate::limits::MIN_TIMEOUT_SECONDS;
use crate::multi_node::NodeProperties;
use crate::parameters::Parameters;
use crate::retry::RetryStrategy;
use crate::tags::{Tags, validate_tags};
use crate::validation::{FieldError, Validated, ensure, name};
use serde::{Deserialize, Serialize};

/// A revision's status: ACTIVE revisions take submissions; DeregisterJobDefinition makes one
/// INACTIVE, and it stays describable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DefinitionStatus {
    Active,
    Inactive,
}

impl DefinitionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DefinitionStatus::Active => "ACTIVE",
            DefinitionStatus::Inactive => "INACTIVE",
        }
    }

    pub fn parse(text: &str) -> Option<DefinitionStatus> {
        [DefinitionStatus::Active, DefinitionStatus::Inactive].into_iter().find(|status| status.as_str() == text)
    }
}

text_enum!(DefinitionStatus);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobTimeout {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_duration_seconds: Option<i64>,
}

impl JobTimeout {
    pub fn validate(&self, field: &str) -> Validated<Option<i64>> {
        if let Some(seconds) = self.attempt_duration_seconds {
            ensure(
                seconds >= MIN_TIMEOUT_SECONDS,
                format!("{field}.attemptDurationSeconds"),
                format!("must be at least {MIN_TIMEOUT_SECONDS} seconds (got {seconds})"),
            )?;
        }
        Ok(self.attempt_duration_seconds)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterJobDefinition {
    pub job_definition_name: String,
    /// `container`, or `multinode` with `nodeProperties` (kept in `aws_fields`, returned as
    /// sent; see `crate::multi_node`).
    #[serde(rename = "type", default = "container_type")]
    pub kind: String,
    #[serde(default)]
    pub parameters: Parameters,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_properties: Option<ContainerProperties>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_strategy: Option<RetryStrategy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<JobTimeout>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling_priority: Option<i64>,
    #[serde(default)]
    pub tags: Tags,
    /// propagateTags, platformCapabilities, ...: kept and returned as sent.
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

/// Members of RegisterJobDefinition with columns of their own; the rest is kept as sent.
pub const OWNED: &[&str] =
    &["jobDefinitionName", "type", "parameters", "containerProperties", "retryStrategy", "timeout", "schedulingPriority", "tags"];

fn container_type() -> String {
    "container".into()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidJobDefinition {
    pub name: crate::ResourceName,
    /// `container` or `multinode`.
    pub kind: String,
    /// The job's container; a multi-node definition's main node's.
    pub container: ContainerProperties,
    /// Every container a job of this definition runs, with its field path (one, or one per
    /// node range).
    pub containers: Vec<(String, ContainerProperties)>,
    pub resources: Resources,
    pub parameters: Parameters,
    pub retry_strategy: Option<RetryStrategy>,
    pub timeout_seconds: Option<i64>,
    pub scheduling_priority: Option<i64>,
    pub tags: Tags,
}

impl RegisterJobDefinition {
    pub fn validate(&self) -> Validated<ValidJobDefinition> {
        let name = name("jobDefinitionName", &self.job_definition_name)?;
        let (container, resources, containers) = match self.kind.as_str() {
            "container" => {
                let container = self
                    .container_properties
                    .clone()
                    .ok_or_else(|| FieldError::new("containerProperties", "is required for a container job definition"))?;
                let resources = container.validate("containerProperties")?;
                (container.clone(), resources, vec![("containerProperties".to_string(), container)])
            }
            "multinode" => {
                ensure(
                    self.container_properties.is_none(),
                    "containerProperties",
                    "a multinode job definition names its containers in nodeProperties.nodeRangeProperties",
                )?;
                let nodes = self
                    .node_properties()?
                    .ok_or_else(|| FieldError::new("nodeProperties", "is required for a multinode job definition"))?;
                let valid = nodes.validate("nodeProperties")?;
                let containers = nodes
                    .node_range_properties
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| Some((format!("nodeProperties.nodeRangeProperties[{i}].container"), r.container.clone()?)))
                    .collect();
                (valid.main_container, valid.resources, containers)
            }
            other => return Err(FieldError::new("type", format!("must be container or multinode (got {other:?})"))),
        };
        if let Some(strategy) = &self.retry_strategy {
            strategy.validate("retryStrategy")?;
        }
        let timeout_seconds = match &self.timeout {
            Some(timeout) => timeout.validate("timeout")?,
            None => None,
        };
        if let Some(priority) = self.scheduling_priority {
            ensure((0..=9999).contains(&priority), "schedulingPriority", "must be between 0 and 9999")?;
        }
        validate_tags("tags", &self.tags)?;
        crate::consumable_resource::needs_in(&self.aws_fields, "consumableResourceProperties")?;
        Ok(ValidJobDefinition {
            name,
            kind: self.kind.clone(),
            container,
            containers,
            resources,
            parameters: self.parameters.clone(),
            retry_strategy: self.retry_strategy.clone(),
            timeout_seconds,
            scheduling_priority: self.scheduling_priority,
            tags: self.tags.clone(),
        })
    }
}

impl RegisterJobDefinition {
    /// The definition's `nodeProperties`, when it has any.
    pub fn node_properties(&self) -> Validated<Option<NodeProperties>> {
        node_properties_in(&self.aws_fields)
    }
}

/// `nodeProperties` of a definition's kept members (as registered).
pub fn node_properties_in(fields: &AwsFields) -> Validated<Option<NodeProperties>> {
    fields
        .get("nodeProperties")
        .map(|value| serde_json::from_value(value.clone()).map_err(|e| FieldError::new("nodeProperties", e.to_string())))
        .transpose()
}

/// How a job definition is named in a request: `name`, `name:revision`, or an ARN ending in
/// `job-definition/name[:revision]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionRef {
    pub name: String,
    pub revision: Option<i64>,
}

impl DefinitionRef {
    pub fn parse(field: &str, raw: &str) -> Validated<DefinitionRef> {
        let tail = match raw.rsplit_once("job-definition/") {
            Some((_, tail)) if raw.starts_with("arn:") => tail,
            _ => raw,
        };
        let (name_part, revision) = match tail.split_once(':') {
            Some((n, r)) => {
                let revision = r
                    .parse::<i64>()
                    .ok()
                    .filter(|r| *r >= 1)
                    .ok_or_else(|| FieldError::new(field, format!("revision must be a positive whole number (got {r:?})")))?;
                (n, Some(revision))
            }
            None => (tail, None),
        };
        name(field, name_part)?;
        Ok(DefinitionRef { name: name_part.to_string(), revision })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_references_take_every_aws_form() {
        assert_eq!(DefinitionRef::parse("f", "sleep").unwrap(), DefinitionRef { name: "sleep".into(), revision: None });
        assert_eq!(DefinitionRef::parse("f", "sleep:3").unwrap().revision, Some(3));
        let arn = "arn:aws:batch:us-east-1:000000000000:job-definition/sleep:2";
        assert_eq!(DefinitionRef::parse("f", arn).unwrap(), DefinitionRef { name: "sleep".into(), revision: Some(2) });
        assert!(DefinitionRef::parse("f", "sleep:0").is_err());
        assert!(DefinitionRef::parse("f", "sleep:x").is_err());
        assert!(DefinitionRef::parse("f", "bad name").is_err());
    }

    #[test]
    fn a_timeout_under_sixty_seconds_is_refused() {
        let error = JobTimeout { attempt_duration_seconds: Some(59) }.validate("timeout").unwrap_err();
        assert_eq!(error.field, "timeout.attemptDurationSeconds");
        assert_eq!(JobTimeout { attempt_duration_seconds: Some(60) }.validate("timeout").unwrap(), Some(60));
    }
}
