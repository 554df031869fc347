"""context.map against the in-memory service: iterations, names, large results, suspension, 1,000 items, contextvars."""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Tracer

from powertools_durable import (
    CheckpointError,
    CompletionConfig,
    DurableContext,
    Duration,
    MapConfig,
    NestingType,
    ParallelConfig,
    durable_handler,
    get_durable_context,
)
from powertools_durable.local.memory import run_to_completion
from tests.functional.conftest import bind, invoke, op_id
from tests.functional.powertools.fakes import FakeTracerProvider


def double(ctx: DurableContext, item: int, index: int, items: Sequence[int]) -> int:
    return ctx.step(lambda _: item * 2, name="double")


def test_map_passes_item_index_and_items_and_records_iterations(service):
    seen: list[tuple[int, int, int]] = []

    @bind(service)
    def handler(event: list[int], context: DurableContext) -> list[int]:
        def add(ctx: DurableContext, item: int, index: int, items: Sequence[int]) -> int:
            seen.append((item, index, len(items)))
            return item + index

        return context.map(event, add, name="adds", config=MapConfig(max_concurrency=1)).get_results()

    run = run_to_completion(handler, [10, 20, 30], service=service)
    assert run.result == [10, 21, 32]
    assert seen == [(10, 0, 3), (20, 1, 3), (30, 2, 3)]
    parent = op_id(1)
    assert service.operations[parent]["SubType"] == "Map"
    assert service.operations[parent]["Name"] == "adds"
    iterations = [service.operations[op_id(i, parent)] for i in range(3)]
    assert [(op["SubType"], op["Name"], op["ParentId"]) for op in iterations] == [
        ("MapIteration", f"map-item-{i}", parent) for i in range(3)
    ]


def test_map_name_defaults_to_the_durable_function_name_and_item_namer_names_iterations(service):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[int]:
        config: MapConfig[int] = MapConfig(item_namer=lambda item, index: f"order-{item}-{index}")
        return context.map([7, 8], double, config=config).get_results()

    assert run_to_completion(handler, {}, service=service).result == [14, 16]
    names = sorted(op["Name"] for op in service.operations.values() if op.get("SubType") == "MapIteration")
    assert names == ["order-7-0", "order-8-1"]


def test_empty_map(service):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[Any]:
        result = context.map([], double)
        return [result.total_count, result.completion_reason.value, result.get_results()]

    assert run_to_completion(handler, {}, service=service).result == [0, "ALL_COMPLETED", []]


def test_failure_percentage_tolerance(service):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[Any]:
        def fails_odd(ctx: DurableContext, item: int, index: int, items: Sequence[int]) -> int:
            if item % 2:
                raise ValueError(f"odd {item}")
            return item

        config: MapConfig[int] = MapConfig(
            max_concurrency=1, completion_config=CompletionConfig(tolerated_failure_percentage=40)
        )
        result = context.map([0, 1, 2, 3, 4, 5], fails_odd, config=config)
        return [result.completion_reason.value, result.success_count, result.failure_count, result.total_count]

    # 1/6 and 2/6 stay under 40 %, the third failure (3/6 = 50 %) exceeds it and nothing more starts
    assert run_to_completion(handler, {}, service=service).result == ["FAILURE_TOLERANCE_EXCEEDED", 3, 3, 6]


def test_a_map_suspended_on_a_wait_inside_an_iteration_resumes(service):
    # GIVEN three concurrent iterations, the middle one waiting between two steps
    runs: Counter[str] = Counter()
    lock = threading.Lock()

    def record(label: str) -> str:
        with lock:
            runs[label] += 1
        return label

    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[str]:
        def body(ctx: DurableContext, item: str, index: int, items: Sequence[str]) -> str:
            first = ctx.step(lambda _: record(f"{item}-1"), name="first")
            if index == 1:
                ctx.wait(Duration.from_seconds(30))
            return first + "/" + ctx.step(lambda _: record(f"{item}-2"), name="second")

        return context.map(["a", "b", "c"], body).get_results()

    # WHEN the first invocation runs
    service.start({})
    assert invoke(handler, service) == {"Status": "PENDING"}
    # THEN the other iterations finished before it suspended
    parent = op_id(1)
    statuses = [service.operations[op_id(i, parent)]["Status"] for i in range(3)]
    assert statuses == ["SUCCEEDED", "STARTED", "SUCCEEDED"]
    assert service.operations[parent]["Status"] == "STARTED"

    # WHEN the wait is over and the next invocation runs
    assert service.advance()
    output = invoke(handler, service)

    # THEN only the waiting iteration's remaining step ran
    assert output == {"Status": "SUCCEEDED", "Result": json.dumps(["a-1/a-2", "b-1/b-2", "c-1/c-2"])}
    assert runs == Counter({"a-1": 1, "a-2": 1, "b-1": 1, "b-2": 1, "c-1": 1, "c-2": 1})


