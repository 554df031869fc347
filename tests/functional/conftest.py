"""Helpers shared by the functional tests: whole handlers run against ``InMemoryDurableService``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from powertools_durable import DurableContext, durable_execution
from powertools_durable.local.memory import InMemoryDurableService
from powertools_durable.replay.start_watch import ENV_STEP_START_AFTER_MS

UserHandler = Callable[[Any, DurableContext], Any]
LambdaHandler = Callable[[Any, Any], Any]


def op_id(position: int, parent: str | None = None) -> str:
    """The id the n-th operation gets (spelled out here, independently of the engine's helper)."""
    key = f"{parent}-{position}" if parent else str(position)
    return hashlib.blake2b(key.encode()).hexdigest()[:64]


def step_update(position: int, action: str, name: str | None = None, **fields: Any) -> dict[str, Any]:
    """The exact ``OperationUpdate`` a top-level step sends."""
    update: dict[str, Any] = {"Id": op_id(position), "Type": "STEP", "SubType": "Step", "Action": action}
    if name is not None:
        update["Name"] = name
    update.update(fields)
    return update


def wait_update(position: int, seconds: int, name: str | None = None) -> dict[str, Any]:
    """The exact START ``OperationUpdate`` a top-level wait sends."""
    update: dict[str, Any] = {"Id": op_id(position), "Type": "WAIT", "SubType": "Wait", "Action": "START"}
    if name is not None:
        update["Name"] = name
    update["WaitOptions"] = {"WaitSeconds": seconds}
    return update


def without_stack_traces(updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``updates`` with each ``Error.StackTrace`` checked to be a list of strings and removed."""
    cleaned = []
    for update in updates:
        copy = dict(update)
        if "Error" in copy:
            error = dict(copy["Error"])
            trace = error.pop("StackTrace", None)
            assert trace is None or (isinstance(trace, list) and all(isinstance(line, str) for line in trace))
            copy["Error"] = error
        cleaned.append(copy)
    return cleaned


@dataclass
class FakeLambdaContext:
    """What Lambda passes as ``context``: enough for Powertools' Logger, Tracer and Metrics."""

    aws_request_id: str = "req-0001"
    function_name: str = "durable-fn"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:durable-fn"
    log_group_name: str = "/aws/lambda/durable-fn"
    log_stream_name: str = "2025/01/01/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@pytest.fixture
def service() -> InMemoryDurableService:
    return InMemoryDurableService()


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


def bind(service: InMemoryDurableService) -> Callable[[UserHandler], LambdaHandler]:
    """``durable_execution`` with the in-memory service plugged in as the client."""
    return durable_execution(boto3_client=service)


def invoke(handler: LambdaHandler, service: InMemoryDurableService, lambda_context: Any = None) -> dict[str, Any]:
    """One invocation with the envelope the service would send now (no clock advance)."""
    output: dict[str, Any] = handler(service.envelope(), lambda_context)
    return output


@pytest.fixture(autouse=True)
def _steps_start_with_their_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many tests assert the exact checkpoint calls of fast steps (START riding with the outcome).

    On a loaded machine a "fast" step can outlive the 5 ms window after which a running step's START
    is sent on its own; a long window keeps those assertions exact. test_long_step_start sets its own.
    """
    monkeypatch.setenv(ENV_STEP_START_AFTER_MS, "600000")
