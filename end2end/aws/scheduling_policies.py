"""Fair-share scheduling policies through boto3: the resource, its rules (AWS's) and how it ties
to queues and submissions. The order a policy asks for is the scheduler's business, tested
with it; here what a user of AWS Batch reads and is refused."""

import time
import unittest

from clients import IMAGE, client, error_code, user_with_key, wait_for


class SchedulingPolicies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.batch = client(*user_with_key("policy-admin", "admin"))
        batch = cls.batch
        batch.create_compute_environment(computeEnvironmentName="policy-ce", type="MANAGED", computeResources={"type": "EC2", "maxvCpus": 2})
        batch.register_job_definition(
            jobDefinitionName="policy-echo",
            type="container",
            schedulingPriority=10,
            containerProperties={"image": IMAGE, "command": ["echo", "shared"],
                                 "resourceRequirements": [{"type": "VCPU", "value": "0.25"}, {"type": "MEMORY", "value": "16"}]},
        )

    def queue(self, name, **extra):
        self.batch.create_job_queue(jobQueueName=name, priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "policy-ce"}], **extra)

    def test_create_describe_list_update_and_tag(self):
        batch = self.batch
        fairshare = {"shareDecaySeconds": 3600, "computeReservation": 25,
                     "shareDistribution": [{"shareIdentifier": "gold", "weightFactor": 0.125}, {"shareIdentifier": "team*"}]}
        created = batch.create_scheduling_policy(name="policy-a", fairsharePolicy=fairshare, tags={"team": "data"})
        self.assertTrue(created["arn"].endswith(":scheduling-policy/policy-a"), created)
        batch.create_scheduling_policy(name="policy-b")
        described = batch.describe_scheduling_policies(arns=[created["arn"], created["arn"].replace("policy-a", "missing")])["schedulingPolicies"]
        self.assertEqual(described, [{"name": "policy-a", "arn": created["arn"], "fairsharePolicy": fairshare, "tags": {"team": "data"}}])

        listed = [p["arn"] for page in batch.get_paginator("list_scheduling_policies").paginate(PaginationConfig={"PageSize": 1})
                  for p in page["schedulingPolicies"]]
        self.assertIn(created["arn"], listed)
        self.assertEqual(len(listed), len(set(listed)))

        batch.update_scheduling_policy(arn=created["arn"], fairsharePolicy={"shareDistribution": [{"shareIdentifier": "blue", "weightFactor": 2.0}]})
        updated = batch.describe_scheduling_policies(arns=[created["arn"]])["schedulingPolicies"][0]
        self.assertEqual(updated["fairsharePolicy"], {"shareDistribution": [{"shareIdentifier": "blue", "weightFactor": 2.0}]})

        batch.tag_resource(resourceArn=created["arn"], tags={"owner": "ops"})
        self.assertEqual(batch.list_tags_for_resource(resourceArn=created["arn"])["tags"], {"team": "data", "owner": "ops"})

    def test_bad_policies_are_refused_naming_the_member(self):
        cases = [
            ({"fairsharePolicy": {"shareDistribution": [{"shareIdentifier": "a", "weightFactor": 0.0}]}},
             "fairsharePolicy.shareDistribution[0].weightFactor"),
            ({"fairsharePolicy": {"shareDistribution": [{"shareIdentifier": "UserA*"}, {"shareIdentifier": "UserA1"}]}},
             "fairsharePolicy.shareDistribution[1].shareIdentifier"),
            ({"fairsharePolicy": {"shareDecaySeconds": 604801}}, "fairsharePolicy.shareDecaySeconds"),
            ({"quotaSharePolicy": {"idleResourceAssignmentStrategy": "FIFO"}}, "quotaSharePolicy"),
        ]
        for extra, member in cases:
            code, message, status = error_code(lambda: self.batch.create_scheduling_policy(name="policy-bad", **extra))
            self.assertEqual((code, status), ("ClientException", 400), message)
            self.assertTrue(message.startswith(member + ":"), message)
        self.assertEqual(self.batch.describe_scheduling_policies(arns=["policy-bad"])["schedulingPolicies"], [], "nothing half-written")
        viewer = client(*user_with_key("policy-viewer", "viewer"))
        code, _, _ = error_code(lambda: viewer.create_scheduling_policy(name="policy-viewer"))
        self.assertEqual(code, "AccessDeniedException")

    def test_queues_and_submissions_follow_the_aws_rules(self):
        batch = self.batch
        first = batch.create_scheduling_policy(name="policy-q1")["arn"]
        second = batch.create_scheduling_policy(name="policy-q2")["arn"]
        self.queue("policy-fair", schedulingPolicyArn=first)
        self.queue("policy-fifo")
        self.assertEqual(batch.describe_job_queues(jobQueues=["policy-fair"])["jobQueues"][0]["schedulingPolicyArn"], first)
        self.assertNotIn("schedulingPolicyArn", batch.describe_job_queues(jobQueues=["policy-fifo"])["jobQueues"][0])

        # A fair-share queue's jobs name their share; a FIFO queue's do not.
        code, message, _ = error_code(lambda: batch.submit_job(jobName="x", jobQueue="policy-fair", jobDefinition="policy-echo"))
        self.assertEqual(code, "ClientException")
        self.assertTrue(message.startswith("shareIdentifier:"), message)
        code, message, _ = error_code(
            lambda: batch.submit_job(jobName="x", jobQueue="policy-fifo", jobDefinition="policy-echo", shareIdentifier="blue"))
        self.assertTrue(message.startswith("shareIdentifier:"), message)
        job_id = batch.submit_job(jobName="shared", jobQueue="policy-fair", jobDefinition="policy-echo", shareIdentifier="blue",
                                  schedulingPriorityOverride=42)["jobId"]
        job = wait_for(batch, job_id, {"SUCCEEDED", "FAILED"})
        self.assertEqual((job["status"], job["shareIdentifier"], job["schedulingPriority"]), ("SUCCEEDED", "blue", 42))

        # A policy is replaced, never added to a FIFO queue.
        batch.update_job_queue(jobQueue="policy-fair", schedulingPolicyArn=second)
        self.assertEqual(batch.describe_job_queues(jobQueues=["policy-fair"])["jobQueues"][0]["schedulingPolicyArn"], second)
        code, message, _ = error_code(lambda: batch.update_job_queue(jobQueue="policy-fifo", schedulingPolicyArn=first))
        self.assertTrue(message.startswith("schedulingPolicyArn:"), message)
        code, message, _ = error_code(lambda: self.queue("policy-nowhere", schedulingPolicyArn=first.replace("policy-q1", "missing")))
        self.assertTrue(message.startswith("schedulingPolicyArn:"), message)

        # A policy a queue follows stays until the queue has another.
        code, message, _ = error_code(lambda: batch.delete_scheduling_policy(arn=second))
        self.assertEqual(code, "ClientException")
        self.assertIn("policy-q2", message)
        batch.delete_scheduling_policy(arn=first)
        self.assertEqual(batch.describe_scheduling_policies(arns=[first])["schedulingPolicies"], [])

    def test_the_queue_snapshot_lists_the_front_in_dispatch_order_and_what_runs(self):
        batch = self.batch
        # Room for one job at a time: the first runs, the rest wait RUNNABLE in order.
        batch.create_compute_environment(computeEnvironmentName="snap-ce", type="MANAGED", computeResources={"type": "EC2", "maxvCpus": 1})
        policy = batch.create_scheduling_policy(name="snap-policy")["arn"]
        batch.create_job_queue(jobQueueName="snap-q", priority=1, schedulingPolicyArn=policy,
                               computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "snap-ce"}])
        sleep = {"command": ["sleep", "60"], "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "16"}]}
        running = batch.submit_job(jobName="snap-0", jobQueue="snap-q", jobDefinition="policy-echo", shareIdentifier="blue",
                                   containerOverrides=sleep)
        wait_for(batch, running["jobId"], {"RUNNING"})
        waiting = [batch.submit_job(jobName=f"snap-{n}", jobQueue="snap-q", jobDefinition="policy-echo", shareIdentifier="green",
                                    containerOverrides=sleep)["jobArn"] for n in range(1, 4)]
        for arn in waiting:
            wait_for(batch, arn.rsplit("/", 1)[1], {"RUNNABLE"})
        snapshot = batch.get_job_queue_snapshot(jobQueue="snap-q")
        self.assertEqual([j["jobArn"] for j in snapshot["frontOfQueue"]["jobs"]], waiting)
        self.assertTrue(all(isinstance(j["earliestTimeAtPosition"], int) for j in snapshot["frontOfQueue"]["jobs"]))
        utilization = snapshot["queueUtilization"]
        self.assertEqual(utilization["totalCapacityUsage"], [{"capacityUnit": "VCPU", "quantity": 1.0}])
        self.assertEqual(utilization["fairshareUtilization"]["activeShareCount"], 1)
        self.assertEqual(utilization["fairshareUtilization"]["topCapacityUtilization"],
                         [{"shareIdentifier": "blue", "capacityUsage": [{"capacityUnit": "VCPU", "quantity": 1.0}]}])
        code, _, _ = error_code(lambda: batch.get_job_queue_snapshot(jobQueue="no-such-queue"))
        self.assertEqual(code, "ClientException")
        stopped = batch.terminate_jobs(jobs=[running["jobId"], *[arn.rsplit("/", 1)[1] for arn in waiting]], reason="snapshot seen")
        self.assertEqual(stopped["errors"], [])

    def test_a_fair_share_queue_gives_a_late_team_its_share_ahead_of_an_early_backlog(self):
        batch = self.batch
        # Two slots. Team a submits 8 jobs first; team b (weight 0.25: four times a's share)
        # submits 4 once a's first two run. First in, first out would run all of a's first.
        batch.create_compute_environment(computeEnvironmentName="fair-ce", type="MANAGED", computeResources={"type": "EC2", "maxvCpus": 2})
        policy = batch.create_scheduling_policy(
            name="fair-teams", fairsharePolicy={"shareDistribution": [{"shareIdentifier": "teamb", "weightFactor": 0.25}]})["arn"]
        batch.create_job_queue(jobQueueName="fair-q", priority=1, schedulingPolicyArn=policy,
                               computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "fair-ce"}])
        work = {"command": ["sleep", "1"], "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "16"}]}

        def submit(share, n):
            return batch.submit_job(jobName=f"{share}-{n}", jobQueue="fair-q", jobDefinition="policy-echo", shareIdentifier=share,
                                    containerOverrides=work)["jobId"]

        early = [submit("teama", n) for n in range(8)]
        for job_id in early[:2]:
            wait_for(batch, job_id, {"RUNNING", "SUCCEEDED"})
        late = [submit("teamb", n) for n in range(4)]
        reasons = set()
        deadline = time.time() + 120
        while time.time() < deadline:
            jobs = batch.describe_jobs(jobs=early + late)["jobs"]
            reasons |= {j.get("statusReason", "") for j in jobs if j["status"] == "RUNNABLE" and j["shareIdentifier"] == "teama"}
            if all(j["status"] in ("SUCCEEDED", "FAILED") for j in jobs):
                break
            time.sleep(0.2)
        started = {j["jobId"]: j["startedAt"] for j in jobs}
        self.assertEqual({j["status"] for j in jobs}, {"SUCCEEDED"})
        last_of_b = max(started[job_id] for job_id in late)
        a_after_b = [job_id for job_id in early if started[job_id] > last_of_b]
        self.assertGreaterEqual(len(a_after_b), 4, "team b's jobs went ahead of most of team a's backlog")
        self.assertTrue(any(r.startswith("Share teama is over its fair share") for r in reasons), reasons)
