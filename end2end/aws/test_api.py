"""The AWS-Batch-compatible API driven by the real clients: boto3 and the AWS CLI.

scripts/test.sh runs this against the server it started (ENDPOINT), with the server binary
(SERVER_BIN) and its settings in the environment so users and keys can be made on the command
line, as an operator of the service would.
"""

import datetime
import hashlib
import hmac
import json
import os
import subprocess
import time
import unittest
import urllib.request

from botocore.exceptions import ClientError

import round_trip

from clients import ENDPOINT, IMAGE, REGION, client, error_code, server, user_with_key, wait_for
from job_logs import JobOutputThroughCloudWatchLogs  # noqa: F401 (run with the rest)
from scheduling_policies import SchedulingPolicies  # noqa: F401 (run with the rest)
from consumable_resources import ConsumableResources  # noqa: F401 (run with the rest)
from multi_node import MultiNodeJobs  # noqa: F401 (run with the rest)
from job_credentials import JobCredentials  # noqa: F401 (run with the rest)


class BatchThroughBoto3(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.batch = client(*user_with_key("api-admin", "admin"))
        batch = cls.batch
        # Fields that mean nothing here (instance types, subnets, roles) are accepted.
        created = batch.create_compute_environment(
            computeEnvironmentName="api-ce",
            type="MANAGED",
            state="ENABLED",
            serviceRole="arn:aws:iam::123456789012:role/AWSBatchServiceRole",
            computeResources={
                "type": "EC2",
                "minvCpus": 0,
                "maxvCpus": 2,
                "instanceTypes": ["optimal"],
                "subnets": ["subnet-1234"],
                "securityGroupIds": ["sg-1234"],
                "instanceRole": "ecsInstanceRole",
            },
        )
        assert created["computeEnvironmentArn"].startswith("arn:aws:batch:us-east-1:"), created
        batch.create_job_queue(
            jobQueueName="api-queue",
            state="ENABLED",
            priority=1,
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "api-ce"}],
        )
        registered = batch.register_job_definition(
            jobDefinitionName="api-echo",
            type="container",
            containerProperties={
                "image": IMAGE,
                "command": ["sh", "-c", "echo hello from $AWS_BATCH_JOB_ID"],
                "resourceRequirements": [{"type": "VCPU", "value": "0.25"}, {"type": "MEMORY", "value": "32"}],
            },
        )
        assert registered["revision"] == 1, registered

    def test_submit_single_array_and_dependent_jobs_and_watch_them_finish(self):
        batch = self.batch
        single = batch.submit_job(jobName="single", jobQueue="api-queue", jobDefinition="api-echo")
        self.assertEqual(set(single) - {"ResponseMetadata"}, {"jobArn", "jobName", "jobId"})
        array = batch.submit_job(jobName="fan-out", jobQueue="api-queue", jobDefinition="api-echo:1", arrayProperties={"size": 3})
        dependent = batch.submit_job(
            jobName="after",
            jobQueue="arn:aws:batch:us-east-1:000000000000:job-queue/api-queue",
            jobDefinition=batch.describe_job_definitions(jobDefinitionName="api-echo")["jobDefinitions"][0]["jobDefinitionArn"],
            dependsOn=[{"jobId": single["jobId"]}],
            containerOverrides={"environment": [{"name": "GREETING", "value": "hi"}]},
        )
        for job_id in (single["jobId"], array["jobId"], dependent["jobId"]):
            job = wait_for(batch, job_id, {"SUCCEEDED", "FAILED"})
            self.assertEqual(job["status"], "SUCCEEDED", job)
        parent = batch.describe_jobs(jobs=[array["jobId"]])["jobs"][0]
        self.assertEqual(parent["arrayProperties"]["size"], 3)
        self.assertEqual(parent["arrayProperties"]["statusSummary"].get("SUCCEEDED"), 3)
        done = batch.describe_jobs(jobs=[dependent["jobId"]])["jobs"][0]
        self.assertEqual(done["dependsOn"][0]["jobId"], single["jobId"])
        self.assertIsInstance(done["createdAt"], int)
        self.assertGreaterEqual(done["stoppedAt"], done["startedAt"])
        self.assertEqual(done["container"]["exitCode"], 0)
        children = batch.list_jobs(arrayJobId=array["jobId"], jobStatus="SUCCEEDED")["jobSummaryList"]
        self.assertEqual(sorted(c["arrayProperties"]["index"] for c in children), [0, 1, 2])

    def test_list_with_filters_and_paging(self):
        batch = self.batch
        ids = [batch.submit_job(jobName=f"paged-{n}", jobQueue="api-queue", jobDefinition="api-echo")["jobId"] for n in range(3)]
        for job_id in ids:
            wait_for(batch, job_id, {"SUCCEEDED"})
        seen, token = [], None
        while True:
            kwargs = {"jobQueue": "api-queue", "filters": [{"name": "JOB_NAME", "values": ["paged-*"]}], "maxResults": 2}
            if token:
                kwargs["nextToken"] = token
            page = batch.list_jobs(**kwargs)
            self.assertLessEqual(len(page["jobSummaryList"]), 2)
            seen += [j["jobId"] for j in page["jobSummaryList"]]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(sorted(seen), sorted(ids))
        # The paginator works too, and without filters or status only RUNNING jobs are listed.
        pages = batch.get_paginator("list_jobs").paginate(jobQueue="api-queue", jobStatus="SUCCEEDED", PaginationConfig={"PageSize": 1})
        self.assertGreaterEqual(sum(len(p["jobSummaryList"]) for p in pages), 3)
        self.assertEqual(batch.list_jobs(jobQueue="api-queue")["jobSummaryList"], [])
        environments = batch.describe_compute_environments(maxResults=1)
        self.assertEqual(len(environments["computeEnvironments"]), 1)

    def test_cancel_a_waiting_job_and_terminate_a_running_one(self):
        batch = self.batch
        nap = batch.submit_job(
            jobName="nap", jobQueue="api-queue", jobDefinition="api-echo", containerOverrides={"command": ["sleep", "60"]}
        )
        waiting = batch.submit_job(jobName="waiting", jobQueue="api-queue", jobDefinition="api-echo", dependsOn=[{"jobId": nap["jobId"]}])
        wait_for(batch, nap["jobId"], {"RUNNING"})
        batch.cancel_job(jobId=waiting["jobId"], reason="not needed any more")
        cancelled = wait_for(batch, waiting["jobId"], {"FAILED"})
        self.assertEqual(cancelled["statusReason"], "not needed any more")
        batch.terminate_job(jobId=nap["jobId"], reason="taking too long")
        terminated = wait_for(batch, nap["jobId"], {"FAILED"})
        self.assertEqual(terminated["statusReason"], "taking too long")
        self.assertEqual((terminated["isTerminated"], terminated["isCancelled"], cancelled["isCancelled"]), (True, False, True))
        # ListJobs summaries say the same, with the attempt's exit code as AWS's do.
        summaries = {j["jobId"]: j for j in batch.list_jobs(jobQueue="api-queue", jobStatus="FAILED")["jobSummaryList"]}
        self.assertEqual((summaries[nap["jobId"]]["isTerminated"], summaries[waiting["jobId"]]["isCancelled"]), (True, True))
        self.assertIn("exitCode", summaries[nap["jobId"]]["container"])
        self.assertNotIn("container", summaries[waiting["jobId"]])

    def test_cancel_and_terminate_in_bulk_with_an_outcome_per_job(self):
        batch = self.batch
        nap = batch.submit_job(
            jobName="bulk-nap", jobQueue="api-queue", jobDefinition="api-echo", containerOverrides={"command": ["sleep", "60"]}
        )["jobId"]
        waiting = [
            batch.submit_job(jobName=f"bulk-wait-{n}", jobQueue="api-queue", jobDefinition="api-echo", dependsOn=[{"jobId": nap}])["jobId"]
            for n in range(2)
        ]
        wait_for(batch, nap, {"RUNNING"})
        cancelled = batch.cancel_jobs(jobs=[*waiting, "no-such-job"], reason="bulk cancel")
        self.assertEqual(sorted(cancelled["successful"]), sorted(waiting))
        self.assertEqual([(e["job"], e["code"]) for e in cancelled["errors"]], [("no-such-job", "ValidationException")])
        self.assertIn("no-such-job", cancelled["errors"][0]["message"])
        for job_id in waiting:
            self.assertEqual(wait_for(batch, job_id, {"FAILED"})["statusReason"], "bulk cancel")
        terminated = batch.terminate_jobs(jobs=[nap], reason="bulk terminate")
        self.assertEqual((terminated["successful"], terminated["errors"]), ([nap], []))
        stopped = wait_for(batch, nap, {"FAILED"})
        self.assertEqual(stopped["statusReason"], "bulk terminate")
        self.assertTrue(stopped["isTerminated"])
        _, message, _ = error_code(lambda: batch.cancel_jobs(jobs=[f"job-{n}" for n in range(51)], reason="too many"))
        self.assertIn("jobs: give between 1 and 50", message)
        _, message, _ = error_code(lambda: batch.cancel_jobs(jobs=[nap], reason="x" * 1025))
        self.assertIn("reason", message)

    def test_a_member_the_model_does_not_have_is_refused_by_its_path(self):
        # boto3 refuses unknown members itself, so this request is signed by hand.
        key_id, secret = user_with_key("api-model-check", "admin")
        body = {"computeEnvironmentName": "typo-ce", "type": "MANAGED", "computeResources": {"type": "EC2", "maxvCpus": 1, "instanceTypo": ["m5"]}}
        now = datetime.datetime.now(datetime.timezone.utc)
        response = signed_post(key_id, secret, "/v1/createcomputeenvironment", json.dumps(body).encode(), now)
        self.assertEqual(response["status"], 400, response)
        self.assertEqual(response["body"]["message"], "computeResources.instanceTypo: not a member of ComputeResource in the AWS Batch API")
        body["computeResources"] = {"type": "EC2", "maxvCpus": "one"}
        response = signed_post(key_id, secret, "/v1/createcomputeenvironment", json.dumps(body).encode(), now)
        self.assertEqual(response["body"]["message"], "computeResources.maxvCpus: must be a whole number")
        self.assertEqual(self.batch.describe_compute_environments(computeEnvironments=["typo-ce"])["computeEnvironments"], [])

    def test_tag_list_and_untag_by_arn(self):
        batch = self.batch
        arn = batch.describe_job_queues(jobQueues=["api-queue"])["jobQueues"][0]["jobQueueArn"]
        batch.tag_resource(resourceArn=arn, tags={"team": "data", "cost-centre": "42"})
        self.assertEqual(batch.list_tags_for_resource(resourceArn=arn)["tags"], {"team": "data", "cost-centre": "42"})
        batch.untag_resource(resourceArn=arn, tagKeys=["cost-centre"])
        self.assertEqual(batch.list_tags_for_resource(resourceArn=arn)["tags"], {"team": "data"})
        definition_arn = batch.describe_job_definitions(jobDefinitions=["api-echo:1"])["jobDefinitions"][0]["jobDefinitionArn"]
        batch.tag_resource(resourceArn=definition_arn, tags={"owner": "ops"})
        self.assertEqual(batch.list_tags_for_resource(resourceArn=definition_arn)["tags"]["owner"], "ops")

    def test_bad_input_is_a_client_exception_naming_the_field(self):
        code, message, status = error_code(lambda: self.batch.submit_job(jobName="x", jobQueue="no-such-queue", jobDefinition="api-echo"))
        self.assertEqual((code, status), ("ClientException", 400))
        self.assertIn("jobQueue", message)
        code, message, _ = error_code(
            lambda: self.batch.submit_job(jobName="x", jobQueue="api-queue", jobDefinition="api-echo", arrayProperties={"size": 1})
        )
        self.assertIn("arrayProperties.size", message)
        code, message, _ = error_code(
            lambda: self.batch.submit_job(jobName="x", jobQueue="api-queue", jobDefinition="api-echo", nodeOverrides={"numNodes": 2})
        )
        self.assertIn("nodeOverrides", message)
        code, message, _ = error_code(lambda: self.batch.create_service_environment(
            serviceEnvironmentName="sagemaker", serviceEnvironmentType="SAGEMAKER_TRAINING", capacityLimits=[{"maxCapacity": 1}]))
        self.assertEqual(code, "ClientException")
        self.assertIn("use a compute environment", message)

    def test_deregister_and_delete_follow_the_aws_rules(self):
        batch = self.batch
        batch.register_job_definition(jobDefinitionName="short-lived", type="container", containerProperties={"image": IMAGE, "vcpus": 1, "memory": 16})
        batch.deregister_job_definition(jobDefinition="short-lived:1")
        inactive = batch.describe_job_definitions(jobDefinitionName="short-lived", status="INACTIVE")["jobDefinitions"]
        self.assertEqual([d["revision"] for d in inactive], [1])
        batch.create_compute_environment(computeEnvironmentName="temp-ce", type="MANAGED", computeResources={"type": "EC2", "maxvCpus": 1})
        code, message, _ = error_code(lambda: batch.delete_compute_environment(computeEnvironment="temp-ce"))
        self.assertIn("disable it", message)
        batch.update_compute_environment(computeEnvironment="temp-ce", state="DISABLED")
        batch.delete_compute_environment(computeEnvironment="temp-ce")
        self.assertEqual(batch.describe_compute_environments(computeEnvironments=["temp-ce"])["computeEnvironments"], [])