def test_large_result_goes_through_summary_generator_and_replays(service):
    # GIVEN iterations returning ~70 KB each (the batch exceeds the 256 KiB checkpoint limit)
    runs: list[int] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[Any]:
        def big(ctx: DurableContext, item: int, index: int, items: Sequence[int]) -> str:
            runs.append(index)
            return str(index) * 70_000

        config: MapConfig[int] = MapConfig(max_concurrency=2, summary_generator=lambda r: f"{r.success_count} big")
        result = context.map([0, 1, 2, 3], big, config=config)
        context.wait(Duration.from_seconds(5))
        return [len(v) for v in result.get_results()] + [result.completion_reason.value]

    # WHEN it runs across the wait
    run = run_to_completion(handler, {}, service=service)

    # THEN the Map SUCCEED holds the completion record with the user's summary, marked ReplayChildren
    assert run.result == [70_000] * 4 + ["ALL_COMPLETED"]
    details = service.operations[op_id(1)]["ContextDetails"]
    assert details["ReplayChildren"] is True
    summary = json.loads(details["Result"])
    assert summary["type"] == "MapResult"
    assert summary["summary"] == "4 big"
    assert (summary["totalCount"], summary["completionReason"], summary["startedIndexes"]) == (4, "ALL_COMPLETED", [])
    # AND the replay rebuilt the result from the iterations' checkpoints without running them again
    assert sorted(runs) == [0, 1, 2, 3]


def test_nested_map_inside_parallel(service):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[Any]:
        def squares(ctx: DurableContext) -> list[int]:
            def square(c: DurableContext, item: int, index: int, items: Sequence[int]) -> int:
                c.wait(Duration.from_seconds(1)) if item == 2 else None
                return c.step(lambda _: item * item, name="square")

            return ctx.map([1, 2, 3], square, name="squares").get_results()

        result = context.parallel([squares, lambda ctx: ctx.step(lambda _: "side", name="side")], name="outer")
        return result.get_results()

    run = run_to_completion(handler, {}, service=service)
    assert run.result == [[1, 4, 9], "side"]
    outer = op_id(1)
    inner_map = op_id(1, op_id(0, outer))
    assert service.operations[inner_map]["SubType"] == "Map"
    assert service.operations[inner_map]["ParentId"] == op_id(0, outer)
    assert service.operations[op_id(2, inner_map)]["ParentId"] == inner_map


def test_flat_map_iterations_record_only_their_operations(service):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[int]:
        config: MapConfig[int] = MapConfig(nesting_type=NestingType.FLAT)
        return context.map([1, 2, 3], double, config=config).get_results()

    assert run_to_completion(handler, {}, service=service).result == [2, 4, 6]
    parent = op_id(1)
    steps = [op for op in service.operations.values() if op["Type"] == "STEP"]
    assert len(steps) == 3
    assert all(op["ParentId"] == parent for op in steps)
    assert not [op for op in service.operations.values() if op.get("SubType") == "MapIteration"]


