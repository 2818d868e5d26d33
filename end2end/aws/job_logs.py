"""A job's output read through CloudWatch Logs, as code written for AWS Batch reads it:
`logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=job["container"]["logStreamName"])`,
with boto3's own `logs` client and the AWS CLI pointed at the same endpoint."""

import json
import os
import subprocess
import time
import unittest

from clients import ENDPOINT, IMAGE, REGION, client, error_code, user_with_key, wait_for

GROUP = "/aws/batch/job"
LINES = 2500


class JobOutputThroughCloudWatchLogs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        keys = user_with_key("logs-admin", "admin")
        cls.keys = keys
        cls.batch = client(*keys)
        cls.logs = client(*keys, service="logs")
        cls.viewer_logs = client(*user_with_key("logs-viewer", "viewer"), service="logs")
        batch = cls.batch
        batch.create_compute_environment(computeEnvironmentName="logs-ce", type="MANAGED", computeResources={"type": "EC2", "maxvCpus": 2})
        batch.create_job_queue(jobQueueName="logs-queue", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "logs-ce"}])
        script = f'for i in $(seq 1 {LINES}); do echo "line $i"; done; echo "ERROR one"; echo "WARN two"; echo "ERROR three, will retry"'
        for name, command in [("logs-many", script), ("logs-ticks", 'for i in 1 2 3 4 5 6 7 8; do echo "tick $i"; sleep 0.5; done')]:
            batch.register_job_definition(
                jobDefinitionName=name,
                type="container",
                containerProperties={
                    "image": IMAGE,
                    "command": ["sh", "-c", command],
                    "resourceRequirements": [{"type": "VCPU", "value": "0.25"}, {"type": "MEMORY", "value": "32"}],
                },
            )
        job_id = batch.submit_job(jobName="many-lines", jobQueue="logs-queue", jobDefinition="logs-many")["jobId"]
        cls.job = wait_for(batch, job_id, {"SUCCEEDED", "FAILED"}, timeout=120)
        cls.stream = cls.job["container"]["logStreamName"]
        cls.expected = [f"line {i}" for i in range(1, LINES + 1)] + ["ERROR one", "WARN two", "ERROR three, will retry"]

    def test_the_stream_is_named_as_aws_names_it_and_matches_the_attempt(self):
        self.assertEqual(self.job["status"], "SUCCEEDED", self.job)
        self.assertTrue(self.stream.startswith("logs-many/default/"), self.stream)
        self.assertEqual(self.job["attempts"][-1]["container"]["logStreamName"], self.stream)

    def test_a_whole_log_pages_forward_from_the_head(self):
        seen, token = [], None
        while True:
            page = self.logs.get_log_events(
                logGroupName=GROUP, logStreamName=self.stream, startFromHead=True, limit=1000, **({"nextToken": token} if token else {})
            )
            seen += [event["message"] for event in page["events"]]
            if page["nextForwardToken"] == token:
                break
            token = page["nextForwardToken"]
        self.assertEqual(seen, self.expected)

    def test_without_a_token_the_newest_lines_come_and_backward_pages_go_back(self):
        newest = self.logs.get_log_events(logGroupName=GROUP, logStreamName=self.stream, limit=3)
        self.assertEqual([e["message"] for e in newest["events"]], self.expected[-3:])
        before = self.logs.get_log_events(logGroupName=GROUP, logStreamName=self.stream, limit=2, nextToken=newest["nextBackwardToken"])
        self.assertEqual([e["message"] for e in before["events"]], self.expected[-5:-3])
        self.assertTrue(all(isinstance(e["timestamp"], int) and e["timestamp"] > 0 for e in newest["events"]))

    def test_a_viewer_may_read_and_the_cli_reads_the_same(self):
        page = self.viewer_logs.get_log_events(logGroupName=GROUP, logStreamName=self.stream, startFromHead=True, limit=5)
        self.assertEqual([e["message"] for e in page["events"]], self.expected[:5])
        key_id, secret = self.keys
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="1")
        done = subprocess.run(
            ["aws", "logs", "get-log-events", "--log-group-name", GROUP, "--log-stream-name", self.stream, "--start-from-head",
             "--limit", "5", "--endpoint-url", ENDPOINT, "--output", "json"],
            env=env, capture_output=True, text=True,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual([e["message"] for e in json.loads(done.stdout)["events"]], self.expected[:5])

    def test_filter_by_terms_across_streams(self):
        def messages(**filters):
            found, token = [], None
            while True:
                page = self.logs.filter_log_events(logGroupName=GROUP, **filters, **({"nextToken": token} if token else {}))
                found += [(e["logStreamName"], e["message"]) for e in page["events"]]
                token = page.get("nextToken")
                if not token:
                    return found

        self.assertEqual(messages(logStreamNames=[self.stream], filterPattern="ERROR"),
                         [(self.stream, "ERROR one"), (self.stream, "ERROR three, will retry")])
        self.assertEqual(messages(logStreamNames=[self.stream], filterPattern="?ERROR ?WARN -retry"),
                         [(self.stream, "ERROR one"), (self.stream, "WARN two")])
        # The whole group, by the stream's definition prefix: the same lines.
        self.assertIn((self.stream, "ERROR one"), messages(logStreamNamePrefix="logs-many/", filterPattern='"ERROR one"'))
        code, message, _ = error_code(lambda: self.logs.filter_log_events(logGroupName=GROUP, filterPattern='{ $.level = "ERROR" }'))
        self.assertEqual(code, "InvalidParameterException")
        self.assertIn("filterPattern", message)

    def test_groups_and_streams_are_described(self):
        groups = self.logs.describe_log_groups(logGroupNamePrefix="/aws/batch")["logGroups"]
        self.assertEqual([g["logGroupName"] for g in groups], [GROUP])
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix="/other")["logGroups"], [])
        streams = self.logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="logs-many/")["logStreams"]
        self.assertIn(self.stream, [s["logStreamName"] for s in streams])
        newest = self.logs.describe_log_streams(logGroupName=GROUP, orderBy="LastEventTime", descending=True, limit=1)["logStreams"]
        self.assertEqual(len(newest), 1)

    def test_unknown_groups_and_streams_are_not_found(self):
        code, _, status = error_code(lambda: self.logs.get_log_events(logGroupName="/aws/other", logStreamName=self.stream))
        self.assertEqual((code, status), ("ResourceNotFoundException", 400))
        for stream in ["logs-many/default/no-such-job_1", "not-a-stream", self.stream[:-1] + "9"]:
            code, _, _ = error_code(lambda: self.logs.get_log_events(logGroupName=GROUP, logStreamName=stream))
            self.assertEqual(code, "ResourceNotFoundException", stream)
        code, _, _ = error_code(lambda: self.logs.put_log_events(logGroupName=GROUP, logStreamName=self.stream, logEvents=[{"timestamp": 1, "message": "x"}]))
        self.assertEqual(code, "UnsupportedOperationException")

    def test_following_a_running_job_sees_its_lines_as_they_arrive(self):
        """What `aws logs tail --follow` does: read forward from the last token until the job ends."""
        job_id = self.batch.submit_job(jobName="ticks", jobQueue="logs-queue", jobDefinition="logs-ticks")["jobId"]
        job = wait_for(self.batch, job_id, {"RUNNING", "SUCCEEDED", "FAILED"})
        stream = job["container"]["logStreamName"]
        seen, seen_while_running, token = [], 0, None
        deadline = time.time() + 90
        while time.time() < deadline:
            status = self.batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"]
            page = self.logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True, **({"nextToken": token} if token else {}))
            seen += [event["message"] for event in page["events"]]
            token = page["nextForwardToken"]
            if status == "RUNNING":
                seen_while_running = len(seen)
            if status in ("SUCCEEDED", "FAILED") and not page["events"]:
                break
            time.sleep(0.3)
        self.assertEqual(seen, [f"tick {i}" for i in range(1, 9)])
        self.assertGreater(seen_while_running, 0, "no line was readable while the job ran")
