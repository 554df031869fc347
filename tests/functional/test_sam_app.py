"""The SAM app's eight functions, each run to its end in-process against the in-memory service.

The functions are imported from their own directories exactly as deployed (decorated at
import, no client argument); the process-wide default client is the in-memory service.
"""

from __future__ import annotations

import importlib.util
import json
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from powertools_durable.service import client as client_module
from tests.functional.conftest import FakeLambdaContext

SAM_APP = Path(__file__).resolve().parents[2] / "sam_app"


def load_function(name: str) -> ModuleType:
    """Import ``sam_app/<name>/app.py`` under a unique module name (every function's module is ``app``)."""
    spec = importlib.util.spec_from_file_location(f"sam_app_{name.lower()}", SAM_APP / name / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, service: InMemoryDurableService, lambda_context: FakeLambdaContext):
    """Run the named function with ``payload`` to its end, the in-memory service as the process's client."""
    monkeypatch.setattr(client_module, "_default_client", service)

    def run_function(name: str, payload: Any = None) -> Any:
        handler = load_function(name).handler
        return run_to_completion(handler, payload, service=service, lambda_context=lambda_context)

    return run_function


def actions(service: InMemoryDurableService, invocation: int) -> list[tuple[str, str, str | None]]:
    return [(u["Type"], u["Action"], u.get("Name")) for u in service.updates_of(invocation)]


def test_step_wait_step(run, service, capsys):
    # GIVEN StepWaitStep / WHEN it runs with a name
    result = run("StepWaitStep", {"name": "Ada"})
    # THEN it pends on the 2 s wait, then finishes with both steps' results
    assert [o["Status"] for o in result.outputs] == ["PENDING", "SUCCEEDED"]
    assert result.result == {"greeting": "Hello, Ada!", "shouted": "HELLO, ADA!"}
    assert actions(service, 1) == [
        ("STEP", "START", "greet"),
        ("STEP", "SUCCEED", "greet"),
        ("WAIT", "START", "pause"),
    ]
    assert service.updates_of(1)[2]["WaitOptions"] == {"WaitSeconds": 2}
    assert actions(service, 2) == [("STEP", "START", "shout"), ("STEP", "SUCCEED", "shout")]
    # AND the Powertools Logger line is written once (not again on replay), with Lambda's and durable keys
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    greeted = [line for line in lines if line.get("message") == "greeted, pausing"]
    assert len(greeted) == 1
    assert greeted[0]["function_name"] == "durable-fn"
    assert greeted[0]["durable_execution_arn"] == service.durable_execution_arn


def test_multiple_steps(run, service):
    # GIVEN MultipleSteps / WHEN it runs from 10
    result = run("MultipleSteps", {"start": 10})
    # THEN five chained steps ran in one invocation
    assert result.outputs == [{"Status": "SUCCEEDED", "Result": json.dumps(result.result)}]
    assert result.result == {"values": [11, 13, 16, 20, 25], "total": 25}
    assert [a for a in actions(service, 1) if a[1] == "SUCCEED"] == [
        ("STEP", "SUCCEED", f"add-{i}") for i in range(1, 6)
    ]


def test_wait_only(run, service):
    # GIVEN WaitOnly / WHEN it runs
    start = service.now_ms
    result = run("WaitOnly")
    # THEN one wait of 2 s, then success
    assert [o["Status"] for o in result.outputs] == ["PENDING", "SUCCEEDED"]
    assert result.result == {"waited_seconds": 2}
    assert service.now_ms - start == 2000


def test_longer_wait_is_two_waits_in_a_row(run, service):
    # GIVEN LongerWait / WHEN it runs
    start = service.now_ms
    result = run("LongerWait")
    # THEN each invocation starts one wait; 10 s pass in all
    assert [o["Status"] for o in result.outputs] == ["PENDING", "PENDING", "SUCCEEDED"]
    assert actions(service, 1) == [("WAIT", "START", "first-wait")]
    assert actions(service, 2) == [("WAIT", "START", "second-wait")]
    assert result.result == {"waited_seconds": 10}
    assert service.now_ms - start == 10_000


def test_replay_determinism(run, service):
    # GIVEN ReplayDeterminism / WHEN it runs over two invocations
    result = run("ReplayDeterminism")
    # THEN the replayed uuid equals the one recorded in invocation 1, and equals its read-back
    assert [o["Status"] for o in result.outputs] == ["PENDING", "SUCCEEDED"]
    generated = result.result["generated"]
    assert uuid.UUID(generated)
    recorded = [u["Payload"] for u in service.updates_of(1) if u["Action"] == "SUCCEED"]
    assert recorded == [json.dumps(generated)] * 2
    assert result.result == {"generated": generated, "read_back": generated, "same": True}
    assert actions(service, 2) == [("STEP", "START", "compare"), ("STEP", "SUCCEED", "compare")]


def test_retry_succeeds_on_attempt_three(run, service):
    # GIVEN RetrySucceeds / WHEN it runs
    result = run("RetrySucceeds")
    # THEN attempts 1 and 2 are RETRYs without jitter, attempt 3 succeeds
    assert [o["Status"] for o in result.outputs] == ["PENDING", "PENDING", "SUCCEEDED"]
    for invocation, delay in ((1, 1), (2, 2)):  # 1 s initial delay, doubling (the default backoff rate)
        retry = service.updates_of(invocation)[-1]
        assert retry["Action"] == "RETRY"
        assert retry["StepOptions"] == {"NextAttemptDelaySeconds": delay}
        assert retry["Error"]["ErrorMessage"] == f"attempt {invocation} failed"
    assert result.result == {"succeeded_on_attempt": 3}


def test_retry_exhausts_fails_the_execution(run, service):
    # GIVEN RetryExhausts / WHEN it runs
    result = run("RetryExhausts")
    # THEN three attempts, the last one FAIL, and the execution FAILED with the step's error
    assert [o["Status"] for o in result.outputs] == ["PENDING", "PENDING", "FAILED"]
    assert [u["Action"] for u in service.updates_of(3)] == ["START", "FAIL"]
    assert result.error["ErrorType"] == "powertools_durable.exceptions.StepError"  # as the official SDK reports it
    assert result.error["ErrorMessage"] == "attempt 3 failed"


def test_step_fails_fails_the_execution_at_once(run, service):
    # GIVEN StepFails / WHEN it runs
    result = run("StepFails")
    # THEN one invocation: the step FAILs without retry and the execution FAILED with its error
    assert [o["Status"] for o in result.outputs] == ["FAILED"]
    assert actions(service, 1) == [("STEP", "START", "validate"), ("STEP", "FAIL", "validate")]
    assert result.error["ErrorType"] == "powertools_durable.exceptions.StepError"
    assert result.error["ErrorMessage"] == "invalid order"
