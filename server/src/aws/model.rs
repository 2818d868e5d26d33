//! The AWS Batch API model as the check on every request body.
//!
//! `server/aws-models/batch-2016-08-10.json` is botocore's model of the service (Apache-2.0),
//! the same file boto3 and the AWS CLI build their requests from. Before a body reaches an
//! operation it is walked against the operation's input shape: every member must be one the
//! model (or this service's documented additions, `EXTENSIONS`) names, with the model's type.
//! That is what lets the domain keep members it does not act on (`domain::aws_fields`) without
//! ever storing an arbitrary key: a typo is refused with its path, not kept.

use serde_json::{Map, Value};
use std::sync::LazyLock;

static MODEL: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(include_str!("../../aws-models/batch-2016-08-10.json")).expect("the bundled AWS model is JSON"));

const HOST_ACCESS: &[&str] = &["allowPrivileged", "allowedHostPaths", "allowDevices", "allowedCapabilities", "networkMode"];

/// This service's additions to the AWS shapes (ARCHITECTURE.md lists what each means). Their
/// contents are checked by the domain's own validation, not here.
const EXTENSIONS: &[(&str, &[&str])] = &[
    ("CreateComputeEnvironmentRequest", &["dockerHosts", "executor"]),
    ("UpdateComputeEnvironmentRequest", &["dockerHosts"]),
    ("LinuxParameters", &["capabilities", "pidsLimit"]),
];

fn is_extension(shape: &str, member: &str) -> bool {
    let host_access =
        matches!(shape, "CreateComputeEnvironmentRequest" | "UpdateComputeEnvironmentRequest") && HOST_ACCESS.contains(&member);
    host_access || EXTENSIONS.iter().any(|(name, members)| *name == shape && members.contains(&member))
}

/// The model's name of an operation given in any case (`submitjob` → `SubmitJob`).
pub fn operation_name(operation: &str) -> Option<&'static str> {
    MODEL["operations"].as_object()?.keys().find(|name| name.eq_ignore_ascii_case(operation)).map(String::as_str)
}

/// Checks `body` against the input shape of `operation` (model name); the error names the
/// member's path (`computeResources.instanceTypes[0]: must be a string`).
pub fn check_input(operation: &str, body: &Value) -> Result<(), String> {
    let Some(shape) = MODEL["operations"][operation]["input"]["shape"].as_str() else { return Ok(()) };
    check(shape, body, "")
}

fn join(path: &str, member: &str) -> String {
    if path.is_empty() { member.to_string() } else { format!("{path}.{member}") }
}

fn check(shape_name: &str, value: &Value, path: &str) -> Result<(), String> {
    let shape = &MODEL["shapes"][shape_name];
    let at = |path: &str| if path.is_empty() { "the request body".to_string() } else { path.to_string() };
    let wrong = |what: &str| Err(format!("{}: must be {what}", at(path)));
    if value.is_null() {
        // An optional member sent as null reads as absent; serde names a missing required one.
        return Ok(());
    }
    match shape["type"].as_str().unwrap_or_default() {
        "structure" => {
            let Value::Object(members) = value else { return wrong(&format!("an object ({shape_name})")) };
            check_members(shape_name, &shape["members"], members, path)
        }
        "list" => {
            let Value::Array(items) = value else { return wrong("a list") };
            let member = shape["member"]["shape"].as_str().unwrap_or_default();
            items.iter().enumerate().try_for_each(|(index, item)| check(member, item, &format!("{}[{index}]", at(path))))
        }
        "map" => {
            let Value::Object(entries) = value else { return wrong("an object of names to values") };
            let member = shape["value"]["shape"].as_str().unwrap_or_default();
            entries.iter().try_for_each(|(key, item)| check(member, item, &join(path, key)))
        }
        "string" => match value {
            Value::String(_) => Ok(()),
            _ => wrong("a string"),
        },
        "integer" | "long" => match value.as_i64() {
            Some(_) => Ok(()),
            None => wrong("a whole number"),
        },
        "float" | "double" => match value {
            Value::Number(_) => Ok(()),
            _ => wrong("a number"),
        },
        "boolean" => match value {
            Value::Bool(_) => Ok(()),
            _ => wrong("true or false"),
        },
        // Shapes this model does not use (blob, timestamp) are left to the operation.
        _ => Ok(()),
    }
}

