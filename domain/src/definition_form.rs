//! The console's job-definition form: each field as a person types it (a command in shell
//! syntax, `NAME=value` lines, `volume:/path:ro` mounts), turned into the AWS
//! RegisterJobDefinition request and back. Members the form has no field for (`user`,
//! `linuxParameters`, `propagateTags`, ...) ride along unchanged in `rest`, so the JSON tab and
//! the form round-trip both ways without losing anything. Errors name the AWS field, and
//! `field_of` says which input shows them, so the same rules answer the console and the API.

use crate::FieldError;
use crate::aws_fields::AwsFields;
use crate::command_line;
use crate::form_text::{lines, number, pair_lines, pairs};
use crate::job_definition::RegisterJobDefinition;
use crate::views::JobDefinitionDetail;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinitionForm {
    pub name: String,
    pub image: String,
    /// Shell words (quotes and escapes as in `sh`).
    pub command: String,
    pub vcpus: String,
    /// MiB.
    pub memory: String,
    pub gpus: String,
    /// `NAME=value` lines.
    pub environment: String,
    /// `NAME=secret` lines: the variable and the secret (name or ARN) it is read from.
    pub secrets: String,
    /// One volume per line: `name` (a volume of its own) or `name=/host/path`.
    pub volumes: String,
    /// One mount per line: `volume:/container/path`, `:ro` at the end for read-only.
    pub mount_points: String,
    pub retry_attempts: String,
    /// One `evaluateOnExit` rule per line, in shell words: `RETRY onExitCode=137`,
    /// `EXIT 'onStatusReason=Host EC2*'`.
    pub retry_rules: String,
    pub timeout_seconds: String,
    /// `name=value` lines.
    pub parameters: String,
    /// `key=value` lines.
    pub tags: String,
    /// The rest of the request as JSON (an object, or empty): kept and sent as it was.
    #[serde(default)]
    pub rest: String,
}

/// One input of the form: its label for people, and the AWS member it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    Name,
    Image,
    Command,
    Vcpus,
    Memory,
    Gpus,
    Environment,
    Secrets,
    Volumes,
    MountPoints,
    RetryAttempts,
    RetryRules,
    Timeout,
    Parameters,
    Tags,
    /// Not one input: the request as a whole (or the members only the JSON shows).
    Form,
}

