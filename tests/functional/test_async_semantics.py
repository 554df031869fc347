"""Async handlers behave as sync ones: suspension, retries, non-determinism, leftover tasks, current context."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from powertools_durable import (
    DurableContext,
    Duration,
    StepConfig,
    StepContext,
    SuspendExecution,
    get_durable_context,
)
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from powertools_durable.retries import RetryDecision
from tests.functional.conftest import bind, invoke, op_id, step_update, wait_update


def test_awaited_wait_inside_except_exception_still_suspends(service: InMemoryDurableService):
    # GIVEN an async handler wrapping its awaited wait in `except Exception`
    swallowed: list[BaseException] = []

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        try:
            await context.wait(Duration.from_seconds(30), name="guarded")
        except Exception as exc:
            swallowed.append(exc)
            return "swallowed"
        return "after-wait"

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN invocation 1 pended with the wait's START, and invocation 2 continued past it
    assert run.outputs == [{"Status": "PENDING"}, {"Status": "SUCCEEDED", "Result": '"after-wait"'}]
    assert swallowed == []
    assert service.updates_of(1) == [wait_update(1, 30, "guarded")]
    assert not issubclass(SuspendExecution, Exception)


def test_async_step_retries_like_a_sync_one(service: InMemoryDurableService):
    # GIVEN an async step body failing on its first attempt, retried after 3 seconds
    attempts: list[int] = []

    async def flaky(step: StepContext) -> int:
        attempts.append(step.attempt)
        if step.attempt == 1:
            raise OSError("transient")
        return step.attempt

    config = StepConfig(retry_strategy=lambda exc, attempt: RetryDecision.retry(Duration.from_seconds(3)))

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> int:
        return await context.step(flaky, name="flaky", config=config)

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN attempt 1 was checkpointed as RETRY with the delay, and attempt 2's result came back
    assert run.outputs[0] == {"Status": "PENDING"}
    assert run.result == 2
    assert attempts == [1, 2]
    retry = service.updates_of(1)[-1]
    assert (retry["Action"], retry["StepOptions"]) == ("RETRY", {"NextAttemptDelaySeconds": 3})
    assert retry["Error"]["ErrorType"] == "OSError"


def test_replaying_another_operation_fails_the_execution(service: InMemoryDurableService):
    # GIVEN an execution whose invocation 1 recorded a step named "charge", then suspended on a wait
    @bind(service)
    async def original(event: Any, context: AsyncDurableContext) -> str:
        await context.step(lambda _: 42, name="charge")
        await context.wait(Duration.from_seconds(1))
        return "done"

    service.start({})
    assert invoke(original, service) == {"Status": "PENDING"}
    assert service.advance()
    calls_before = len(service.calls)

    # WHEN changed async code asks for a step named "refund" at that id
    @bind(service)
    async def changed(event: Any, context: AsyncDurableContext) -> str:
        await context.step(lambda _: 42, name="refund")
        return "diverged"

    output = invoke(changed, service)

    # THEN the execution failed with the non-determinism error naming the id, and nothing was checkpointed
    assert output["Status"] == "FAILED"
    assert output["Error"]["ErrorType"] == "powertools_durable.exceptions.NonDeterministicExecutionError"
    assert op_id(1) in output["Error"]["ErrorMessage"]
    assert "name: recorded 'charge', code asks for 'refund'" in output["Error"]["ErrorMessage"]
    assert len(service.calls) == calls_before


def test_a_suspension_waits_for_steps_still_running_before_the_invocation_reports(service: InMemoryDurableService):
    # GIVEN two gathered steps: one suspends on its retry delay while the other still runs
    started, release = threading.Event(), threading.Event()

    def retried(step: StepContext) -> str:
        raise OSError("later")

    def slow(step: StepContext) -> str:
        started.set()
        release.wait()
        return "slow"

    config = StepConfig(retry_strategy=lambda exc, attempt: RetryDecision.retry(Duration.from_seconds(5)))

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> Any:
        retrying = context.step(retried, name="retried", config=config)
        running = context.step(slow, name="slow")
        task = asyncio.ensure_future(running)
        while not started.is_set():  # a task cancelled before it started would never run its step
            await asyncio.sleep(0.001)
        try:
            return await retrying
        finally:
            asyncio.get_running_loop().call_later(0.01, release.set)
            assert not task.done()

    # WHEN the first invocation runs
    service.start({})
    output = invoke(handler, service)

    # THEN it pended, and the still-running step finished and was checkpointed before it reported
    assert output == {"Status": "PENDING"}
    assert service.updates_of(1)[-1] == step_update(2, "SUCCEED", "slow", Payload='"slow"')
    assert service.operations[op_id(2)]["Status"] == "SUCCEEDED"


def test_get_durable_context_sees_the_innermost_context(service: InMemoryDurableService):
    # GIVEN an async handler asking for the current context at the top, in a child, and in a step body
    seen: dict[str, DurableContext] = {}

    async def body(step: StepContext) -> str:
        seen["step"] = get_durable_context()
        return "ok"

    async def in_child(child: AsyncDurableContext) -> str:
        await asyncio.sleep(0)
        seen["child"] = get_durable_context()
        assert seen["child"] is child.sync
        return await child.step(body, name="inner")

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        seen["top"] = get_durable_context()
        assert seen["top"] is context.sync
        return await context.run_in_child_context(in_child, name="child")

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the top context, then the child's (also inside its step), as in sync code
    assert run.result == "ok"
    assert seen["child"].parent_id == op_id(1)
    assert seen["step"] is seen["child"]
    assert seen["top"].parent_id is None


def test_a_handler_called_from_inside_a_running_loop_runs_on_a_loop_of_its_own(service: InMemoryDurableService):
    # GIVEN an async durable handler, called (synchronously, as Lambda does) from a coroutine
    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        await context.wait(Duration.from_seconds(1), name="pause")
        return await context.step(lambda _: "done", name="finish")

    async def caller() -> list[dict[str, Any]]:
        first = invoke(handler, service)
        assert service.advance()
        return [first, invoke(handler, service)]

    # WHEN both invocations run from inside asyncio.run
    service.start({})
    outputs = asyncio.run(caller())

    # THEN they behaved as from synchronous code: a suspension, then the result
    assert outputs == [{"Status": "PENDING"}, {"Status": "SUCCEEDED", "Result": '"done"'}]


def test_replay_safe_values_are_the_same_on_every_replay(service: InMemoryDurableService):
    # GIVEN an async handler drawing a uuid and reading now() around a step, then waiting
    seen: list[tuple[str, str, bool]] = []

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        drawn = context.uuid4()
        await context.step(lambda _: 1, name="a")
        seen.append((str(drawn), context.now().isoformat(), context.is_replaying()))
        await context.wait(Duration.from_seconds(1))
        return str(drawn)

    # WHEN it runs to its end (invocation 2 replays the step)
    run = run_to_completion(handler, {}, service=service)

    # THEN both invocations drew the same uuid and read the same time; only the second was replaying
    assert [o["Status"] for o in run.outputs] == ["PENDING", "SUCCEEDED"]
    assert seen[0][:2] == seen[1][:2]
    assert [replaying for *_, replaying in seen] == [False, True]
    assert run.result == seen[0][0]
