"""Replay meets code that asks for another operation than the checkpoint recorded: fail loudly."""

from __future__ import annotations

import contextlib

import pytest

from powertools_durable import DurableContext, Duration
from powertools_durable.local.memory import InMemoryDurableService
from tests.functional.conftest import bind, invoke, op_id


def _record_step_then_wait(service: InMemoryDurableService) -> None:
    """Invocation 1 of a step("charge") -> wait workflow; leaves the execution ready to replay."""

    @bind(service)
    def original(event, context: DurableContext):
        context.step(lambda _: 42, name="charge")
        context.wait(Duration.from_seconds(1))
        return "done"

    service.start({})
    assert invoke(original, service) == {"Status": "PENDING"}
    assert service.advance()


def _changed_code(kind: str):
    """A changed handler: a different name, a different type, or a wait in the step's place."""

    def handler(event, context: DurableContext):
        if kind == "name":
            context.step(lambda _: 42, name="refund")
        elif kind == "type":
            context.wait(Duration.from_seconds(1), name="charge")
        else:
            context.step(lambda _: 42)  # unnamed
        return "diverged"

    return handler


@pytest.mark.parametrize(
    ("kind", "expected_fragment"),
    [
        ("name", "name: recorded 'charge', code asks for 'refund'"),
        ("type", "type: recorded 'STEP', code asks for 'WAIT'"),
        ("unnamed", "name: recorded 'charge', code asks for None"),
    ],
)
def test_replay_with_different_operation_fails_execution(service, kind, expected_fragment):
    # GIVEN an execution whose invocation 1 recorded a step named "charge" at position 1
    _record_step_then_wait(service)
    handler = bind(service)(_changed_code(kind))
    calls_before = len(service.calls)

    # WHEN the next invocation runs code that asks for something else at that id
    output = invoke(handler, service)

    # THEN the execution FAILED with a NonDeterministicExecutionError naming the id, recorded and requested
    assert output["Status"] == "FAILED"
    error = output["Error"]
    assert error["ErrorType"] == "powertools_durable.exceptions.NonDeterministicExecutionError"
    assert op_id(1) in error["ErrorMessage"]
    assert expected_fragment in error["ErrorMessage"]
    # AND nothing new was checkpointed
    assert len(service.calls) == calls_before


def test_same_code_replays_without_error(service):
    # GIVEN the same recorded execution
    _record_step_then_wait(service)

    @bind(service)
    def same(event, context: DurableContext):
        value = context.step(lambda _: 0, name="charge")
        context.wait(Duration.from_seconds(1))
        return value

    # WHEN the unchanged code replays it
    output = invoke(same, service)

    # THEN it succeeds with the recorded value (the body returning 0 was not run)
    assert output == {"Status": "SUCCEEDED", "Result": "42"}


def test_user_code_cannot_swallow_non_determinism(service):
    # GIVEN changed code that catches Exception around the mismatching operation and carries on
    _record_step_then_wait(service)
    caught = []

    @bind(service)
    def swallowing(event, context: DurableContext):
        try:
            context.step(lambda _: 1, name="refund")
        except Exception as exc:
            caught.append(type(exc).__name__)
        context.wait(Duration.from_seconds(1))  # position 2 matches the record again
        return "diverged"

    # WHEN it replays
    output = invoke(swallowing, service)

    # THEN the user code did see the error, but the execution still FAILED with it, not SUCCEEDED
    assert caught == ["NonDeterministicExecutionError"]
    assert output["Status"] == "FAILED"
    assert output["Error"]["ErrorType"] == "powertools_durable.exceptions.NonDeterministicExecutionError"
    assert op_id(1) in output["Error"]["ErrorMessage"]


def test_later_operations_after_swallowed_non_determinism_are_refused(service):
    # GIVEN changed code that swallows the error and then tries to run new steps
    _record_step_then_wait(service)
    later = []

    @bind(service)
    def swallowing(event, context: DurableContext):
        with contextlib.suppress(Exception):
            context.step(lambda _: 1, name="refund")
        try:
            context.step(lambda _: later.append("ran"), name="new-work")
        except Exception as exc:
            later.append(type(exc).__name__)
        return "diverged"

    calls_before = len(service.calls)

    # WHEN it replays
    output = invoke(swallowing, service)

    # THEN the later step did not run and nothing was checkpointed; the execution FAILED
    assert later == ["NonDeterministicExecutionError"]
    assert len(service.calls) == calls_before
    assert output["Status"] == "FAILED"


def test_swallowed_non_determinism_then_suspension_still_fails(service):
    # GIVEN changed code that swallows the error and then reaches a new wait (which would suspend)
    _record_step_then_wait(service)

    @bind(service)
    def swallowing(event, context: DurableContext):
        with contextlib.suppress(Exception):
            context.wait(Duration.from_seconds(9), name="other")
        context.wait(Duration.from_seconds(9), name="new")
        return "diverged"

    # WHEN it replays
    output = invoke(swallowing, service)

    # THEN the execution FAILED rather than PENDING
    assert output["Status"] == "FAILED"
    assert "type: recorded 'STEP', code asks for 'WAIT'" in output["Error"]["ErrorMessage"]