class RequestsComeBackFromDescribe(round_trip.RoundTrip):
    @classmethod
    def setUpClass(cls):
        cls.batch = client(*user_with_key("api-round-trip", "admin"))
        cls.image = IMAGE


class Authentication(unittest.TestCase):
    def test_a_wrong_secret_is_refused(self):
        key_id, _ = user_with_key("api-wrong-secret", "operator")
        code, _, status = error_code(lambda: client(key_id, "x" * 40).describe_job_queues())
        self.assertEqual((code, status), ("InvalidSignatureException", 403))

    def test_an_unknown_key_is_refused(self):
        code, _, status = error_code(lambda: client("AKIAUNKNOWNKEY000000", "x" * 40).describe_job_queues())
        self.assertEqual((code, status), ("UnrecognizedClientException", 403))

    def test_a_revoked_key_is_refused(self):
        key_id, secret = user_with_key("api-revoked", "operator")
        client(key_id, secret).describe_job_queues()
        # The command line is another process on the same store: the server, which keeps an
        # active key's credentials for one second, refuses the key within that second.
        server("access-keys", "revoke", "--access-key-id", key_id)
        revoked_at = time.monotonic()
        while True:
            try:
                client(key_id, secret).describe_job_queues()
            except ClientError as error:
                code = error.response["Error"]["Code"]
                break
            self.assertLess(time.monotonic() - revoked_at, 3, "the revoked key still works")
            time.sleep(0.1)
        self.assertEqual(code, "UnrecognizedClientException")

    def test_a_viewers_keys_cannot_submit(self):
        viewer = client(*user_with_key("api-viewer", "viewer"))
        viewer.describe_job_queues()
        code, message, status = error_code(lambda: viewer.submit_job(jobName="x", jobQueue="api-queue", jobDefinition="api-echo"))
        self.assertEqual((code, status), ("AccessDeniedException", 403))
        self.assertIn("operator", message)

    def test_an_expired_timestamp_is_refused(self):
        key_id, secret = user_with_key("api-expired", "operator")
        signed_at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
        response = signed_post(key_id, secret, "/v1/describejobqueues", b"{}", signed_at)
        self.assertEqual(response["status"], 403)
        self.assertEqual(response["headers"].get("x-amzn-errortype"), "InvalidSignatureException")
        self.assertIn("Signature expired", response["body"]["message"])
        self.assertTrue(response["headers"].get("x-amzn-requestid"))
        fresh = signed_post(key_id, secret, "/v1/describejobqueues", b"{}", datetime.datetime.now(datetime.timezone.utc))
        self.assertEqual(fresh["status"], 200, fresh)


