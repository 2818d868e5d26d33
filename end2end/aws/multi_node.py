"""Multi-node parallel jobs through boto3: a gang of 3 nodes on a network of its own, the other
nodes reaching the main node by AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS and the main node
reaching them back; node jobs (<id>#<n>) in DescribeJobs and ListJobs; the outcome follows the
main node; a gang that cannot fit at once waits whole."""

import time
import unittest

from clients import IMAGE, client, error_code, user_with_key, wait_for

# The main node (0) collects one line from each other node (its address and a proof it reached
# the main node) on a port of that node's own (one client per listener: two clients of one
# short-lived listener can lose a line), then pings each of them back, and prints what it saw.
# The listener hands the connection to /save (`-e`): a plain `nc -l` whose stdin is at its end
# may quit before it has read what the client sent.
MAIN = r"""
: > /peers
printf '#!/bin/sh\ncat >> /peers\n' > /save && chmod +x /save
for i in $(seq 1 $((AWS_BATCH_JOB_NUM_NODES - 1))); do nc -l -p $((5000 + i)) -e /save; done
echo "peers: $(cat /peers | tr '\n' ';')"
while read address proof; do
  for try in 1 2 3 4 5; do
    ping -c 1 -W 2 "$address" > /dev/null && { echo "main reached $proof"; break; }
    [ "$try" = 5 ] && echo "main could not reach $proof at $address"
  done
done < /peers
echo "main: index=$AWS_BATCH_JOB_NODE_INDEX of $AWS_BATCH_JOB_NUM_NODES main=$AWS_BATCH_JOB_MAIN_NODE_INDEX id=$AWS_BATCH_JOB_ID"
"""

# Another node: ping the main node by its address, report back, then stay up (the main node's
# end stops it).
OTHER = r"""
main="$AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS"
ping -c 1 -W 5 "$main" > /dev/null || { echo "node $AWS_BATCH_JOB_NODE_INDEX cannot reach $main"; exit 7; }
echo "node $AWS_BATCH_JOB_NODE_INDEX reached the main node at $main"
until echo "$(hostname -i) node$AWS_BATCH_JOB_NODE_INDEX" | nc "$main" $((5000 + AWS_BATCH_JOB_NODE_INDEX)); do sleep 0.2; done
sleep 300
"""


def container(script, vcpus="0.5"):
    return {"image": IMAGE, "command": ["sh", "-c", script],
            "resourceRequirements": [{"type": "VCPU", "value": vcpus}, {"type": "MEMORY", "value": "32"}]}