impl Field {
    pub const INPUTS: [Field; 15] = [
        Field::Name,
        Field::Image,
        Field::Command,
        Field::Vcpus,
        Field::Memory,
        Field::Gpus,
        Field::Environment,
        Field::Secrets,
        Field::Volumes,
        Field::MountPoints,
        Field::RetryAttempts,
        Field::RetryRules,
        Field::Timeout,
        Field::Parameters,
        Field::Tags,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "Name",
            Field::Image => "Image",
            Field::Command => "Command (as in a shell: quotes and backslashes work)",
            Field::Vcpus => "vCPUs",
            Field::Memory => "Memory (MiB)",
            Field::Gpus => "GPUs",
            Field::Environment => "Environment (NAME=value per line)",
            Field::Secrets => "Secrets (NAME=secret name or ARN per line)",
            Field::Volumes => "Volumes (name, or name=/host/path, per line)",
            Field::MountPoints => "Mount points (volume:/container/path, :ro for read-only, per line)",
            Field::RetryAttempts => "Retry attempts (1 to 10)",
            Field::RetryRules => "Retry rules (RETRY or EXIT, then onExitCode=, onReason=, onStatusReason= patterns, per line)",
            Field::Timeout => "Timeout (seconds, 60 or more)",
            Field::Parameters => "Parameters (name=value per line; Ref::name in the command)",
            Field::Tags => "Tags (key=value per line)",
            Field::Form => "Definition",
        }
    }

    /// The AWS member the input becomes, shown in small print beside its errors.
    pub fn api_name(self) -> &'static str {
        match self {
            Field::Name => "jobDefinitionName",
            Field::Image => "containerProperties.image",
            Field::Command => "containerProperties.command",
            Field::Vcpus => "containerProperties.resourceRequirements VCPU",
            Field::Memory => "containerProperties.resourceRequirements MEMORY",
            Field::Gpus => "containerProperties.resourceRequirements GPU",
            Field::Environment => "containerProperties.environment",
            Field::Secrets => "containerProperties.secrets",
            Field::Volumes => "containerProperties.volumes",
            Field::MountPoints => "containerProperties.mountPoints",
            Field::RetryAttempts => "retryStrategy.attempts",
            Field::RetryRules => "retryStrategy.evaluateOnExit",
            Field::Timeout => "timeout.attemptDurationSeconds",
            Field::Parameters => "parameters",
            Field::Tags => "tags",
            Field::Form => "",
        }
    }

    /// Typed over several lines (a textarea) rather than one.
    pub fn multiline(self) -> bool {
        matches!(
            self,
            Field::Environment | Field::Secrets | Field::Volumes | Field::MountPoints | Field::RetryRules | Field::Parameters | Field::Tags
        )
    }

    /// The input's name in the submitted form (`form[image]`).
    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Image => "image",
            Field::Command => "command",
            Field::Vcpus => "vcpus",
            Field::Memory => "memory",
            Field::Gpus => "gpus",
            Field::Environment => "environment",
            Field::Secrets => "secrets",
            Field::Volumes => "volumes",
            Field::MountPoints => "mount_points",
            Field::RetryAttempts => "retry_attempts",
            Field::RetryRules => "retry_rules",
            Field::Timeout => "timeout_seconds",
            Field::Parameters => "parameters",
            Field::Tags => "tags",
            Field::Form => "rest",
        }
    }

    /// What is typed in the field.
    pub fn text(self, form: &DefinitionForm) -> &str {
        match self {
            Field::Name => &form.name,
            Field::Image => &form.image,
            Field::Command => &form.command,
            Field::Vcpus => &form.vcpus,
            Field::Memory => &form.memory,
            Field::Gpus => &form.gpus,
            Field::Environment => &form.environment,
            Field::Secrets => &form.secrets,
            Field::Volumes => &form.volumes,
            Field::MountPoints => &form.mount_points,
            Field::RetryAttempts => &form.retry_attempts,
            Field::RetryRules => &form.retry_rules,
            Field::Timeout => &form.timeout_seconds,
            Field::Parameters => &form.parameters,
            Field::Tags => &form.tags,
            Field::Form => &form.rest,
        }
    }

    /// Where the field's text lives in the form, to change it.
    pub fn place(self, form: &mut DefinitionForm) -> &mut String {
        match self {
            Field::Name => &mut form.name,
            Field::Image => &mut form.image,
            Field::Command => &mut form.command,
            Field::Vcpus => &mut form.vcpus,
            Field::Memory => &mut form.memory,
            Field::Gpus => &mut form.gpus,
            Field::Environment => &mut form.environment,
            Field::Secrets => &mut form.secrets,
            Field::Volumes => &mut form.volumes,
            Field::MountPoints => &mut form.mount_points,
            Field::RetryAttempts => &mut form.retry_attempts,
            Field::RetryRules => &mut form.retry_rules,
            Field::Timeout => &mut form.timeout_seconds,
            Field::Parameters => &mut form.parameters,
            Field::Tags => &mut form.tags,
            Field::Form => &mut form.rest,
        }
    }
}

/// The members the form has inputs for; everything else in a request stays in `rest`.
const FORM_MEMBERS: &[&str] = &[
    "jobDefinitionName",
    "containerProperties.image",
    "containerProperties.command",
    "containerProperties.vcpus",
    "containerProperties.memory",
    "containerProperties.resourceRequirements",
    "containerProperties.environment",
    "containerProperties.secrets",
    "containerProperties.volumes",
    "containerProperties.mountPoints",
    "retryStrategy",
    "timeout",
    "parameters",
    "tags",
];

const CONTAINER_TYPE: &str = "container";

/// The three resources the form has an input for, in the order it writes them.
const RESOURCES: [(&str, Field); 3] = [("VCPU", Field::Vcpus), ("MEMORY", Field::Memory), ("GPU", Field::Gpus)];

