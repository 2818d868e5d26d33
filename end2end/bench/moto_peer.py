#!/usr/bin/env python3
"""Peer benchmark: N short Docker containers through moto's AWS Batch server.

Runs the same workload as our service's docker bench against moto (the PyPI
package `moto`, in server mode), driven by boto3, so the two can be compared:
N jobs of `batch-examples/busybox:latest` running `sh -c "echo hi"` (1 vCPU,
64 MiB), all submitted at once, then DescribeJobs polled every 250 ms (in
chunks of 100 ids, the API's limit) until every job is SUCCEEDED or FAILED.

Install and run (PyPI only; no image is pulled):

    python3 -m venv /tmp/moto-venv
    /tmp/moto-venv/bin/pip install 'moto[server,batch]' boto3 docker
    /tmp/moto-venv/bin/python end2end/bench/moto_peer.py --jobs 50 \
        --image batch-examples/busybox:latest

`moto[server]` brings flask/werkzeug and the `moto_server` entry point (and
already depends on `docker`); `moto[batch]` is the extra that names `docker`,
which moto's Batch backend imports to run jobs. boto3 and docker are listed
for clarity (moto depends on boto3 anyway). Verified with moto 5.2.6,
boto3 1.44.18, docker (SDK) 7.2.0 on Python 3.11.

Output: one line

    moto: N short jobs: wall S s (first submit to last job done), succeeded K

plus a line on moto's own clock (startedAt/stoppedAt/createdAt of the jobs).
If BENCH_RESULTS names a file and every job succeeded, one JSON figure is
appended to it, in the form of service::testing::figures (bench "docker",
store "moto", unit "s"). Exits 1 if any job failed (moto's log is then kept
and its reason printed: moto sets no statusReason on a failed job).

What moto's Batch backend does (read from moto/batch/models.py, 5.2.x), and
why the script is shaped as it is:

* Every SubmitJob starts a Python thread (`Job(threading.Thread)`) at once.
  There is no scheduler: neither the compute environment's vCPUs nor the
  job's vCPU/memory are looked at, and memory is not passed to Docker as a
  limit. N jobs are N concurrent `docker run`s, whatever the environment.
  So an UNMANAGED compute environment is enough (a MANAGED EC2 one would only
  make moto create fake EC2 instances, which play no part in running jobs);
  it needs an existing IAM role as its service role, hence CreateRole first.
* The job's states SUBMITTED -> PENDING -> RUNNABLE -> STARTING -> RUNNING
  move on at once (moto's state manager default for "batch::job" is
  progression "manual", times 1, and the thread advances it itself).
* The job thread calls `docker_client.containers.run(image, ...)`. moto's
  Batch backend does NOT pull the image itself (unlike Lambda, it never calls
  DockerModel.ensure_image_exists). The docker SDK's `containers.run` creates
  the container and only pulls if the engine answers ImageNotFound. So a
  locally present image is used as is and nothing is pulled; a missing image
  makes the pull fail (no registry here), which moto catches and turns into
  a FAILED job. No MOTO_DOCKER_* setting is needed: MOTO_DOCKER_NETWORK_NAME
  / MOTO_DOCKER_NETWORK_MODE only choose the container's network and
  MOTO_DOCKER_LAMBDA_IMAGE is for Lambda. The script still checks up front
  that the image is present, so a missing one stops it instead of timing
  out into N failed jobs.
* Containers are named "<jobName>-<jobId>" (no labels). The thread polls the
  container's status every 0.5 s (`container.reload(); sleep(0.5)`), then
  reads its logs into moto's CloudWatch Logs, waits for its exit code and
  removes it. So moto's stoppedAt is up to ~0.5 s after the container exits,
  and the containers are removed by moto itself; the script removes any
  left over (e.g. after a timeout) by its own job-name prefix.
* startedAt is taken just before `docker run`, stoppedAt after the exit is
  seen; createdAt at SubmitJob. These give moto's own span.
* moto_server is started on a free local port with MOTO_PORT set to it (moto
  passes MOTO_HOST/MOTO_PORT into the job containers' environment; without it
  they would read 5000). It is stopped at the end, also on error or Ctrl-C.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import boto3
import docker
from botocore.config import Config

REGION = "us-east-1"
POLL_INTERVAL = 0.25
DESCRIBE_CHUNK = 100


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(port, log):
    """Starts moto_server (the venv's own, beside this Python) on 127.0.0.1:port."""
    exe = os.path.join(os.path.dirname(sys.executable), "moto_server")
    cmd = [exe] if os.path.exists(exe) else [sys.executable, "-m", "moto.server"]
    env = dict(os.environ, MOTO_PORT=str(port))
    return subprocess.Popen(
        cmd + ["-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,  # its own process group, so we can stop it whole
    )


def stop_moto(proc):
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        # moto answers slowly under load; don't let botocore retry a submit
        # behind our back (a retried SubmitJob would start a second job)
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=10),
    )


def wait_for_moto(proc, batch, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"moto_server exited with {proc.returncode} before answering")
        try:
            batch.describe_compute_environments()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise RuntimeError(f"moto_server did not answer within {timeout} s")
            time.sleep(0.1)