fn check_members(shape_name: &str, declared: &Value, members: &Map<String, Value>, path: &str) -> Result<(), String> {
    for (member, value) in members {
        match declared.get(member) {
            // Members bound to the URI (a tagged resource's ARN) never come in the body.
            Some(spec) if spec.get("location").is_some() => {
                return Err(format!("{}: belongs in the request's URI, not its body", join(path, member)));
            }
            Some(spec) => check(spec["shape"].as_str().unwrap_or_default(), value, &join(path, member))?,
            None if is_extension(shape_name, member) => {}
            None => return Err(format!("{}: not a member of {shape_name} in the AWS Batch API", join(path, member))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operations_are_found_in_any_case() {
        assert_eq!(operation_name("submitjob"), Some("SubmitJob"));
        assert_eq!(operation_name("DescribeComputeEnvironments"), Some("DescribeComputeEnvironments"));
        assert_eq!(operation_name("nosuchthing"), None);
    }

    #[test]
    fn a_well_typed_request_with_members_this_service_does_not_act_on_passes() {
        let body = json!({
            "computeEnvironmentName": "ce",
            "type": "MANAGED",
            "serviceRole": "arn:aws:iam::1:role/r",
            "computeResources": {"type": "FARGATE", "maxvCpus": 4, "subnets": ["s-1"], "ec2Configuration": [{"imageType": "ECS_AL2"}]},
            "dockerHosts": [{"endpoint": "unix:///var/run/docker.sock", "vcpus": 2, "memoryMib": 512}],
            "allowedHostPaths": ["/scratch"],
            "tags": {"team": "data"},
            "context": null,
        });
        assert_eq!(check_input("CreateComputeEnvironment", &body), Ok(()));
    }

    #[test]
    fn unknown_members_and_wrong_types_are_named_by_path() {
        let cases = [
            (
                json!({"computeEnvironmentName": "ce", "computeResources": {"maxvCpus": 1, "instanceTypo": []}}),
                "computeResources.instanceTypo: not a member of ComputeResource in the AWS Batch API",
            ),
            (
                json!({"computeEnvironmentName": "ce", "computeResources": {"maxvCpus": "four"}}),
                "computeResources.maxvCpus: must be a whole number",
            ),
            (
                json!({"computeEnvironmentName": "ce", "computeResources": {"maxvCpus": 1, "subnets": ["a", 2]}}),
                "computeResources.subnets[1]: must be a string",
            ),
            (json!({"computeEnvironmentName": "ce", "tags": {"team": 1}}), "tags.team: must be a string"),
            (json!({"computeEnvironmentName": ["ce"]}), "computeEnvironmentName: must be a string"),
            (json!([]), "the request body: must be an object (CreateComputeEnvironmentRequest)"),
        ];
        for (body, expected) in cases {
            assert_eq!(check_input("CreateComputeEnvironment", &body), Err(expected.to_string()), "{body}");
        }
    }

    #[test]
    fn extensions_are_accepted_only_where_they_belong() {
        let linux = json!({"jobDefinitionName": "d", "type": "container", "containerProperties": {"image": "x", "linuxParameters": {"pidsLimit": 64}}});
        assert_eq!(check_input("RegisterJobDefinition", &linux), Ok(()));
        let misplaced = json!({"jobName": "j", "jobQueue": "q", "jobDefinition": "d", "dockerHosts": []});
        assert_eq!(check_input("SubmitJob", &misplaced), Err("dockerHosts: not a member of SubmitJobRequest in the AWS Batch API".into()));
    }
}
