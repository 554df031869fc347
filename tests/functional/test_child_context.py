"""Child contexts: one CONTEXT operation, its operations namespaced under it, replayed from the checkpoint."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from powertools_durable import (
    ChildConfig,
    ChildContextError,
    DurableContext,
    Duration,
    NonDeterministicExecutionError,
    RetryPresets,
    SerDes,
    SerDesContext,
    StepConfig,
    durable_handler,
    durable_with_child_context,
    get_durable_context,
)
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.conftest import bind, invoke, op_id, without_stack_traces

NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


def context_update(position: int, action: str, name: str | None = None, parent: str | None = None, **fields: Any):
    """The exact CONTEXT ``OperationUpdate`` a child context at ``position`` sends."""
    update: dict[str, Any] = {
        "Id": op_id(position, parent),
        "Type": "CONTEXT",
        "SubType": fields.pop("SubType", "RunInChildContext"),
        "Action": action,
    }
    if name is not None:
        update["Name"] = name
    if parent is not None:
        update["ParentId"] = parent
    update.update(fields)
    return update


def child_step_update(position: int, parent: str, action: str, name: str | None = None, **fields: Any):
    update: dict[str, Any] = {"Id": op_id(position, parent), "Type": "STEP", "SubType": "Step", "Action": action}
    if name is not None:
        update["Name"] = name
    update["ParentId"] = parent
    update.update(fields)
    return update


@durable_with_child_context
def book(child: DurableContext, order_id: str) -> str:
    return child.step(lambda _: f"booked {order_id}", name="reserve")


def test_fresh_child_sends_start_step_and_succeed_in_one_checkpoint(service: InMemoryDurableService):
    # GIVEN a handler running a named child context with one step
    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        return context.run_in_child_context(book("o-1"))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN START rides along with the step's checkpoint; SUCCEED is checkpointed on its own with the result
    ctx_id = op_id(1)
    assert run.status == "SUCCEEDED"
    assert run.result == "booked o-1"
    assert [call.updates for call in service.calls] == [
        [
            context_update(1, "START", name="book"),
            child_step_update(1, ctx_id, "START", name="reserve"),
            child_step_update(1, ctx_id, "SUCCEED", name="reserve", Payload='"booked o-1"'),
        ],
        [context_update(1, "SUCCEED", name="book", Payload='"booked o-1"', ContextOptions={"ReplayChildren": False})],
    ]


def test_succeeded_child_replays_its_result_without_running(service: InMemoryDurableService):
    # GIVEN a child context followed by a wait, and a body that counts its runs
    runs: list[int] = []

    def child_body(child: DurableContext) -> dict[str, int]:
        runs.append(1)
        return {"n": child.step(lambda _: 7, name="seven")}

    @bind(service)
    def handler(event: Any, context: DurableContext) -> dict[str, int]:
        value = context.run_in_child_context(child_body, name="count")
        context.wait(Duration.from_seconds(5))
        return value

    # WHEN it runs to its end (two invocations)
    run = run_to_completion(handler, {}, service=service)

    # THEN the child ran once; the replay returned the stored (tagged) result and sent nothing for the child
    assert run.status == "SUCCEEDED"
    assert run.result == {"n": 7}
    assert runs == [1]
    assert service.updates_of(2) == []
    succeed = service.updates_of(1)[3]
    assert succeed["Payload"] == '{"t":"m","v":{"n":{"t":"i","v":7}}}'


def test_nested_children_are_namespaced_under_their_parents(service: InMemoryDurableService):
    # GIVEN an outer child holding a step and an inner child holding a step
    def inner(child: DurableContext) -> str:
        return child.step(lambda _: "in", name="inner_step")

    def outer(child: DurableContext) -> str:
        child.step(lambda _: "out", name="outer_step")
        return child.run_in_child_context(inner, name="inner")

    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        return context.run_in_child_context(outer, name="outer")

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN ids and ParentIds nest: outer = blake2b("1"), inner = blake2b(f"{outer}-2"), inner step under inner
    outer_id = op_id(1)
    inner_id = op_id(2, outer_id)
    assert run.result == "in"
    assert service.updates_of(1) == [
        context_update(1, "START", name="outer"),
        child_step_update(1, outer_id, "START", name="outer_step"),
        child_step_update(1, outer_id, "SUCCEED", name="outer_step", Payload='"out"'),
        context_update(2, "START", name="inner", parent=outer_id),
        child_step_update(1, inner_id, "START", name="inner_step"),
        child_step_update(1, inner_id, "SUCCEED", name="inner_step", Payload='"in"'),
        context_update(
            2, "SUCCEED", name="inner", parent=outer_id, Payload='"in"', ContextOptions={"ReplayChildren": False}
        ),
        context_update(1, "SUCCEED", name="outer", Payload='"in"', ContextOptions={"ReplayChildren": False}),
    ]


def test_error_inside_child_fails_it_and_the_parent_can_catch_it(service: InMemoryDurableService):
    # GIVEN a child whose step fails without retry, caught by the parent, then a wait (so the failure replays)
    caught: list[tuple[str, str | None]] = []

    def failing(child: DurableContext) -> None:
        child.step(lambda _: (_ for _ in ()).throw(ValueError("no stock")), name="reserve", config=NO_RETRY)

    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        try:
            context.run_in_child_context(failing, name="booking")
        except ChildContextError as exc:
            caught.append((exc.message or "", exc.error_type))
        context.wait(Duration.from_seconds(1))
        return "recovered"

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN the child was checkpointed FAILED with the step's error, and both invocations saw the same error
    ctx_id = op_id(1)
    assert run.status == "SUCCEEDED"
    assert run.result == "recovered"
    # (the child records the StepError that escaped it, as the official SDK does; the step the original error)
    escaped = "powertools_durable.exceptions.StepError"
    assert caught == [("no stock", escaped), ("no stock", escaped)]
    updates = without_stack_traces(service.updates_of(1))
    error = {"ErrorType": "ValueError", "ErrorMessage": "no stock"}
    assert updates[:4] == [
        context_update(1, "START", name="booking"),
        child_step_update(1, ctx_id, "START", name="reserve"),
        child_step_update(1, ctx_id, "FAIL", name="reserve", Error=error),
        context_update(1, "FAIL", name="booking", Error={"ErrorType": escaped, "ErrorMessage": "no stock"}),
    ]


def test_error_raised_directly_in_child_body_fails_the_execution(service: InMemoryDurableService):
    # GIVEN a child that raises without running any operation
    def boom(child: DurableContext) -> None:
        raise RuntimeError("child exploded")

    @bind(service)
    def handler(event: Any, context: DurableContext) -> None:
        context.run_in_child_context(boom, name="boom")

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN START and FAIL go in one checkpoint, and the execution fails with the child's error
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorMessage"] == "child exploded"
    assert without_stack_traces(service.calls[0].updates) == [
        context_update(1, "START", name="boom"),
        context_update(1, "FAIL", name="boom", Error={"ErrorType": "RuntimeError", "ErrorMessage": "child exploded"}),
    ]


def test_suspension_inside_child_resumes_the_child_on_the_next_invocation(service: InMemoryDurableService):
    # GIVEN a child with a step and a wait, then a step after it
    runs: list[str] = []

    def body(child: DurableContext) -> str:
        value = child.step(lambda _: runs.append("inner") or "v", name="inner")
        child.wait(Duration.from_seconds(3))
        return value

    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        value = context.run_in_child_context(body, name="c")
        return context.step(lambda _: value + "!", name="after")

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN the child resumed (its step replayed, not re-run), then succeeded, then the outer step ran
    ctx_id = op_id(1)
    assert run.result == "v!"
    assert runs == ["inner"]
    assert [u["Action"] for u in service.updates_of(1)] == ["START", "START", "SUCCEED", "START"]
    assert service.updates_of(2) == [
        context_update(1, "SUCCEED", name="c", Payload='"v"', ContextOptions={"ReplayChildren": False}),
        {"Id": op_id(2), "Type": "STEP", "SubType": "Step", "Action": "START", "Name": "after"},
        {"Id": op_id(2), "Type": "STEP", "SubType": "Step", "Action": "SUCCEED", "Name": "after", "Payload": '"v!"'},
    ]
    assert service.operations[op_id(2, ctx_id)]["ParentId"] == ctx_id


class Upper(SerDes[str]):
    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return value.upper()

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        return data


def test_custom_serdes_and_sub_type(service: InMemoryDurableService):
    # GIVEN a child with its own serdes and subtype
    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        config = ChildConfig(serdes=Upper(), sub_type="Booking")
        return context.run_in_child_context(lambda child: "hello", name="c", config=config)

    # WHEN it runs / THEN the payload and the return value went through the serdes, with the subtype recorded
    run = run_to_completion(handler, {}, service=service)
    assert run.result == "HELLO"
    assert service.updates_of(1)[-1] == context_update(
        1, "SUCCEED", name="c", SubType="Booking", Payload="HELLO", ContextOptions={"ReplayChildren": False}
    )


def test_large_result_is_rebuilt_by_replaying_the_children(service: InMemoryDurableService):
    # GIVEN a child whose result (> 256 KiB) is built from a small step result, followed by a wait
    runs: list[int] = []

    def big(child: DurableContext) -> str:
        runs.append(1)
        seed = child.step(lambda _: "x", name="seed")
        return seed * (300 * 1024)

    @bind(service)
    def handler(event: Any, context: DurableContext) -> int:
        value = context.run_in_child_context(
            big, name="big", config=ChildConfig(summary_generator=lambda v: f"len={len(v)}")
        )
        context.wait(Duration.from_seconds(1))
        return len(value)

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN the SUCCEED carried the summary with ReplayChildren, and the replay re-ran the child to rebuild it
    assert run.result == 300 * 1024
    assert runs == [1, 1]
    assert service.updates_of(1)[3] == context_update(
        1, "SUCCEED", name="big", Payload=f"len={300 * 1024}", ContextOptions={"ReplayChildren": True}
    )
    assert service.updates_of(2) == []  # the re-run replayed the step and sent nothing


def test_child_reordered_between_deployments_is_non_deterministic(service: InMemoryDurableService):
    # GIVEN an execution that recorded a child context then suspended in a wait
    @bind(service)
    def original(event: Any, context: DurableContext) -> str:
        context.run_in_child_context(lambda child: "a", name="first")
        context.wait(Duration.from_seconds(1))
        return "done"

    service.start({})
    assert invoke(original, service) == {"Status": "PENDING"}
    assert service.advance()

    # WHEN a new deployment runs a step where the child was
    @bind(service)
    def changed(event: Any, context: DurableContext) -> str:
        context.step(lambda _: "a", name="first")
        return "diverged"

    output = invoke(changed, service)

    # THEN the execution fails with the non-determinism error naming both types
    assert output["Status"] == "FAILED"
    assert output["Error"]["ErrorType"] == f"{NonDeterministicExecutionError.__module__}.NonDeterministicExecutionError"
    assert "type: recorded 'CONTEXT', code asks for 'STEP'" in output["Error"]["ErrorMessage"]


def test_get_durable_context_and_logger_replay_status_inside_children(service: InMemoryDurableService, lambda_context):
    # GIVEN a Powertools Logger, a child that logs (and checks the accessor), a wait, then a second child
    stream = io.StringIO()
    logger = Logger(service=f"svc-{uuid.uuid4().hex[:8]}", stream=stream)
    seen: list[bool] = []

    def first(child: DurableContext) -> str:
        seen.append(get_durable_context() is child)
        logger.info("in first")
        return child.step(lambda step: step.logger.info("step in first") or "a", name="s")

    def second(child: DurableContext) -> str:
        logger.info("in second")
        return "b"

    def body(event: Any, context: DurableContext) -> str:
        logger.info("start")
        a = context.run_in_child_context(first, name="first")
        context.wait(Duration.from_seconds(1))
        b = context.run_in_child_context(second, name="second")
        logger.info("end")
        return a + b

    handler = durable_handler(body, logger=logger, service_client=service)

    # WHEN it runs to its end (the first child is replayed from its checkpoint in invocation 2)
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN every line was written once, and records inside the child's step carry its operation keys
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert run.result == "ab"
    assert seen == [True]
    assert [r["message"] for r in records] == ["start", "in first", "step in first", "in second", "end"]
    step_record = records[2]
    assert step_record["operation_id"] == op_id(1, op_id(1))
    assert step_record["operation_name"] == "s"


def test_new_child_inside_a_replaying_parent_logs(service: InMemoryDurableService):
    # GIVEN a started child resumed after its wait, whose code after the wait logs
    stream = io.StringIO()
    logger = Logger(service=f"svc-{uuid.uuid4().hex[:8]}", stream=stream)

    def body(child: DurableContext) -> str:
        logger.info("before wait")
        child.wait(Duration.from_seconds(2))
        logger.info("after wait")
        return "ok"

    def handler_body(event: Any, context: DurableContext) -> str:
        return context.run_in_child_context(body, name="c")

    handler = durable_handler(handler_body, logger=logger, service_client=service)

    # WHEN it runs to its end
    run_to_completion(handler, {}, service=service)

    # THEN the child's own replay status suppressed the replayed line only
    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == ["before wait", "after wait"]


@pytest.mark.parametrize("name", [None, "explicit"])
def test_durable_with_child_context_names_the_operation(service: InMemoryDurableService, name: str | None):
    # GIVEN the decorator, with or without an explicit name / WHEN run / THEN the name is recorded
    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        return context.run_in_child_context(book("o-2"), name=name)

    run_to_completion(handler, {}, service=service)
    assert service.calls[0].updates[0]["Name"] == (name or "book")
