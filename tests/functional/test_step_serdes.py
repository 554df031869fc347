"""Step results through serdes: rich types replay as themselves; unserializable results fail the step."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from powertools_durable import (
    DurableContext,
    Duration,
    JsonSerDes,
    StepConfig,
    StepError,
)
from powertools_durable.local.memory import run_to_completion
from tests.functional.conftest import bind, invoke, op_id, step_update, without_stack_traces


def test_rich_step_results_replay_with_their_types(service):
    # GIVEN a step returning a tuple, Decimal, datetime and UUID, then a wait
    seen = []
    value = (Decimal("9.99"), datetime(2024, 1, 1, tzinfo=UTC), uuid.UUID(int=7))

    @bind(service)
    def handler(event, context: DurableContext):
        result = context.step(lambda _: value, name="rich")
        seen.append(result)
        context.wait(Duration.from_seconds(1))
        return str(result[0])

    # WHEN it runs over two invocations
    run = run_to_completion(handler, {}, service=service)

    # THEN both invocations got an equal tuple of the same types, and the checkpoint is the tagged format
    assert seen == [value, value]
    assert [type(x) for x in seen[1]] == [Decimal, datetime, uuid.UUID]
    assert service.updates_of(1)[1]["Payload"].startswith('{"t":"t","v":[{"t":"d","v":"9.99"}')
    assert run.result == "9.99"


def test_step_serdes_option_writes_plain_json(service):
    # GIVEN a step configured with JsonSerDes
    @bind(service)
    def handler(event, context: DurableContext):
        return context.step(lambda _: {"a": [1, 2]}, name="plain", config=StepConfig(serdes=JsonSerDes()))

    # WHEN it runs / THEN the checkpointed payload is plain JSON
    run = run_to_completion(handler, {}, service=service)
    assert service.updates_of(1)[1] == step_update(1, "SUCCEED", "plain", Payload='{"a": [1, 2]}')
    assert run.result == {"a": [1, 2]}


def test_custom_sub_type_is_recorded(service):
    # GIVEN a step with sub_type "Charge"
    @bind(service)
    def handler(event, context: DurableContext):
        return context.step(lambda _: 1, name="c", config=StepConfig(sub_type="Charge"))

    # WHEN it runs / THEN its updates carry that SubType
    run_to_completion(handler, {}, service=service)
    assert {u["SubType"] for u in service.updates_of(1)} == {"Charge"}


def test_unserializable_result_fails_the_step_without_succeed(service):
    # GIVEN a step returning a set, which the default serdes cannot checkpoint
    @bind(service)
    def handler(event, context: DurableContext):
        return context.step(lambda _: {1, 2}, name="bad")

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the step was checkpointed START then FAIL (never SUCCEED) with a SerDesError naming the type
    updates = without_stack_traces(service.updates_of(1))
    assert [u["Action"] for u in updates] == ["START", "FAIL"]
    assert updates[1]["Error"]["ErrorType"] == "powertools_durable.exceptions.SerDesError"
    assert "builtins.set" in updates[1]["Error"]["ErrorMessage"]
    assert service.operations[op_id(1)]["Status"] == "FAILED"
    # AND the execution FAILED with the StepError carrying it
    assert run.status == "FAILED"
    assert run.error["ErrorType"] == "powertools_durable.exceptions.StepError"
    assert "builtins.set" in run.error["ErrorMessage"]


def test_unserializable_result_raises_the_same_error_on_first_run_and_replay(service):
    # GIVEN a handler that catches the failure of an unserializable step, then waits
    caught = []

    @bind(service)
    def handler(event, context: DurableContext):
        try:
            context.step(lambda _: {1, 2}, name="bad")
        except StepError as error:
            caught.append((type(error).__name__, error.error_type))
        context.wait(Duration.from_seconds(1))
        return len(caught)

    # WHEN it runs over two invocations
    run = run_to_completion(handler, {}, service=service)

    # THEN the first run and the replay both raised a StepError carrying the SerDesError type
    expected = ("StepError", "powertools_durable.exceptions.SerDesError")
    assert caught == [expected, expected]
    assert run.result == 2


def test_unserializable_result_is_not_retried(service):
    # GIVEN a step under the default (retrying) strategy whose result cannot be checkpointed
    runs = []

    @bind(service)
    def handler(event, context: DurableContext):
        return context.step(lambda _: runs.append(1) or object(), name="bad")

    # WHEN it runs / THEN the body ran once: a serialization failure is final
    run = run_to_completion(handler, {}, service=service)
    assert runs == [1]
    assert run.status == "FAILED"


def test_wait_shorter_than_a_second_is_rejected(service):
    # GIVEN a handler waiting 0 seconds
    @bind(service)
    def handler(event, context: DurableContext):
        context.wait(Duration(0))

    # WHEN invoked / THEN the execution FAILED with a ValidationError and nothing was checkpointed
    service.start({})
    output = invoke(handler, service)
    assert output["Status"] == "FAILED"
    assert output["Error"]["ErrorType"] == "powertools_durable.exceptions.ValidationError"
    assert "at least 1 second" in output["Error"]["ErrorMessage"]
    assert service.calls == []


@pytest.mark.parametrize("result", [{1, 2}, object()])
def test_unserializable_handler_result_fails_the_execution(service, result):
    # GIVEN a handler returning something json.dumps cannot write
    @bind(service)
    def handler(event, context: DurableContext):
        return result

    # WHEN it runs / THEN FAILED with a SerDesError naming the type
    run = run_to_completion(handler, {}, service=service)
    assert run.status == "FAILED"
    assert run.error["ErrorType"] == "powertools_durable.exceptions.SerDesError"
    assert type(result).__name__ in run.error["ErrorMessage"]


@pytest.mark.parametrize("size", [256 * 1024 - 2, 256 * 1024 - 1])
def test_step_result_over_the_checkpoint_limit_fails_the_step_without_succeed(service, size):
    # GIVEN a step whose serialized result is 256 KiB (fits) or one byte over (plain JSON adds 2 quotes)
    too_big = size == 256 * 1024 - 1

    @bind(service)
    def handler(event, context: DurableContext):
        try:
            return len(context.step(lambda _: "x" * size, name="big"))
        except StepError as error:
            return {"type": error.error_type, "message": error.message}

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN a fitting result is checkpointed; an oversized one FAILs the step with a message giving the sizes
    actions = [u["Action"] for u in service.updates_of(1)]
    if not too_big:
        assert actions == ["START", "SUCCEED"]
        assert run.result == size
        return
    assert actions == ["START", "FAIL"]
    assert run.result["type"] == "powertools_durable.exceptions.SerDesError"
    assert f"{size + 2} bytes serialized" in run.result["message"]
    assert "at most 262144 bytes" in run.result["message"]
