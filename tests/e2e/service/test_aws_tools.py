"""The AWS CLI and SAM CLI read executions from the emulator unchanged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from powertools_durable.local.emulator import LocalEmulator

pytestmark = pytest.mark.e2e

SAM = Path(__file__).resolve().parents[3] / ".venv-sam" / "bin" / "sam"
AWS = Path(sys.executable).parent / "aws"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION="us-east-1", SAM_CLI_TELEMETRY="0"
    )
    env.update(extra)
    return env


@pytest.mark.skipif(not AWS.exists() and not shutil.which("aws"), reason="the AWS CLI (dev extra) is not installed")
def test_aws_cli_reads_the_history(emulator: LocalEmulator) -> None:
    run = emulator.run("StepWaitStep", {"via": "aws-cli"})
    aws = str(AWS) if AWS.exists() else "aws"
    command = [aws, "lambda", "get-durable-execution-history", "--durable-execution-arn", run.arn]
    command += ["--endpoint-url", emulator.endpoint_url, "--output", "json"]
    completed = subprocess.run(command, capture_output=True, text=True, env=_env(), timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    events = json.loads(completed.stdout)["Events"]
    assert [e["EventType"] for e in events] == [e["EventType"] for e in run.history]
    assert events[2]["StepSucceededDetails"]["Result"]["Payload"] == '"fa"'


@pytest.mark.skipif(not SAM.exists(), reason="SAM CLI is not installed in .venv-sam (run scripts/sam-check.sh)")
def test_sam_local_execution_history_and_get(emulator: LocalEmulator) -> None:
    run = emulator.run("StepWaitStep", {"via": "sam"})
    env = _env(DURABLE_EXECUTIONS_EXTERNAL_EMULATOR_PORT=str(emulator.port))
    history = subprocess.run(
        [str(SAM), "local", "execution", "history", run.arn, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert history.returncode == 0, history.stderr
    events = json.loads(history.stdout)["Events"]
    assert [e["EventType"] for e in events] == [e["EventType"] for e in run.history]
    got = subprocess.run(
        [str(SAM), "local", "execution", "get", run.arn, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["Status"] == "SUCCEEDED"
    missing = subprocess.run(
        [str(SAM), "local", "execution", "get", run.arn + "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert missing.returncode == 1
    assert "not found" in (missing.stdout + missing.stderr)
