"""What goes in comes back: generated requests, built from the AWS Batch model botocore ships,
created through boto3 and read back through the Describe operations.

Each case starts from a request this service can run and adds, at random (a fixed seed per
run, printed on failure), every member of the model the service keeps without acting on it
(roles, instance types, subnets, launch templates, platform capabilities, FARGATE settings,
...), nested as deep as the model goes. Describe must return every member sent, with the same
value, except the documented exceptions below.
"""

import os
import random
import string
import unittest

import botocore.session

MODEL = botocore.session.get_session().get_service_model("batch")
SEED = int(os.environ.get("ROUND_TRIP_SEED", random.randrange(1 << 30)))
CASES = int(os.environ.get("ROUND_TRIP_CASES", "12"))

# Members a request may set that come back in another form, or are refused; each with why.
# (The same list is in ARCHITECTURE.md, "What goes in comes back".)
NOT_RETURNED_AS_SENT = {
    "CreateComputeEnvironment": {
        "eksConfiguration": "refused: no Kubernetes compute environments here",
    },
    "CreateJobQueue": {
        "computeEnvironmentOrder": "returned with each environment's ARN, as AWS does",
        "serviceEnvironmentOrder": "refused: no service environments (SageMaker) here",
    },
    "CreateSchedulingPolicy": {
        "quotaSharePolicy": "refused: quota shares are for SageMaker job queues, which are not run here",
    },
    "RegisterJobDefinition": {
        "nodeProperties": "acted on (a multinode definition, tested in multi_node.py), not generated at random",
        "eksProperties": "refused: no Kubernetes compute environments here",
        "ecsProperties": "refused: ECS task properties with several containers are not run",
    },
    "SubmitJob": {
        "jobQueue": "returned as the queue's ARN",
        "jobDefinition": "returned as the revision's ARN",
        "schedulingPriorityOverride": "returned as schedulingPriority",
        "arrayProperties": "returned as size and statusSummary",
        "containerOverrides": "applied: the job's container shows the result",
        "nodeOverrides": "applied: the job's nodeProperties shows its node count (tested in multi_node.py)",
        "eksPropertiesOverride": "refused: no Kubernetes compute environments here",
        "ecsPropertiesOverride": "refused: ECS task properties are not run",
        "consumableResourcePropertiesOverride": "applied: the job's consumableResourceProperties shows it",
    },
}

# Members the service acts on: the base requests give them valid values, so they are not
# generated at random (a random image or host path would not run, by design).
ACTED_ON = {
    "CreateComputeEnvironment": {"computeEnvironmentName", "type", "state", "unmanagedvCpus", "tags", "computeResources.maxvCpus",
                                 "computeResources.minvCpus"},
    "CreateJobQueue": {"jobQueueName", "state", "priority", "tags", "jobStateTimeLimitActions", "schedulingPolicyArn"},
    "CreateSchedulingPolicy": {"name", "fairsharePolicy", "tags"},
    "RegisterJobDefinition": {
        "jobDefinitionName", "type", "parameters", "retryStrategy", "timeout", "schedulingPriority", "tags",
        "containerProperties.image", "containerProperties.vcpus", "containerProperties.memory", "containerProperties.command",
        "containerProperties.environment", "containerProperties.resourceRequirements", "containerProperties.user",
        "containerProperties.privileged", "containerProperties.readonlyRootFilesystem", "containerProperties.volumes",
        "containerProperties.mountPoints", "containerProperties.ulimits", "containerProperties.linuxParameters",
        "containerProperties.secrets", "consumableResourceProperties",
    },
    "SubmitJob": {"jobName", "dependsOn", "parameters", "retryStrategy", "timeout", "tags", "shareIdentifier"},
}