def test_thousand_items_lose_and_duplicate_no_update(service):
    # GIVEN 1,000 one-step iterations, 100 in flight
    @bind(service)
    def handler(event: Any, context: DurableContext) -> int:
        result = context.map(list(range(1000)), double, config=MapConfig(max_concurrency=100))
        assert result.get_results() == [i * 2 for i in range(1000)]
        return result.success_count

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN every iteration and every step was recorded exactly once, START before SUCCEED
    assert run.result == 1000
    updates = [(u["Id"], u["Action"]) for call in service.calls for u in call.updates]
    assert len(updates) == len(set(updates)) == 2 + 1000 * 4
    parent = op_id(1)
    for index in range(1000):
        iteration = op_id(index, parent)
        step = op_id(1, iteration)
        assert updates.index((iteration, "START")) < updates.index((step, "START"))
        assert updates.index((step, "SUCCEED")) < updates.index((iteration, "SUCCEED"))
        assert service.operations[step]["StepDetails"]["Result"] == str(index * 2)
    assert updates[0] == (parent, "START")
    assert updates[-1] == (parent, "SUCCEED")


def test_a_failed_checkpoint_in_a_branch_fails_the_invocation(service):
    # GIVEN iterations whose checkpoints start failing after the first call
    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[int]:
        config: MapConfig[int] = MapConfig(completion_config=CompletionConfig.all_completed())
        return context.map([1, 2, 3], double, config=config).get_results()

    service.start({})
    service.fail_next_checkpoints = 1

    # WHEN it runs / THEN the checkpoint error escapes: not an item failure, Lambda retries the invocation
    with pytest.raises(CheckpointError):
        invoke(handler, service)
    assert invoke(handler, service) == {"Status": "SUCCEEDED", "Result": "[2, 4, 6]"}


def test_contextvars_inside_branches(service, lambda_context):
    # GIVEN a Powertools Logger and Tracer, and iterations that log, trace a step and look up their context
    Tracer._reset_config()
    provider = FakeTracerProvider()
    tracer = Tracer(service="orders", provider=provider, disabled=False, auto_patch=False)
    stream = io.StringIO()
    logger = Logger(service=f"svc-{uuid.uuid4().hex[:8]}", stream=stream)
    contexts: dict[int, bool] = {}

    def body(ctx: DurableContext, item: str, index: int, items: Sequence[str]) -> str:
        contexts[index] = get_durable_context() is ctx
        logger.info(f"iteration {item}")
        value = ctx.step(lambda step: step.logger.info(f"step {item}") or item, name=f"step-{item}")
        if index == 0:
            ctx.wait(Duration.from_seconds(5))
        return value

    def workflow(event: Any, context: DurableContext) -> list[str]:
        logger.info("start")
        return context.map(["a", "b"], body).get_results()

    handler = durable_handler(workflow, logger=logger, tracer=tracer, service_client=service)

    # WHEN it runs over two invocations
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)
    Tracer._reset_config()

    # THEN get_durable_context() was each iteration's own context
    assert run.result == ["a", "b"]
    assert contexts == {0: True, 1: True}
    # AND each line was written once (replayed iteration code is silent), with the durable keys
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert sorted(r["message"] for r in records) == ["iteration a", "iteration b", "start", "step a", "step b"]
    assert all(r["durable_execution_arn"] == service.durable_execution_arn for r in records)
    step_records = {r["message"]: r for r in records if r["message"].startswith("step")}
    assert step_records["step a"]["operation_name"] == "step-a"
    assert step_records["step b"]["operation_id"] == op_id(1, op_id(1, op_id(1)))
    # AND each executed step got one subsegment, and each run of the map and of an iteration one
    # (iteration a, suspended in its wait, runs again in the second invocation; b, finished, does not)
    names = sorted(s.name for s in provider.subsegments)
    assert names == ["## Map", "## Map", "## map-item-0", "## map-item-0", "## map-item-1", "## step-a", "## step-b"]


def test_item_serdes_writes_the_iterations_and_the_default_writes_the_batch(service):
    from powertools_durable import JsonSerDes

    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[Any]:
        config = ParallelConfig(item_serdes=JsonSerDes())
        return context.parallel([lambda c: {"k": 1}], config=config).get_results()

    assert run_to_completion(handler, {}, service=service).result == [{"k": 1}]
    assert service.operations[op_id(0, op_id(1))]["ContextDetails"]["Result"] == '{"k": 1}'
    assert service.operations[op_id(1)]["ContextDetails"]["Result"].startswith('{"t":"br"')


