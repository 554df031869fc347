"""``powertools-durable local callback succeed|fail|heartbeat`` and the AWS CLI answer a waiting execution."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from powertools_durable.local.cli import main
from powertools_durable.local.emulator import LocalEmulator

pytestmark = pytest.mark.e2e

AWS = Path(sys.executable).parent / "aws"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Approval:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: Approval
      CodeUri: app/
      Handler: app.handler
      Runtime: python3.13
      Timeout: 30
      DurableConfig:
        ExecutionTimeout: 3600
"""

APP = """\
from powertools_durable import CallbackConfig, DurableContext, Duration, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    config = CallbackConfig(heartbeat_timeout=Duration.from_seconds(event.get("heartbeat", 0)))
    callback = context.create_callback(name="approval", config=config)
    return {"answer": callback.result()}
"""


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEmulator]:
    root = tmp_path_factory.mktemp("callback-app")
    (root / "app").mkdir()
    (root / "app" / "app.py").write_text(APP)
    (root / "template.yaml").write_text(TEMPLATE)
    with LocalEmulator(root / "template.yaml", time_scale=20) as running:
        yield running


def _pending_callback(emulator: LocalEmulator, arn: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The callback id, read from ``local history`` once the execution suspended on it."""
    deadline = time.monotonic() + 30
    while True:
        kinds = [e["EventType"] for e in emulator.history(arn)]
        if "CallbackStarted" in kinds and "InvocationCompleted" in kinds:
            break
        assert time.monotonic() < deadline, emulator.history(arn)
        time.sleep(0.02)
    assert main(["local", "history", arn, "--endpoint", emulator.endpoint_url]) == 0
    pending = [line for line in capsys.readouterr().out.splitlines() if line.startswith("pending: ")]
    assert len(pending) == 1, pending
    prefix = "pending: callback approval id="
    assert pending[0].startswith(prefix)
    callback_id = pending[0].removeprefix(prefix)
    started = next(e for e in emulator.history(arn) if e["EventType"] == "CallbackStarted")
    assert callback_id == started["CallbackStartedDetails"]["CallbackId"]
    return callback_id


def _callback(emulator: LocalEmulator, *args: str) -> int:
    return main(["local", "callback", *args, "--endpoint", emulator.endpoint_url])


def test_succeed_ends_the_execution_with_the_payload(
    emulator: LocalEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an execution waiting on a callback, its id read from the timeline
    arn = emulator.invoke("Approval", {})
    callback_id = _pending_callback(emulator, arn, capsys)

    # WHEN the CLI answers it with a JSON payload
    assert _callback(emulator, "succeed", callback_id, "--payload", '{"approved": true}') == 0
    assert capsys.readouterr().out.strip() == "callback succeed: sent"

    # THEN the execution ends with the payload as sent, and the timeline shows nothing pending
    run = emulator.wait(arn, 30)
    assert run.status == "SUCCEEDED", (run.error, run.logs)
    assert run.result == {"answer": '{"approved": true}'}
    assert run.events("CallbackSucceeded")[0]["CallbackSucceededDetails"]["Result"]["Payload"] == '{"approved": true}'
    assert main(["local", "history", arn, "--endpoint", emulator.endpoint_url]) == 0
    timeline = capsys.readouterr().out
    assert "CallbackSucceeded" in timeline
    assert "pending:" not in timeline

    # AND answering the finished callback again is refused with AWS's error, in one line
    assert _callback(emulator, "succeed", callback_id) == 1
    err = capsys.readouterr().err
    assert err.startswith("powertools-durable: InvalidParameterValueException: ")
    assert len(err.strip().splitlines()) == 1


def test_succeed_without_payload_sends_an_empty_result(
    emulator: LocalEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = emulator.invoke("Approval", {})
    assert _callback(emulator, "succeed", _pending_callback(emulator, arn, capsys)) == 0
    run = emulator.wait(arn, 30)
    assert run.status == "SUCCEEDED", (run.error, run.logs)
    assert run.result == {"answer": None}, run.result  # an empty Result is no result


def test_fail_fails_the_execution_with_the_error(emulator: LocalEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an execution waiting on a callback
    arn = emulator.invoke("Approval", {})
    callback_id = _pending_callback(emulator, arn, capsys)

    # WHEN the CLI fails it
    code = _callback(emulator, "fail", callback_id, "--error-type", "Rejected", "--error-message", "no budget")
    assert code == 0

    # THEN the callback failed with that error, and so did the execution
    run = emulator.wait(arn, 30)
    assert run.status == "FAILED"
    failed = run.events("CallbackFailed")[0]["CallbackFailedDetails"]["Error"]["Payload"]
    assert failed == {"ErrorType": "Rejected", "ErrorMessage": "no budget"}
    assert run.error is not None
    assert run.error["ErrorMessage"] == "no budget"


def test_heartbeats_keep_the_callback_alive(emulator: LocalEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a callback with a 20 s heartbeat timeout (1 s of wall time at x20)
    arn = emulator.invoke("Approval", {"heartbeat": 20})
    callback_id = _pending_callback(emulator, arn, capsys)
    assert "(heartbeat 20s)" in next(
        line for line in _timeline(emulator, arn, capsys).splitlines() if "CallbackStarted" in line
    )

    # WHEN the CLI heartbeats for twice the timeout, then answers
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        assert _callback(emulator, "heartbeat", callback_id) == 0, capsys.readouterr().err
        time.sleep(0.2)
    assert emulator.result(arn).status == "RUNNING"
    assert _callback(emulator, "succeed", callback_id, "--payload", "ok") == 0

    # THEN it never timed out
    run = emulator.wait(arn, 30)
    assert run.status == "SUCCEEDED", (run.error, run.logs)
    assert run.result == {"answer": "ok"}
    assert run.events("CallbackTimedOut") == []


def test_unanswered_heartbeat_times_the_callback_out(
    emulator: LocalEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a callback whose heartbeat timeout passed
    run = emulator.run("Approval", {"heartbeat": 2}, timeout=30)
    assert run.status == "FAILED"
    callback_id = run.events("CallbackStarted")[0]["CallbackStartedDetails"]["CallbackId"]
    # WHEN the CLI heartbeats it THEN AWS's timeout error is printed
    assert _callback(emulator, "heartbeat", callback_id) == 1
    assert capsys.readouterr().err.startswith("powertools-durable: CallbackTimeoutException: ")


@pytest.mark.parametrize("command", ["succeed", "fail", "heartbeat"])
def test_unknown_callback_id_is_one_line_with_the_error_code(
    emulator: LocalEmulator, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    assert _callback(emulator, command, "not-a-callback") == 1
    err = capsys.readouterr().err
    assert err.startswith("powertools-durable: InvalidParameterValueException: ")
    assert "not-a-callback" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.skipif(not AWS.exists() and not shutil.which("aws"), reason="the AWS CLI (dev extra) is not installed")
def test_aws_cli_answers_the_callback(emulator: LocalEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an execution waiting on a callback
    arn = emulator.invoke("Approval", {})
    callback_id = _pending_callback(emulator, arn, capsys)

    # WHEN the AWS CLI answers it
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION="us-east-1")
    command = [str(AWS) if AWS.exists() else "aws", "lambda", "send-durable-execution-callback-success"]
    command += ["--callback-id", callback_id, "--result", '"approved"']  # AWS CLI v1 sends a blob as given
    command += ["--endpoint-url", emulator.endpoint_url]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr

    # THEN the execution ends with the answer
    run = emulator.wait(arn, 30)
    assert run.status == "SUCCEEDED", (run.error, run.logs)
    assert run.result == {"answer": '"approved"'}


def _timeline(emulator: LocalEmulator, arn: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["local", "history", arn, "--endpoint", emulator.endpoint_url]) == 0
    return capsys.readouterr().out
