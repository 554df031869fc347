"""Async handlers: awaitable operations with the sync operations' ids, checkpoints and replay."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

from powertools_durable import (
    BatchResult,
    DurableContext,
    Duration,
    JsonSerDes,
    StepConfig,
    WaitForConditionCheckContext,
    WaitForConditionConfig,
    WaitForConditionDecision,
    durable_step,
)
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.conftest import bind, invoke, op_id, step_update, wait_update


def test_gathered_steps_take_ids_in_call_order_not_completion_order(service: InMemoryDurableService):
    # GIVEN two steps gathered, the first called finishing last
    finished: list[str] = []

    async def slow(_: Any) -> str:
        await asyncio.sleep(0.01)
        finished.append("slow")
        return "slow"

    async def fast(_: Any) -> str:
        finished.append("fast")
        return "fast"

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> Any:
        return await asyncio.gather(context.step(slow, name="slow"), context.step(fast, name="fast"))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the first called got id 1 although it finished second, with the sync step's exact updates
    assert finished == ["fast", "slow"]
    assert run.result == ["slow", "fast"]
    starts = [u for u in service.updates_of(1) if u["Action"] == "START"]
    assert sorted(starts, key=lambda u: u["Name"]) == [step_update(2, "START", "fast"), step_update(1, "START", "slow")]
    succeeds = {u["Id"]: u for u in service.updates_of(1) if u["Action"] == "SUCCEED"}
    assert succeeds == {
        op_id(1): step_update(1, "SUCCEED", "slow", Payload='"slow"'),
        op_id(2): step_update(2, "SUCCEED", "fast", Payload='"fast"'),
    }


def test_an_execution_started_by_async_code_replays_under_sync_code(service: InMemoryDurableService):
    # GIVEN an async handler that runs two steps, a child context and then waits
    @durable_step
    def double(_: Any, n: int) -> int:
        return n * 2

    async def in_child(child: AsyncDurableContext) -> int:
        return await child.step(double(5), name="inner")

    @bind(service)
    async def async_handler(event: Any, context: AsyncDurableContext) -> Any:
        a, b = await asyncio.gather(context.step(double(1)), context.step(double(2)))
        c = await context.run_in_child_context(in_child, name="child")
        await context.wait(Duration.from_seconds(5), name="pause")
        return [a, b, c]

    # AND the same workflow written as sync code, whose steps must never run again
    ran: list[str] = []

    @bind(service)
    def sync_handler(event: Any, context: DurableContext) -> Any:
        def never(_: Any) -> int:
            ran.append("step")
            return -1

        never._original_name = "double"  # type: ignore[attr-defined]
        a = context.step(never)
        b = context.step(never)
        c = context.run_in_child_context(lambda child: child.step(never, name="inner"), name="child")
        context.wait(Duration.from_seconds(5), name="pause")
        return [a, b, c]

    # WHEN the async code suspends on the wait and the sync code resumes the execution
    service.start({})
    assert invoke(async_handler, service) == {"Status": "PENDING"}
    assert service.updates_of(1)[-1] == wait_update(4, 5, "pause")
    assert service.advance()
    output = invoke(sync_handler, service)

    # THEN the sync code replayed every result and completed the execution without re-running anything
    assert output == {"Status": "SUCCEEDED", "Result": "[2, 4, 10]"}
    assert ran == []
    assert service.updates_of(2) == []


def test_async_and_sync_step_bodies_are_checkpointed_as_sync_code_does(service: InMemoryDurableService):
    # GIVEN one sync and one async body, run by an async handler
    async def fetch(_: Any) -> dict[str, int]:
        await asyncio.sleep(0)
        return {"n": 1}

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> Any:
        first = await context.step(lambda _: {"n": 0}, name="sync-body")
        second = await context.step(fetch, name="async-body")
        return [first, second]

    # AND the same steps in sync code, against a service of their own
    sync_service = InMemoryDurableService()

    @bind(sync_service)
    def sync_handler(event: Any, context: DurableContext) -> Any:
        first = context.step(lambda _: {"n": 0}, name="sync-body")
        return [first, context.step(lambda _: {"n": 1}, name="async-body")]

    # WHEN both run
    run = run_to_completion(handler, {}, service=service)
    sync_run = run_to_completion(sync_handler, {}, service=sync_service)

    # THEN the results and every update sent are the same
    assert run.result == sync_run.result == [{"n": 0}, {"n": 1}]
    assert [u["Action"] for u in service.updates_of(1)] == ["START", "SUCCEED", "START", "SUCCEED"]
    assert service.updates_of(1) == sync_service.updates_of(1)


def test_callbacks_are_awaitable(service: InMemoryDurableService):
    # GIVEN a callback created and awaited, then a wait_for_callback with an async submitter
    submitted: list[str] = []

    async def submit(callback_id: str, _: Any) -> None:
        await asyncio.sleep(0)
        submitted.append(callback_id)

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> Any:
        callback = await context.create_callback(name="approval")
        approved = await callback.result()
        answer = await context.wait_for_callback(submit, name="review")
        return [approved, answer]

    def external(svc: InMemoryDurableService) -> bool:
        for name, answer in (("approval", '"yes"'), ("review create callback id", '"ok"')):
            op = next((o for o in svc.operations.values() if o.get("Name") == name), None)
            if op is not None and op["Status"] == "STARTED":
                svc.answer_callback(svc.callback_id(name), result=answer)
                return True
        return False

    # WHEN the external system answers both
    run = run_to_completion(handler, {}, service=service, external=external)

    # THEN the answers came back, and the submitter ran once with the callback's id
    assert run.result == ['"yes"', '"ok"']  # as sent, as in sync code (no serdes configured)
    assert submitted == [service.callback_id("review create callback id")]
    assert [o["Status"] for o in run.outputs] == ["PENDING", "PENDING", "SUCCEEDED"]


def test_invoke_and_wait_for_condition_are_awaitable(service: InMemoryDurableService):
    # GIVEN an async check polled until it reaches 2, and an invoke
    async def check(state: int, ctx: WaitForConditionCheckContext) -> int:
        await asyncio.sleep(0)
        return state + 1

    def below_two(state: int, attempt: int) -> WaitForConditionDecision:
        if state < 2:
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
        return WaitForConditionDecision.stop_polling()

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> Any:
        polled = await context.wait_for_condition(check, WaitForConditionConfig(below_two, initial_state=0))
        echoed = await context.invoke("echo", {"x": 1}, name="call-echo")
        return [polled, echoed]

    def external(svc: InMemoryDurableService) -> bool:
        pending = [o for o in svc.operations.values() if o["Type"] == "CHAINED_INVOKE" and o["Status"] == "STARTED"]
        for op in pending:
            svc.finish_invoke(op["Id"], result=json.dumps({"echo": 1}))
        return bool(pending)

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service, external=external)

    # THEN the condition's final state and the target's result came back
    assert run.result == [2, {"echo": 1}]
    assert service.operations[op_id(1)]["SubType"] == "WaitForCondition"
    assert service.operations[op_id(2)]["Type"] == "CHAINED_INVOKE"


def test_parallel_and_map_run_async_branches(service: InMemoryDurableService):
    # GIVEN async branches and an async map function, each running a step in its child context
    async def branch(child: AsyncDurableContext) -> str:
        return await child.step(lambda _: "p", name="in-branch")

    async def square(child: AsyncDurableContext, item: int, index: int, items: Any) -> int:
        return await child.step(lambda _: item * item, name=f"square-{index}")

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> Any:
        parallel: BatchResult[str] = await context.parallel([branch, branch], name="both")
        mapped: BatchResult[int] = await context.map([1, 2, 3], square, name="squares")
        return [parallel.get_results(), mapped.get_results()]

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN every branch's result came back in index order
    assert run.result == [["p", "p"], [1, 4, 9]]
    assert service.operations[op_id(1)]["SubType"] == "Parallel"
    assert service.operations[op_id(2)]["SubType"] == "Map"


class SlowService(InMemoryDurableService):
    """The in-memory service with a round trip's latency on every checkpoint call."""

    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str, updates: list[Any]) -> Any:
        time.sleep(0.01)
        return super().checkpoint(durable_execution_arn, checkpoint_token, updates)


