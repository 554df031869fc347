"""``context.now()``, ``uuid4()`` and ``random()``: the same on every replay, different between executions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from powertools_durable import (
    DurableContext,
    Duration,
    MapConfig,
    NestingType,
    StepContext,
    durable_execution,
)
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.conftest import bind, invoke

START_MS = 1_700_000_000_000
ARN_TEMPLATE = "arn:aws:lambda:us-east-1:123456789012:function:demo:$LATEST/durable-execution/demo/{}"

Seen = dict[str, tuple[datetime, str, float]]


def _values(ctx: DurableContext) -> tuple[datetime, str, float]:
    return ctx.now(), str(ctx.uuid4()), ctx.random().random()


def _workflow(service: InMemoryDurableService, seen: Seen) -> Any:
    """Draws at every kind of point: before any operation, after a step, a wait, a callback, in a child and branches."""

    def note(label: str, ctx: DurableContext) -> None:
        values = _values(ctx)
        assert seen.setdefault(label, values) == values, label  # a later invocation replaying it: the same

    def tick(_: StepContext) -> int:
        service.now_ms += 1_000  # the step body runs once: each step ends at its own recorded time
        return 1

    def branch(child: DurableContext, item: int, index: int, items: Any) -> int:
        note(f"branch-{item}-start", child)
        child.step(tick, name=f"item-{item}")
        note(f"branch-{item}-after-step", child)
        child.wait(Duration.from_seconds(10), name=f"rest-{item}")  # the next invocations replay the branch
        note(f"branch-{item}-after-wait", child)
        return item

    def in_child(child: DurableContext) -> str:
        note("child-start", child)
        child.step(tick, name="in-child")
        note("child-after-step", child)
        child.wait(Duration.from_seconds(5), name="child-pause")  # the next invocation replays the child
        note("child-after-wait", child)
        return str(child.uuid4())

    def handler(event: Any, ctx: DurableContext) -> dict[str, Any]:
        note("start", ctx)
        ctx.step(tick, name="first")
        note("after-step", ctx)
        note("second-draw", ctx)  # a second draw at the same point is another value
        ctx.wait(Duration.from_seconds(60), name="pause")
        note("after-wait", ctx)
        ctx.run_in_child_context(in_child, name="child")
        note("after-child", ctx)
        ctx.map([1, 2, 3], branch, name="fan-out", config=MapConfig(max_concurrency=3))
        note("after-map", ctx)
        ctx.map([4, 5], branch, name="flat", config=MapConfig(nesting_type=NestingType.FLAT))
        callback = ctx.create_callback(name="approval")
        note("after-callback-created", ctx)
        callback.result()
        note("after-callback-answered", ctx)
        return {"uuid": str(ctx.uuid4())}

    return handler


def _answer_approval(service: InMemoryDurableService) -> bool:
    op = next((o for o in service.operations.values() if o.get("Name") == "approval"), None)
    if op is None or op["Status"] != "STARTED":
        return False
    service.now_ms += 5_000
    service.answer_callback(service.callback_id("approval"), result='"ok"')
    return True


def _run(run_id: str) -> tuple[InMemoryDurableService, Seen, Any]:
    service = InMemoryDurableService(durable_execution_arn=ARN_TEMPLATE.format(run_id), now_ms=START_MS)
    seen: Seen = {}
    handler = durable_execution(_workflow(service, seen), boto3_client=service)
    result = run_to_completion(handler, {}, service=service, external=_answer_approval)
    assert result.status == "SUCCEEDED", result.error
    return service, seen, handler


def test_values_are_identical_across_100_replays_and_cost_no_checkpoint_call():
    # GIVEN an execution run to its end over several invocations (a wait, a callback), values noted at first sight
    service, seen, _handler = _run("run-1")
    first_run = dict(seen)
    calls = len(service.calls)

    # WHEN the finished execution is replayed 100 times, each replay drawing every value again
    for _ in range(100):
        replayed: Seen = {}
        replay_handler = durable_execution(_workflow(service, replayed), boto3_client=service)
        output = invoke(replay_handler, service)
        # THEN every point of the code it reaches gets exactly the value its first run got
        assert output["Status"] == "SUCCEEDED"
        assert replayed == {label: first_run[label] for label in replayed}
        assert {label for label in first_run if not label.startswith(("branch", "child"))} <= replayed.keys()
    # AND nothing was checkpointed
    assert len(service.calls) == calls


def test_now_is_the_recorded_time_of_the_latest_completed_operation():
    # GIVEN an execution whose steps each end 1 s later, a 60 s wait, and a callback answered 5 s later
    _, seen, _ = _run("run-1")

    def at(label: str) -> datetime:
        return seen[label][0]

    start = datetime.fromtimestamp(START_MS / 1000, UTC)
    # THEN before any operation now() is the execution's start, after a step the step's end
    assert at("start") == start
    assert at("after-step") == start + timedelta(seconds=1)
    assert at("second-draw") == at("after-step")  # no operation in between: the same time
    # AND after a wait, the moment the service ended it (60 s after it started)
    assert at("after-wait") == start + timedelta(seconds=61)
    # AND a fresh child's first value is its own start; a branch's is its branch's start
    assert at("child-start") >= at("after-wait")
    assert at("child-after-step") == at("child-start") + timedelta(seconds=1)
    assert at("after-child") >= at("child-after-step")
    # AND time does not move with a callback's answer, only with the next operation
    assert at("after-callback-answered") == at("after-callback-created")
    assert all(value.tzinfo is UTC for value, _, _ in seen.values())


def test_each_draw_is_new_and_branches_draw_from_their_own_context():
    _, seen, _ = _run("run-1")
    # THEN two draws at one point differ, and every branch's values differ from every other's
    assert seen["second-draw"][1] != seen["after-step"][1]
    assert seen["second-draw"][2] != seen["after-step"][2]
    uuids = [uuid for _, uuid, _ in seen.values()]
    assert len(set(uuids)) == len(uuids)
    assert all(uuid[14] == "4" for uuid in uuids)  # RFC 9562 version 4


def test_values_differ_between_executions():
    # GIVEN the same code run as two executions (same input, same clock)
    _, one, _ = _run("run-1")
    _, two, _ = _run("run-2")
    # THEN their uuids and random draws differ at every point
    assert one.keys() == two.keys()
    for label in one:
        assert one[label][1] != two[label][1], label
        assert one[label][2] != two[label][2], label
    # AND their recorded times agree where the clock did (concurrent branches tick it in any order)
    sequential = [label for label in one if not label.startswith("branch")]
    assert [one[label][0] for label in sequential] == [two[label][0] for label in sequential]


def test_helpers_refuse_to_run_inside_a_step_body(service: InMemoryDurableService):
    # GIVEN a step body that asks the workflow's context for a uuid
    @bind(service)
    def handler(event: Any, ctx: DurableContext) -> str:
        return ctx.step(lambda _: str(ctx.uuid4()), name="bad")

    # WHEN it runs
    result = run_to_completion(handler, {}, service=service)
    # THEN the step fails with an error that says why and what to use instead (the execution reports the
    # StepError that escaped the handler; the step records the ReplaySafetyError itself)
    assert result.status == "FAILED"
    assert result.error["ErrorType"] == "powertools_durable.exceptions.StepError"
    assert "inside a step body" in result.error["ErrorMessage"]
    step = next(op for op in service.operations.values() if op["Type"] == "STEP")
    assert step["StepDetails"]["Error"]["ErrorType"] == "powertools_durable.exceptions.ReplaySafetyError"


def test_helpers_refuse_a_context_other_than_the_running_one(service: InMemoryDurableService):
    # GIVEN a child function that draws from its parent's context (captured in the closure)
    @bind(service)
    def handler(event: Any, ctx: DurableContext) -> str:
        return ctx.run_in_child_context(lambda child: str(ctx.uuid4()), name="child")

    result = run_to_completion(handler, {}, service=service)
    assert result.status == "FAILED"
    assert "other than the one whose code is running" in result.error["ErrorMessage"]


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        (1_700_000_000_123, 1_700_000_000_123),  # epoch ms: the invocation event
        (1_700_000_000.123, 1_700_000_000_123),  # epoch s: the API's rest-json
        (datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC), 1_700_000_000_123),  # boto3
        ("2023-11-14T22:13:20.123000+00:00", 1_700_000_000_123),  # local history --json
        (None, None),
        ("yesterday", None),
        (True, None),
    ],
)
def test_wire_timestamps_of_one_instant_read_alike(stamp: Any, expected: int | None):
    from powertools_durable.determinism import epoch_millis

    assert epoch_millis(stamp) == expected


def test_the_docs_example_returns_the_same_values_on_a_replay(monkeypatch):
    # GIVEN the docs' example handler (examples/determinism/values.py), run to its end
    from tests.functional.test_examples import load

    service = InMemoryDurableService(now_ms=START_MS)
    monkeypatch.setattr("powertools_durable.handler.default_client", lambda: service)
    module = load("determinism/values.py")
    result = run_to_completion(module.handler, {"reviewers": ["ana", "bo", "cy", "di"]}, service=service)
    assert result.status == "SUCCEEDED"
    # WHEN the finished execution is replayed
    output = module.handler(service.envelope(), None)
    # THEN the replay returns exactly what the run returned, time moved across the wait
    assert json.loads(output["Result"]) == result.result
    assert result.result["started"] == "2023-11-14T22:13:20+00:00"
    assert result.result["woke"] == "2023-11-14T22:13:50+00:00"
    assert len(set(result.result["reviewers"])) == 2


@pytest.mark.parametrize("draw", [True, False])
def test_the_first_run_makes_no_extra_checkpoint_call(draw: bool):
    # GIVEN the same workflow with and without replay-safe draws between its operations
    service = InMemoryDurableService(now_ms=START_MS)

    def handler(event: Any, ctx: DurableContext) -> Any:
        values = [_values(ctx)] if draw else []
        ctx.step(lambda _: 1, name="one")
        values += [_values(ctx)] if draw else []
        ctx.wait(Duration.from_seconds(5), name="pause")
        values += [_values(ctx)] if draw else []
        ctx.run_in_child_context(lambda c: c.step(lambda _: 2, name="two"), name="child")
        values += [_values(ctx)] if draw else []
        return len(values)

    result = run_to_completion(durable_execution(handler, boto3_client=service), {}, service=service)
    # THEN both make exactly the calls their operations need: one per step, wait and child outcome
    assert result.status == "SUCCEEDED"
    assert [len(call.updates) for call in service.calls] == [2, 1, 3, 1]