def set_up(endpoint, image, tag):
    """IAM role, UNMANAGED compute environment, job queue, job definition."""
    iam = client("iam", endpoint)
    batch = client("batch", endpoint)
    role = iam.create_role(
        RoleName=f"{tag}-service-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "batch.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    env = batch.create_compute_environment(
        computeEnvironmentName=f"{tag}-ce", type="UNMANAGED", state="ENABLED", serviceRole=role
    )["computeEnvironmentArn"]
    queue = batch.create_job_queue(
        jobQueueName=f"{tag}-queue",
        state="ENABLED",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": env}],
    )["jobQueueArn"]
    definition = batch.register_job_definition(
        jobDefinitionName=f"{tag}-def",
        type="container",
        containerProperties={
            "image": image,
            "command": ["sh", "-c", "echo hi"],
            "resourceRequirements": [
                {"type": "VCPU", "value": "1"},
                {"type": "MEMORY", "value": "64"},
            ],
        },
    )["jobDefinitionArn"]
    return queue, definition


def remove_leftovers(docker_client, prefix):
    """Removes containers moto left (named '<jobName>-<jobId>', our job names start with prefix)."""
    removed = 0
    for c in docker_client.containers.list(all=True, filters={"name": prefix}):
        if c.name.startswith(prefix):
            try:
                c.remove(force=True)
                removed += 1
            except docker.errors.NotFound:
                pass
    return removed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--image", default="batch-examples/busybox:latest")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for all jobs")
    args = parser.parse_args()
    n = args.jobs

    docker_client = docker.from_env()
    try:
        docker_client.images.get(args.image)
    except docker.errors.ImageNotFound:
        sys.exit(f"image {args.image} is not present locally (nothing can be pulled here); stopping")

    tag = f"motobench-{uuid.uuid4().hex[:8]}"
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="moto-server-", suffix=".log", delete=False)
    proc = start_moto(port, log)
    failed = True
    try:
        batch = client("batch", endpoint)
        wait_for_moto(proc, batch)
        queue, definition = set_up(endpoint, args.image, tag)

        # all N submitted back to back by one client; the clock starts just before the first
        ids = []
        t0 = time.monotonic()
        for i in range(n):
            ids.append(batch.submit_job(jobName=f"{tag}-{i}", jobQueue=queue, jobDefinition=definition)["jobId"])
        submitted = time.monotonic() - t0

        done = {}
        polls = 0
        while True:
            polls += 1
            for k in range(0, len(ids), DESCRIBE_CHUNK):
                for job in batch.describe_jobs(jobs=ids[k : k + DESCRIBE_CHUNK])["jobs"]:
                    if job["status"] in ("SUCCEEDED", "FAILED"):
                        done[job["jobId"]] = job
            if len(done) == n:
                wall = time.monotonic() - t0
                break
            if time.monotonic() - t0 > args.timeout:
                raise RuntimeError(f"timed out after {args.timeout} s with {len(done)}/{n} jobs done")
            time.sleep(POLL_INTERVAL)

        jobs = list(done.values())
        succeeded = sum(1 for j in jobs if j["status"] == "SUCCEEDED")
        print(f"moto: {n} short jobs: wall {wall:.2f} s (first submit to last job done), succeeded {succeeded}")
        print(f"  submits took {submitted:.2f} s ({n / submitted:.0f}/s); {polls} polls")

        started = [j["startedAt"] for j in jobs if j.get("startedAt")]
        stopped = [j["stoppedAt"] for j in jobs if j.get("stoppedAt")]
        created = [j["createdAt"] for j in jobs if j.get("createdAt")]
        if started and stopped:
            runs = sorted((j["stoppedAt"] - j["startedAt"]) / 1000 for j in jobs if j.get("startedAt") and j.get("stoppedAt"))
            print(
                f"  moto's clock: first createdAt to last stoppedAt {(max(stopped) - min(created)) / 1000:.2f} s, "
                f"first startedAt to last stoppedAt {(max(stopped) - min(started)) / 1000:.2f} s; "
                f"per job startedAt->stoppedAt median {runs[len(runs) // 2]:.2f} s, max {runs[-1]:.2f} s"
            )
        if succeeded < n:
            # moto gives no statusReason; its reason is in its log ("Failed to run AWS Batch container")
            reasons = [l for l in open(log.name, errors="replace") if "Failed to run AWS Batch" in l]
            print(f"  {n - succeeded} failed; moto_server's log {log.name} says: {reasons[0].strip() if reasons else '?'}")

        results = os.environ.get("BENCH_RESULTS")
        if results and succeeded == n:  # a run with failed jobs is no figure
            figure = {
                "bench": "docker",
                "figure": f"{n} short containers through moto's Batch server (all at once), polled every 250 ms",
                "store": "moto",
                "value": round(wall, 3),
                "unit": "s",
            }
            with open(results, "a") as f:
                f.write(json.dumps(figure) + "\n")
        failed = succeeded < n  # keep moto's log when a job failed
    finally:
        stop_moto(proc)
        log.close()
        left = remove_leftovers(docker_client, tag)
        if left:
            print(f"  removed {left} container(s) moto left")
        if failed:
            print(f"moto_server's log kept: {log.name}", file=sys.stderr)
        else:
            os.unlink(log.name)
    return 0 if succeeded == n else 1


if __name__ == "__main__":
    sys.exit(main())
