"""A checkpoint that cannot be written fails the invocation (Lambda retries it), never the execution."""

from __future__ import annotations

import contextlib

import pytest

from powertools_durable import CheckpointError, DurableContext, Duration, InvocationError
from powertools_durable.local.memory import InMemoryDurableService
from tests.functional.conftest import bind, invoke, op_id, step_update


def _workflow(service: InMemoryDurableService, runs: list[str], swallow: bool = False):
    @bind(service)
    def handler(event, context: DurableContext):
        try:
            value = context.step(lambda _: runs.append("charge") or "charged", name="charge")
        except Exception:
            if not swallow:
                raise
            return "pretend-success"  # returns straight away: no later operation can re-raise it
        context.wait(Duration.from_seconds(1))
        return value

    return handler


def test_failed_checkpoint_raises_and_next_invocation_replays(service):
    # GIVEN a service whose next checkpoint call fails
    runs = []
    handler = _workflow(service, runs)
    service.fail_next_checkpoints = 1
    service.start({})

    # WHEN the first invocation runs
    with pytest.raises(CheckpointError) as caught:
        invoke(handler, service)

    # THEN it raised an InvocationError (Lambda retries), and the execution is neither FAILED nor advanced
    assert isinstance(caught.value, InvocationError)
    assert "simulated" in str(caught.value)
    assert service.calls == []
    assert service.operations[service.execution_id]["Status"] == "STARTED"
    assert op_id(1) not in service.operations

    # WHEN Lambda retries the invocation, and again after the wait
    second = invoke(handler, service)
    assert service.advance()
    third = invoke(handler, service)

    # THEN the retry checkpoints the step and the wait, and the execution finishes normally
    assert second == {"Status": "PENDING"}
    assert service.updates_of(2)[:2] == [
        step_update(1, "START", "charge"),
        step_update(1, "SUCCEED", "charge", Payload='"charged"'),
    ]
    assert third == {"Status": "SUCCEEDED", "Result": '"charged"'}
    assert runs == ["charge", "charge"]  # at-least-once: the unrecorded attempt ran again


def test_user_code_catching_the_checkpoint_error_cannot_turn_it_into_success(service):
    # GIVEN a handler that catches Exception around the step whose checkpoint fails
    runs = []
    handler = _workflow(service, runs, swallow=True)
    service.fail_next_checkpoints = 1
    service.start({})

    # WHEN the invocation runs
    with pytest.raises(CheckpointError):
        invoke(handler, service)

    # THEN the engine re-raised the error at the end: no SUCCEEDED/PENDING output, nothing recorded
    assert service.calls == []
    assert service.operations[service.execution_id]["Status"] == "STARTED"


def test_failed_checkpoint_after_user_failure_still_raises(service):
    # GIVEN a handler that fails after catching the checkpoint error
    @bind(service)
    def handler(event, context: DurableContext):
        with contextlib.suppress(CheckpointError):
            context.step(lambda _: 1, name="one")
        raise ValueError("user error")

    service.fail_next_checkpoints = 1
    service.start({})

    # WHEN it runs / THEN the invocation error wins over the user's error: no FAILED outcome is reported
    with pytest.raises(CheckpointError):
        invoke(handler, service)
    assert service.operations[service.execution_id]["Status"] == "STARTED"