class Generator:
    def __init__(self, seed):
        self.random = random.Random(seed)

    def text(self):
        return "".join(self.random.choice(string.ascii_letters + string.digits + "-_/:") for _ in range(self.random.randint(1, 24)))

    def value(self, shape, depth=0):
        kind = shape.type_name
        if kind == "structure":
            return self.structure(shape, depth + 1)
        if kind == "list":
            return [self.value(shape.member, depth + 1) for _ in range(self.random.randint(1, 2))]
        if kind == "map":
            return {self.text(): self.value(shape.value, depth + 1) for _ in range(self.random.randint(1, 2))}
        if kind == "string":
            return self.random.choice(shape.enum) if shape.enum else self.text()
        if kind in ("integer", "long"):
            low = shape.metadata.get("min", 0)
            return self.random.randint(low, shape.metadata.get("max", low + 10_000))
        if kind == "boolean":
            return self.random.random() < 0.5
        if kind in ("float", "double"):
            return self.random.randint(0, 1000) / 4
        raise AssertionError(f"no generator for {kind}")

    def structure(self, shape, depth):
        members = {}
        for name, member in shape.members.items():
            if name in shape.required_members or (depth < 4 and self.random.random() < 0.6):
                members[name] = self.value(member, depth)
        return members

    def kept_members(self, operation, shape, base, prefix=""):
        """`base` with every member of `shape` the service neither acts on nor refuses, at random."""
        request = dict(base)
        skipped = set(NOT_RETURNED_AS_SENT[operation]) | ACTED_ON[operation]
        for name, member in shape.members.items():
            path = prefix + name
            if path in skipped or name in request and member.type_name != "structure":
                continue
            if name in request and member.type_name == "structure":
                request[name] = self.kept_members(operation, member, request[name], prefix=path + ".")
            elif self.random.random() < 0.7:
                request[name] = self.value(member)
        return request


def contains(returned, sent, path="", fail=None):
    """Every member of `sent` is in `returned` with the same value (lists item by item)."""
    if isinstance(sent, dict):
        if not isinstance(returned, dict):
            return f"{path}: sent an object, got {returned!r}"
        for key, value in sent.items():
            if key not in returned:
                return f"{path}.{key}: sent {value!r}, not returned"
            problem = contains(returned[key], value, f"{path}.{key}")
            if problem:
                return problem
        return None
    if isinstance(sent, list):
        if not isinstance(returned, list) or len(returned) != len(sent):
            return f"{path}: sent {sent!r}, got {returned!r}"
        for index, (got, value) in enumerate(zip(returned, sent)):
            problem = contains(got, value, f"{path}[{index}]")
            if problem:
                return problem
        return None
    if returned != sent:
        return f"{path}: sent {sent!r}, got {returned!r}"
    return None


def without(request, members):
    return {k: v for k, v in request.items() if k not in members}


