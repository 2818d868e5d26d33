"""Consumable resources through boto3: the resource, and the scheduler honouring it (never more
jobs at once than there are licences; a used-up resource holds jobs until more is added)."""

import time
import unittest

from clients import IMAGE, client, error_code, user_with_key, wait_for


def overlap(jobs):
    """The most jobs whose [startedAt, stoppedAt] intervals hold at one instant."""
    events = sorted([(j["startedAt"], 1) for j in jobs] + [(j["stoppedAt"], -1) for j in jobs], key=lambda e: (e[0], e[1]))
    most = now = 0
    for _, change in events:
        now += change
        most = max(most, now)
    return most


class ConsumableResources(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.batch = client(*user_with_key("resource-admin", "admin"))
        batch = cls.batch
        # Room for 32 such jobs at once: only the licences limit them.
        batch.create_compute_environment(computeEnvironmentName="res-ce", type="MANAGED", computeResources={"type": "EC2", "maxvCpus": 8})
        batch.create_job_queue(jobQueueName="res-q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "res-ce"}])

    def definition(self, name, resource, command):
        self.batch.register_job_definition(
            jobDefinitionName=name,
            type="container",
            containerProperties={"image": IMAGE, "command": command,
                                 "resourceRequirements": [{"type": "VCPU", "value": "0.25"}, {"type": "MEMORY", "value": "16"}]},
            consumableResourceProperties={"consumableResourceList": [{"consumableResource": resource, "quantity": 1}]},
        )

    def test_create_describe_update_list_and_refuse(self):
        batch = self.batch
        created = batch.create_consumable_resource(consumableResourceName="res-seats", totalQuantity=3, tags={"team": "data"})
        self.assertTrue(created["consumableResourceArn"].endswith(":consumable-resource/res-seats"), created)
        described = batch.describe_consumable_resource(consumableResource=created["consumableResourceArn"])
        self.assertEqual(
            {k: described[k] for k in ("consumableResourceName", "totalQuantity", "inUseQuantity", "availableQuantity", "resourceType", "tags")},
            {"consumableResourceName": "res-seats", "totalQuantity": 3, "inUseQuantity": 0, "availableQuantity": 3,
             "resourceType": "REPLENISHABLE", "tags": {"team": "data"}},
        )
        self.assertEqual(batch.update_consumable_resource(consumableResource="res-seats", operation="ADD", quantity=2)["totalQuantity"], 5)
        self.assertEqual(batch.update_consumable_resource(consumableResource="res-seats", quantity=4)["totalQuantity"], 4)
        listed = batch.list_consumable_resources(filters=[{"name": "CONSUMABLE_RESOURCE_NAME", "values": ["res-se*"]}])
        self.assertEqual([r["consumableResourceName"] for r in listed["consumableResources"]], ["res-seats"])
        for call, member in [
            (lambda: batch.create_consumable_resource(consumableResourceName="res-bad", totalQuantity=-1), "totalQuantity"),
            (lambda: batch.create_consumable_resource(consumableResourceName="res-bad", resourceType="SOMETIMES"), "resourceType"),
            (lambda: batch.update_consumable_resource(consumableResource="res-seats", operation="REMOVE", quantity=9), "quantity"),
        ]:
            code, message, _ = error_code(call)
            self.assertEqual(code, "ClientException")
            self.assertTrue(message.startswith(member + ":"), message)
        code, message, _ = error_code(lambda: self.definition("res-unknown", "res-missing", ["true"]))
        self.assertTrue(message.startswith("consumableResourceProperties.consumableResourceList[0].consumableResource:"), message)
        batch.delete_consumable_resource(consumableResource="res-seats")
        code, _, _ = error_code(lambda: batch.describe_consumable_resource(consumableResource="res-seats"))
        self.assertEqual(code, "ClientException")

    def test_three_licences_never_run_more_than_three_of_ten_jobs_at_once(self):
        batch = self.batch
        batch.create_consumable_resource(consumableResourceName="res-licences", totalQuantity=3)
        self.definition("res-licensed", "res-licences", ["sleep", "1"])
        ids = [batch.submit_job(jobName=f"licensed-{n}", jobQueue="res-q", jobDefinition="res-licensed")["jobId"] for n in range(10)]
        most_in_use, reasons = 0, set()
        deadline = time.time() + 180
        while time.time() < deadline:
            in_use = batch.describe_consumable_resource(consumableResource="res-licences")["inUseQuantity"]
            most_in_use = max(most_in_use, in_use)
            jobs = batch.describe_jobs(jobs=ids)["jobs"]
            reasons |= {j.get("statusReason", "") for j in jobs if j["status"] == "RUNNABLE"}
            if all(j["status"] in ("SUCCEEDED", "FAILED") for j in jobs):
                break
            time.sleep(0.2)
        self.assertEqual([j["status"] for j in jobs], ["SUCCEEDED"] * 10)
        self.assertLessEqual(most_in_use, 3)
        # What really ran: the containers' own start and stop times never overlap more than 3.
        self.assertLessEqual(overlap(jobs), 3)
        self.assertGreaterEqual(overlap(jobs), 2, "the licences were shared, not used one at a time")
        self.assertTrue(any(r.startswith("Waiting for consumable resource res-licences") for r in reasons), reasons)
        self.assertEqual(jobs[0]["consumableResourceProperties"],
                         {"consumableResourceList": [{"consumableResource": "res-licences", "quantity": 1}]})
        listed = batch.list_jobs_by_consumable_resource(consumableResource="res-licences")["jobs"]
        self.assertEqual(sorted(j["jobArn"].rsplit("/", 1)[1] for j in listed), sorted(ids))
        self.assertEqual({j["quantity"] for j in listed}, {1})
        by_name = batch.list_jobs_by_consumable_resource(
            consumableResource="res-licences", filters=[{"name": "JOB_NAME", "values": ["LICENSED-1", "licensed-2*"]}])["jobs"]
        self.assertEqual(sorted(j["jobName"] for j in by_name), ["licensed-1", "licensed-2"])
        by_status = batch.list_jobs_by_consumable_resource(
            consumableResource="res-licences", filters=[{"name": "JOB_STATUS", "values": ["RUNNABLE", "RUNNING"]}])["jobs"]
        self.assertEqual(by_status, [])
        code, message, _ = error_code(lambda: batch.list_jobs_by_consumable_resource(
            consumableResource="res-licences", filters=[{"name": "JOB_QUEUE", "values": ["res-q"]}]))
        self.assertTrue(message.startswith("filters[0].name:"), message)

    def test_a_non_replenishable_resource_is_used_up_until_more_is_added(self):
        batch = self.batch
        batch.create_consumable_resource(consumableResourceName="res-credits", totalQuantity=2, resourceType="NON_REPLENISHABLE")
        self.definition("res-credited", "res-credits", ["true"])
        ids = [batch.submit_job(jobName=f"credited-{n}", jobQueue="res-q", jobDefinition="res-credited")["jobId"] for n in range(3)]
        deadline = time.time() + 90
        while time.time() < deadline:
            jobs = batch.describe_jobs(jobs=ids)["jobs"]
            if sum(j["status"] == "SUCCEEDED" for j in jobs) == 2 and any(j["status"] == "RUNNABLE" for j in jobs):
                break
            time.sleep(0.2)
        waiting = [j for j in jobs if j["status"] == "RUNNABLE"]
        self.assertEqual(len(waiting), 1, [j["status"] for j in jobs])
        time.sleep(1)  # a few passes: the used-up credits do not come back
        self.assertEqual(batch.describe_jobs(jobs=[waiting[0]["jobId"]])["jobs"][0]["status"], "RUNNABLE")
        self.assertEqual(batch.describe_consumable_resource(consumableResource="res-credits")["availableQuantity"], 0)
        batch.update_consumable_resource(consumableResource="res-credits", operation="ADD", quantity=1)
        self.assertEqual(wait_for(batch, waiting[0]["jobId"], {"SUCCEEDED", "FAILED"})["status"], "SUCCEEDED")

    def test_a_submission_overrides_what_it_needs_and_must_name_a_resource_that_exists(self):
        batch = self.batch
        batch.create_consumable_resource(consumableResourceName="res-gpu-hours", totalQuantity=10)
        self.definition("res-override", "res-gpu-hours", ["true"])
        code, message, _ = error_code(lambda: batch.submit_job(
            jobName="x", jobQueue="res-q", jobDefinition="res-override",
            consumableResourcePropertiesOverride={"consumableResourceList": [{"consumableResource": "res-nothing", "quantity": 1}]}))
        self.assertTrue(message.startswith("consumableResourcePropertiesOverride.consumableResourceList[0].consumableResource:"), message)
        job_id = batch.submit_job(
            jobName="heavy", jobQueue="res-q", jobDefinition="res-override",
            consumableResourcePropertiesOverride={"consumableResourceList": [{"consumableResource": "res-gpu-hours", "quantity": 4}]})["jobId"]
        job = wait_for(batch, job_id, {"SUCCEEDED", "FAILED"})
        self.assertEqual(job["consumableResourceProperties"]["consumableResourceList"],
                         [{"consumableResource": "res-gpu-hours", "quantity": 4}])
