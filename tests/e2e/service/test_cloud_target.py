"""The fixture's cloud mode, with the emulator acting as the cloud: the integration app's own tests
(tests/e2e/app) run in a pytest subprocess with ``--durable-target=cloud``, every function given by
``--durable-function-map`` as its alias ARN, and ``AWS_ENDPOINT_URL_LAMBDA`` pointing boto3 at the
emulator (the emulator speaks the Lambda API, as the deployed stack does).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from powertools_durable.local.arns import function_arn
from powertools_durable.local.emulator import LocalEmulator
from powertools_durable.local.template import load_template

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"
SUITE = "tests/e2e/app/test_integration_app.py"
REASON = "--durable-target=cloud: no AWS credentials"


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalEmulator]:
    with LocalEmulator(TEMPLATE, store=":memory:", time_scale=20) as emulator:
        yield emulator


def _aws_env(**values: str) -> dict[str, str]:
    """The environment without anyone's AWS settings, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    env.update(values)
    return env


def _pytest(arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", SUITE, *arguments]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


def _function_map() -> list[str]:
    """Every integration function as ``Name=<its alias ARN>``, as a deployed stack would resolve it."""
    return [f"--durable-function-map={name}={function_arn(name, 'live')}" for name in load_template(TEMPLATE)]


def test_the_integration_suite_passes_in_cloud_mode(cloud: LocalEmulator) -> None:
    # GIVEN the emulator as "the cloud" and credentials, region and endpoint in the usual AWS settings
    env = _aws_env(
        AWS_ENDPOINT_URL_LAMBDA=cloud.endpoint_url,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_REGION="us-east-1",
    )
    # WHEN the integration app's tests run with --durable-target=cloud
    done = _pytest(["--durable-target=cloud", *_function_map()], env)
    # THEN every one passes, none skipped
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "10 passed" in summary, summary
    assert "skipped" not in summary, summary
    # AND they ran on "the cloud" through the aliases: the executions are there, under their ARNs
    client = cloud.client()
    started = client.list_durable_executions_by_function(FunctionName="StepWaitStepFunction", Qualifier="live")[
        "DurableExecutions"
    ]
    assert started, "no execution reached the endpoint"
    assert all(":function:StepWaitStepFunction:live/" in e["DurableExecutionArn"] for e in started), started


def test_without_credentials_the_suite_is_skipped_with_one_reason() -> None:
    # GIVEN cloud mode and no credentials anywhere
    done = _pytest(["--durable-target=cloud", "--durable-function-map=StepWaitStepFunction=x"], _aws_env())
    # WHEN run / THEN every test is skipped, all for the same stated reason
    assert done.returncode == 0, done.stdout[-4000:]
    assert "10 skipped" in done.stdout.strip().splitlines()[-1], done.stdout[-2000:]
    reasons = {line.split(": ", 1)[1] for line in done.stdout.splitlines() if line.startswith("SKIPPED")}
    assert len(reasons) == 1, reasons
    assert REASON in reasons.pop()


def test_cloud_mode_without_a_stack_or_map_says_what_to_give() -> None:
    # GIVEN cloud mode with neither --durable-stack nor --durable-function-map
    done = _pytest(["--durable-target=cloud", "-x"], _aws_env(AWS_ACCESS_KEY_ID="a", AWS_SECRET_ACCESS_KEY="b"))
    # THEN the run fails naming both options
    assert done.returncode == 1
    assert "--durable-stack NAME or --durable-function-map" in done.stdout, done.stdout[-2000:]