def test_a_map_that_cannot_start_a_thread_fails_instead_of_hanging(service, monkeypatch):
    # GIVEN a process that can start the first branch thread but no other
    from powertools_durable.concurrency import threads

    real = threads.spawn
    spawned: list[int] = []

    def spawn_once(task: Any) -> None:
        if spawned:
            raise RuntimeError("can't start new thread")
        spawned.append(1)
        real(task)

    monkeypatch.setattr(threads, "spawn", spawn_once)

    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[int]:
        return context.map([1, 2, 3], double, config=MapConfig(max_concurrency=3)).get_results()

    # WHEN it runs / THEN the map fails with that error (its own FAIL recorded) and the invocation ends
    run = run_to_completion(handler, {}, service=service)
    assert run.status == "FAILED"
    assert "can't start new thread" in json.dumps(run.error)
    assert service.operations[op_id(1)]["Status"] == "FAILED"


def test_maps_nested_two_deep_at_full_concurrency_complete(service):
    # GIVEN 20 iterations at once, each running its own 5-wide map (every outer worker holds its thread)
    @bind(service)
    def handler(event: Any, context: DurableContext) -> int:
        def outer(ctx: DurableContext, item: int, index: int, items: Sequence[int]) -> int:
            inner = ctx.map([item * 10 + n for n in range(5)], double, config=MapConfig(max_concurrency=5))
            return sum(inner.get_results())

        return sum(context.map(list(range(20)), outer, config=MapConfig(max_concurrency=20)).get_results())

    # WHEN it runs / THEN every inner step ran once and the sum is exact
    run = run_to_completion(handler, {}, service=service)
    assert run.result == sum(2 * (i * 10 + n) for i in range(20) for n in range(5))
    assert len([op for op in service.operations.values() if op["Type"] == "STEP"]) == 100


def test_an_unbounded_map_starts_every_iteration_even_when_each_suspends(service):
    # GIVEN 300 iterations, no max_concurrency, each waiting before its step
    from powertools_durable.concurrency.executor import UNBOUNDED_WORKERS

    assert UNBOUNDED_WORKERS < 300  # more iterations than threads

    @bind(service)
    def handler(event: Any, context: DurableContext) -> int:
        def waiting(ctx: DurableContext, item: int, index: int, items: Sequence[int]) -> int:
            ctx.wait(Duration.from_seconds(1))
            return ctx.step(lambda _: item * 2, name="double")

        return sum(context.map(list(range(300)), waiting).get_results())

    # WHEN the first invocation runs
    service.start({})
    first = invoke(handler, service)

    # THEN it suspended only after all 300 started and waited (a suspended one frees its thread)
    assert first["Status"] == "PENDING"
    assert len([op for op in service.operations.values() if op["Type"] == "WAIT"]) == 300
    # AND the next invocation, once the waits elapsed, resumes every iteration and completes
    assert service.advance()
    assert invoke(handler, service) == {"Status": "SUCCEEDED", "Result": str(sum(i * 2 for i in range(300)))}


def test_an_unbounded_map_runs_at_most_its_worker_count_at_once(service):
    # GIVEN 300 one-step iterations, no max_concurrency, counting how many run at the same time
    from powertools_durable.concurrency.executor import UNBOUNDED_WORKERS

    lock = threading.Lock()
    running = [0, 0]  # now, most

    @bind(service)
    def handler(event: Any, context: DurableContext) -> int:
        def counted(ctx: DurableContext, item: int, index: int, items: Sequence[int]) -> int:
            with lock:
                running[0] += 1
                running[1] = max(running[1], running[0])
            try:
                return ctx.step(lambda _: item, name="same")
            finally:
                with lock:
                    running[0] -= 1

        return sum(context.map(list(range(300)), counted).get_results())

    # WHEN it runs / THEN every item ran, never more than UNBOUNDED_WORKERS at once
    assert run_to_completion(handler, {}, service=service).result == sum(range(300))
    assert 1 <= running[1] <= UNBOUNDED_WORKERS
