"""AWS's official SDK runs against the emulator unchanged: steps, a wait, a child context, through boto3."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from powertools_durable.local.emulator import LocalEmulator

pytest.importorskip("aws_durable_execution_sdk_python", reason="the official SDK is in the bench extra")
pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Official:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: Official
      CodeUri: app/
      Handler: app.handler
      Runtime: python3.13
      Timeout: 30
      DurableConfig:
        ExecutionTimeout: 3600
  Caller:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: Caller
      CodeUri: app/
      Handler: app.caller
      Runtime: python3.13
      DurableConfig:
        ExecutionTimeout: 3600
  DurableTarget:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: DurableTarget
      CodeUri: app/
      Handler: app.durable_target
      Runtime: python3.13
      DurableConfig:
        ExecutionTimeout: 3600
  PlainTarget:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: PlainTarget
      CodeUri: app/
      Handler: app.plain_target
      Runtime: python3.13
  OfficialPowertools:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: OfficialPowertools
      CodeUri: app/
      Handler: app.powertools_handler
      Runtime: python3.13
      Timeout: 30
      DurableConfig:
        ExecutionTimeout: 3600
  OfficialCallback:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: OfficialCallback
      CodeUri: app/
      Handler: app.callback_handler
      Runtime: python3.13
      Timeout: 30
      DurableConfig:
        ExecutionTimeout: 3600
"""

APP = """\
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


def inside(child: DurableContext) -> str:
    return child.step(lambda _: "from the child", name="child-step")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    first = context.step(lambda _: "first", name="first")
    context.wait(Duration.from_seconds(2), name="pause")
    nested = context.run_in_child_context(inside, name="child")
    return {"first": first, "nested": nested, "input": event}


@durable_execution
def caller(event: dict, context: DurableContext) -> dict:
    return {"answer": context.invoke(event["target"], event["payload"], name="call")}


@durable_execution
def durable_target(event: dict, context: DurableContext) -> dict:
    if event.get("fail"):
        raise ValueError("the target failed")
    context.wait(Duration.from_seconds(1), name="think")
    return {"echo": event}


def plain_target(event: dict, context: object) -> dict:
    return {"plain": event}


from aws_lambda_powertools import Logger
from powertools_durable.powertools import powertools_plugins

logger = Logger(service="official-powertools")


@durable_execution(plugins=powertools_plugins(logger=logger))
def powertools_handler(event: dict, context: DurableContext) -> str:
    logger.info("line: start")
    value = context.step(lambda _: logger.info("line: in step") or "v", name="work")
    logger.info("line: before wait")
    context.wait(Duration.from_seconds(1), name="pause")
    logger.info("line: after wait")
    return context.step(lambda _: logger.info("line: in last step") or value, name="last")


@durable_execution
def callback_handler(event: dict, context: DurableContext) -> str:
    config = CallbackConfig(
        timeout=Duration.from_seconds(event.get("timeout", 0)),
        heartbeat_timeout=Duration.from_seconds(event.get("heartbeat", 0)),
    )
    callback = context.create_callback(name="approval", config=config)
    return callback.result()
"""


@pytest.fixture(scope="module")
def official_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEmulator]:
    root = tmp_path_factory.mktemp("official-app")
    (root / "app").mkdir()
    (root / "app" / "app.py").write_text(APP)
    (root / "template.yaml").write_text(TEMPLATE)
    with LocalEmulator(root / "template.yaml", time_scale=20) as emulator:
        yield emulator


def test_official_sdk_step_wait_child_context(official_emulator: LocalEmulator) -> None:
    run = official_emulator.run("Official", {"order": 7}, timeout=60)
    assert run.status == "SUCCEEDED", (run.error, run.logs)
    assert run.result == {"first": "first", "nested": "from the child", "input": {"order": 7}}
    kinds = [e["EventType"] for e in run.history]
    assert kinds[:6] == [
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        "WaitStarted",
        "InvocationCompleted",
        "WaitSucceeded",
    ]
    assert kinds[-2:] == ["InvocationCompleted", "ExecutionSucceeded"]
    assert "ContextStarted" in kinds
    assert "ContextSucceeded" in kinds
    context_started = run.events("ContextStarted")[0]
    child_step = next(e for e in run.events("StepSucceeded") if e.get("Name") == "child-step")
    assert child_step["ParentId"] == context_started["Id"]
    assert context_started["Name"] == "child"


