"""Async operations on the event loop: gathered commits share calls; failures and replays keep the sync shapes."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest

from powertools_durable import Duration, StepConfig
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.aio import commit as commit_module
from powertools_durable.exceptions import CheckpointError
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.conftest import bind, invoke, op_id, step_update


def calls_of(service: InMemoryDurableService, invocation: int) -> list[list[dict[str, Any]]]:
    return [call.updates for call in service.calls if call.invocation == invocation]


def test_a_gather_of_async_steps_is_one_checkpoint_call(service: InMemoryDurableService):
    # GIVEN fifty gathered steps with async bodies
    async def body(step: Any) -> int:
        return step.operation_id[-4:] and 1

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> int:
        return sum(await asyncio.gather(*(context.step(body, name=f"s{i}") for i in range(50))))

    # WHEN it runs
    service.start({})
    output = invoke(handler, service)

    # THEN one call carried every START and SUCCEED, each step's START before its SUCCEED, ids in call order
    assert output["Status"] == "SUCCEEDED"
    (call,) = calls_of(service, 1)
    assert len(call) == 100
    assert {u["Id"] for u in call} == {op_id(i) for i in range(1, 51)}
    for i in range(1, 51):
        start, succeed = (n for n, u in enumerate(call) if u["Id"] == op_id(i))
        assert call[start] == step_update(i, "START", f"s{i - 1}")
        assert call[succeed] == step_update(i, "SUCCEED", f"s{i - 1}", Payload="1")


def test_a_gather_of_sync_steps_waits_for_their_threads_and_is_one_call(
    service: InMemoryDurableService, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN twenty gathered steps with sync bodies (worker threads), and a sender free to wait for them all
    monkeypatch.setattr(commit_module, "GATHER_FIRST_SECONDS", 60.0)
    monkeypatch.setattr(commit_module, "GATHER_IDLE_SECONDS", 60.0)
    threads: set[str] = set()

    def body(step: Any) -> str:
        threads.add(threading.current_thread().name)
        return "ok"

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> list[str]:
        return list(await asyncio.gather(*(context.step(body, name=f"s{i}") for i in range(20))))

    # WHEN it runs
    service.start({})
    output = invoke(handler, service)

    # THEN the bodies ran off the loop's thread and their forty updates went in one call
    assert output["Status"] == "SUCCEEDED"
    assert threading.main_thread().name not in threads
    assert [len(call) for call in calls_of(service, 1)] == [40]


def test_a_failed_checkpoint_fails_every_gathered_step_and_the_retry_records_the_same_history(
    service: InMemoryDurableService,
):
    # GIVEN gathered steps, a wait, and a service whose first checkpoint fails
    ran: list[str] = []

    async def body(step: Any) -> str:
        ran.append(step.operation_name)
        return step.operation_name  # type: ignore[no-any-return]

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> list[str]:
        results = await asyncio.gather(*(context.step(body, name=f"s{i}") for i in range(3)))
        await context.wait(Duration.from_seconds(1))
        return list(results)

    service.start({})
    service.fail_next_checkpoints = 1

    # WHEN the first invocation runs, then Lambda retries it (and once more after the wait)
    with pytest.raises(CheckpointError) as caught:
        invoke(handler, service)
    recorded_after_failure = dict(service.operations)
    second = invoke(handler, service)
    assert service.advance()
    third = invoke(handler, service)

    # THEN every gathered step saw the one failure (the invocation raised it), nothing was recorded, and the
    # retry ran every step once more, in one call, and completed
    assert "simulated" in str(caught.value)
    assert not any(op["Type"] == "STEP" for op in recorded_after_failure.values())
    assert second == {"Status": "PENDING"}
    assert [len(call) for call in calls_of(service, 2)] == [6, 1]  # 3 STARTs + 3 SUCCEEDs, then the wait
    assert third == {"Status": "SUCCEEDED", "Result": '["s0", "s1", "s2"]'}
    assert ran == ["s0", "s1", "s2", "s0", "s1", "s2"]


def test_a_step_cancelled_while_its_async_body_runs_records_no_outcome_and_runs_again_on_replay(
    service: InMemoryDurableService,
):
    # GIVEN a step whose async body is cancelled in the first invocation, then a wait
    attempts: list[int] = []

    async def body(step: Any) -> str:
        attempts.append(step.attempt)
        if len(attempts) == 1:
            await asyncio.Event().wait()  # never set: cancelled below
        return "done"

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        task = asyncio.ensure_future(context.step(body, name="cancellable"))
        if len(attempts) == 0:
            while not attempts:
                await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await context.wait(Duration.from_seconds(1))
        return await task

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN the first invocation recorded the step STARTED only (no outcome), and the replay ran it again
    first = [u for u in service.updates_of(1) if u["Id"] == op_id(1)]
    assert first == [step_update(1, "START", "cancellable")]
    assert run.result == "done"
    assert len(attempts) == 2  # STARTED without an outcome: the attempt runs again
    assert service.operations[op_id(1)]["Status"] == "SUCCEEDED"


def test_an_at_most_once_step_is_started_before_its_body_runs(service: InMemoryDurableService):
    # GIVEN an at-most-once step whose body records what the service had when it ran
    from powertools_durable import StepSemantics

    seen: list[str | None] = []

    async def body(step: Any) -> str:
        seen.append(service.operations.get(step.operation_id, {}).get("Status"))
        return "once"

    config = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        return await context.step(body, name="once", config=config)

    # WHEN it runs
    service.start({})
    output = invoke(handler, service)

    # THEN its START was acknowledged (a call of its own) before the body ran
    assert output["Status"] == "SUCCEEDED"
    assert seen == ["STARTED"]
    assert calls_of(service, 1)[0] == [step_update(1, "START", "once")]


def test_steps_in_a_task_group_or_under_asyncio_wait_share_one_call_and_replay(service: InMemoryDurableService):
    # GIVEN steps started in a TaskGroup, then steps awaited with asyncio.wait (not a gather)

    async def body(step: Any) -> str:
        return step.operation_name  # type: ignore[no-any-return]

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> list[str]:
        async with asyncio.TaskGroup() as group:
            grouped = [group.create_task(context.step(body, name=f"g{i}")) for i in range(10)]
        waited = [asyncio.ensure_future(context.step(body, name=f"w{i}")) for i in range(10)]
        await asyncio.wait(waited)
        return [task.result() for task in grouped + waited]

    # WHEN it runs, then replays from the recorded history
    service.start({})
    first = invoke(handler, service)
    replayed = invoke(handler, service)

    # THEN each group of ten went in one call (twenty updates), results in call order, and the replay
    # returned the same without a call
    expected = [f"g{i}" for i in range(10)] + [f"w{i}" for i in range(10)]
    assert first["Status"] == "SUCCEEDED"
    assert json.loads(first["Result"]) == expected
    assert [len(call) for call in calls_of(service, 1)] == [20, 20]
    assert replayed == first
    assert calls_of(service, 2) == []
