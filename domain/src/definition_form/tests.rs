use super::*;
use crate::container::{ContainerProperties, KeyValuePair, MountPoint, ResourceRequirement, Volume, VolumeHost};
use crate::job_definition::JobTimeout;
use crate::retry::{EvaluateOnExit, RetryStrategy};
use crate::secret::SecretReference;
use proptest::prelude::*;

fn filled() -> DefinitionForm {
    DefinitionForm {
        name: " nightly ".into(),
        image: "busybox:latest".into(),
        command: r#"sh -c 'echo "$GREETING"; exit 3'"#.into(),
        vcpus: "0.5".into(),
        memory: "64".into(),
        gpus: String::new(),
        environment: "GREETING=hello world\n\nB = two=2\n".into(),
        secrets: "TOKEN=team-token".into(),
        volumes: "scratch\ndata=/srv/batch-data".into(),
        mount_points: "scratch:/tmp/scratch\ndata:/data:ro".into(),
        retry_attempts: "3".into(),
        retry_rules: "retry onExitCode=137\nEXIT 'onStatusReason=Host EC2*' onExitCode=*".into(),
        timeout_seconds: "120".into(),
        parameters: "day=mon".into(),
        tags: "team=data".into(),
        rest: String::new(),
    }
}

#[test]
fn a_filled_form_becomes_the_aws_request() {
    let request = filled().to_request().unwrap();
    assert_eq!(request.job_definition_name, "nightly");
    assert_eq!(request.kind, "container");
    let container = request.container_properties.clone().unwrap();
    assert_eq!(container.command, ["sh", "-c", r#"echo "$GREETING"; exit 3"#], "shell words");
    assert_eq!(
        container.resource_requirements,
        [
            ResourceRequirement { kind: "VCPU".into(), value: "0.5".into() },
            ResourceRequirement { kind: "MEMORY".into(), value: "64".into() }
        ]
    );
    assert_eq!(container.environment[0], KeyValuePair { name: "GREETING".into(), value: "hello world".into() });
    assert_eq!(container.environment[1], KeyValuePair { name: "B".into(), value: "two=2".into() }, "the first = splits");
    assert_eq!(container.secrets, [SecretReference { name: "TOKEN".into(), value_from: "team-token".into() }]);
    assert_eq!(container.volumes[0], Volume { name: "scratch".into(), host: None });
    assert_eq!(container.volumes[1].host.as_ref().unwrap().source_path.as_deref(), Some("/srv/batch-data"));
    assert_eq!(container.mount_points[1], MountPoint { container_path: "/data".into(), source_volume: "data".into(), read_only: true });
    assert!(!container.mount_points[0].read_only);
    let retry = request.retry_strategy.clone().unwrap();
    assert_eq!(retry.attempts, Some(3));
    assert_eq!(retry.evaluate_on_exit[0].action, "RETRY");
    assert_eq!(retry.evaluate_on_exit[0].on_exit_code.as_deref(), Some("137"));
    assert_eq!(retry.evaluate_on_exit[1].on_status_reason.as_deref(), Some("Host EC2*"), "a quoted pattern keeps its space");
    assert_eq!(request.timeout, Some(JobTimeout { attempt_duration_seconds: Some(120) }));
    assert_eq!(request.parameters["day"], "mon");
    assert_eq!(request.tags["team"], "data");
    assert!(request.validate().is_ok(), "the service takes what the form makes: {:?}", request.validate());
}

#[test]
fn the_form_of_its_own_request_is_the_form_again() {
    let request = filled().to_request().unwrap();
    let again = DefinitionForm::of_request(&request);
    assert_eq!(again.to_request().unwrap(), request);
    assert_eq!(again.mount_points, "scratch:/tmp/scratch\ndata:/data:ro");
    assert_eq!(again.retry_rules, "RETRY onExitCode=137\nEXIT onExitCode='*' onStatusReason='Host EC2*'");
    assert_eq!(again.rest, "", "nothing outside the form");
}

#[test]
fn members_without_an_input_are_kept_through_the_form() {
    let json = r#"{
        "jobDefinitionName": "kept",
        "type": "container",
        "propagateTags": true,
        "containerProperties": {
            "image": "busybox", "vcpus": 1, "memory": 32, "command": ["true"],
            "user": "nobody", "readonlyRootFilesystem": true,
            "linuxParameters": {"initProcessEnabled": true}
        }
    }"#;
    let form = DefinitionForm::of_json(json).unwrap();
    assert_eq!((form.vcpus.as_str(), form.memory.as_str()), ("1", "32"), "the legacy members fill the inputs");
    assert_eq!(
        form.kept_members(),
        ["containerProperties.linuxParameters", "containerProperties.readonlyRootFilesystem", "containerProperties.user", "propagateTags"]
    );
    let request = form.to_request().unwrap();
    let container = request.container_properties.as_ref().unwrap();
    assert_eq!(container.user.as_deref(), Some("nobody"));
    assert!(container.readonly_root_filesystem);
    assert!(container.linux_parameters.is_some());
    assert_eq!(request.aws_fields.get("propagateTags"), Some(&Value::Bool(true)));
    assert_eq!(container.resource_requirements.len(), 2, "written as resourceRequirements, as AWS recommends");
    assert!((container.vcpus, container.memory) == (None, None));
}

#[test]
fn a_revision_fills_the_form_for_the_next_one() {
    let request = filled().to_request().unwrap();
    let detail = JobDefinitionDetail {
        job_definition_name: request.job_definition_name.clone(),
        job_definition_arn: "arn:aws:batch:local:000000000000:job-definition/nightly:4".into(),
        revision: 4,
        status: crate::job_definition::DefinitionStatus::Active,
        kind: "container".into(),
        parameters: request.parameters.clone(),
        container_properties: request.container_properties.clone().unwrap(),
        retry_strategy: request.retry_strategy.clone(),
        timeout: request.timeout.clone(),
        scheduling_priority: None,
        tags: request.tags.clone(),
        created_at: 1,
        container_orchestration_type: "ECS".into(),
        aws_fields: AwsFields::default(),
    };
    let form = DefinitionForm::of_revision(&detail);
    assert_eq!(form.to_request().unwrap(), request);
    assert_eq!(form.rest, "", "the revision's own members (arn, status) are not sent back");
}

#[test]
fn errors_name_the_aws_field_and_the_input_that_shows_them() {
    let cases: &[(&str, fn(&mut DefinitionForm), &str, Field)] = &[
        ("command", |f| f.command = "echo 'unclosed".into(), "containerProperties.command", Field::Command),
        ("environment", |f| f.environment = "A=1\nNOEQUALS".into(), "containerProperties.environment[1]", Field::Environment),
        ("secrets", |f| f.secrets = "TOKEN".into(), "containerProperties.secrets[0]", Field::Secrets),
        ("mount", |f| f.mount_points = "/data".into(), "containerProperties.mountPoints[0]", Field::MountPoints),
        ("rule", |f| f.retry_rules = "RETRY exitcode=1".into(), "retryStrategy.evaluateOnExit[0]", Field::RetryRules),
        ("attempts", |f| f.retry_attempts = "three".into(), "retryStrategy.attempts", Field::RetryAttempts),
        ("timeout", |f| f.timeout_seconds = "1m".into(), "timeout.attemptDurationSeconds", Field::Timeout),
        ("tags", |f| f.tags = "team".into(), "tags[0]", Field::Tags),
    ];
    for (case, spoil, path, field) in cases {
        let mut form = filled();
        spoil(&mut form);
        let error = form.to_request().unwrap_err();
        assert_eq!((error.field.as_str(), form.field_of(&error.field)), (*path, *field), "{case}");
    }
}

#[test]
fn the_services_errors_find_their_input() {
    let mut form = filled();
    let service_error = |form: &DefinitionForm| form.to_request().unwrap().validate().unwrap_err();
    form.memory = "1".into();
    let error = service_error(&form);
    assert_eq!((error.field.as_str(), form.field_of(&error.field)), ("containerProperties.resourceRequirements[1].value", Field::Memory));
    form.memory = "64".into();
    form.vcpus = String::new();
    form.gpus = "-1".into();
    let error = service_error(&form);
    assert_eq!(form.field_of(&error.field), Field::Gpus, "{error}: the index counts only the filled inputs");
    form.gpus = String::new();
    let error = service_error(&form);
    assert_eq!((error.field.as_str(), form.field_of(&error.field)), ("containerProperties.resourceRequirements", Field::Vcpus));
    form.vcpus = "1".into();
    form.name = "no spaces allowed".into();
    assert_eq!(form.field_of(&service_error(&form).field), Field::Name);
    form.name = "n".into();
    form.image = " ".into();
    assert_eq!(form.field_of(&service_error(&form).field), Field::Image);
    assert_eq!(form.field_of("somethingElse"), Field::Form);
}

#[test]
fn the_json_tab_refuses_text_that_is_not_a_request() {
    let error = DefinitionForm::of_json("{\"jobDefinitionName\": 3}").unwrap_err();
    assert_eq!(error.field, "json");
    let bad_rest = DefinitionForm { rest: "[1]".into(), ..filled() };
    assert_eq!(bad_rest.to_request().unwrap_err().field, "form");
}

#[test]
fn every_input_has_a_label_an_api_name_and_a_place() {
    let mut form = DefinitionForm::default();
    for field in Field::INPUTS {
        assert!(!field.label().is_empty() && !field.api_name().is_empty(), "{field:?}");
        *field.place(&mut form) = field.key().into();
        assert_eq!(field.text(&form), field.key());
    }
}

fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_./*-]{1,10}"
}

/// Values as a line holds them: no line breaks, nothing to trim at either end.
fn value() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 =:'\"$*.-]{0,12}".prop_map(|v| v.trim().to_string())
}

fn requests() -> impl Strategy<Value = RegisterJobDefinition> {
    let container = (
        word(),
        proptest::collection::vec("[^\u{0}\n]{0,10}", 0..4),
        proptest::option::of(1..64u32),
        proptest::option::of(4..4096u32),
        proptest::option::of(0..4u32),
        proptest::collection::vec(("[A-Z_]{1,8}", value()), 0..3),
        proptest::collection::vec(("[A-Z_]{1,8}", word()), 0..2),
        proptest::collection::vec(("[a-z]{1,6}", proptest::option::of("/[a-z/]{1,10}")), 0..3),
        proptest::collection::vec(("[a-z]{1,6}", "/[a-z/]{1,10}", any::<bool>()), 0..3),
        proptest::option::of("[a-z]{1,8}"),
    );
    let rest = (
        proptest::option::of(1..10i64),
        proptest::collection::vec(
            (
                prop_oneof![Just("RETRY"), Just("EXIT")],
                proptest::option::of("[0-9*]{1,4}"),
                proptest::option::of(value().prop_filter("a pattern", |v| !v.is_empty())),
            ),
            0..3,
        ),
        proptest::option::of(60..100_000i64),
        proptest::collection::btree_map("[a-z]{1,6}", value(), 0..3),
        proptest::collection::btree_map("[a-z]{1,6}", value(), 0..3),
        any::<bool>(),
    );
    (word(), container, rest).prop_map(
        |(name, (image, command, vcpus, memory, gpus, environment, secrets, volumes, mounts, user), rest)| {
            let (attempts, rules, timeout, parameters, tags, propagate) = rest;
            let requirement =
                |kind: &str, value: Option<u32>| value.map(|v| ResourceRequirement { kind: kind.into(), value: v.to_string() });
            let container = ContainerProperties {
                image,
                command,
                resource_requirements: [requirement("VCPU", vcpus), requirement("MEMORY", memory), requirement("GPU", gpus)]
                    .into_iter()
                    .flatten()
                    .collect(),
                environment: environment.into_iter().map(|(name, value)| KeyValuePair { name, value }).collect(),
                secrets: secrets.into_iter().map(|(name, value_from)| SecretReference { name, value_from }).collect(),
                volumes: volumes
                    .into_iter()
                    .map(|(name, path)| Volume { name, host: path.map(|p| VolumeHost { source_path: Some(p) }) })
                    .collect(),
                mount_points: mounts
                    .into_iter()
                    .map(|(source_volume, container_path, read_only)| MountPoint { container_path, source_volume, read_only })
                    .collect(),
                user,
                ..Default::default()
            };
            let evaluate_on_exit: Vec<EvaluateOnExit> = rules
                .into_iter()
                .map(|(action, on_exit_code, on_status_reason)| EvaluateOnExit {
                    action: action.into(),
                    on_exit_code,
                    on_reason: None,
                    on_status_reason,
                })
                .collect();
            let retry_strategy =
                (attempts.is_some() || !evaluate_on_exit.is_empty()).then_some(RetryStrategy { attempts, evaluate_on_exit });
            let mut aws_fields = AwsFields::default();
            if propagate {
                aws_fields.0.insert("propagateTags".into(), Value::Bool(true));
            }
            RegisterJobDefinition {
                job_definition_name: name,
                kind: "container".into(),
                parameters,
                container_properties: Some(container),
                retry_strategy,
                timeout: timeout.map(|s| JobTimeout { attempt_duration_seconds: Some(s) }),
                scheduling_priority: None,
                tags,
                aws_fields,
            }
        },
    )
}

proptest! {
    /// JSON tab -> form -> JSON tab gives back the request it started from, members the form
    /// has no input for included.
    #[test]
    fn a_request_survives_the_form(request in requests()) {
        let form = DefinitionForm::of_request(&request);
        prop_assert_eq!(form.to_request().unwrap(), request.clone());
        let json = form.to_json().unwrap();
        prop_assert_eq!(DefinitionForm::of_json(&json).unwrap(), form);
    }
}