def _lines(logs: list[tuple[str, str]]) -> list[str]:
    """The ``line: …`` messages the Powertools Logger wrote (JSON lines), in order."""
    records = [json.loads(line) for _, text in logs for line in text.splitlines() if '"line: ' in line]
    return [str(record["message"]) for record in records]


def test_our_powertools_logger_plugin_on_the_official_sdk(official_emulator: LocalEmulator) -> None:
    # GIVEN a handler on the official SDK with our Powertools Logger plugin / WHEN it runs over two invocations
    run = official_emulator.run("OfficialPowertools", {}, timeout=60)
    assert run.status == "SUCCEEDED", (run.error, run.logs)
    # THEN what the first invocation logged is not logged again by the second (which replays it)
    lines = _lines(run.logs)
    assert [line for line in lines if line in ("line: start", "line: in step", "line: before wait")] == [
        "line: start",
        "line: in step",
        "line: before wait",
    ]
    assert lines.count("line: in last step") == 1


def test_a_line_right_after_a_completed_wait_is_written_on_the_official_sdk(official_emulator: LocalEmulator) -> None:
    run = official_emulator.run("OfficialPowertools", {}, timeout=60)
    assert run.status == "SUCCEEDED", (run.error, run.logs)
    assert _lines(run.logs).count("line: after wait") == 1


def _callback_id(emulator: LocalEmulator, arn: str) -> str:
    deadline = time.monotonic() + 20
    while True:
        kinds = [e["EventType"] for e in emulator.history(arn)]
        if "CallbackStarted" in kinds and "InvocationCompleted" in kinds:
            return str(emulator.history(arn)[kinds.index("CallbackStarted")]["CallbackStartedDetails"]["CallbackId"])
        assert time.monotonic() < deadline, emulator.history(arn)
        time.sleep(0.02)


def test_callback_answered_by_the_outside_world(official_emulator: LocalEmulator) -> None:
    lambda_client = official_emulator.client()
    arn = official_emulator.invoke("OfficialCallback", {})
    callback = _callback_id(official_emulator, arn)
    lambda_client.send_durable_execution_callback_heartbeat(CallbackId=callback)
    lambda_client.send_durable_execution_callback_success(CallbackId=callback, Result=b'"approved"')
    run = official_emulator.wait(arn, 30)
    assert run.status == "SUCCEEDED", (run.error, run.logs)
    assert run.result == '"approved"'  # the official SDK hands a callback's result over as the raw string
    assert [e["EventType"] for e in run.history] == [
        "ExecutionStarted",
        "CallbackStarted",
        "InvocationCompleted",
        "CallbackSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    succeeded = run.history[3]
    assert succeeded["Name"] == "approval"
    assert succeeded["SubType"] == "Callback"
    assert succeeded["CallbackSucceededDetails"]["Result"]["Payload"] == '"approved"'
    with pytest.raises(ClientError) as exc:  # answered already
        lambda_client.send_durable_execution_callback_success(CallbackId=callback, Result=b"1")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_callback_failure_fails_the_execution(official_emulator: LocalEmulator) -> None:
    lambda_client = official_emulator.client()
    arn = official_emulator.invoke("OfficialCallback", {})
    callback = _callback_id(official_emulator, arn)
    lambda_client.send_durable_execution_callback_failure(
        CallbackId=callback, Error={"ErrorType": "Rejected", "ErrorMessage": "no budget"}
    )
    run = official_emulator.wait(arn, 30)
    assert run.status == "FAILED"
    failed = run.events("CallbackFailed")[0]["CallbackFailedDetails"]["Error"]["Payload"]
    assert failed == {"ErrorType": "Rejected", "ErrorMessage": "no budget"}


def test_unanswered_callback_times_out(official_emulator: LocalEmulator) -> None:
    run = official_emulator.run("OfficialCallback", {"timeout": 2}, timeout=30)  # 2 s at time x20
    assert run.status == "FAILED"
    kinds = [e["EventType"] for e in run.history]
    assert kinds[:4] == ["ExecutionStarted", "CallbackStarted", "InvocationCompleted", "CallbackTimedOut"]
    assert run.events("CallbackStarted")[0]["CallbackStartedDetails"]["Timeout"] == 2
    with pytest.raises(ClientError) as exc:
        official_emulator.client().send_durable_execution_callback_success(
            CallbackId=run.events("CallbackStarted")[0]["CallbackStartedDetails"]["CallbackId"], Result=b"1"
        )
    assert exc.value.response["Error"]["Code"] == "CallbackTimeoutException"


def test_unknown_callback_id_is_refused(official_emulator: LocalEmulator) -> None:
    with pytest.raises(ClientError) as exc:
        official_emulator.client().send_durable_execution_callback_success(CallbackId="not-a-callback", Result=b"1")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"


SAM = Path(__file__).resolve().parents[3] / ".venv-sam" / "bin" / "sam"


@pytest.mark.skipif(not SAM.exists(), reason="SAM CLI is not installed in .venv-sam (scripts/sam-check.sh)")
def test_sam_local_callback_succeed(official_emulator: LocalEmulator) -> None:
    arn = official_emulator.invoke("OfficialCallback", {})
    callback = _callback_id(official_emulator, arn)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        SAM_CLI_TELEMETRY="0",
        DURABLE_EXECUTIONS_EXTERNAL_EMULATOR_PORT=str(official_emulator.port),
    )
    command = [str(SAM), "local", "callback", "succeed", callback, "-r", "ok-from-sam"]
    answered = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert answered.returncode == 0, answered.stdout + answered.stderr
    run = official_emulator.wait(arn, 30)
    assert run.status == "SUCCEEDED"
    assert run.result == "ok-from-sam"


