"""The AWS CLI and SAM CLI work against the emulator unchanged (serving the repository's template)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from powertools_durable.local.emulator import LocalEmulator

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
SAM = ROOT / ".venv-sam" / "bin" / "sam"
AWS = Path(sys.executable).parent / "aws"
needs_sam = pytest.mark.skipif(not SAM.exists(), reason="SAM CLI is not installed in .venv-sam (scripts/sam-check.sh)")


@pytest.fixture(scope="module")
def sam_emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(ROOT / "template.yaml", time_scale=20) as emulator:
        yield emulator


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION="us-east-1", SAM_CLI_TELEMETRY="0"
    )
    env.update(extra)
    return env


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.mark.skipif(not AWS.exists() and not shutil.which("aws"), reason="the AWS CLI (dev extra) is not installed")
def test_aws_cli_reads_the_history(sam_emulator: LocalEmulator) -> None:
    run = sam_emulator.run("StepWaitStepFunction", {"name": "aws-cli"})
    aws = str(AWS) if AWS.exists() else "aws"
    command = [aws, "lambda", "get-durable-execution-history", "--durable-execution-arn", run.arn]
    command += ["--endpoint-url", sam_emulator.endpoint_url, "--output", "json"]
    completed = _run(command, _env())
    assert completed.returncode == 0, completed.stderr
    events = json.loads(completed.stdout)["Events"]
    assert [e["EventType"] for e in events] == [e["EventType"] for e in run.history]
    assert events[2]["StepSucceededDetails"]["Result"]["Payload"] == '"Hello, aws-cli!"'


@needs_sam
def test_sam_local_execution_history_get_and_not_found(sam_emulator: LocalEmulator) -> None:
    run = sam_emulator.run("StepWaitStepFunction", {"name": "sam"})
    env = _env(DURABLE_EXECUTIONS_EXTERNAL_EMULATOR_PORT=str(sam_emulator.port))
    history = _run([str(SAM), "local", "execution", "history", run.arn, "--format", "json"], env)
    assert history.returncode == 0, history.stderr
    events = json.loads(history.stdout)["Events"]
    assert [e["EventType"] for e in events] == [e["EventType"] for e in run.history]
    got = _run([str(SAM), "local", "execution", "get", run.arn, "--format", "json"], env)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["Status"] == "SUCCEEDED"
    missing = _run([str(SAM), "local", "execution", "get", run.arn + "x"], env)
    assert missing.returncode == 1
    assert "not found" in (missing.stdout + missing.stderr)


@needs_sam
def test_sam_local_execution_stop(sam_emulator: LocalEmulator) -> None:
    arn = sam_emulator.invoke("WaitOnlyFunction", {"seconds": 3600})
    env = _env(DURABLE_EXECUTIONS_EXTERNAL_EMULATOR_PORT=str(sam_emulator.port))
    stopped = _run(
        [str(SAM), "local", "execution", "stop", arn, "--error-type", "Stopped.ByUser", "--error-message", "enough"],
        env,
    )
    assert stopped.returncode == 0, stopped.stderr
    run = sam_emulator.result(arn)
    assert run.status == "STOPPED"
    assert run.history[-1]["ExecutionStoppedDetails"]["Error"]["Payload"] == {
        "ErrorType": "Stopped.ByUser",
        "ErrorMessage": "enough",
    }


@needs_sam
def test_sam_remote_invoke_starts_a_named_execution(sam_emulator: LocalEmulator) -> None:
    # sam remote invoke: GetFunctionConfiguration, GetFunctionUrlConfig (404), then Invoke with the name header
    function_arn = "arn:aws:lambda:us-east-1:123456789012:function:StepWaitStepFunction"
    command = [str(SAM), "remote", "invoke", function_arn, "--region", "us-east-1"]
    command += ["--durable-execution-name", "sam-remote-1", "--event", '{"name": "remote"}']
    invoked = _run(command, _env(AWS_ENDPOINT_URL_LAMBDA=sam_emulator.endpoint_url))
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(invoked.stdout) == {"greeting": "Hello, remote!", "shouted": "HELLO, REMOTE!"}
    listed = sam_emulator.client().list_durable_executions_by_function(
        FunctionName="StepWaitStepFunction", DurableExecutionName="sam-remote-1"
    )
    assert [e["Status"] for e in listed["DurableExecutions"]] == ["SUCCEEDED"]