def test_gathered_steps_share_round_trips():
    # GIVEN 20 steps gathered against a service with 10 ms round trips
    service = SlowService()

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> Any:
        return await asyncio.gather(*(context.step(lambda _, i=i: i, name=f"s{i}") for i in range(20)))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN all succeeded, in far fewer calls than the 20 sequential steps would make
    assert run.result == list(range(20))
    assert len(service.updates_of(1)) == 40
    assert len(service.calls) <= 10


def test_many_gathered_child_contexts_each_awaiting_steps_complete(service: InMemoryDurableService):
    # GIVEN 60 child contexts gathered, each holding a thread while it awaits two steps of its own
    async def child(ctx: AsyncDurableContext) -> int:
        first = await ctx.step(lambda _: 1, name="one")
        return first + await ctx.step(lambda _: 2, name="two")

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> int:
        results = await asyncio.gather(*(context.run_in_child_context(child, name=f"c{i}") for i in range(60)))
        return sum(results)

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN every child completed (no operation waited for a thread held by its own parent)
    assert run.result == 180
    assert sum(op["Type"] == "CONTEXT" for op in service.operations.values()) == 60


class ThreadRecordingSerDes(JsonSerDes):
    """Plain JSON, remembering the thread each payload was read on."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def deserialize(self, data: str, serdes_context: Any) -> Any:
        self.threads.append(threading.current_thread().name)
        return super().deserialize(data, serdes_context)


def test_operations_run_on_the_loop_and_only_sync_bodies_on_a_worker_thread(service: InMemoryDurableService):
    # GIVEN a sync step, a wait and an async step, whose results are read back by a thread-recording serdes
    serdes = ThreadRecordingSerDes()
    config = StepConfig(serdes=serdes)
    bodies: list[str] = []

    def sync_body(_: Any) -> int:
        bodies.append(threading.current_thread().name)
        return 1

    async def async_body(_: Any) -> int:
        bodies.append(threading.current_thread().name)
        return 2

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> Any:
        first = await context.step(sync_body, name="first", config=config)
        await context.wait(Duration.from_seconds(1))
        return first + await context.step(async_body, name="second", config=config)

    # WHEN it runs to its end (the first step is replayed by invocation 2)
    run = run_to_completion(handler, {}, service=service)

    # THEN every result was read back on the loop's thread (the operation's logic runs there, fresh or
    # replayed); the sync body ran on a worker thread, the async one on the loop
    assert run.result == 3
    main = threading.main_thread().name
    assert serdes.threads == [main, main, main]  # "first" ran, "first" replayed, "second" ran
    assert bodies[0].startswith("durable-step")
    assert bodies[1] == main
    assert len(bodies) == 2