def test_chained_invoke_of_a_durable_function(official_emulator: LocalEmulator) -> None:
    run = official_emulator.run("Caller", {"target": "DurableTarget", "payload": {"n": 1}}, timeout=60)
    assert run.status == "SUCCEEDED", (run.error, run.logs)
    assert run.result == {"answer": {"echo": {"n": 1}}}
    assert [e["EventType"] for e in run.history] == [
        "ExecutionStarted",
        "ChainedInvokeStarted",
        "InvocationCompleted",
        "ChainedInvokeSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    started = run.history[1]["ChainedInvokeStartedDetails"]
    assert started["FunctionName"] == "DurableTarget"
    assert started["Input"]["Payload"] == '{"n": 1}'
    assert started["ExecutedVersion"] == "$LATEST"
    child = official_emulator.result(started["DurableExecutionArn"])
    assert child.status == "SUCCEEDED"
    assert [e["EventType"] for e in child.history][1:4] == ["WaitStarted", "InvocationCompleted", "WaitSucceeded"]
    assert (
        run.history[3]["ChainedInvokeSucceededDetails"]["Result"]["Payload"]
        == child.history[-1]["ExecutionSucceededDetails"]["Result"]["Payload"]
    )


def test_chained_invoke_of_a_failing_function_and_of_a_plain_one(official_emulator: LocalEmulator) -> None:
    failed = official_emulator.run("Caller", {"target": "DurableTarget", "payload": {"fail": True}}, timeout=60)
    assert failed.status == "FAILED"
    error = failed.events("ChainedInvokeFailed")[0]["ChainedInvokeFailedDetails"]["Error"]["Payload"]
    assert error["ErrorMessage"] == "the target failed"
    plain = official_emulator.run("Caller", {"target": "PlainTarget", "payload": [1, 2]}, timeout=60)
    assert plain.status == "SUCCEEDED", plain.error
    assert plain.result == {"answer": {"plain": [1, 2]}}
    assert "DurableExecutionArn" not in plain.events("ChainedInvokeStarted")[0]["ChainedInvokeStartedDetails"]
    missing = official_emulator.run("Caller", {"target": "NoSuchFunction", "payload": 1}, timeout=60)
    assert missing.status == "FAILED"
    assert (
        missing.events("ChainedInvokeFailed")[0]["ChainedInvokeFailedDetails"]["Error"]["Payload"]["ErrorType"]
        == "ResourceNotFoundException"
    )
