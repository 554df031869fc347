"""AWS's official SDK runs against the emulator unchanged: steps, a wait, a child context, through boto3."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
"""

APP = """\
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


def inside(child: DurableContext) -> str:
    return child.step(lambda _: "from the child", name="child-step")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    first = context.step(lambda _: "first", name="first")
    context.wait(Duration.from_seconds(2), name="pause")
    nested = context.run_in_child_context(inside, name="child")
    return {"first": first, "nested": nested, "input": event}
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
