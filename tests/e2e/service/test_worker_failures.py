"""Real worker processes that die or overrun their Timeout: the service records and re-invokes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from powertools_durable.local.emulator import LocalEmulator

pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Handler: app.handler
    Environment:
      Variables:
        MARKERS: {markers}
    DurableConfig:
      ExecutionTimeout: 3600
Resources:
  DiesOnce:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: DiesOnce
      CodeUri: app/
      Environment:
        Variables:
          MODE: exit
  OverrunsOnce:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: OverrunsOnce
      CodeUri: app/
      Timeout: 1
      Environment:
        Variables:
          MODE: sleep
  AlwaysDies:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: AlwaysDies
      CodeUri: app/
      Environment:
        Variables:
          MODE: always
"""

APP = """\
import os
import time
from pathlib import Path

from powertools_durable import durable_execution


@durable_execution
def handler(event, context):
    context.step(lambda _: "saved", name="before")
    marker = Path(os.environ["MARKERS"]) / event["key"]
    mode = os.environ["MODE"]
    if mode == "always":
        os._exit(7)
    if not marker.exists():
        marker.write_text("x")
        if mode == "exit":
            os._exit(3)
        time.sleep(30)
    return "survived"
"""


@pytest.fixture(scope="module")
def failing_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEmulator]:
    root = tmp_path_factory.mktemp("failing-app")
    (root / "markers").mkdir()
    (root / "app").mkdir()
    (root / "app" / "app.py").write_text(APP)
    (root / "template.yaml").write_text(TEMPLATE.format(markers=root / "markers"))
    with LocalEmulator(root / "template.yaml", max_failures=3) as emulator:
        yield emulator


def _kinds(history: list[dict[str, object]]) -> list[object]:
    return [e["EventType"] for e in history]


def test_a_worker_that_dies_is_completed_with_exit_error_then_reinvoked(failing_emulator: LocalEmulator) -> None:
    run = failing_emulator.run("DiesOnce", {"key": "dies-once"}, timeout=60)
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "survived"
    assert _kinds(run.history) == [
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    error = run.history[3]["InvocationCompletedDetails"]["Error"]["Payload"]
    assert error["ErrorType"] == "Runtime.ExitError"
    assert "Error" not in run.history[4]["InvocationCompletedDetails"]


def test_an_invocation_past_its_timeout_is_stopped_and_reinvoked(failing_emulator: LocalEmulator) -> None:
    run = failing_emulator.run("OverrunsOnce", {"key": "overruns-once"}, timeout=60)
    assert run.status == "SUCCEEDED", run.error
    error = run.events("InvocationCompleted")[0]["InvocationCompletedDetails"]["Error"]["Payload"]
    assert error["ErrorType"] == "Sandbox.Timedout"
    assert "Error" not in run.events("InvocationCompleted")[1]["InvocationCompletedDetails"]


def test_a_function_that_always_dies_fails_after_the_cap(failing_emulator: LocalEmulator) -> None:
    run = failing_emulator.run("AlwaysDies", {"key": "always"}, timeout=60)
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorType"] == "Runtime.ExitError"
    assert _kinds(run.history) == [
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        *["InvocationCompleted"] * 3,
        "ExecutionFailed",
    ]
    assert run.history[-1]["ExecutionFailedDetails"]["Error"]["Payload"]["ErrorType"] == "Runtime.ExitError"