def signed_post(key_id, secret, path, body, at):
    """A SigV4-signed POST with a chosen timestamp (botocore always signs with now)."""
    host = ENDPOINT.split("://", 1)[1]
    amz_date = at.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    canonical = "\n".join(["POST", path, "", f"host:{host}\nx-amz-date:{amz_date}\n", "host;x-amz-date", hashlib.sha256(body).hexdigest()])
    scope = f"{date}/{REGION}/batch/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, REGION, "batch", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(ENDPOINT + path, data=body, method="POST")
    request.add_header("X-Amz-Date", amz_date)
    request.add_header("Authorization", f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders=host;x-amz-date, Signature={signature}")
    try:
        with urllib.request.urlopen(request) as response:
            return {"status": response.status, "headers": {k.lower(): v for k, v in response.headers.items()}, "body": json.load(response)}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "headers": {k.lower(): v for k, v in error.headers.items()}, "body": json.load(error)}


class TheAwsCli(unittest.TestCase):
    """The same core flow through `aws batch ... --endpoint-url`."""

    def aws(self, *args):
        key_id, secret = self.keys
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="1")
        done = subprocess.run(["aws", "batch", *args, "--endpoint-url", ENDPOINT, "--output", "json"], env=env, capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout) if done.stdout.strip() else {}

    @classmethod
    def setUpClass(cls):
        cls.keys = user_with_key("cli-admin", "admin")

    def test_create_submit_describe_list(self):
        self.aws("create-compute-environment", "--compute-environment-name", "cli-ce", "--type", "MANAGED",
                 "--compute-resources", "type=EC2,maxvCpus=2,minvCpus=0")
        self.aws("create-job-queue", "--job-queue-name", "cli-queue", "--priority", "5",
                 "--compute-environment-order", "order=1,computeEnvironment=cli-ce")
        self.aws("register-job-definition", "--job-definition-name", "cli-echo", "--type", "container",
                 "--container-properties", json.dumps({"image": IMAGE, "command": ["echo", "from the cli"], "vcpus": 1, "memory": 32}))
        submitted = self.aws("submit-job", "--job-name", "cli-job", "--job-queue", "cli-queue", "--job-definition", "cli-echo")
        deadline = time.time() + 90
        while time.time() < deadline:
            job = self.aws("describe-jobs", "--jobs", submitted["jobId"])["jobs"][0]
            if job["status"] in ("SUCCEEDED", "FAILED"):
                break
            time.sleep(0.3)
        self.assertEqual(job["status"], "SUCCEEDED", job)
        listed = self.aws("list-jobs", "--job-queue", "cli-queue", "--job-status", "SUCCEEDED")
        self.assertEqual([j["jobId"] for j in listed["jobSummaryList"]], [submitted["jobId"]])
        queues = self.aws("describe-job-queues", "--job-queues", "cli-queue")
        self.assertEqual(queues["jobQueues"][0]["priority"], 5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
