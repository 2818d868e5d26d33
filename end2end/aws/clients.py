"""What every API test needs: the endpoint, users with access keys made on the command line
(as an operator of the service would), boto3 clients for them, and waiting on a job."""

import os
import subprocess
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["ENDPOINT"]
SERVER_BIN = os.environ["SERVER_BIN"]
REGION = "us-east-1"
IMAGE = "batch-examples/busybox:latest"
PASSWORD = "api test password"


def server(*args, password=None):
    env = dict(os.environ, RUST_LOG="off")
    if password:
        env["BATCH_PASSWORD"] = password
    return subprocess.run([SERVER_BIN, *args], env=env, check=True, capture_output=True, text=True).stdout.strip()


def user_with_key(username, role):
    try:
        server("users", "create", "--username", username, "--role", role, password=PASSWORD)
    except subprocess.CalledProcessError as error:
        if "already exists" not in error.stderr:
            raise
    key_id, secret = server("access-keys", "create", "--username", username).split()
    return key_id, secret


def client(key_id, secret, service="batch"):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"], error.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("the call succeeded")


def wait_for(batch, job_id, statuses, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = batch.describe_jobs(jobs=[job_id])["jobs"][0]
        if job["status"] in statuses:
            return job
        time.sleep(0.3)
    raise AssertionError(f"{job_id} did not reach {statuses}: {job['status']} {job.get('statusReason')}")
