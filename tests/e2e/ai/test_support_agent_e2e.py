"""The SupportAgent (a durable Pydantic AI agent) through the real emulator and worker processes.

Two things only an emulator run shows: a worker killed in the middle of the agent run (after its
first tool call) resumes in a new process without calling the model again for the turns already
checkpointed; and the refund's approval is answered through the pytest fixture's callback verbs, in
a user's pytest run of a project holding the function.

The function runs on the interpreter running these tests (its ``Runtime`` is that version): the
agent's dependencies are compiled (pydantic-core), and a worker on another Python could not import
this environment's build of them (on Lambda, ``sam build`` installs them for the runtime).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from powertools_durable.local.emulator import LocalEmulator
from tests.e2e.service.projects import run_users_pytest

pytestmark = pytest.mark.e2e

SUPPORT_AGENT = Path(__file__).resolve().parents[3] / "sam_app" / "SupportAgent"
SSU = "StepSucceeded"

RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"

# The function as template.yaml declares it; the crash drill switches the scripted model's test hooks on.
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  SupportAgentFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: {runtime}
      Handler: app.handler
      CodeUri: SupportAgent/
      Timeout: 60
      Environment:
        Variables:
          SUPPORT_AGENT_MODEL: scripted
{hooks}      DurableConfig:
        ExecutionTimeout: 3600
"""
HOOKS = "          SUPPORT_AGENT_CALL_LOG: {calls}\n          SUPPORT_AGENT_EXIT_ONCE: {marker}\n"

USERS_TESTS = """\
import json


def test_the_refund_is_approved_through_the_fixture(durable_emulator):
    arn = durable_emulator.run_async("SupportAgentFunction", {"order_id": "o-2", "message": "it never arrived"})
    callback_id = durable_emulator.wait_for_callback(arn, name="approve-issue_refund", timeout=120)
    durable_emulator.send_callback_success(callback_id, result=json.dumps({"approved": True}))
    run = durable_emulator.wait_for_result(arn, timeout=120)
    assert run.status == "SUCCEEDED", run.error
    assert run.result == {"answer": "Order o-2: refunded 180 on o-2", "model_requests": 3}
    succeeded = [e["Name"] for e in run.history if e["EventType"] == "StepSucceeded" and "ParentId" not in e]
    assert succeeded == ["model-request-1", "lookup_order", "model-request-2", "issue_refund", "model-request-3"]


def test_a_refund_denied_through_the_fixture_is_never_issued(durable_emulator):
    arn = durable_emulator.run_async("SupportAgentFunction", {"order_id": "o-2"})
    callback_id = durable_emulator.wait_for_callback(arn, name="approve-issue_refund", timeout=120)
    durable_emulator.send_callback_success(callback_id, json.dumps({"approved": False, "reason": "over the limit"}))
    run = durable_emulator.wait_for_result(arn, timeout=120)
    assert run.status == "SUCCEEDED", run.error
    assert run.result["answer"] == "Order o-2: over the limit"
    assert "issue_refund" not in [e["Name"] for e in run.history if e["EventType"] == "StepStarted"]
"""


def _project(root: Path, hooks: str = "") -> Path:
    shutil.copytree(SUPPORT_AGENT, root / "SupportAgent", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "template.yaml").write_text(TEMPLATE.format(runtime=RUNTIME, hooks=hooks))
    return root / "template.yaml"


@pytest.fixture(scope="module")
def crashing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalEmulator, Path, Path]]:
    root = tmp_path_factory.mktemp("support-agent")
    calls, marker = root / "model-calls.log", root / "died"
    with LocalEmulator(_project(root, HOOKS.format(calls=calls, marker=marker)), max_failures=3) as emulator:
        yield emulator, calls, marker


def _names(history: list[dict[str, Any]], kind: str) -> list[str]:
    return [e["Name"] for e in history if e["EventType"] == kind and "ParentId" not in e]


def test_a_worker_killed_after_the_first_tool_call_resumes_without_calling_the_model_again(
    crashing: tuple[LocalEmulator, Path, Path],
) -> None:
    emulator, calls, marker = crashing
    # GIVEN a run whose worker process dies in its second model request (after lookup_order was checkpointed)
    arn = emulator.run_async("SupportAgentFunction", {"order_id": "o-1"})

    # WHEN the service re-invokes it and the refund is approved
    callback_id = emulator.wait_for_callback(arn, name="approve-issue_refund", timeout=120)
    emulator.send_callback_success(callback_id, json.dumps({"approved": True}))
    run = emulator.wait_for_result(arn, timeout=120)

    # THEN it succeeded after a crashed invocation ...
    assert run.status == "SUCCEEDED", run.error
    assert run.result == {"answer": "Order o-1: refunded 42 on o-1", "model_requests": 3}
    assert marker.exists()
    crashed = [
        e
        for e in run.history
        if e["EventType"] == "InvocationCompleted" and "Error" in e.get("InvocationCompletedDetails", {})
    ]
    assert [e["InvocationCompletedDetails"]["Error"]["Payload"]["ErrorType"] for e in crashed] == ["Runtime.ExitError"]
    # ... and the model was called once for each completed turn: the turn that died was asked again, no other
    assert calls.read_text().split() == ["turn-1", "turn-2", "turn-2", "turn-3"]
    # AND each model request and tool call succeeded once in the history
    assert _names(run.history, SSU) == [
        "model-request-1",
        "lookup_order",
        "model-request-2",
        "issue_refund",
        "model-request-3",
    ]


def test_a_users_pytest_answers_the_refund_approval_through_the_fixture(tmp_path: Path) -> None:
    # GIVEN a project holding the SupportAgent function and a pytest file that approves, then denies, a refund
    _project(tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\ndurable_template = template.yaml\ntestpaths = tests\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_support.py").write_text(USERS_TESTS)
    # WHEN the user runs pytest in it
    completed = run_users_pytest(tmp_path)
    # THEN both pass: the approval continued the run with the refund, the denial without it
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "2 passed" in completed.stdout