class MultiNodeJobs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.batch = client(*user_with_key("mnp-admin", "admin"))
        batch = cls.batch
        batch.create_compute_environment(computeEnvironmentName="mnp-ce", type="MANAGED", computeResources={"type": "EC2", "maxvCpus": 2})
        batch.create_job_queue(jobQueueName="mnp-q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "mnp-ce"}])
        batch.register_job_definition(
            jobDefinitionName="mnp-ping",
            type="multinode",
            nodeProperties={"numNodes": 3, "mainNode": 0, "nodeRangeProperties": [
                {"targetNodes": "0", "container": container(MAIN)},
                {"targetNodes": "1:", "container": container(OTHER)},
            ]},
        )

    def logs(self, job):
        logs = client(*user_with_key("mnp-reader", "viewer"), service="logs")
        events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=job["container"]["logStreamName"], startFromHead=True)
        return [e["message"] for e in events["events"]]

    def test_three_nodes_reach_each_other_and_the_job_follows_the_main_node(self):
        batch = self.batch
        definition = batch.describe_job_definitions(jobDefinitionName="mnp-ping")["jobDefinitions"][0]
        self.assertEqual(definition["type"], "multinode")
        self.assertEqual(definition["nodeProperties"]["numNodes"], 3)
        self.assertNotIn("containerProperties", definition, "a multinode definition names its containers per node range")

        job_id = batch.submit_job(jobName="mnp", jobQueue="mnp-q", jobDefinition="mnp-ping")["jobId"]
        job = wait_for(batch, job_id, {"SUCCEEDED", "FAILED"}, timeout=180)
        lines = self.logs(job)
        self.assertEqual(job["status"], "SUCCEEDED", lines)
        self.assertIn(f"main: index=0 of 3 main=0 id={job_id}#0", lines)
        self.assertIn("main reached node1", lines)
        self.assertIn("main reached node2", lines)
        self.assertEqual(job["nodeProperties"]["numNodes"], 3)

        nodes = batch.describe_jobs(jobs=[f"{job_id}#0", f"{job_id}#1", f"{job_id}#2"])["jobs"]
        self.assertEqual([n["jobId"] for n in nodes], [f"{job_id}#0", f"{job_id}#1", f"{job_id}#2"])
        self.assertEqual([n["nodeDetails"] for n in nodes],
                         [{"nodeIndex": 0, "isMainNode": True}, {"nodeIndex": 1, "isMainNode": False}, {"nodeIndex": 2, "isMainNode": False}])
        # The other nodes were still up when the main node ended: stopped for it, they show its outcome.
        self.assertEqual({n["status"] for n in nodes}, {"SUCCEEDED"})
        # An ECS-shaped task in the environment's cluster, a different task per node.
        tasks = [n["container"]["taskArn"] for n in nodes]
        cluster = batch.describe_compute_environments(computeEnvironments=["mnp-ce"])["computeEnvironments"][0]["ecsClusterArn"]
        self.assertTrue(all(t.startswith(cluster.replace(":cluster/", ":task/") + "/") for t in tasks), (tasks, cluster))
        self.assertEqual(len(set(tasks)), 3)
        listed = batch.list_jobs(multiNodeJobId=job_id)["jobSummaryList"]
        self.assertEqual([(s["jobId"], s["nodeProperties"]) for s in listed],
                         [(f"{job_id}#{i}", {"isMainNode": i == 0, "numNodes": 3, "nodeIndex": i}) for i in range(3)])

    def test_the_main_nodes_failure_fails_the_job_and_overrides_change_the_gang(self):
        batch = self.batch
        overrides = {"numNodes": 2, "nodePropertyOverrides": [
            {"targetNodes": "0", "containerOverrides": {"command": ["sh", "-c", "echo main gives up; exit 4"]}},
            {"targetNodes": "1", "containerOverrides": {"command": ["sleep", "300"]}},
        ]}
        job_id = batch.submit_job(jobName="mnp-fail", jobQueue="mnp-q", jobDefinition="mnp-ping", nodeOverrides=overrides)["jobId"]
        job = wait_for(batch, job_id, {"SUCCEEDED", "FAILED"}, timeout=120)
        self.assertEqual((job["status"], job["container"].get("exitCode")), ("FAILED", 4), job)
        self.assertEqual(job["nodeProperties"]["numNodes"], 2)
        self.assertEqual(len(batch.list_jobs(multiNodeJobId=job_id)["jobSummaryList"]), 2)
        self.assertEqual(batch.describe_jobs(jobs=[f"{job_id}#2"])["jobs"], [], "no such node")

    def test_a_gang_waits_whole_until_all_its_nodes_fit(self):
        batch = self.batch
        # 1.5 vCPUs of a 2-vCPU environment are held, so a 2 x 0.5 gang cannot start yet.
        batch.register_job_definition(jobDefinitionName="mnp-hold", type="container", containerProperties=container("sleep 8", vcpus="1.5"))
        holder = batch.submit_job(jobName="mnp-holder", jobQueue="mnp-q", jobDefinition="mnp-hold")["jobId"]
        wait_for(batch, holder, {"RUNNING"}, timeout=60)
        overrides = {"numNodes": 2, "nodePropertyOverrides": [
            {"targetNodes": "0", "containerOverrides": {"command": ["sh", "-c", "echo both up"]}},
            {"targetNodes": "1", "containerOverrides": {"command": ["sleep", "300"]}},
        ]}
        gang = batch.submit_job(jobName="mnp-gang", jobQueue="mnp-q", jobDefinition="mnp-ping", nodeOverrides=overrides)["jobId"]
        while batch.describe_jobs(jobs=[holder])["jobs"][0]["status"] == "RUNNING":
            nodes = batch.list_jobs(multiNodeJobId=gang)["jobSummaryList"]
            self.assertNotIn("RUNNING", {n["status"] for n in nodes}, "no node starts before the whole gang fits")
            time.sleep(0.5)
        job = wait_for(batch, gang, {"SUCCEEDED", "FAILED"}, timeout=120)
        self.assertEqual(job["status"], "SUCCEEDED", job)

    def test_bad_node_properties_are_refused_by_their_path(self):
        batch = self.batch
        cases = [
            ({"numNodes": 2, "mainNode": 2, "nodeRangeProperties": [{"targetNodes": "0:", "container": container("true")}]},
             "nodeProperties.mainNode"),
            ({"numNodes": 3, "mainNode": 0, "nodeRangeProperties": [{"targetNodes": "0:1", "container": container("true")}]},
             "nodeProperties.nodeRangeProperties"),
            ({"numNodes": 2, "mainNode": 0, "nodeRangeProperties": [{"targetNodes": "0:", "container": {"image": IMAGE}}]},
             "nodeProperties.nodeRangeProperties[0].container.resourceRequirements"),
        ]
        for properties, field in cases:
            code, message, _ = error_code(lambda: batch.register_job_definition(
                jobDefinitionName="mnp-bad", type="multinode", nodeProperties=properties))
            self.assertEqual(code, "ClientException", message)
            self.assertTrue(message.startswith(field + ":"), message)
        code, message, _ = error_code(lambda: batch.submit_job(
            jobName="x", jobQueue="mnp-q", jobDefinition="mnp-ping", arrayProperties={"size": 2}))
        self.assertTrue(message.startswith("arrayProperties:"), message)
        code, message, _ = error_code(lambda: batch.submit_job(
            jobName="x", jobQueue="mnp-q", jobDefinition="mnp-ping", nodeOverrides={"numNodes": 1001}))
        self.assertTrue(message.startswith("nodeOverrides.numNodes:"), message)


if __name__ == "__main__":
    unittest.main(verbosity=2)
