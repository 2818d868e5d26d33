"""Job credentials (jobRoleArn) through boto3: a job whose definition names this service's
operator role gets keys valid only while its attempt runs. From the job's own container the API
answers at AWS_ENDPOINT_URL_BATCH; with the keys the job submits a follow-on job as its
submitter, may not manage environments, and once the attempt ends the same keys are refused."""

import time
import unittest

import boto3
from botocore.config import Config

from clients import ENDPOINT, IMAGE, REGION, client, error_code, user_with_key, wait_for

# The job shows what it was given (a test job: real jobs would not print their keys), checks
# the API answers from inside the container, then waits to be terminated.
SCRIPT = r"""
echo "key=$AWS_ACCESS_KEY_ID"
echo "secret=$AWS_SECRET_ACCESS_KEY"
echo "token=$AWS_SESSION_TOKEN"
echo "endpoint=$AWS_ENDPOINT_URL_BATCH logs=$AWS_ENDPOINT_URL_LOGS region=$AWS_DEFAULT_REGION"
wget -q -O - "$AWS_ENDPOINT_URL_BATCH/readyz" > /dev/null && echo "reached the API from the container"
sleep 600
"""


def session_client(values, token=None):
    return boto3.client("batch", endpoint_url=ENDPOINT, region_name=REGION, aws_access_key_id=values["key"],
                        aws_secret_access_key=values["secret"], aws_session_token=token or values["token"],
                        config=Config(retries={"max_attempts": 1}))


class JobCredentials(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.batch = client(*user_with_key("creds-operator", "operator"))
        admin = client(*user_with_key("creds-admin", "admin"))
        admin.create_compute_environment(computeEnvironmentName="creds-ce", type="MANAGED", computeResources={"type": "EC2", "maxvCpus": 2})
        admin.create_job_queue(jobQueueName="creds-q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "creds-ce"}])
        resources = [{"type": "VCPU", "value": "0.25"}, {"type": "MEMORY", "value": "16"}]
        cls.batch.register_job_definition(
            jobDefinitionName="creds-job", type="container",
            containerProperties={"image": IMAGE, "command": ["sh", "-c", SCRIPT], "resourceRequirements": resources,
                                 "jobRoleArn": "arn:aws:iam::000000000000:role/batch-operator"})
        cls.batch.register_job_definition(
            jobDefinitionName="creds-child", type="container",
            containerProperties={"image": IMAGE, "command": ["echo", "child"], "resourceRequirements": resources})

    def printed(self, job_id):
        """The key=value lines the job printed, once all four are there."""
        logs = client(*user_with_key("creds-reader", "viewer"), service="logs")
        deadline = time.time() + 120
        while time.time() < deadline:
            job = self.batch.describe_jobs(jobs=[job_id])["jobs"][0]
            stream = job.get("container", {}).get("logStreamName")
            if stream:
                try:
                    events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=stream, startFromHead=True)["events"]
                except logs.exceptions.ResourceNotFoundException:
                    events = []
                lines = [e["message"] for e in events]
                values = dict(line.split("=", 1) for line in lines if line.split("=", 1)[0] in ("key", "secret", "token"))
                if len(values) == 3 and any(line.startswith("endpoint=") for line in lines) and len(lines) >= 5:
                    return values, lines
            time.sleep(0.5)
        self.fail(f"the job printed no credentials: {job}")

    def test_a_job_acts_as_its_submitter_while_it_runs_and_not_after(self):
        job_id = self.batch.submit_job(jobName="creds", jobQueue="creds-q", jobDefinition="creds-job")["jobId"]
        values, lines = self.printed(job_id)
        self.assertTrue(values["key"].startswith("ASIA"), values["key"])
        self.assertIn("endpoint=http://host.docker.internal:", "\n".join(lines))
        self.assertIn("reached the API from the container", lines)

        job_client = session_client(values)
        child = job_client.submit_job(jobName="creds-followon", jobQueue="creds-q", jobDefinition="creds-child")["jobId"]
        self.assertEqual(self.batch.describe_jobs(jobs=[child])["jobs"][0]["jobName"], "creds-followon")
        code, _, status = error_code(lambda: job_client.create_compute_environment(
            computeEnvironmentName="creds-not-allowed", type="MANAGED", computeResources={"type": "EC2", "maxvCpus": 1}))
        self.assertEqual(status, 403, code)
        forged = session_client(values, token=values["token"][:-8] + "AAAAAAAA")
        code, _, _ = error_code(lambda: forged.describe_jobs(jobs=[child]))
        self.assertEqual(code, "UnrecognizedClientException")

        self.batch.terminate_job(jobId=job_id, reason="test over")
        wait_for(self.batch, job_id, {"FAILED"}, timeout=120)
        code, _, _ = error_code(lambda: job_client.describe_jobs(jobs=[child]))
        self.assertEqual(code, "UnrecognizedClientException", "the keys end with the attempt")

    def test_a_role_this_service_does_not_define_gives_no_credentials(self):
        self.batch.register_job_definition(
            jobDefinitionName="creds-none", type="container",
            containerProperties={"image": IMAGE, "command": ["sh", "-c", 'echo "key=${AWS_ACCESS_KEY_ID:-none}"'],
                                 "resourceRequirements": [{"type": "VCPU", "value": "0.25"}, {"type": "MEMORY", "value": "16"}],
                                 "jobRoleArn": "arn:aws:iam::000000000000:role/ecsTaskRole"})
        job_id = self.batch.submit_job(jobName="creds-none", jobQueue="creds-q", jobDefinition="creds-none")["jobId"]
        job = wait_for(self.batch, job_id, {"SUCCEEDED", "FAILED"}, timeout=120)
        logs = client(*user_with_key("creds-reader2", "viewer"), service="logs")
        events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=job["container"]["logStreamName"], startFromHead=True)
        self.assertEqual([e["message"] for e in events["events"]], ["key=none"])
        self.assertEqual(job["container"]["jobRoleArn"], "arn:aws:iam::000000000000:role/ecsTaskRole", "kept and returned as sent")


if __name__ == "__main__":
    unittest.main(verbosity=2)