impl DefinitionForm {
    /// The form of a request (the JSON tab's text, once parsed).
    pub fn of_request(request: &RegisterJobDefinition) -> DefinitionForm {
        let container = request.container_properties.clone().unwrap_or_default();
        let requirement =
            |kind: &str| container.resource_requirements.iter().find(|r| r.kind.eq_ignore_ascii_case(kind)).map(|r| r.value.clone());
        let retry = request.retry_strategy.clone().unwrap_or_default();
        DefinitionForm {
            name: request.job_definition_name.clone(),
            image: container.image.clone(),
            command: command_line::shell_form(&container.command),
            vcpus: requirement("VCPU").or(container.vcpus.map(|v| v.to_string())).unwrap_or_default(),
            memory: requirement("MEMORY").or(container.memory.map(|m| m.to_string())).unwrap_or_default(),
            gpus: requirement("GPU").unwrap_or_default(),
            environment: lines(container.environment.iter().map(|e| (&e.name, &e.value))),
            secrets: lines(container.secrets.iter().map(|s| (&s.name, &s.value_from))),
            volumes: container
                .volumes
                .iter()
                .map(|v| match v.host.as_ref().and_then(|h| h.source_path.as_ref()) {
                    Some(path) => format!("{}={path}", v.name),
                    None => v.name.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            mount_points: container
                .mount_points
                .iter()
                .map(|m| format!("{}:{}{}", m.source_volume, m.container_path, if m.read_only { ":ro" } else { "" }))
                .collect::<Vec<_>>()
                .join("\n"),
            retry_attempts: retry.attempts.map(|a| a.to_string()).unwrap_or_default(),
            retry_rules: retry.evaluate_on_exit.iter().map(rule_line).collect::<Vec<_>>().join("\n"),
            timeout_seconds: request.timeout.as_ref().and_then(|t| t.attempt_duration_seconds).map(|s| s.to_string()).unwrap_or_default(),
            parameters: lines(&request.parameters),
            tags: lines(&request.tags),
            rest: rest_of(request),
        }
    }

    /// The form of a registered revision, to register the next one from it.
    pub fn of_revision(revision: &JobDefinitionDetail) -> DefinitionForm {
        let Ok(Value::Object(mut members)) = serde_json::to_value(revision) else { return DefinitionForm::default() };
        for described_only in ["jobDefinitionArn", "revision", "status", "createdAt", "containerOrchestrationType"] {
            members.remove(described_only);
        }
        serde_json::from_value::<RegisterJobDefinition>(Value::Object(members))
            .map(|request| DefinitionForm::of_request(&request))
            .unwrap_or_default()
    }

    /// The AWS request the form describes. Errors name the AWS field (`field_of` finds its input).
    pub fn to_request(&self) -> Result<RegisterJobDefinition, FieldError> {
        let mut request = match self.rest.trim() {
            "" => Map::new(),
            rest => match serde_json::from_str(rest) {
                Ok(Value::Object(members)) => members,
                _ => return Err(FieldError::new("form", "the members kept from the JSON tab are not a JSON object: edit them there")),
            },
        };
        request.insert("jobDefinitionName".into(), self.name.trim().into());
        let kind = request.entry("type").or_insert_with(|| CONTAINER_TYPE.into()).as_str().unwrap_or_default().to_string();
        let container = self.container_members()?;
        if kind == CONTAINER_TYPE || !container.is_empty() {
            let properties = request.entry("containerProperties").or_insert_with(|| json!({}));
            if let Value::Object(properties) = properties {
                properties.extend(container);
            }
        }
        let attempts = number("retryStrategy.attempts", &self.retry_attempts)?;
        let rules = self.retry_rules()?;
        if attempts.is_some() || !rules.is_empty() {
            let mut strategy = Map::new();
            if let Some(attempts) = attempts {
                strategy.insert("attempts".into(), attempts.into());
            }
            strategy.insert("evaluateOnExit".into(), Value::Array(rules));
            request.insert("retryStrategy".into(), Value::Object(strategy));
        }
        if let Some(seconds) = number("timeout.attemptDurationSeconds", &self.timeout_seconds)? {
            request.insert("timeout".into(), json!({ "attemptDurationSeconds": seconds }));
        }
        request.insert("parameters".into(), json!(pairs("parameters", &self.parameters)?));
        request.insert("tags".into(), json!(pairs("tags", &self.tags)?));
        serde_json::from_value(Value::Object(request)).map_err(|e| FieldError::new("form", e.to_string()))
    }

    fn container_members(&self) -> Result<Map<String, Value>, FieldError> {
        let mut container = Map::new();
        let image = self.image.trim();
        if !image.is_empty() {
            container.insert("image".into(), image.into());
        }
        let command = command_line::parse("containerProperties.command", &self.command)?;
        if !command.is_empty() {
            container.insert("command".into(), json!(command));
        }
        let requirements: Vec<Value> = RESOURCES
            .iter()
            .filter_map(|(kind, field)| {
                let value = field.text(self).trim();
                (!value.is_empty()).then(|| json!({ "type": kind, "value": value }))
            })
            .collect();
        if !requirements.is_empty() {
            container.insert("resourceRequirements".into(), Value::Array(requirements));
        }
        let named = |field: &str, text: &str, value_key: &str| -> Result<Option<Value>, FieldError> {
            let rows = pair_lines(field, text)?;
            Ok((!rows.is_empty()).then(|| rows.into_iter().map(|(name, value)| json!({ "name": name, value_key: value })).collect()))
        };
        if let Some(environment) = named("containerProperties.environment", &self.environment, "value")? {
            container.insert("environment".into(), environment);
        }
        if let Some(secrets) = named("containerProperties.secrets", &self.secrets, "valueFrom")? {
            container.insert("secrets".into(), secrets);
        }
        let volumes: Vec<Value> = non_blank(&self.volumes)
            .map(|line| match line.split_once('=') {
                Some((name, path)) => json!({ "name": name.trim(), "host": { "sourcePath": path.trim() } }),
                None => json!({ "name": line }),
            })
            .collect();
        if !volumes.is_empty() {
            container.insert("volumes".into(), Value::Array(volumes));
        }
        let mounts = non_blank(&self.mount_points)
            .enumerate()
            .map(|(index, line)| mount_point(&format!("containerProperties.mountPoints[{index}]"), line))
            .collect::<Result<Vec<_>, _>>()?;
        if !mounts.is_empty() {
            container.insert("mountPoints".into(), Value::Array(mounts));
        }
        Ok(container)
    }

    fn retry_rules(&self) -> Result<Vec<Value>, FieldError> {
        non_blank(&self.retry_rules)
            .enumerate()
            .map(|(index, line)| {
                let at = format!("retryStrategy.evaluateOnExit[{index}]");
                let words = command_line::parse(&at, line)?;
                let (action, conditions) = words.split_first().expect("a non-blank line has a word");
                let mut rule = Map::new();
                rule.insert("action".into(), action.to_uppercase().into());
                for condition in conditions {
                    let (name, pattern) = condition
                        .split_once('=')
                        .filter(|(name, _)| ["onExitCode", "onReason", "onStatusReason"].contains(name))
                        .ok_or_else(|| {
                            FieldError::new(
                                &at,
                                format!(
                                    "write onExitCode=, onReason= or onStatusReason= and a pattern after the action (got {condition:?})"
                                ),
                            )
                        })?;
                    rule.insert(name.into(), pattern.into());
                }
                Ok(Value::Object(rule))
            })
            .collect()
    }

    /// The request as the JSON tab shows it.
    pub fn to_json(&self) -> Result<String, FieldError> {
        let request = self.to_request()?;
        Ok(serde_json::to_string_pretty(&request).expect("a request serializes"))
    }

    /// The form of the JSON tab's text.
    pub fn of_json(text: &str) -> Result<DefinitionForm, FieldError> {
        serde_json::from_str::<RegisterJobDefinition>(text)
            .map(|request| DefinitionForm::of_request(&request))
            .map_err(|e| FieldError::new("json", format!("is not a RegisterJobDefinition request: {e}")))
    }

    /// The members only the JSON tab shows (`containerProperties.user`, `propagateTags`), to say
    /// beside the form that they are kept.
    pub fn kept_members(&self) -> Vec<String> {
        let Ok(Value::Object(rest)) = serde_json::from_str::<Value>(&self.rest) else { return vec![] };
        rest.iter()
            .flat_map(|(name, value)| match value {
                Value::Object(nested) if name == "containerProperties" => {
                    nested.keys().map(|member| format!("{name}.{member}")).collect::<Vec<_>>()
                }
                _ if name == "type" && value == CONTAINER_TYPE => vec![],
                _ => vec![name.clone()],
            })
            .collect()
    }

    /// The input that shows an error about the AWS field `path` (from the form's own checks or
    /// the service's).
    pub fn field_of(&self, path: &str) -> Field {
        let path = path.strip_prefix("containerProperties.").map_or(path.to_string(), |p| format!("containerProperties.{p}"));
        if let Some(rest) = path.strip_prefix("containerProperties.resourceRequirements[") {
            // The form writes the requirements in RESOURCES' order, skipping empty ones.
            let index: usize = rest.split(']').next().and_then(|i| i.parse().ok()).unwrap_or(usize::MAX);
            return RESOURCES
                .iter()
                .filter(|(_, field)| !field.text(self).trim().is_empty())
                .nth(index)
                .map_or(Field::Form, |(_, field)| *field);
        }
        const BY_PREFIX: &[(&str, Field)] = &[
            ("jobDefinitionName", Field::Name),
            ("containerProperties.image", Field::Image),
            ("containerProperties.command", Field::Command),
            ("containerProperties.vcpus", Field::Vcpus),
            ("containerProperties.memory", Field::Memory),
            ("containerProperties.environment", Field::Environment),
            ("containerProperties.secrets", Field::Secrets),
            ("containerProperties.volumes", Field::Volumes),
            ("containerProperties.mountPoints", Field::MountPoints),
            ("retryStrategy.attempts", Field::RetryAttempts),
            ("retryStrategy.evaluateOnExit", Field::RetryRules),
            ("timeout", Field::Timeout),
            ("parameters", Field::Parameters),
            ("tags", Field::Tags),
        ];
        if path == "containerProperties.resourceRequirements" {
            // "a VCPU requirement is required" / "a MEMORY requirement ...": the empty input.
            return RESOURCES.iter().find(|(_, field)| field.text(self).trim().is_empty()).map_or(Field::Form, |(_, f)| *f);
        }
        BY_PREFIX.iter().find(|(prefix, _)| path.starts_with(prefix)).map_or(Field::Form, |(_, field)| *field)
    }
}

fn non_blank(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|line| !line.is_empty())
}

/// `volume:/container/path`, `:ro` (or `:rw`) at the end.
fn mount_point(at: &str, line: &str) -> Result<Value, FieldError> {
    let (volume, target) = line
        .split_once(':')
        .ok_or_else(|| FieldError::new(at, format!("write volume:/container/path, with :ro at the end for read-only (got {line:?})")))?;
    let (path, read_only) = match target.rsplit_once(':') {
        Some((path, "ro")) => (path, true),
        Some((path, "rw")) => (path, false),
        _ => (target, false),
    };
    Ok(json!({ "sourceVolume": volume.trim(), "containerPath": path.trim(), "readOnly": read_only }))
}

/// An `evaluateOnExit` rule as the line the form reads back (`EXIT onExitCode='*'`: a pattern
/// quoted only where a shell would need it).
fn rule_line(rule: &crate::retry::EvaluateOnExit) -> String {
    let mut words = vec![rule.action.to_uppercase()];
    for (name, pattern) in [("onExitCode", &rule.on_exit_code), ("onReason", &rule.on_reason), ("onStatusReason", &rule.on_status_reason)] {
        if let Some(pattern) = pattern {
            words.push(format!("{name}={}", command_line::shell_form(std::slice::from_ref(pattern))));
        }
    }
    words.join(" ")
}

/// The request less what the form has inputs for, and less the container's members left at
/// their defaults (`privileged: false`, empty lists), as compact JSON; empty when nothing is left.
fn rest_of(request: &RegisterJobDefinition) -> String {
    let mut members = AwsFields::of(request, FORM_MEMBERS).0;
    if let Some(Value::Object(container)) = members.get_mut("containerProperties") {
        container.retain(|_, value| {
            !matches!(value, Value::Null | Value::Bool(false)) && !matches!(value, Value::Array(items) if items.is_empty())
        });
        if container.is_empty() {
            members.remove("containerProperties");
        }
    }
    if members.get("type").is_some_and(|kind| kind == CONTAINER_TYPE) {
        members.remove("type");
    }
    if members.is_empty() { String::new() } else { Value::Object(members).to_string() }
}

#[cfg(test)]
mod tests;