class RoundTrip(unittest.TestCase):
    """Needs `cls.batch` (an admin's boto3 client) and `cls.image`, set by the including module."""

    batch = None
    image = None

    def check(self, operation, sent, returned):
        problem = contains(returned, without(sent, NOT_RETURNED_AS_SENT[operation]))
        self.assertIsNone(problem, f"{operation} (ROUND_TRIP_SEED={SEED}): {problem}\nsent: {sent}\ngot: {returned}")

    def test_every_member_sent_comes_back_from_describe(self):
        generator = Generator(SEED)
        batch = self.batch
        for case in range(CASES):
            name = f"rt-{SEED}-{case}"
            environment = generator.kept_members(
                "CreateComputeEnvironment",
                MODEL.operation_model("CreateComputeEnvironment").input_shape,
                {"computeEnvironmentName": name, "type": "MANAGED", "state": "ENABLED",
                 "computeResources": {"maxvCpus": 2, "type": generator.random.choice(["EC2", "SPOT", "FARGATE", "FARGATE_SPOT"])},
                 "tags": {"case": str(case)}},
            )
            batch.create_compute_environment(**without(environment, NOT_RETURNED_AS_SENT["CreateComputeEnvironment"]))
            described = batch.describe_compute_environments(computeEnvironments=[name])["computeEnvironments"][0]
            self.check("CreateComputeEnvironment", environment, described)

            # Every other case's queue shares by a fair-share policy, and its job names a share.
            fair_share = case % 2 == 0
            if fair_share:
                policy = {"name": name, "tags": {"case": str(case)}, "fairsharePolicy": {
                    "shareDecaySeconds": generator.random.randrange(0, 604801),
                    "computeReservation": generator.random.randrange(0, 100),
                    "shareDistribution": [{"shareIdentifier": "teama", "weightFactor": 0.5}, {"shareIdentifier": "batch*"}],
                }}
                arn = batch.create_scheduling_policy(**policy)["arn"]
                described = batch.describe_scheduling_policies(arns=[arn])["schedulingPolicies"][0]
                self.check("CreateSchedulingPolicy", policy, described)
            queue = generator.kept_members(
                "CreateJobQueue",
                MODEL.operation_model("CreateJobQueue").input_shape,
                {"jobQueueName": name, "state": "ENABLED", "priority": case,
                 "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": name}], "tags": {"case": str(case)},
                 **({"schedulingPolicyArn": arn} if fair_share else {})},
            )
            batch.create_job_queue(**without(queue, set(NOT_RETURNED_AS_SENT["CreateJobQueue"]) - {"computeEnvironmentOrder"}))
            described = batch.describe_job_queues(jobQueues=[name])["jobQueues"][0]
            self.check("CreateJobQueue", queue, described)

            definition = generator.kept_members(
                "RegisterJobDefinition",
                MODEL.operation_model("RegisterJobDefinition").input_shape,
                {"jobDefinitionName": name, "type": "container", "parameters": {"word": "hi"},
                 "containerProperties": {"image": self.image, "command": ["echo", "Ref::word"],
                                         "resourceRequirements": [{"type": "VCPU", "value": "0.25"}, {"type": "MEMORY", "value": "16"}]},
                 "retryStrategy": {"attempts": 2, "evaluateOnExit": [{"onExitCode": "3", "action": "exit"}]},
                 "tags": {"case": str(case)}},
            )
            batch.register_job_definition(**without(definition, NOT_RETURNED_AS_SENT["RegisterJobDefinition"]))
            described = batch.describe_job_definitions(jobDefinitions=[f"{name}:1"])["jobDefinitions"][0]
            self.check("RegisterJobDefinition", definition, described)

            submission = generator.kept_members(
                "SubmitJob",
                MODEL.operation_model("SubmitJob").input_shape,
                {"jobName": name, "jobQueue": name, "jobDefinition": name, "tags": {"case": str(case)},
                 **({"shareIdentifier": "teama"} if fair_share else {})},
            )
            job_id = batch.submit_job(**without(submission, set(NOT_RETURNED_AS_SENT["SubmitJob"]) - {"jobQueue", "jobDefinition"}))["jobId"]
            job = batch.describe_jobs(jobs=[job_id])["jobs"][0]
            self.check("SubmitJob", submission, job)
            # The job shows the definition's container members and its own AWS-filled fields.
            sent_container = without(definition["containerProperties"], {"image", "command", "vcpus", "memory", "environment"})
            problem = contains(job["container"], sent_container, "container")
            self.assertIsNone(problem, f"job container (ROUND_TRIP_SEED={SEED}): {problem}")
            for member in ("propagateTags", "platformCapabilities"):
                if member in definition and member not in submission:
                    self.assertEqual(job[member], definition[member], member)
            self.assertEqual(job["jobQueue"], described_queue_arn(batch, name))
            self.assertTrue(job["jobDefinition"].endswith(f":job-definition/{name}:1"))
            # Tidy up so the suite's other tests see only their own resources.
            batch.terminate_job(jobId=job_id, reason="round trip done")


def described_queue_arn(batch, name):
    return batch.describe_job_queues(jobQueues=[name])["jobQueues"][0]["jobQueueArn"]
